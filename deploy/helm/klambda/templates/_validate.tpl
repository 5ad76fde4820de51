{{/* Checks across values that values.schema.json cannot express; fails the render with the value's name. */}}
{{- define "klambda.validate" -}}
{{- $namespaces := dict -}}
{{- $accounts := dict -}}
{{- $keys := dict -}}
{{- range $i, $tenant := .Values.tenants }}
{{- if hasKey $namespaces $tenant.namespace }}
{{- fail (printf "tenants[%d].namespace: %s is already the namespace of another tenant" $i $tenant.namespace) }}
{{- end }}
{{- $_ := set $namespaces $tenant.namespace true }}
{{- if hasKey $accounts $tenant.accountId }}
{{- fail (printf "tenants[%d].accountId: %s is already the account of another tenant" $i $tenant.accountId) }}
{{- end }}
{{- $_ := set $accounts $tenant.accountId true }}
{{- range $j, $key := $tenant.accessKeys }}
{{- if hasKey $keys $key.id }}
{{- fail (printf "tenants[%d].accessKeys[%d].id: access key %s is already in use" $i $j $key.id) }}
{{- end }}
{{- $_ := set $keys $key.id true }}
{{- end }}
{{- end }}
{{- end -}}
