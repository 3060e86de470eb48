#!/usr/bin/env bash
# Starts the whole suite on this machine with embedded defaults: a real Kafka broker (KRaft), PostgreSQL and
# Apicurio Registry, then every service. Prints where each listens; Ctrl-C stops everything. Submits nothing.
#
#   deploy/run-local.sh [--home DIR] [--no-services] [--skip-build] [--with-monitoring] [--kafka-sasl-ssl]
#
# --with-monitoring also starts Prometheus (installed from Debian's package when missing) with the shipped
# configuration and rules, scraping every service, and prints its URL.
# --kafka-sasl-ssl runs every service against Kafka's SASL_SSL listener (SCRAM-SHA-512 over TLS, a CA made for this
# folder), each as its own user; the plaintext listener stays open for your own tools.
# Data stays in .local/ (or DIR) across runs; delete the folder to start from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=deploy/lib/prerequisites.sh
source deploy/lib/prerequisites.sh
stackl_check_prerequisites

build=true
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) build=false ;;
    --home) args+=("--home" "$2"); shift ;;
    --no-services) args+=("--no-services") ;;
    --kafka-sasl-ssl) args+=("--kafka-sasl-ssl") ;;
    --with-monitoring) args+=("--with-monitoring"); stackl_install_prometheus ;;
    *) echo "unknown argument: $1 (usage: deploy/run-local.sh [--home DIR] [--no-services] [--skip-build] [--with-monitoring] [--kafka-sasl-ssl])" >&2; exit 2 ;;
  esac
  shift
done

if $build; then
  echo "Building (./mvnw package -DskipTests) ..."
  ./mvnw -B -q package -DskipTests
fi

classpath_file=deploy/local-infra/target/kafka-classpath.txt
[ -r "$classpath_file" ] || { echo "missing $classpath_file: run without --skip-build" >&2; exit 1; }

STACKL_JAVA21_HOME="$(stackl_find_java21)"
export STACKL_JAVA21_HOME
exec java -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "deploy/local-infra/target/classes:$(cat "$classpath_file")" \
  io.stackl.tasks.infra.LocalRunMain --project-root . "${args[@]}"
