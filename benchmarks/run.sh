#!/usr/bin/env bash
# How fast is Stackl Tasks, against Kafka itself, in one run. Builds what it needs, starts Kafka, PostgreSQL, the
# schema registry and the four services as processes, runs every cell (raw Kafka baselines first), prints Markdown
# tables, writes the raw figures as JSON under benchmarks/target/, and stops everything it started (also on Ctrl-C).
#
#   benchmarks/run.sh [--quick] [--only raw,noop,locks,documents,timeouts] [--skip-build]
#
# --quick: about 3 minutes once built (the full run: at most 20). Figures move between runs on a busy machine: compare
# the ratios to the baselines of the same run, not raw figures of different runs.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=deploy/lib/prerequisites.sh
source deploy/lib/prerequisites.sh
stackl_check_prerequisites

usage="usage: benchmarks/run.sh [--quick] [--only raw,noop,locks,documents,timeouts] [--skip-build]"
build=true
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) build=false ;;
    --quick) args+=("--quick") ;;
    --only) args+=("--only" "${2:?$usage}"); shift ;;
    *) echo "unknown argument: $1 ($usage)" >&2; exit 2 ;;
  esac
  shift
done

if $build; then
  echo "Building (./mvnw install -DskipTests) ..."
  ./mvnw -B -q install -DskipTests
fi

classpath_file=benchmarks/target/benchmark-classpath.txt
[ -r "$classpath_file" ] || { echo "missing $classpath_file: run without --skip-build" >&2; exit 1; }

STACKL_JAVA21_HOME="$(stackl_find_java21)"
export STACKL_JAVA21_HOME
# exec: Ctrl-C reaches the harness itself, whose shutdown hook stops the services and the infrastructure.
exec java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "benchmarks/target/classes:$(cat "$classpath_file")" \
  io.stackl.tasks.bench.Benchmarks --project-root . "${args[@]}"
