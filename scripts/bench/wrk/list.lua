-- GET /subjects?limit=20
request = function()
  return wrk.format("GET", "/subjects?limit=20")
end
