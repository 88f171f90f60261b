#!/bin/bash
# PostgreSQL 15 for compose: on first start, a cluster in $PGDATA with password
# authentication (the password from POSTGRES_PASSWORD_FILE, a compose secret) and the
# databases named in POSTGRES_DATABASES (one per service), owned by POSTGRES_USER. Then
# the server in the foreground.
set -euo pipefail
user="${POSTGRES_USER:-syllabus}"
password="$(cat "${POSTGRES_PASSWORD_FILE:?a file holding the password}")"
port="${PGPORT:-5432}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  # The set-up server listens on its socket only: nothing may take it for the real one.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p $port -k /tmp" -w start >/dev/null
  psql -h /tmp -p "$port" -U postgres -v ON_ERROR_STOP=1 -q \
    -v user="$user" -v password="$password" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
SQL
  for database in ${POSTGRES_DATABASES:-}; do
    psql -h /tmp -p "$port" -U postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE DATABASE \"$database\" OWNER \"$user\""
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -p "$port" -k /tmp
