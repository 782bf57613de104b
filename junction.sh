#!/usr/bin/env bash
# The two commands of the README, with all setup a fresh Debian machine needs.
#   ./junction.sh setup  install what is missing (JDK 17, Maven, PostgreSQL, MariaDB, Redis, Node, Chromium; sudo when not root)
#   ./junction.sh demo   start an embedded PostgreSQL primary + 2 replicas (one delayed) and the proxy in front
#   ./junction.sh test   run every unit and integration test against real local servers
#   ./junction.sh reshard <command> --config <target.yaml>   online resharding (docs/resharding.md)
set -euo pipefail
cd "$(dirname "$0")"

need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
pg_present() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need initdb; }

setup() {
  local pkgs=()
  need java || pkgs+=(openjdk-17-jdk-headless)
  need javac || pkgs+=(openjdk-17-jdk-headless)
  need mvn || pkgs+=(maven)
  pg_present || pkgs+=(postgresql)
  need psql || pkgs+=(postgresql-client)
  need pgbench || pkgs+=(postgresql-contrib)
  { need mariadbd || need mysqld; } || pkgs+=(mariadb-server)
  { need mariadb || need mysql; } || pkgs+=(mariadb-client)
  need redis-server || pkgs+=(redis-server)
  need openssl || pkgs+=(openssl)
  need node || pkgs+=(nodejs)
  need npm || pkgs+=(npm)
  /usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1 || pkgs+=(python3-psycopg2)
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "[junction] installing missing packages: ${pkgs[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
  fi
  # Debian's chromium for the admin page test (AdminPageChromiumIT), installed on its own so that a
  # machine without it (no package, no sudo) still runs everything else; the test then says it skipped.
  if ! need chromium; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "[junction] installing chromium (headless browser for the admin page test)"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium; } \
      || echo "[junction] chromium could not be installed: AdminPageChromiumIT will be skipped"
  fi
  # node-postgres for the proxy's client tests, in a test-local directory (never global)
  local nodedir=router-proxy/target/node-clients
  if [ ! -d "$nodedir/node_modules/pg" ]; then
    mkdir -p "$nodedir"
    (cd "$nodedir" && npm install --silent --no-audit --no-fund --prefix . pg@8 >/dev/null 2>&1) \
      || echo "[junction] npm install pg failed: the node-postgres proxy tests will be skipped"
  fi
}

case "${1:-}" in
  setup)
    setup ;;
  test)
    setup
    mvn -B -ntp verify ;;
  demo)
    setup
    mvn -B -ntp -q -DskipTests -pl router-proxy -am package
    shift
    # router-proxy.jar is the production proxy; the demo adds the local test harness to its class path
    exec java -cp "router-proxy/target/router-proxy.jar:$(ls -t local-cluster/target/local-cluster-*.jar | grep -v -e sources -e javadoc | head -1)" \
      dev.junction.proxy.Demo "$@" ;;
  reshard)
    need java || setup
    if [ ! -f router-reshard/target/router-reshard.jar ] || [ -n "$(find router-core/src router-jdbc/src router-reshard/src -newer router-reshard/target/router-reshard.jar -type f | head -1)" ]; then
      mvn -B -ntp -q -DskipTests -pl router-reshard -am package
    fi
    shift
    exec java -jar router-reshard/target/router-reshard.jar "$@" ;;
  *)
    echo "usage: ./junction.sh demo|test|setup|reshard" >&2
    exit 2 ;;
esac
