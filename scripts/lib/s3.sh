# A throwaway S3-compatible server (s3rver, pinned in tools/s3rver/package.json) for tests.
# Source this file, then:
#   s3_start DIR      install s3rver if missing, start it on a free loopback port with its
#                     data under DIR; sets S3_PORT and exports S3_URL (credentials: S3RVER /
#                     S3RVER, region us-east-1, path-style addressing)
#   s3_stop DIR       stop it (the caller removes DIR)

s3_tool_dir() { (cd "$(dirname "${BASH_SOURCE[0]}")/../../tools/s3rver" && pwd); }

s3_install() {
  local tool
  tool="$(s3_tool_dir)"
  if [ ! -x "$tool/node_modules/.bin/s3rver" ]; then
    # tools/s3rver/.npmrc keeps npm from writing a package-lock.json.
    (cd "$tool" && npm install --no-audit --no-fund --loglevel=error >/dev/null) ||
      { echo "s3: npm install of s3rver failed" >&2; return 1; }
  fi
}

s3_start() {
  local dir="$1" tool candidate pid
  s3_install || return 1
  tool="$(s3_tool_dir)"
  mkdir -p "$dir/data"
  S3_PORT=""
  for _ in 1 2 3 4 5 6 7 8; do
    candidate=$(( 20000 + RANDOM % 40000 ))
    # --openssl-legacy-provider: s3rver makes its ListObjectsV2 continuation tokens with DES,
    # which OpenSSL 3 (Node 17 and later) only offers through the legacy provider; without
    # it every second page of a listing fails with a 500.
    node --openssl-legacy-provider "$tool/node_modules/s3rver/bin/s3rver.js" --directory "$dir/data" \
      --address 127.0.0.1 --port "$candidate" --silent --no-vhost-buckets \
      >"$dir/s3rver.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
        S3_PORT=$candidate
        echo "$pid" >"$dir/s3rver.pid"
        break 2
      fi
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      sleep 0.02
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -z "$S3_PORT" ]; then
    echo "could not start s3rver:" >&2
    cat "$dir/s3rver.log" >&2
    return 1
  fi
  export S3_URL="http://127.0.0.1:${S3_PORT}"
}

s3_stop() {
  local dir="$1" pid
  if [ -f "$dir/s3rver.pid" ]; then
    pid="$(cat "$dir/s3rver.pid")"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$dir/s3rver.pid"
  fi
}
