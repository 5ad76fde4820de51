{{/* The chart name, or nameOverride. */}}
{{- define "klambda.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every resource name: fullnameOverride, else <release>-<name> (just <release> when it already says it). */}}
{{- define "klambda.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "klambda.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "klambda.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of everything the chart makes. */}}
{{- define "klambda.labels" -}}
helm.sh/chart: {{ include "klambda.chart" . }}
app.kubernetes.io/name: {{ include "klambda.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels of one component's objects. Argument: (dict "root" $ "component" "invoker"). */}}
{{- define "klambda.componentLabels" -}}
{{ include "klambda.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The labels that select one component's pods. Argument: (dict "root" $ "component" "invoker"). */}}
{{- define "klambda.selectorLabels" -}}
app.kubernetes.io/name: {{ include "klambda.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* A component's resource name and ServiceAccount name. Argument: (dict "root" $ "component" "invoker"). */}}
{{- define "klambda.componentName" -}}
{{- printf "%s-%s" (include "klambda.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The tag of every klambda image. */}}
{{- define "klambda.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{/* An image under image.registry, tagged image.tag. Argument: (dict "root" $ "name" "invoker"). */}}
{{- define "klambda.image" -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .name (include "klambda.tag" .root) -}}
{{- end -}}

{{/* A runtimeImages entry as an image reference: names without "/" live under image.registry. Argument: (dict "root" $ "image" "runtime-python3.12"). */}}
{{- define "klambda.runtimeImage" -}}
{{- if contains "/" .image -}}
{{- .image -}}
{{- else -}}
{{- include "klambda.image" (dict "root" .root "name" .image) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the key that signs code download URLs. */}}
{{- define "klambda.codeSigningSecret" -}}
{{- .Values.codeStore.signingKeySecret | default (printf "%s-code-signing" (include "klambda.fullname" .)) -}}
{{- end -}}

{{/* The PersistentVolumeClaim of the code store. */}}
{{- define "klambda.codeClaim" -}}
{{- .Values.codeStore.persistence.existingClaim | default (printf "%s-code" (include "klambda.fullname" .)) -}}
{{- end -}}

{{/* The environment variable that carries one tenant access key's secret. Argument: (list i j). */}}
{{- define "klambda.tenantKeyVariable" -}}
{{- printf "KLAMBDA_TENANT_%d_KEY_%d_SECRET" (index . 0) (index . 1) -}}
{{- end -}}

{{/* Environment of every component: where the shared configuration is. */}}
{{- define "klambda.configEnv" -}}
- name: QUARKUS_CONFIG_LOCATIONS
  value: /etc/klambda/application.properties
{{- end -}}

{{/* The tenants' access key secrets, as references to their Secrets (invoker and poller only). */}}
{{- define "klambda.tenantSecretEnv" -}}
{{- range $i, $tenant := .Values.tenants }}
{{- range $j, $key := $tenant.accessKeys }}
- name: {{ include "klambda.tenantKeyVariable" (list $i $j) }}
  valueFrom:
    secretKeyRef:
      name: {{ $key.secretRef.name | quote }}
      key: {{ $key.secretRef.key | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The SQS-compatible service's keys, when a Secret holds them (invoker and poller only). */}}
{{- define "klambda.sqsSecretEnv" -}}
{{- with .Values.sqs.credentialsSecret }}
- name: KLAMBDA_SQS_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: accessKeyId
- name: KLAMBDA_SQS_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: secretAccessKey
{{- end }}
{{- end -}}

{{/* The code signing key (controller and invoker only). */}}
{{- define "klambda.signingKeyEnv" -}}
- name: KLAMBDA_CODE_SIGNING_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "klambda.codeSigningSecret" . }}
      key: signing-key
{{- end -}}

{{/* Binds a component's Role or ClusterRole (named like the component) to its ServiceAccount. Argument: (dict "root" $ "component" "invoker" "kind" "ClusterRole"). */}}
{{- define "klambda.binding" -}}
{{- $name := include "klambda.componentName" . -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: {{ .kind }}Binding
metadata:
  name: {{ $name }}
  {{- if eq .kind "Role" }}
  namespace: {{ .root.Release.Namespace }}
  {{- end }}
  labels:
    {{- include "klambda.componentLabels" . | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: {{ .kind }}
  name: {{ $name }}
subjects:
  - kind: ServiceAccount
    name: {{ $name }}
    namespace: {{ .root.Release.Namespace }}
{{- end -}}
