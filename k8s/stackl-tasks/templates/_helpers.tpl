{{/* Names: <release>-<service>, shortened to Kubernetes' 63 characters. */}}
{{- define "stackl.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .service | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "stackl.labels" -}}
app.kubernetes.io/name: {{ .service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: stackl-tasks
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "stackl.selector" -}}
app.kubernetes.io/name: {{ .service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "stackl.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .service (toString (default .root.Chart.AppVersion .root.Values.image.tag)) -}}
{{- end -}}

{{/* The infrastructure every service reaches; rendering fails naming the value to set. */}}
{{- define "stackl.commonEnv" -}}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ required "kafka.bootstrapServers is required (your Kafka's bootstrap servers)" .Values.kafka.bootstrapServers | quote }}
- name: SCHEMA_REGISTRY_URL
  value: {{ required "schemaRegistry.url is required (Apicurio Registry's /apis/registry/v3 URL)" .Values.schemaRegistry.url | quote }}
{{- with .Values.schemaRegistry.existingSecret }}
- name: SCHEMA_REGISTRY_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: username
- name: SCHEMA_REGISTRY_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: password
{{- end }}
{{- end -}}

{{/* For the services that create topics: one partition count everywhere (co-partitioning), one replication factor. */}}
{{- define "stackl.topicEnv" -}}
- name: TASKS_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
- name: TASKS_REPLICATION_FACTOR
  value: {{ .Values.kafka.replicationFactor | quote }}
{{- end -}}

{{/* The task topics the broker accepts, and the history service sends compensation work for. */}}
{{- define "stackl.taskTopicsEnv" -}}
- name: TASKS_BROKER_TASK_TOPICS
  value: {{ join "," .Values.taskTopics | quote }}
{{- end -}}

{{- define "stackl.dbEnv" -}}
- name: DB_JDBC_URL
  value: {{ required "postgresql.jdbcUrl is required (jdbc:postgresql://host:5432/database)" .Values.postgresql.jdbcUrl | quote }}
- name: DB_USERNAME
  value: {{ .Values.postgresql.username | quote }}
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default (include "stackl.fullname" (dict "root" . "service" "database")) .Values.postgresql.existingSecret }}
      key: {{ .Values.postgresql.passwordKey }}
{{- end -}}

{{/*
Service tokens of the internal APIs, from the user's Secret (internalApi.existingSecret). Arguments: root, tokens (the Secret's keys this service
needs: broker-gateway, broker-peer, history-gateway, history-worker), as the variables both sides read. Starts with a
newline: trim it.
*/}}
{{- define "stackl.internalTokenEnv" -}}
{{- $secret := required "internalApi.existingSecret is required: a Secret with keys broker-gateway, broker-peer, history-gateway, history-worker, each a random token of 32 characters or more (values.yaml shows a command that makes one)" .root.Values.internalApi.existingSecret -}}
{{- $variables := dict "broker-gateway" "TASKS_BROKER_TOKEN_GATEWAY" "broker-peer" "TASKS_BROKER_TOKEN_PEER"
      "history-gateway" "TASKS_HISTORY_TOKEN_GATEWAY" "history-worker" "TASKS_HISTORY_TOKEN_WORKER" -}}
{{- range .tokens }}
- name: {{ get $variables . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ . }}
{{- end }}
{{- end -}}

{{/*
Kafka authentication and TLS (kafka.security): the variables every client reads (KafkaSecurity in the schemas module),
credentials and certificates from Secrets of yours, each service with its own user and, for mutual TLS, its own key.
Arguments: root, service. Each starts with a newline or is empty.
*/}}
{{- define "stackl.kafkaShortName" -}}
{{- .service | replace "api-" "" | replace "task-" "" | replace "-service" "" -}}
{{- end -}}

{{- define "stackl.kafkaEnv" -}}
{{- $security := .root.Values.kafka.security -}}
{{- $short := include "stackl.kafkaShortName" . -}}
{{- if ne $security.protocol "PLAINTEXT" }}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ $security.protocol | quote }}
{{- end }}
{{- if hasPrefix "SASL_" $security.protocol }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $security.saslMechanism | quote }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.security.saslSecret is required with a SASL protocol" $security.saslSecret }}
      key: {{ $short }}-username
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $security.saslSecret }}
      key: {{ $short }}-password
{{- end }}
{{- if and (hasSuffix "SSL" $security.protocol) $security.caSecret }}
- name: KAFKA_SSL_CA_FILE
  value: /etc/stackl/kafka-ca/ca.crt
{{- end }}
{{- if and (hasSuffix "SSL" $security.protocol) $security.clientCertSecret }}
- name: KAFKA_SSL_KEYSTORE_FILE
  value: /etc/stackl/kafka-client/{{ $short }}.pem
# Only if the key is encrypted: the same Secret's <service>-key-password.
- name: KAFKA_SSL_KEY_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $security.clientCertSecret }}
      key: {{ $short }}-key-password
      optional: true
{{- end }}
{{- end -}}

{{- define "stackl.kafkaMounts" -}}
{{- $security := .root.Values.kafka.security -}}
{{- if and (hasSuffix "SSL" $security.protocol) $security.caSecret }}
- name: kafka-ca
  mountPath: /etc/stackl/kafka-ca
  readOnly: true
{{- end }}
{{- if and (hasSuffix "SSL" $security.protocol) $security.clientCertSecret }}
- name: kafka-client
  mountPath: /etc/stackl/kafka-client
  readOnly: true
{{- end }}
{{- end -}}

