-- Uploads the same file on every request: a raw PDF body (Content-Type: application/pdf),
-- read once from the path in BENCH_UPLOAD_FILE. The URL carries ?filename=.
--   BENCH_UPLOAD_FILE=/tmp/x.pdf wrk -s scripts/bench/wrk/file-upload.lua \
--     'http://127.0.0.1:PORT/files?filename=bench.pdf'
local path = assert(os.getenv("BENCH_UPLOAD_FILE"), "set BENCH_UPLOAD_FILE")
local file = assert(io.open(path, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/pdf"
