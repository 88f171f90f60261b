#!/usr/bin/env bash
# Benchmarks the file-service (release, SQLite, local storage backend) against nginx as the
# anchor and writes the figures to docs/benchmarks.md:
#   - downloads of a 1 MiB and a 50 MiB PDF through a signed URL, and of the same bytes
#     from nginx (sendfile on, tcp_nopush on, access_log off), both under wrk: MiB/s,
#     requests/s, p99, and the service/nginx ratio (target: at least 80%);
#   - uploads of 1 MiB and 50 MiB (raw body, Content-Type: application/pdf): MiB/s and time
#     per upload, one after another on one keep-alive connection, and 1 MiB under wrk;
#   - the service's RSS: idle, peak during one 50 MiB upload (target: under 30 MiB), peak
#     during four concurrent 50 MiB uploads, peak during the downloads.
#   scripts/bench/file-service.sh
#   WORKERS=2 DURATION=20s CONNECTIONS=16 ROUNDS=3 scripts/bench/file-service.sh
#   WRITE_DOCS=0 scripts/bench/file-service.sh      (print the section only)
# WORKERS is nginx's worker_processes and the service's SYL_HTTP_IO_THREADS (the same, for
# fairness). Each download figure is the best of ROUNDS runs, nginx and the service taking
# turns, so a neighbour's burst of CPU does not decide the ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
root="$(pwd)"
WORKERS="${WORKERS:-1}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-8}"
WRK_THREADS="${WRK_THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
UPLOADS_1M="${UPLOADS_1M:-50}"
UPLOADS_50M="${UPLOADS_50M:-5}"
UPLOAD_DURATION="${UPLOAD_DURATION:-5s}"
UPLOAD_CONNECTIONS="${UPLOAD_CONNECTIONS:-4}"
READY_TIMEOUT_S="${READY_TIMEOUT_S:-30}"

scripts/install-deps.sh >/dev/null
build="$(build_dir)"
binary="$build/services/file-service/file-service"
[ -x "$binary" ] || { echo "no $binary after the release build" >&2; exit 1; }

work="$(mktemp -d /tmp/sylfilebench.XXXXXX)"
service_pid=""
redis_pid=""
nginx_pid=""
upload_pids=()
stop_pid() {
  if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi
}
cleanup() {
  local status=$?
  if [ "$status" != 0 ] && [ -f "$work/service.log" ]; then
    if [ -n "$service_pid" ] && ! kill -0 "$service_pid" 2>/dev/null; then
      wait "$service_pid" 2>/dev/null && code=0 || code=$?
      echo "the file-service exited (status $code); its log ends:" >&2
      service_pid=""
    else
      echo "the file-service's log ends:" >&2
    fi
    tail -n 30 "$work/service.log" >&2
  fi
  for pid in "${upload_pids[@]}"; do stop_pid "$pid"; done
  stop_pid "$service_pid"
  stop_pid "$nginx_pid"
  stop_pid "$redis_pid"
  rm -rf "$work"
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
# Resets VmHWM to the current RSS (Linux: 5 > clear_refs), so the next peak is the next phase's.
reset_hwm() { echo 5 >"/proc/$1/clear_refs"; }
mib() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "**not met**"; fi; }

# The two files: a PDF header, then random bytes, to the exact size.
make_pdf() {
  { printf '%%PDF-1.7\n'; head -c $(( $2 - 9 )) /dev/urandom; } >"$1"
  [ "$(stat -c %s "$1")" = "$2" ] || { echo "cannot make $1" >&2; exit 1; }
}
mkdir -p "$work/www" "$work/files" "$work/nginx"
make_pdf "$work/www/1m.pdf" $(( 1 << 20 ))
make_pdf "$work/www/50m.pdf" $(( 50 << 20 ))
declare -A file_of=([1m]="$work/www/1m.pdf" [50m]="$work/www/50m.pdf")
declare -A bytes_of=([1m]=$(( 1 << 20 )) [50m]=$(( 50 << 20 )))
declare -A label_of=([1m]="1 MiB" [50m]="50 MiB")

# A Redis of its own: the service publishes every upload's event through it, as deployed.
start_redis "$work"

