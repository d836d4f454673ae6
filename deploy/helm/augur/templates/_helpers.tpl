{{/*
Names and labels, as `helm create` and the charts of KEDA and kube-prometheus-stack make them.
*/}}

{{/* The chart's name, or nameOverride. */}}
{{- define "augur.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of the release's objects: fullnameOverride, else the release name when it already
contains the chart's name (`helm install augur ...` gives "augur"), else "<release>-<name>".
Truncated to 63 characters (DNS label limit).
*/}}
{{- define "augur.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "augur-0.1.0", for the helm.sh/chart label. */}}
{{- define "augur.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels of every object. */}}
{{- define "augur.labels" -}}
helm.sh/chart: {{ include "augur.chart" . }}
{{ include "augur.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The labels that select the pod: never change them on upgrade (a Deployment's selector is immutable). */}}
{{- define "augur.selectorLabels" -}}
app.kubernetes.io/name: {{ include "augur.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount Augur runs as. */}}
{{- define "augur.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "augur.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag, or repository@digest when image.digest is set (tag defaults to appVersion). */}}
{{- define "augur.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
The pod spec of both workloads (the Deployment's `serve` and the CronJob's `run --once`).
Called with (dict "root" $ "args" (list ...) "serve" true|false).
*/}}
{{- define "augur.podSpec" -}}
{{- $root := .root -}}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
serviceAccountName: {{ include "augur.serviceAccountName" $root }}
# Augur reads the Kubernetes API (workloads, HPAs, quotas, nodes) with this token.
automountServiceAccountToken: true
enableServiceLinks: false
{{- with $root.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
# SIGTERM lets a running cycle finish (Augur waits up to 60 s for it), so give it that.
terminationGracePeriodSeconds: 90
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
containers:
  - name: augur
    image: {{ include "augur.image" $root }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args: {{ toJson .args }}
    env:
      # The Lease lives in the pod's own namespace.
      - name: POD_NAMESPACE
        valueFrom:
          fieldRef:
            fieldPath: metadata.namespace
      {{- if .serve }}
      # serve listens on 127.0.0.1 and this address, where the kubelet probes and the Service reach it.
      - name: POD_IP
        valueFrom:
          fieldRef:
            fieldPath: status.podIP
      {{- end }}
      - name: GITHUB_TOKEN
        valueFrom:
          secretKeyRef:
            name: {{ $root.Values.githubToken.secretName }}
            key: {{ $root.Values.githubToken.secretKey }}
      {{- with $root.Values.extraEnv }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    {{- if .serve }}
    ports:
      - name: http-metrics
        containerPort: 8080
        protocol: TCP
    livenessProbe:
      httpGet:
        path: /healthz
        port: http-metrics
      initialDelaySeconds: 10
      periodSeconds: 30
      timeoutSeconds: 5
      failureThreshold: 4
    readinessProbe:
      # Ready once the first cycle has run (successfully or not).
      httpGet:
        path: /readyz
        port: http-metrics
      periodSeconds: 15
      timeoutSeconds: 5
      failureThreshold: 2
    {{- end }}
    {{- with $root.Values.resources }}
    resources:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    securityContext:
      {{- toYaml $root.Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: config
        mountPath: /etc/augur
        readOnly: true
      - name: tmp
        mountPath: /tmp
      {{- with $root.Values.extraVolumeMounts }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
volumes:
  - name: config
    configMap:
      name: {{ include "augur.fullname" $root }}-config
  # The root filesystem is read-only: the git checkout lives here.
  - name: tmp
    emptyDir:
      sizeLimit: {{ $root.Values.tmpSizeLimit }}
  {{- with $root.Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod's metadata: selector labels, podLabels, the config checksum and podAnnotations. */}}
{{- define "augur.podMetadata" -}}
labels:
  {{- include "augur.selectorLabels" . | nindent 2 }}
  {{- with .Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  # A changed guardrails file rolls the pod (serve also reloads it in place).
  checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
  {{- with .Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
