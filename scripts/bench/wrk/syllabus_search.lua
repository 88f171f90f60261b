-- GET /syllabi?q=<word>&limit=20: a full-text search for one of the seeded topics.
local words = {"algebra", "compilers", "databases", "networks", "statistics", "graphics",
               "security", "robotics"}
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/syllabi?limit=20&q=" .. words[math.random(#words)])
end