# The service; a random port may be taken between the check and the bind: try another.
signing_key="k1:$(head -c 32 /dev/urandom | base64 -w0)"
for attempt in 1 2 3 4 5; do
  port="$(free_port)"
  (
    SYL_HTTP_HOST=127.0.0.1 SYL_HTTP_PORT="$port" SYL_DATABASE_URL="sqlite://$work/files.db" \
      SYL_STORAGE_LOCAL_ROOT="$work/files" SYL_REDIS_URL="redis://127.0.0.1:$redis_port" \
      SYL_SIGNING_KEYS="$signing_key" SYL_UPLOAD_MAX_BYTES=$(( 64 << 20 )) \
      SYL_HTTP_IO_THREADS="$WORKERS" SYL_LOG_LEVEL=warn \
      exec "$binary"
  ) >"$work/service.log" 2>&1 &
  service_pid=$!
  ready=0
  for _ in $(seq 1 $(( READY_TIMEOUT_S * 20 ))); do
    if ! kill -0 "$service_pid" 2>/dev/null; then break; fi
    if grep -qs '"msg":"ready"' "$work/service.log" \
      || curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready"; then
      ready=1; break
    fi
    sleep 0.05
  done
  if [ "$ready" = 1 ]; then break; fi
  stop_pid "$service_pid"; service_pid=""
  echo "file-service did not become ready (attempt $attempt):" >&2
  cat "$work/service.log" >&2
done
[ -n "$service_pid" ] || exit 1
base="http://127.0.0.1:$port"

# nginx serving the same bytes from disk, with its own configuration, as the current user.
nginx_port="$(free_port)"
user_line=""
if [ "$(id -u)" = 0 ]; then user_line="user root root;"; fi
cat >"$work/nginx/nginx.conf" <<EOF
$user_line
worker_processes $WORKERS;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path $work/nginx/client_body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  types { application/pdf pdf; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
  >"$work/nginx/stdout.log" 2>&1 &
nginx_pid=$!
for _ in $(seq 1 $(( READY_TIMEOUT_S * 20 ))); do
  if curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/1m.pdf"; then break; fi
  if ! kill -0 "$nginx_pid" 2>/dev/null; then cat "$work/nginx/error.log" "$work/nginx/stdout.log" >&2; exit 1; fi
  sleep 0.05
done
curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/1m.pdf" || { echo "nginx is not serving" >&2; exit 1; }

idle_kb="$(rss_kb "$service_pid")"
echo "service on $base (io threads $WORKERS), nginx on 127.0.0.1:$nginx_port (workers $WORKERS); idle RSS $(mib "$idle_kb") MiB" >&2

# One raw upload; prints the stored file's id (fails on anything but 201).
upload() {
  local file="$1" out
  out="$(curl -sS -H 'Content-Type: application/pdf' -H 'Expect:' --data-binary "@$file" \
    -w '\n%{http_code}' "$base/files?filename=$(basename "$file")")"
  if [ "$(tail -n1 <<<"$out")" != 201 ]; then echo "upload of $file failed: $out" >&2; return 1; fi
  head -n1 <<<"$out" | grep -o '"id":"[^"]*"' | sed 's/"id":"\(.*\)"/\1/'
}

# Peak RSS during one 50 MiB upload, then during four at once.
reset_hwm "$service_pid"
before_kb="$(hwm_kb "$service_pid")"
id_50m="$(upload "${file_of[50m]}")"
peak_one_kb="$(hwm_kb "$service_pid")"
echo "one 50 MiB upload: peak RSS $(mib "$peak_one_kb") MiB (HWM $(mib "$before_kb") MiB before)" >&2
reset_hwm "$service_pid"
started="$(now_ns)"
for i in 1 2 3 4; do
  upload "${file_of[50m]}" >"$work/concurrent.$i" &
  upload_pids+=($!)
done
for pid in "${upload_pids[@]}"; do wait "$pid"; done
upload_pids=()
four_ms=$(( ($(now_ns) - started) / 1000000 ))
peak_four_kb="$(hwm_kb "$service_pid")"
echo "four concurrent 50 MiB uploads in $four_ms ms: peak RSS $(mib "$peak_four_kb") MiB" >&2
id_1m="$(upload "${file_of[1m]}")"
declare -A id_of=([1m]="$id_1m" [50m]="$id_50m")

# Signed URLs; both servers must hand out exactly the generated bytes.
declare -A url_of
for size in 1m 50m; do
  link="$(curl -sf "$base/files/${id_of[$size]}/download-url?ttl=3600")"
  path="$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' <<<"$link" | sed 's/\\u0026/\&/g; s/\\\//\//g')"
  [ -n "$path" ] || { echo "no url in $link" >&2; exit 1; }
  url_of[$size]="$base$path"
  want="$(sha256sum <"${file_of[$size]}" | cut -d' ' -f1)"
  for source in "${url_of[$size]}" "http://127.0.0.1:$nginx_port/$size.pdf"; do
    got="$(curl -sf "$source" | sha256sum | cut -d' ' -f1)"
    [ "$got" = "$want" ] || { echo "$source served other bytes" >&2; exit 1; }
  done
done

# wrk's figures: prints "mib_per_s requests_per_s p99 errors" (errors: non-2xx + socket).
to_mib() {
  awk '{v=$1; u=v; gsub(/[0-9.]/,"",u); sub(/[A-Za-z]+$/,"",v);
        f = (u=="GB") ? 1024 : (u=="MB") ? 1 : (u=="KB") ? 1/1024 : (u=="TB") ? 1048576 : 1/1048576;
        printf "%.1f", v * f}' <<<"$1"
}
run_wrk() {
  local out
  out="$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 30s --latency "$@")"
  echo "$out" >>"$work/wrk.log"
  local transfer rps p99 non2xx socket
  transfer="$(awk '/^Transfer\/sec/ {print $2}' <<<"$out")"
  rps="$(awk '/^Requests\/sec/ {printf "%.1f", $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  non2xx="$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")"
  socket="$(awk '/Socket errors/ {gsub(/,/,""); print $4+$6+$8+$10}' <<<"$out")"
  echo "$(to_mib "${transfer:-0B}") ${rps:-0} ${p99:--} $(( ${non2xx:-0} + ${socket:-0} ))"
}

