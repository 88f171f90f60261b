-- POST /subjects with a code unique across threads and runs.
local counter = 0
local prefix = os.getenv("BENCH_PREFIX") or "C"
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
request = function()
  counter = counter + 1
  local code = string.format("%s%X-%X", prefix, thread_id or 0, counter)
  local body = '{"code":"' .. code .. '","name":"Benchmark subject ' .. code ..
               '","credits":6,"department":"Benchmarks"}'
  return wrk.format("POST", "/subjects", {["Content-Type"] = "application/json"}, body)
end
