#!/usr/bin/env bash
# Benchmarks the api-gateway against nginx as a reverse proxy in front of the same
# services, and writes the figures to docs/benchmarks.md:
#   - read by id (GET /api/v1/subjects/{id}, 1,000 seeded subjects on SQLite) under wrk:
#     through the gateway (JWT checked, rate limit on with a limit too high to trigger,
#     identity signed) and through nginx proxy_pass with keep-alive to the same
#     subject-service; alternated, ROUNDS rounds, the median of each; and through
#     proxy-floor (tools/proxy-floor), the least a proxy on Boost.Asio does, whose CPU
#     per request is what Asio and the kernel take: the gateway's cost above it is its own;
#     and through proxy-floor --duties, which adds what the gateway adds (token, limiter,
#     signature, ids, two spans, metrics) with the platform's libraries: the gateway's cost
#     above that is its HTTP layering (parsers, messages, handlers, client); with each
#     run, the subject-service's CPU per request too (whether a proxy makes it work harder);
#   - a 50 MiB upload and its download through both (curl), with the gateway's peak RSS
#     during the transfer.
#   scripts/bench/gateway.sh                 (defaults: 10 s a run, 64 connections, 3 rounds)
#   DURATION=20s CONNECTIONS=128 ROUNDS=5 scripts/bench/gateway.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
ROUNDS="${ROUNDS:-3}"
WORKERS="${WORKERS:-1}"  # nginx worker processes; the gateway's network threads

scripts/install-deps.sh >/dev/null
build="$(build_dir)"
bench_workdir
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

start_redis "$work"
secret="$(head -c 32 /dev/urandom | base64 | tr -d '=+/')"
identity="k1:$(head -c 32 /dev/urandom | base64)"

# Starts a binary with the given environment; waits for its port. Sets last_pid.
start() {
  local name="$1" port="$2"; shift 2
  env "$@" SYL_HTTP_PORT="$port" SYL_REDIS_URL="redis://127.0.0.1:$redis_port" \
    SYL_GATEWAY_IDENTITY_KEYS="$identity" "$build/services/$name/$name" >"$work/$name.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
  for _ in $(seq 1 400); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/health/live"; then return 0; fi
    if ! kill -0 "$last_pid" 2>/dev/null; then cat "$work/$name.log" >&2; exit 1; fi
    sleep 0.025
  done
  echo "$name did not start" >&2; exit 1
}

subject_port="$(free_port)"
start subject-service "$subject_port" SYL_DATABASE_URL="sqlite://$work/subjects.db" SYL_LOG_LEVEL=warn
subject_pid=$last_pid
file_port="$(free_port)"
gateway_port="$(free_port)"
start file-service "$file_port" SYL_DATABASE_URL="sqlite://$work/files.db" \
  SYL_STORAGE_LOCAL_ROOT="$work/files" SYL_LOG_LEVEL=warn SYL_HTTP_MAX_BODY_BYTES=1048576
start_gateway() {
  start api-gateway "$gateway_port" SYL_AUTH_JWT_SECRET="$secret" \
    SYL_PEERS_SUBJECT_SERVICE_URL="http://127.0.0.1:$subject_port" \
    SYL_PEERS_FILE_SERVICE_URL="http://127.0.0.1:$file_port" \
    SYL_RATELIMIT_DEFAULT_RPS=1000000 SYL_RATELIMIT_DEFAULT_BURST=1000000 \
    SYL_HTTP_IO_THREADS="$WORKERS" SYL_LOG_LEVEL=warn
  gateway_pid=$last_pid
}
start_gateway

