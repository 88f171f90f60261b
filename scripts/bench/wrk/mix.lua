-- 80% read by id, 15% list, 5% create.
dofile(os.getenv("BENCH_IDS"))
math.randomseed(os.time())
local counter = 0
local prefix = os.getenv("BENCH_PREFIX") or "M"
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
request = function()
  local roll = math.random(100)
  if roll <= 80 then
    return wrk.format("GET", "/subjects/" .. ids[math.random(#ids)])
  elseif roll <= 95 then
    return wrk.format("GET", "/subjects?limit=20")
  end
  counter = counter + 1
  local code = string.format("%s%X-%X", prefix, thread_id or 0, counter)
  local body = '{"code":"' .. code .. '","name":"Mixed ' .. code .. '","credits":3}'
  return wrk.format("POST", "/subjects", {["Content-Type"] = "application/json"}, body)
end