# Downloads: nginx and the service take turns; the best run of each counts.
reset_hwm "$service_pid"
declare -A best
for size in 1m 50m; do
  for round in $(seq 1 "$ROUNDS"); do
    for server in nginx service; do
      if [ "$server" = nginx ]; then target="http://127.0.0.1:$nginx_port/$size.pdf"; else target="${url_of[$size]}"; fi
      read -r mibs rps p99 errors <<<"$(run_wrk "$target")"
      echo "download $size from $server (round $round): $mibs MiB/s, $rps req/s, p99 $p99, errors $errors" >&2
      if [ "$errors" != 0 ] || [ "${rps%.*}" = 0 ]; then echo "download errors from $server: see the wrk output" >&2; tail -20 "$work/wrk.log" >&2; exit 1; fi
      key="$server.$size"
      if [ -z "${best[$key]:-}" ] || awk -v a="$mibs" -v b="${best[$key]%% *}" 'BEGIN {exit !(a > b)}'; then
        best[$key]="$mibs $rps $p99"
      fi
    done
  done
done
peak_download_kb="$(hwm_kb "$service_pid")"

# Uploads one after another on one keep-alive connection (one curl, "next" between them).
declare -A seq_mibs seq_mean seq_max
for size in 1m 50m; do
  count=$UPLOADS_1M; [ "$size" = 50m ] && count=$UPLOADS_50M
  config="$work/upload-$size.curl"
  : >"$config"
  for i in $(seq 1 "$count"); do
    if [ "$i" -gt 1 ]; then echo "next" >>"$config"; fi
    printf 'url = "%s/files?filename=seq-%s.pdf"\nheader = "Content-Type: application/pdf"\nheader = "Expect:"\ndata-binary = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %%{time_total}\\n"\n' \
      "$base" "$size" "${file_of[$size]}" >>"$config"
  done
  started="$(now_ns)"
  curl -sS -K "$config" >"$work/upload-$size.times"
  wall_ns=$(( $(now_ns) - started ))
  ok="$(awk '$1 == 201' "$work/upload-$size.times" | wc -l)"
  [ "$ok" = "$count" ] || { echo "only $ok of $count $size uploads answered 201" >&2; exit 1; }
  seq_mibs[$size]="$(awk -v n="$count" -v b="${bytes_of[$size]}" -v ns="$wall_ns" 'BEGIN {printf "%.1f", n * b / 1048576 / (ns / 1e9)}')"
  seq_mean[$size]="$(awk '{s += $2} END {printf "%.1f", s / NR * 1000}' "$work/upload-$size.times")"
  seq_max[$size]="$(awk '$2 > m {m = $2} END {printf "%.1f", m * 1000}' "$work/upload-$size.times")"
  echo "upload $size x$count sequential: ${seq_mibs[$size]} MiB/s, mean ${seq_mean[$size]} ms, max ${seq_max[$size]} ms" >&2
done

# 1 MiB uploads under wrk, UPLOAD_CONNECTIONS at once.
out="$(BENCH_UPLOAD_FILE="${file_of[1m]}" wrk -t"$WRK_THREADS" -c"$UPLOAD_CONNECTIONS" -d"$UPLOAD_DURATION" \
  --timeout 30s --latency -s scripts/bench/wrk/file-upload.lua "$base/files?filename=wrk-1m.pdf")"
