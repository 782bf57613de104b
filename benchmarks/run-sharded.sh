#!/usr/bin/env bash
# Sharded statements end to end (issue #12): the application choosing the shard itself (a HikariCP
# pool per shard, the baseline) vs Junction's sharded RoutingDataSource vs ShardingSphere-JDBC's
# sharding (id % N, INLINE, on the same key), over the same tables on the same local PostgreSQL servers, rounds
# interleaved. Workloads: point lookup and point update by key, scatter ORDER BY ... LIMIT 10 and
# scatter COUNT(*), at 2 and 4 shards, 1 and 4 client threads. The three must return the same rows
# before anything is timed (ShardedPeerBenchmark.verify).
# Writes benchmarks/results/sharded/{sharded.csv,sharded-rounds.csv,sharded-meta.txt,sharded.md}, each
# headed by its provenance (commit, dirty tree, versions, machine, load, time). About 15 minutes with the
# build (20 at load average 40).
#   --quick   one short round into benchmarks/target/quick/sharded/ (about 4 minutes), never the published results
# Usage: benchmarks/run-sharded.sh [--quick] [-- extra args for ShardedPeerBenchmark, e.g. --rounds 12 --threads 1,4,16]
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/provenance.sh
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ./junction.sh setup
quick=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown argument $1 (expected --quick or -- extra args)" >&2; exit 2 ;;
  esac
  shift
done
mvn -B -ntp -q -DskipTests -pl benchmarks -am package
# Run from a copy, so a rebuild during the run cannot swap classes under the JVM.
jar=$(mktemp --suffix=.jar)
trap 'rm -f "$jar"' EXIT
cp benchmarks/target/benchmarks.jar "$jar"
out=benchmarks/results/sharded
[ ${#quick[@]} -eq 0 ] || out=benchmarks/target/quick/sharded
provenance_begin "$jar"
java -Xms1g -Xmx2g -cp "$jar" dev.junction.bench.library.ShardedPeerBenchmark "${quick[@]}" --out "$out" "${extra[@]}"
header=$(provenance_header)
provenance_stamp "$out"
# The markdown table gets the same provenance, as a quoted block above the table.
md="$out/sharded.md"
{ printf '%s\n' "$header" | sed 's/^# /> /; s/$/  /'; echo; cat "$md"; } > "$md.tmp" && mv "$md.tmp" "$md"
cat "$md"
