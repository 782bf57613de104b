#!/usr/bin/env bash
# JMH hot-path benchmarks, one CSV per benchmark class in benchmarks/results/ (each with its
# provenance header), as quoted in docs/benchmarks.md:
#   jmh-classifier.csv      ClassifierBenchmark      statement classification: cached hit (ns/op) and uncached
#                                                     p50/p99 per statement shape, with same-run baselines (+ allocation)
#   jmh-route-decision.csv  RouteDecisionBenchmark   classification + replica choice, with and without a fence
#   jmh-ring.csv            ShardRingBenchmark       key -> shard on the consistent-hash ring
#   jmh-route.csv           ShardRouteBenchmark      a cached sharded plan bound to one execution
#   jmh-selectbypk.csv      SelectByPkBenchmark      one select by primary key through each contender
#                                                     (starts a local PostgreSQL; only with --with-db)
# About 10 minutes (7 more with --with-db). --quick: one short iteration each, into
# benchmarks/target/quick/, never over the published results.
# Usage: benchmarks/run-jmh.sh [--quick] [--with-db] [Class ...]
# MVN_OPTS_EXTRA is added to the build's mvn command (e.g. MVN_OPTS_EXTRA=-o to build offline).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/provenance.sh
out=benchmarks/results
iterations=(-f 1 -wi 3 -w 1 -i 5 -r 1)
with_db=false
classes=()
for arg in "$@"; do
  case "$arg" in
    --quick) out=benchmarks/target/quick; iterations=(-f 1 -wi 1 -w 1 -i 2 -r 1) ;;
    --with-db) with_db=true ;;
    -*) echo "unknown option $arg (expected --quick, --with-db)" >&2; exit 2 ;;
    *) classes+=("$arg") ;;
  esac
done
if [ ${#classes[@]} -eq 0 ]; then
  classes=(ClassifierBenchmark RouteDecisionBenchmark ShardRingBenchmark ShardRouteBenchmark)
  $with_db && classes+=(SelectByPkBenchmark)
fi
$with_db && ./junction.sh setup
mkdir -p "$out"
mvn -B -ntp -q ${MVN_OPTS_EXTRA:-} -DskipTests -pl benchmarks -am package
# Run from a copy, so a rebuild during the run cannot swap classes under the JVM.
jar=$(mktemp --suffix=.jar)
trap 'rm -f "$jar"' EXIT
cp benchmarks/target/benchmarks.jar "$jar"
provenance_begin "$jar"
for class in "${classes[@]}"; do
  case "$class" in
    ClassifierBenchmark) file=jmh-classifier.csv; prof=(-prof gc) ;;
    RouteDecisionBenchmark) file=jmh-route-decision.csv; prof=(-prof gc) ;;
    ShardRingBenchmark) file=jmh-ring.csv; prof=() ;;
    ShardRouteBenchmark) file=jmh-route.csv; prof=() ;;
    SelectByPkBenchmark) file=jmh-selectbypk.csv; prof=() ;;
    *) echo "unknown benchmark class $class" >&2; exit 2 ;;
  esac
  echo "[run-jmh] $class -> $out/$file"
  java -jar "$jar" "dev\.junction\.bench\.$class\." "${iterations[@]}" "${prof[@]}" -rf csv -rff "$out/$file"
done
provenance_stamp "$out"
echo "[run-jmh] done: $(ls "$out"/jmh-*.csv | tr '\n' ' ')"
