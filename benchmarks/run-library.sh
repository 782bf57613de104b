#!/usr/bin/env bash
# End-to-end library benchmarks on local PostgreSQL servers, each contender measured in the same run:
#   library  closed loop: HikariCP vs Junction vs Spring AbstractRoutingDataSource vs ShardingSphere-JDBC
#   fenced   read-after-write latency in Junction.scope vs always-primary, replicas delayed 0/50/300 ms
#   scatter  sharded point lookup vs scatter ORDER BY LIMIT / GROUP BY at 1, 2 and 4 shards
# Writes benchmarks/results/{library,fenced,scatter}*.csv and docs/img/bench-{library-*,fenced,scatter}.png;
# every results file starts with its provenance (commit, dirty tree, versions, machine, load, time).
# About 15 + 4 + 4 minutes; --quick: one short round each, about 3 minutes, written to
# benchmarks/target/quick/ so it never overwrites the published results.
# --before COMMIT (library only): also runs Junction as built from COMMIT (router-core and router-jdbc, in
# their own class loader) in the same rounds, as contenders junction-*-before: a regression check in one run.
# Usage: benchmarks/run-library.sh [--quick] [--before COMMIT] [library] [fenced] [scatter]   (default: all three)
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
before=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --before) shift; before=$1 ;;
    library|fenced|scatter) parts+=("$1") ;;
    *) echo "unknown argument $1 (expected --quick, --before COMMIT, library, fenced, scatter)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#parts[@]} -gt 0 ] || parts=(library fenced scatter)
mvn -B -ntp -q -DskipTests -pl benchmarks -am package
# Run from a copy, so a rebuild during the run cannot swap classes under the JVM.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jar="$work/benchmarks.jar"
cp benchmarks/target/benchmarks.jar "$jar"
before_args=()
if [ -n "$before" ]; then
  # router-core and router-jdbc of that commit, built in a scratch copy (never installed)
  git archive "$before" | tar -x -C "$work" --one-top-level=before
  (cd "$work/before" && mvn -B -ntp -q -DskipTests -pl router-jdbc -am package)
  core=$(ls "$work"/before/router-core/target/router-core-*.jar | grep -v -e sources -e javadoc | head -1)
  jdbc=$(ls "$work"/before/router-jdbc/target/router-jdbc-*.jar | grep -v -e sources -e javadoc | head -1)
  before_args=(--before "$jdbc:$core")
  echo "before: $(git rev-parse --short "$before")"
fi
out=benchmarks/results
[ ${#quick[@]} -eq 0 ] || out=benchmarks/target/quick
for part in "${parts[@]}"; do
  provenance_begin "$jar"
  case "$part" in
    library) main=LibraryBenchmark ;;
    fenced) main=FencedReadBenchmark ;;
    scatter) main=ScatterBenchmark ;;
  esac
  args=()
  [ "$part" != library ] || args=("${before_args[@]}")
  java -Xms1g -Xmx2g -cp "$jar" "dev.junction.bench.library.$main" "${quick[@]}" "${args[@]}"
  provenance_stamp "$out"
  if [ "$part" = library ] && [ -n "$before" ]; then
    sed -i "1i # before: $(git rev-parse "$before")" "$out"/library*.csv "$out/library-meta.txt"
  fi
done
