#!/usr/bin/env bash
# pgbench through the Junction proxy vs PgBouncer (transaction pooling) vs direct PostgreSQL,
# interleaved on the same local servers in one run. Writes benchmarks/results/proxy.csv and
# docs/img/bench-proxy.png. Usage: benchmarks/run-proxy.sh [--quick] [--pgbouncer PATH] [other ProxyBenchmark options]
set -euo pipefail
cd "$(dirname "$0")/.."
./junction.sh setup
missing=()
[ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
command -v gnuplot >/dev/null 2>&1 || missing+=(gnuplot-nox)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
mvn -B -ntp -q -DskipTests -pl benchmarks -am package
java -cp benchmarks/target/benchmarks.jar dev.junction.bench.proxy.ProxyBenchmark "$@"
