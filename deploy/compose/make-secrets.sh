#!/usr/bin/env bash
# Makes the compose setup's secrets in deploy/compose/secrets/ (a folder of mode 0700,
# never committed): the platform token, the gateway's identity and token keys, the
# file-service's download-link key, the database password and each service's database
# URL, the object store's keys. Keeps the files that exist (delete one to make it anew).
#   deploy/compose/make-secrets.sh [DIR]
set -euo pipefail
dir="${1:-$(cd "$(dirname "$0")" && pwd)/secrets}"
mkdir -p "$dir"
chmod 700 "$dir"
umask 077
make() {  # make NAME VALUE: unless it exists
  [ -s "$dir/$1" ] || printf '%s\n' "$2" >"$dir/$1"
}
make platform_token "$(openssl rand -hex 32)"
make identity_keys "k1:$(openssl rand -base64 32)"
make jwt_secret "$(openssl rand -hex 32)"
make signing_keys "d1:$(openssl rand -base64 32)"
make postgres_password "$(openssl rand -hex 24)"
# s3rver's fixed credentials; a real store's keys go here instead.
make s3_access_key_id S3RVER
make s3_secret_access_key S3RVER
password="$(cat "$dir/postgres_password")"
for service in config_service subject_service file_service syllabus_service api_gateway; do
  make "${service}_database_url" "postgresql://syllabus:${password}@postgres:5432/${service}"
done
# The containers run as their own users and compose bind-mounts secrets as they are: the
# files are readable by all, inside a folder only its owner may enter.
chmod 644 "$dir"/*
chmod 700 "$dir"
echo "compose secrets in $dir"
