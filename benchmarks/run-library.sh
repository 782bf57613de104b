#!/usr/bin/env bash
# Library overhead (closed loop: HikariCP vs Junction vs Spring AbstractRoutingDataSource vs
# ShardingSphere-JDBC 5.5.2) and fenced read-after-write latency, on local PostgreSQL servers in one
# run. Writes benchmarks/results/library*.csv, fenced*.csv and docs/img/bench-library-*.png,
# docs/img/bench-fenced.png. About 20 minutes; --quick: one short round, about 2 minutes.
# Usage: benchmarks/run-library.sh [--quick] [--library-only | --fenced-only]
set -euo pipefail
cd "$(dirname "$0")/.."
./junction.sh setup
if ! command -v gnuplot >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends gnuplot-nox
fi
mvn -B -ntp -q -DskipTests -pl benchmarks -am package
# Run from a copy, so a rebuild during the run cannot swap classes under the JVM.
jar=$(mktemp --suffix=.jar)
trap 'rm -f "$jar"' EXIT
cp benchmarks/target/benchmarks.jar "$jar"
quick=()
library=1; fenced=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    --library-only) fenced=0 ;;
    --fenced-only) library=0 ;;
    *) echo "unknown argument $arg" >&2; exit 2 ;;
  esac
done
[ "$library" -eq 0 ] || java -Xms1g -Xmx2g -cp "$jar" dev.junction.bench.library.LibraryBenchmark "${quick[@]}"
[ "$fenced" -eq 0 ] || java -Xms1g -Xmx2g -cp "$jar" dev.junction.bench.library.FencedReadBenchmark "${quick[@]}"
