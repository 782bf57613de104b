#!/usr/bin/env bash
# Resharding copy throughput against a plain COPY and INSERT ... SELECT of the same rows on the same
# PostgreSQL servers, and the cut-over pause (no load). Writes benchmarks/results/reshard.csv and
# reshard-meta.txt (commit, versions, machine load). Not a test: a measurement.
# Usage: benchmarks/run-reshard.sh [rows]   (default 200000; --quick: 20000 rows into benchmarks/target/quick/)
set -euo pipefail
cd "$(dirname "$0")/.."
./junction.sh setup
rows=200000
out=benchmarks/results
if [ "${1:-}" = "--quick" ]; then rows=20000; out=benchmarks/target/quick; elif [ -n "${1:-}" ]; then rows=$1; fi
mvn -B -ntp -q -DskipTests -pl benchmarks -am package
jar=$(mktemp --suffix=.jar)
cp benchmarks/target/benchmarks.jar "$jar"
java -cp "$jar" dev.junction.bench.reshard.ReshardBenchmark "$rows" "$out"
rm -f "$jar"
