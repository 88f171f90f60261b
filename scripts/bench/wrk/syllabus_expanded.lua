-- GET /syllabi/{id}?expand=subject,files for a random id among the seeded ones (ids.lua
-- defines `ids`).
dofile(os.getenv("BENCH_IDS"))
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/syllabi/" .. ids[math.random(#ids)] .. "?expand=subject,files")
end
