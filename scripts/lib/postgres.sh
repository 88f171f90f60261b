# Throwaway PostgreSQL clusters for tests and benchmarks. Source this file, then:
#   pg_start DIR      initdb + start on a free loopback port; sets PG_PORT and PG_URL
#   pg_stop DIR       stop it (the caller removes DIR)
# As root the cluster runs as the postgres user (initdb refuses root).

pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local dir="$1" bin candidate
  bin="$(pg_bin_dir)"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    # mktemp -d parents are 0700 root: the postgres user must be able to pass through.
    chmod o+x "$(dirname "$dir")"
  fi
  pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  PG_PORT=""
  for _ in 1 2 3 4 5 6 7 8; do
    candidate=$(( 20000 + RANDOM % 40000 ))
    if pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $candidate -c listen_addresses=127.0.0.1 -k $dir ${PG_EXTRA_OPTIONS:-}" \
        start >/dev/null 2>&1; then
      PG_PORT=$candidate
      break
    fi
  done
  if [ -z "$PG_PORT" ]; then
    echo "could not start PostgreSQL:" >&2
    cat "$dir/server.log" >&2
    return 1
  fi
  PG_URL="postgresql://postgres@127.0.0.1:${PG_PORT}/postgres"
}

pg_stop() {
  local dir="$1"
  if [ -f "$dir/data/postmaster.pid" ]; then
    pg_as_owner "$(pg_bin_dir)/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  fi
}
