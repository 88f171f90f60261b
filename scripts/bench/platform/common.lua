-- Shared by the platform mix's wrk scripts (scripts/bench/platform.sh): the seeded data,
-- many users' tokens, a pacer and a machine-readable report.
--   BENCH_DATA     the seeded ids (data.lua: syllabi, drafts, subjects, words, cursors)
--   BENCH_TOKENS   the users' tokens (tokens.lua: viewers, editors)
--   BENCH_RATE     requests/s this wrk offers (all its threads together)
--   BENCH_THREADS  wrk's -t (default 1)
--   BENCH_OP       the operation's name, for the report
--   BENCH_OUT      where done() writes the report (JSON)
--
-- Pacing: delay() hands each connection the next free slot of a schedule of one request
-- every 1/rate s (per thread), so the connections together offer the rate whatever the
-- latency, as long as enough of them are idle. When every connection is busy the schedule
-- is not caught up later: the achieved rate then falls below the offered one, which is how
-- the ramp sees saturation. wrk measures each request from its write, not from its slot.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *ts);
]]
local timespec = ffi.new("bench_timespec")
function now_ms()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

dofile(assert(os.getenv("BENCH_DATA"), "set BENCH_DATA"))
dofile(assert(os.getenv("BENCH_TOKENS"), "set BENCH_TOKENS"))
local rate = tonumber((assert(os.getenv("BENCH_RATE"), "set BENCH_RATE")))
local threads_count = tonumber(os.getenv("BENCH_THREADS") or "1")
local interval_ms = 1000.0 * threads_count / rate

-- Every process starts in the same second: seed from the clock's nanoseconds.
ffi.C.clock_gettime(0, timespec)
math.randomseed(tonumber(timespec.tv_nsec) + tonumber(timespec.tv_sec) % 100000)

function pick(list) return list[math.random(#list)] end

-- Any user reads (viewers and editors); editors write.
function reader_token()
  local n = math.random(#viewers + #editors)
  if n <= #viewers then return viewers[n] end
  return editors[n - #viewers]
end
function editor_token() return pick(editors) end
function authorized(token, extra)
  local headers = { ["Authorization"] = "Bearer " .. token }
  if extra then for k, v in pairs(extra) do headers[k] = v end end
  return headers
end

local next_slot = nil
function delay()
  local now = now_ms()
  if next_slot == nil or next_slot < now then next_slot = now end
  local wait = next_slot - now
  next_slot = next_slot + interval_ms
  return math.floor(wait)
end

statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

-- Percentiles on a grid dense in the tail: platform.sh merges the operations' grids into
-- the mix's percentiles (requests weighted).
local grid = {}
for p = 1, 95 do grid[#grid + 1] = p end
for p = 95.5, 98.5, 0.5 do grid[#grid + 1] = p end
for p = 99, 99.9, 0.1 do grid[#grid + 1] = p end
grid[#grid + 1] = 99.95
grid[#grid + 1] = 99.99

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do parts[#parts + 1] = string.format('"%d":%d', status, count) end
  local points = {}
  if summary.requests > 0 then
    for _, p in ipairs(grid) do
      points[#points + 1] = string.format("[%g,%d]", p, latency:percentile(p))
    end
    points[#points + 1] = string.format("[100,%d]", latency.max)
  end
  local e = summary.errors
  local out = assert(io.open(assert(os.getenv("BENCH_OUT"), "set BENCH_OUT"), "w"))
  out:write(string.format(
    '{"op":"%s","offered":%g,"requests":%d,"duration_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":{%s},"grid":[%s]}\n',
    os.getenv("BENCH_OP") or "?", rate, summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ","), table.concat(points, ",")))
  out:close()
end
