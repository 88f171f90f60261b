-- GET /subjects/{id} for a random id among the seeded ones (ids.lua defines `ids`).
dofile(os.getenv("BENCH_IDS"))
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/subjects/" .. ids[math.random(#ids)])
end