# nginx: the same public paths, proxy_pass with pooled keep-alive connections, bodies
# streamed both ways (no buffering to disk), access log off.
nginx_port="$(free_port)"
mkdir -p "$work/nginx"
user_line=""
if [ "$(id -u)" = 0 ]; then user_line="user root root;"; fi
cat >"$work/nginx/nginx.conf" <<CONF
$user_line
worker_processes $WORKERS;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/client_body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  upstream subjects { server 127.0.0.1:$subject_port; keepalive 64; }
  upstream files { server 127.0.0.1:$file_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    client_max_body_size 100m;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_request_buffering off;
    proxy_buffering off;
    location /api/v1/subjects/ { proxy_pass http://subjects/subjects/; }
    location /api/v1/files { proxy_pass http://files/files; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" >"$work/nginx/out.log" 2>&1 &
nginx_pid=$!
pids+=("$nginx_pid")
sleep 0.3

# The floor: a bare Asio proxy, one upstream connection per client connection.
floor_port="$(free_port)"
"$build/tools/proxy-floor/proxy-floor" --listen "$floor_port" --upstream "$subject_port" \
  --strip-prefix /api/v1 >"$work/proxy-floor.log" 2>&1 &
floor_pid=$!
pids+=("$floor_pid")
duties_port="$(free_port)"
"$build/tools/proxy-floor/proxy-floor" --listen "$duties_port" --upstream "$subject_port" \
  --strip-prefix /api/v1 --duties >"$work/proxy-floor-duties.log" 2>&1 &
duties_pid=$!
pids+=("$duties_pid")

# 1,000 subjects, created directly.
ids="$work/ids.lua"
seed_subjects "$subject_port" GW 1000 "$ids"
export BENCH_IDS="$ids" BENCH_PATH_PREFIX=/api/v1/subjects
token="$(mkdir -p "$work/cli/var" && echo "$secret" >"$work/cli/var/jwt-secret" &&
  cd "$work/cli" && "$build/tools/sylctl/sylctl" token --sub bench --roles admin --ttl 1d)"

# Both proxies answer the same thing before anything is measured.
first_id="$(grep -m1 -o '"[0-9a-f-]*"' "$ids" | tr -d '"')"
curl -sS --fail-with-body -H "Authorization: Bearer $token" "http://127.0.0.1:$gateway_port/api/v1/subjects/$first_id" >/dev/null || { cat "$work/api-gateway.log" >&2; exit 1; }
curl -sS --fail-with-body "http://127.0.0.1:$nginx_port/api/v1/subjects/$first_id" >/dev/null || { cat "$work/nginx/error.log" >&2; exit 1; }
curl -sS --fail-with-body "http://127.0.0.1:$floor_port/api/v1/subjects/$first_id" >/dev/null || { cat "$work/proxy-floor.log" >&2; exit 1; }
curl -sS --fail-with-body -H "Authorization: Bearer $token" "http://127.0.0.1:$duties_port/api/v1/subjects/$first_id" >/dev/null || { cat "$work/proxy-floor-duties.log" >&2; exit 1; }

# CPU time (user + system, in clock ticks) of processes and their threads so far; the pids
# as one space-separated argument (nginx's workers).
cpu_ticks() {
  local pid total=0
  for pid in $1; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo "$total"
}
# One wrk run; prints "rps p50_ms p99_ms non2xx cpu_us_per_request upstream_cpu_us", the
# last two being the CPU the proxy's processes `pid` (one or more) and the subject-service
# spent per answered request during the run (the subject-service's shows whether a proxy
# makes its upstream work harder: the same two cores serve both).
run_wrk() {
  local port="$1" with_token="$2" pid="$3" out before after upstream_before upstream_after
  before="$(cpu_ticks "$pid")"
  upstream_before="$(cpu_ticks "$subject_pid")"
  out="$(BENCH_TOKEN="$with_token" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency \
    -s scripts/bench/wrk/gateway_read_by_id.lua "http://127.0.0.1:$port")"
  after="$(cpu_ticks "$pid")"
  upstream_after="$(cpu_ticks "$subject_pid")"
  echo "$out" >>"$work/wrk.log"
  local requests
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  echo "$(wrk_figures <<<"$out") $(awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN {printf "%.0f", (n > 0) ? t / hz * 1e6 / n : 0}') $(awk -v t="$((upstream_after - upstream_before))" \
    -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN {printf "%.0f", (n > 0) ? t / hz * 1e6 / n : 0}')"
}

: >"$work/gateway.txt"
: >"$work/nginx.txt"
: >"$work/floor.txt"
: >"$work/duties.txt"
nginx_workers="$(pgrep -P "$nginx_pid" | tr '\n' ' ')"
for round in $(seq 1 "$ROUNDS"); do
  read -r rps p50 p99 errors cpu upstream_cpu <<<"$(run_wrk "$gateway_port" "$token" "$gateway_pid")"
  echo "$rps $p50 $p99 $errors $cpu $upstream_cpu" >>"$work/gateway.txt"
  echo "  round $round gateway: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $errors, $cpu µs CPU/request, subject-service $upstream_cpu µs" >&2
  read -r rps p50 p99 errors cpu upstream_cpu <<<"$(run_wrk "$nginx_port" "" "$nginx_workers")"
  echo "$rps $p50 $p99 $errors $cpu $upstream_cpu" >>"$work/nginx.txt"
  echo "  round $round nginx:   $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $errors, $cpu µs CPU/request, subject-service $upstream_cpu µs" >&2
  read -r rps p50 p99 errors cpu upstream_cpu <<<"$(run_wrk "$floor_port" "" "$floor_pid")"
  echo "$rps $p50 $p99 $errors $cpu $upstream_cpu" >>"$work/floor.txt"
  echo "  round $round floor:   $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $errors, $cpu µs CPU/request, subject-service $upstream_cpu µs" >&2
  read -r rps p50 p99 errors cpu upstream_cpu <<<"$(run_wrk "$duties_port" "$token" "$duties_pid")"
  echo "$rps $p50 $p99 $errors $cpu $upstream_cpu" >>"$work/duties.txt"
  echo "  round $round duties:  $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $errors, $cpu µs CPU/request, subject-service $upstream_cpu µs" >&2
done
d_rps="$(column_median "$work/duties.txt" 1)"; d_p50="$(column_median "$work/duties.txt" 2)"
d_p99="$(column_median "$work/duties.txt" 3)"; d_cpu="$(column_median "$work/duties.txt" 5)"
d_err="$(awk '{s+=$4} END {print s+0}' "$work/duties.txt")"
f_rps="$(column_median "$work/floor.txt" 1)"; f_p50="$(column_median "$work/floor.txt" 2)"
f_p99="$(column_median "$work/floor.txt" 3)"; f_cpu="$(column_median "$work/floor.txt" 5)"
f_err="$(awk '{s+=$4} END {print s+0}' "$work/floor.txt")"
g_rps="$(column_median "$work/gateway.txt" 1)"; n_rps="$(column_median "$work/nginx.txt" 1)"
g_p50="$(column_median "$work/gateway.txt" 2)"; n_p50="$(column_median "$work/nginx.txt" 2)"
g_p99="$(column_median "$work/gateway.txt" 3)"; n_p99="$(column_median "$work/nginx.txt" 3)"
g_cpu="$(column_median "$work/gateway.txt" 5)"; n_cpu="$(column_median "$work/nginx.txt" 5)"
g_err="$(awk '{s+=$4} END {print s+0}' "$work/gateway.txt")"; n_err="$(awk '{s+=$4} END {print s+0}' "$work/nginx.txt")"
rps_ratio="$(awk -v a="$g_rps" -v b="$n_rps" 'BEGIN {printf "%.2f", a / b}')"
p99_ratio="$(awk -v a="$g_p99" -v b="$n_p99" 'BEGIN {printf "%.2f", a / b}')"
gateway_loaded_kb="$(hwm_kb "$gateway_pid")"

# 50 MiB through both: upload, then download; seconds each, and the gateway's peak RSS.
big="$work/big.pdf"
{ printf '%%PDF-1.7\n'; head -c $(( 50 * 1024 * 1024 - 16 )) /dev/urandom; } >"$big"
transfer() {  # prints "upload_s download_s"
  local base="$1" auth="$2" out id up down
  out="$(curl -sS -w '\n%{time_total}' -H 'Content-Type: application/pdf' -H 'Expect:' ${auth:+-H "Authorization: Bearer $auth"} \
    --data-binary "@$big" "$base/api/v1/files?filename=big.pdf")"
  up="$(tail -1 <<<"$out")"
  id="$(head -1 <<<"$out" | grep -o '"id":"[^"]*"' | cut -d'"' -f4)"
  [ -n "$id" ] || { echo "upload failed: $out" >&2; exit 1; }
  local link
  link="$(curl -sf ${auth:+-H "Authorization: Bearer $auth"} "http://127.0.0.1:$file_port/files/$id/download-url" | grep -o '"url":"[^"]*"' | cut -d'"' -f4)"
  down="$(curl -sS -o "$work/down.pdf" -w '%{time_total}' "$base/api/v1$link")"
  cmp -s "$work/down.pdf" "$big" || { echo "download differs" >&2; exit 1; }
  echo "$up $down"
}
# A fresh gateway for the transfer, so that its peak is the transfer's, not the load's.
kill -TERM "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true
start_gateway
before_kb="$(hwm_kb "$gateway_pid")"
read -r g_up g_down <<<"$(transfer "http://127.0.0.1:$gateway_port" "$token")"
after_kb="$(hwm_kb "$gateway_pid")"
read -r n_up n_down <<<"$(transfer "http://127.0.0.1:$nginx_port" "")"
idle_kb="$(rss_kb "$gateway_pid")"

cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "**missed**"; fi; }
{
  echo "### api-gateway against nginx — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); wrk, both proxies and the services on the same machine."
  echo "Command: \`DURATION=$DURATION CONNECTIONS=$CONNECTIONS ROUNDS=$ROUNDS WORKERS=$WORKERS scripts/bench/gateway.sh\` (release build; wrk -t1 -c$CONNECTIONS; the subject-service on SQLite with 1,000 subjects, read by random id; gateway, nginx, proxy-floor and proxy-floor --duties alternated, $ROUNDS rounds, medians; nginx $WORKERS worker process(es), proxy_pass with keepalive 64, access log off; the gateway with $WORKERS network thread(s), which also run its upstream calls, a JWT checked on every request (verified at its first sight, then found in the cache of verified tokens), the rate limiter on (limit 1,000,000/s), the caller's identity signed, access log at warn, tracing at its default: every request sampled, its spans written to the logs of the gateway and the subject-service)."
  echo
  echo "| read by id | requests/s | p50 ms | p99 ms | non-2xx | proxy CPU µs/request | subject-service CPU µs/request |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  echo "| api-gateway | $g_rps | $g_p50 | $g_p99 | $g_err | $g_cpu | $(column_median "$work/gateway.txt" 6) |"
  echo "| nginx proxy_pass | $n_rps | $n_p50 | $n_p99 | $n_err | $n_cpu | $(column_median "$work/nginx.txt" 6) |"
  echo "| proxy-floor (bare Asio, no checks) | $f_rps | $f_p50 | $f_p99 | $f_err | $f_cpu | $(column_median "$work/floor.txt" 6) |"
  echo "| proxy-floor --duties (the gateway's duties, no HTTP layering) | $d_rps | $d_p50 | $d_p99 | $d_err | $d_cpu | $(column_median "$work/duties.txt" 6) |"
  echo
  echo "Gateway / nginx: requests/s ${rps_ratio}× (target ≥ 1.0×, $(verdict "$(awk -v r="$rps_ratio" 'BEGIN {print (r >= 1.0) ? 1 : 0}')")), p99 ${p99_ratio}× (target ≤ 1.2×, $(verdict "$(awk -v r="$p99_ratio" 'BEGIN {print (r <= 1.2) ? 1 : 0}')")); CPU per request $(awk -v a="$g_cpu" -v b="$n_cpu" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')× nginx's (the proxy's own process: on this machine the proxies share two cores with wrk and the subject-service, so CPU per request decides requests/s). Gateway peak RSS under load $(mib "$gateway_loaded_kb") MiB. proxy-floor, the least a proxy on Boost.Asio does (one Asio thread, a coroutine per connection, no checks), spends $f_cpu µs per request: what Asio and the kernel take. With --duties it also does what the gateway adds, with the platform's libraries (the token looked up among those seen, the rate limiter, the identity signature, ids, X-Forwarded-*, two spans logged, four metrics): $d_cpu µs. The gateway's $(awk -v a="$g_cpu" -v b="$d_cpu" 'BEGIN {printf "%d", a - b}') µs above that are its HTTP layering (its messages and header lists, the handler's and the resilient client's callbacks and executors, the heads Beast still parses)."
  echo
  echo "| 50 MiB file | upload s | download s |"
  echo "|---|---:|---:|"
  echo "| api-gateway | $g_up | $g_down |"
  echo "| nginx (request and response buffering off) | $n_up | $n_down |"
  echo
  echo "A freshly started gateway's peak RSS: $(mib "$before_kb") MiB before the transfer, $(mib "$after_kb") MiB after it (target: under 30 MB during a 50 MiB upload, $(verdict "$(( after_kb < 30 * 1024 ))")); $(mib "$idle_kb") MiB resident afterwards."
  echo
} >"$work/section.md"
cat "$work/section.md"
write_doc_section api-gateway "api-gateway" "$work/section.md"
