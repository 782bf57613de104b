# Provenance of benchmark results; sourced by the benchmarks/run-*.sh scripts.
#
#   provenance_begin JAR      before the run: time, load, the commit and whether the tree is dirty
#   provenance_stamp DIR...   after the run: every results file (*.csv, *-meta.txt) written since
#                             provenance_begin gets a "# key: value" header (gnuplot and most CSV
#                             readers skip lines starting with '#'); an older header is replaced
#
# "dirty" counts changes outside benchmarks/results/ and docs/ (results and plots are what a run
# writes), tracked or not: a run on a dirty tree measured code that no commit holds.

provenance_begin() {
  PROV_JAR=$1
  PROV_STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  PROV_LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  PROV_MARKER=$(mktemp)
  PROV_COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  PROV_BRANCH=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
  local changed
  changed=$(git status --porcelain --untracked-files=normal 2>/dev/null \
    | awk '{ path = $NF } path !~ /^(benchmarks\/results\/|docs\/)/' | wc -l)
  if [ "$changed" -eq 0 ]; then
    PROV_DIRTY="no"
  else
    PROV_DIRTY="yes ($changed changed files outside benchmarks/results and docs)"
  fi
}

# The header lines, each starting with "# ".
provenance_header() {
  local java_version pg mariadb redis pgbouncer cpu mem libs
  java_version=$(java -version 2>&1 | head -1 | sed 's/"//g')
  pg=$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -1)
  pg=$([ -n "$pg" ] && "$pg" --version 2>/dev/null || echo none)
  mariadb=$( (mariadbd --version || /usr/sbin/mariadbd --version) 2>/dev/null | head -1 | sed 's/^.*Ver //' || true)
  redis=$(redis-server --version 2>/dev/null | sed 's/.* v=\([^ ]*\).*/\1/' || true)
  pgbouncer=$( (pgbouncer --version || /usr/sbin/pgbouncer --version) 2>/dev/null | head -1 || true)
  cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
  mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  # Versions of what ran, as resolved when the benchmarks jar was built (maven-dependency-plugin:list).
  libs=$(unzip -p "$PROV_JAR" META-INF/benchmark-dependencies.txt 2>/dev/null | awk -F: '
      NF >= 4 { a = $2; v = $4; sub(/^ +/, "", a); ver[a] = v }
      END {
        n = split("router-core HikariCP postgresql mysql-connector-j caffeine jsqlparser micrometer-core lettuce-core netty-handler spring-jdbc shardingsphere-jdbc jmh-core", want, " ")
        for (i = 1; i <= n; i++) if (want[i] in ver) printf "%s%s %s", (out++ ? ", " : ""), want[i] == "router-core" ? "junction" : want[i], ver[want[i]]
      }')
  echo "# commit: $PROV_COMMIT ($PROV_BRANCH)"
  echo "# dirty: $PROV_DIRTY"
  echo "# started: $PROV_STARTED"
  echo "# finished: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# load average (1/5/15 min) at start: $PROV_LOAD_START; at finish: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# machine: $(uname -srm); $cpu; $(nproc) cores; $mem"
  echo "# java: $java_version"
  echo "# libraries: $libs"
  echo "# servers: ${pg}; mariadb ${mariadb:-none}; redis ${redis:-none}; ${pgbouncer:-pgbouncer none}"
}

provenance_stamp() {
  local header file tmp
  header=$(provenance_header)
  for dir in "$@"; do
    [ -d "$dir" ] || continue
    while IFS= read -r file; do
      tmp=$(mktemp)
      { printf '%s\n' "$header"; grep -v '^# ' "$file" || true; } > "$tmp"
      cat "$tmp" > "$file"
      rm -f "$tmp"
    done < <(find "$dir" -maxdepth 1 -type f \( -name '*.csv' -o -name '*-meta.txt' \) -newer "$PROV_MARKER")
  done
  rm -f "$PROV_MARKER"
}
