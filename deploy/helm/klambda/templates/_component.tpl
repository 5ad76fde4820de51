{{/*
The objects every component has: a ServiceAccount, a Deployment, a Service and, with more than one
replica, a PodDisruptionBudget. Argument: a dict with
  root          the chart's root context ($)
  component     controller, invoker or poller
  servicePort   the Service's port (to the container's port 8080)
  env           the component's own environment variables, as YAML list items
  volumeMounts  its own volume mounts, as YAML list items
  volumes       its own volumes, as YAML list items
*/}}
{{- define "klambda.component" -}}
{{- $root := .root -}}
{{- $values := index $root.Values .component -}}
{{- $name := include "klambda.componentName" . -}}
{{- $context := dict "root" $root "component" .component -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "klambda.componentLabels" $context | nindent 4 }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "klambda.componentLabels" $context | nindent 4 }}
spec:
  replicas: {{ $values.replicas }}
  selector:
    matchLabels:
      {{- include "klambda.selectorLabels" $context | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "klambda.componentLabels" $context | nindent 8 }}
      annotations:
        # Pods restart when the configuration they read at start changes.
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $name }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
        {{- with $root.Values.podSecurityContext }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "klambda.image" (dict "root" $root "name" .component) | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          env:
            {{- include "klambda.configEnv" $root | nindent 12 }}
            {{- with .env }}
            {{- . | trim | nindent 12 }}
            {{- end }}
          livenessProbe:
            httpGet:
              path: /q/health/live
              port: http
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /q/health/ready
              port: http
            periodSeconds: 5
            failureThreshold: 3
          startupProbe:
            httpGet:
              path: /q/health/started
              port: http
            periodSeconds: 2
            failureThreshold: 60
          {{- with $values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            runAsNonRoot: true
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities:
              drop:
                - ALL
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: config
              mountPath: /etc/klambda
              readOnly: true
            - name: tmp
              mountPath: /tmp
            {{- with .volumeMounts }}
            {{- . | trim | nindent 12 }}
            {{- end }}
      volumes:
        - name: config
          configMap:
            name: {{ include "klambda.fullname" $root }}-config
        - name: tmp
          emptyDir: {}
        {{- with .volumes }}
        {{- . | trim | nindent 8 }}
        {{- end }}
      affinity:
        podAntiAffinity:
          # Spread replicas over nodes when the cluster has room, so that losing a node loses one.
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- include "klambda.selectorLabels" $context | nindent 20 }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "klambda.componentLabels" $context | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "klambda.selectorLabels" $context | nindent 4 }}
  ports:
    - name: http
      port: {{ .servicePort }}
      targetPort: http
      protocol: TCP
{{- if gt (int $values.replicas) 1 }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "klambda.componentLabels" $context | nindent 4 }}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      {{- include "klambda.selectorLabels" $context | nindent 6 }}
{{- end }}
{{- end -}}
