#!/usr/bin/env bash
# End-to-end library benchmarks on local PostgreSQL servers, each contender measured in the same run:
#   library  closed loop: HikariCP vs Junction vs Spring AbstractRoutingDataSource vs ShardingSphere-JDBC
#   fenced   read-after-write latency in Junction.scope vs always-primary, replicas delayed 0/50/300 ms
#   scatter  sharded point lookup vs scatter ORDER BY LIMIT / GROUP BY at 1, 2 and 4 shards
# Writes benchmarks/results/{library,fenced,scatter}*.csv and docs/img/bench-{library-*,fenced,scatter}.png;
# every results file starts with its provenance (commit, dirty tree, versions, machine, load, time).
# About 15 + 4 + 4 minutes; --quick: one short round each, about 3 minutes, written to
# benchmarks/target/quick/ so it never overwrites the published results.
# Usage: benchmarks/run-library.sh [--quick] [library] [fenced] [scatter]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/provenance.sh
./junction.sh setup
if ! command -v gnuplot >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends gnuplot-nox
fi
quick=()
parts=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    library|fenced|scatter) parts+=("$arg") ;;
    *) echo "unknown argument $arg (expected --quick, library, fenced, scatter)" >&2; exit 2 ;;
  esac
done
[ ${#parts[@]} -gt 0 ] || parts=(library fenced scatter)
mvn -B -ntp -q -DskipTests -pl benchmarks -am package
# Run from a copy, so a rebuild during the run cannot swap classes under the JVM.
jar=$(mktemp --suffix=.jar)
trap 'rm -f "$jar"' EXIT
cp benchmarks/target/benchmarks.jar "$jar"
out=benchmarks/results
[ ${#quick[@]} -eq 0 ] || out=benchmarks/target/quick
for part in "${parts[@]}"; do
  provenance_begin "$jar"
  case "$part" in
    library) main=LibraryBenchmark ;;
    fenced) main=FencedReadBenchmark ;;
    scatter) main=ScatterBenchmark ;;
  esac
  java -Xms1g -Xmx2g -cp "$jar" "dev.junction.bench.library.$main" "${quick[@]}"
  provenance_stamp "$out"
done
