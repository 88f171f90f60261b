-- GET <BENCH_PATH_PREFIX>/<id> for a random id among the seeded ones (ids.lua defines
-- `ids`), with the bearer token in BENCH_TOKEN when set: read by id through a proxy.
dofile(os.getenv("BENCH_IDS"))
local prefix = os.getenv("BENCH_PATH_PREFIX") or "/subjects"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", prefix .. "/" .. ids[math.random(#ids)])
end