echo "$out" >>"$work/wrk.log"
wrk_upload_rps="$(awk '/^Requests\/sec/ {printf "%.1f", $2}' <<<"$out")"
wrk_upload_p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
wrk_upload_p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
wrk_upload_errors="$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")"
wrk_upload_mibs="$(awk -v r="$wrk_upload_rps" 'BEGIN {printf "%.1f", r}')"  # 1 MiB a request
echo "upload 1m under wrk -c$UPLOAD_CONNECTIONS: $wrk_upload_mibs MiB/s, p50 $wrk_upload_p50, p99 $wrk_upload_p99, non-2xx ${wrk_upload_errors:-0}" >&2
final_rss_kb="$(rss_kb "$service_pid")"

ratio() { awk -v s="${best[service.$1]%% *}" -v n="${best[nginx.$1]%% *}" 'BEGIN {printf "%.0f", (n > 0) ? 100 * s / n : 0}'; }
ratio_1m="$(ratio 1m)"
ratio_50m="$(ratio 50m)"

cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
section="$work/section.md"
{
  echo "### file-service against nginx — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); wrk, curl, nginx and the service on the same machine, over loopback."
  echo "Command: \`scripts/bench/file-service.sh\` (WORKERS=$WORKERS DURATION=$DURATION CONNECTIONS=$CONNECTIONS ROUNDS=$ROUNDS). The file-service: release build, SQLite, local storage backend in a temporary directory, a local Redis for its events, log level warn, \`SYL_HTTP_IO_THREADS=$WORKERS\` (worker threads at the default). nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'): its own minimal configuration, \`worker_processes $WORKERS\`, sendfile on, tcp_nopush on, access_log off, serving the same generated files (\`%PDF-1.7\` then random bytes) from the same disk."
  echo "Downloads: \`wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency\` on the signed URL (\`GET /files/{id}/content?expires=..&kid=..&signature=..\`, sendfile) and on nginx's URL; MiB/s is wrk's transfer/sec; each figure is the best of $ROUNDS runs, nginx and the service taking turns."
  echo
  echo "Targets: downloads at least 80% of nginx — 1 MiB ${ratio_1m}%, $(verdict "$(( ratio_1m >= 80 ))"); 50 MiB ${ratio_50m}%, $(verdict "$(( ratio_50m >= 80 ))");" \
    "peak RSS during a 50 MiB upload under 30 MiB — $(mib "$peak_one_kb") MiB, $(verdict "$(( peak_one_kb < 30 * 1024 ))")."
  echo
  echo "| download | server | MiB/s | requests/s | p99 | service/nginx |"
  echo "|---|---|---:|---:|---:|---:|"
  for size in 1m 50m; do
    for server in nginx service; do
      read -r mibs rps p99 <<<"${best[$server.$size]}"
      share="—"; [ "$server" = service ] && share="$(ratio "$size")%"
      echo "| ${label_of[$size]} | $server | $mibs | $rps | $p99 | $share |"
    done
  done
  echo
  echo "| upload (raw body, \`POST /files\`) | MiB/s | time per upload |"
  echo "|---|---:|---:|"
  echo "| 1 MiB × $UPLOADS_1M, one after another (curl, one connection) | ${seq_mibs[1m]} | mean ${seq_mean[1m]} ms, max ${seq_max[1m]} ms |"
  echo "| 50 MiB × $UPLOADS_50M, one after another (curl, one connection) | ${seq_mibs[50m]} | mean ${seq_mean[50m]} ms, max ${seq_max[50m]} ms |"
  echo "| 1 MiB under \`wrk -c$UPLOAD_CONNECTIONS -d$UPLOAD_DURATION\` | $wrk_upload_mibs | p50 $wrk_upload_p50, p99 $wrk_upload_p99 |"
  echo "| 50 MiB × 4 at once (curl) | $(awk -v ms="$four_ms" 'BEGIN {printf "%.1f", 200 / (ms / 1000)}') | $four_ms ms for the four |"
  echo
  echo "| service RSS | MiB |"
  echo "|---|---:|"
  echo "| idle, after start-up | $(mib "$idle_kb") |"
  echo "| peak during one 50 MiB upload (VmHWM) | $(mib "$peak_one_kb") |"
  echo "| peak during four concurrent 50 MiB uploads (VmHWM) | $(mib "$peak_four_kb") |"
  echo "| peak during the downloads (VmHWM) | $(mib "$peak_download_kb") |"
  echo "| at the end | $(mib "$final_rss_kb") |"
  echo
  echo "Peaks are VmHWM from /proc/<pid>/status, reset (\`5 > clear_refs\`) before each phase."
  echo
} >"$section"
cat "$section"
if [ "${WRITE_DOCS:-1}" = 1 ]; then
  write_doc_section file-service "file-service: uploads and downloads, nginx as the anchor" "$section"
  echo "written to docs/benchmarks.md" >&2
fi
