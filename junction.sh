#!/usr/bin/env bash
# The two commands of the README, with all setup a fresh Debian machine needs.
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
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "[junction] installing missing packages: ${pkgs[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
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
    exec java -jar router-proxy/target/router-proxy.jar --demo "$@" ;;
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