{{/* The pod's volumes for stackl.kafkaMounts. Arguments: root, service (only its own key is mounted). */}}
{{- define "stackl.kafkaVolumes" -}}
{{- $security := .root.Values.kafka.security -}}
{{- $short := include "stackl.kafkaShortName" . -}}
{{- if and (hasSuffix "SSL" $security.protocol) $security.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ $security.caSecret }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- if and (hasSuffix "SSL" $security.protocol) $security.clientCertSecret }}
- name: kafka-client
  secret:
    secretName: {{ $security.clientCertSecret }}
    items:
      - key: {{ $short }}.pem
        path: {{ $short }}.pem
{{- end }}
{{- end -}}

{{/*
The container every service runs: the Quarkus fast-jar image, HTTP on 8080, health and metrics under /q.
Arguments: root, service, values (the service's block), env (its own variables, a YAML list string).
*/}}
{{- define "stackl.container" -}}
- name: {{ .service }}
  image: {{ include "stackl.image" . }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  ports:
    - name: http
      containerPort: 8080
  env:
    - name: HTTP_PORT
      value: "8080"
    {{- include "stackl.commonEnv" .root | nindent 4 }}
    {{- include "stackl.kafkaEnv" . | nindent 4 }}
    {{- with .env }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- range $name, $value := .values.env }}
    - name: {{ $name }}
      value: {{ $value | quote }}
    {{- end }}
  volumeMounts:
    {{- with .volumeMounts }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- include "stackl.kafkaMounts" . | nindent 4 }}
    # The root filesystem is read-only; the JVM, Vert.x and the native libraries of Kafka's compression and RocksDB
    # unpack into /tmp.
    - name: tmp
      mountPath: /tmp
  startupProbe:
    httpGet: {path: /q/health/started, port: http}
    periodSeconds: 2
    failureThreshold: 90
  readinessProbe:
    httpGet: {path: /q/health/ready, port: http}
    periodSeconds: 5
  livenessProbe:
    httpGet: {path: /q/health/live, port: http}
    periodSeconds: 10
    failureThreshold: 3
  resources:
    {{- toYaml .values.resources | nindent 4 }}
  securityContext:
    {{- include "stackl.mergedSecurityContext" (dict "base" .root.Values.securityContext "values" .values "key" "securityContext") | nindent 4 }}
{{- end -}}

{{/*
A security context: the chart-wide one with the service's keys laid over it, so that a service that changes one
setting keeps the others (and the pod stays within the "restricted" standard).
*/}}
{{- define "stackl.mergedSecurityContext" -}}
{{- $merged := deepCopy .base -}}
{{- with (get .values .key) }}{{ $merged = mergeOverwrite $merged (deepCopy .) }}{{ end -}}
{{- toYaml $merged -}}
{{- end -}}

{{/*
A scheduling value: the service's own when its block has the key (even empty, to clear the chart-wide one), else the
chart-wide one. As JSON {"value": ...}, since include returns text.
*/}}
{{- define "stackl.serviceOrChart" -}}
{{- if hasKey .values .key -}}
{{- dict "value" (get .values .key) | toJson -}}
{{- else -}}
{{- dict "value" (get .root.Values .key) | toJson -}}
{{- end -}}
{{- end -}}

{{/*
What every pod shares. Arguments: root, service, values (the service's block). Scheduling and security contexts come
from the service's block when it sets them, else from the chart-wide values.
*/}}
{{- define "stackl.podSpecCommon" -}}
{{- $values := .root.Values -}}
serviceAccountName: {{ include "stackl.serviceAccountName" .root }}
# The services never call the Kubernetes API.
automountServiceAccountToken: false
{{- with $values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- include "stackl.mergedSecurityContext" (dict "base" $values.podSecurityContext "values" .values "key" "podSecurityContext") | nindent 2 }}
{{- with (include "stackl.serviceOrChart" (dict "root" .root "values" .values "key" "nodeSelector") | fromJson).value }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (include "stackl.serviceOrChart" (dict "root" .root "values" .values "key" "tolerations") | fromJson).value }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (include "stackl.serviceOrChart" (dict "root" .root "values" .values "key" "affinity") | fromJson).value }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if hasKey .values "topologySpreadConstraints" }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- else if $values.topologySpread.enabled }}
# Replicas of one service on different nodes where the cluster allows it, so that one node's loss takes one replica.
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: {{ $values.topologySpread.topologyKey }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "stackl.selector" . | nindent 8 }}
{{- end }}
{{- end -}}

{{- define "stackl.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (printf "%s-stackl-tasks" .Release.Name | trunc 63 | trimSuffix "-") .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* A ClusterIP Service on the http port, used for traffic and for scraping. */}}
{{- define "stackl.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "stackl.fullname" . }}
  labels:
    {{- include "stackl.labels" . | nindent 4 }}
spec:
  type: {{ .type | default "ClusterIP" }}
  selector:
    {{- include "stackl.selector" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .port | default 8080 }}
      targetPort: http
{{- end -}}

{{- define "stackl.pdb" -}}
{{- if .root.Values.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "stackl.fullname" . }}
  labels:
    {{- include "stackl.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .root.Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "stackl.selector" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy peers inside the release: the given services' pods and the `helm test` pod. */}}
{{- define "stackl.networkPolicy.ownPeers" -}}
{{- range .services }}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ . }}
      app.kubernetes.io/instance: {{ $.root.Release.Name }}
{{- end }}
- podSelector:
    matchLabels:
      app.kubernetes.io/instance: {{ .root.Release.Name }}
      app.kubernetes.io/component: test
{{- end }}
