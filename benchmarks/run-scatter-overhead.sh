#!/usr/bin/env bash
# Scatter overhead per extra shard (issue #12): a scatter read through Junction vs the same per-shard
# queries sent directly to 1..4 PostgreSQL shards in parallel (one HikariCP pool per shard, legs on a
# thread pool, results concatenated), and, in the same run and against the same servers, the same
# through another build of router-core/router-jdbc (--before, default: the merge base with main),
# loaded in its own class loader. In each round every shard count gets one slot, in which the variants
# take turns operation by operation (paired; `-- --slots` for one slot per variant instead).
# Writes benchmarks/results/scatter-overhead{.csv,-meta.txt} (or benchmarks/target/quick/ with --quick),
# stamped with provenance (commit, dirty tree, versions, machine, load, time).
#   --profile   instead: JFR of this build's scatter path at 4 shards (benchmarks/target/scatter.jfr)
#               and its top frames (benchmarks/target/scatter-profile.txt)
# Usage: benchmarks/run-scatter-overhead.sh [--quick] [--before <commit>|--no-before] [--profile] [-- extra args]
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/provenance.sh
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ./junction.sh setup
quick=()
before=$(git merge-base HEAD main 2>/dev/null || true)
profile=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --before) shift; before=$1 ;;
    --no-before) before="" ;;
    --profile) profile=yes ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mvn -B -ntp -q -o -DskipTests -pl benchmarks -am package
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Run from a copy, so a rebuild during the run cannot swap classes under the JVM.
jar="$work/benchmarks.jar"
cp benchmarks/target/benchmarks.jar "$jar"
out=benchmarks/results
[ ${#quick[@]} -eq 0 ] || out=benchmarks/target/quick
if [ -n "$profile" ]; then
  # JFR's "profile" settings, sampling Java code every 1 ms (not 10) and native code every 5 ms (not 20)
  jfc="$work/scatter.jfc"
  sed -e '/method-sampling-java-interval/s/10 ms/1 ms/' -e '/method-sampling-native-interval/s/20 ms/5 ms/' \
    "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc" > "$jfc"
  java -Xms1g -Xmx2g -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
    -XX:StartFlightRecording=filename=benchmarks/target/scatter.jfr,settings="$jfc" \
    -cp "$jar" dev.junction.bench.library.ScatterOverheadBenchmark --only junction --shards 4 --profile-seconds 40 "${extra[@]}"
  jfr print --stack-depth 64 --events jdk.ExecutionSample benchmarks/target/scatter.jfr > "$work/samples.txt"
  jfr print --stack-depth 64 --events jdk.NativeMethodSample benchmarks/target/scatter.jfr > "$work/native.txt"
  { echo "### Java code (jdk.ExecutionSample)"; python3 benchmarks/jfr-top.py "$work/samples.txt"
    echo; echo "### threads in native code, e.g. waiting on a socket (jdk.NativeMethodSample)"
    python3 benchmarks/jfr-top.py "$work/native.txt" 12; } > benchmarks/target/scatter-profile.txt
  cat benchmarks/target/scatter-profile.txt
  exit 0
fi
args=()
if [ -n "$before" ]; then
  # The "before" build: router-core and router-jdbc of that commit, built in a scratch copy (never installed).
  git archive "$before" | tar -x -C "$work" --one-top-level=before
  (cd "$work/before" && mvn -B -ntp -q -o -DskipTests -pl router-jdbc -am package)
  core=$(ls "$work"/before/router-core/target/router-core-*.jar | grep -v -e sources -e javadoc | head -1)
  jdbc=$(ls "$work"/before/router-jdbc/target/router-jdbc-*.jar | grep -v -e sources -e javadoc | head -1)
  args=(--before "$jdbc:$core")
  echo "before: $(git rev-parse --short "$before")"
fi
provenance_begin "$jar"
java -Xms1g -Xmx2g -cp "$jar" dev.junction.bench.library.ScatterOverheadBenchmark "${quick[@]}" "${args[@]}" --out "$out" "${extra[@]}"
provenance_stamp "$out"
[ -z "$before" ] || sed -i "1i # before: $(git rev-parse "$before")" "$out/scatter-overhead.csv" "$out/scatter-overhead-meta.txt"
