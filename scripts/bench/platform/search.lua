-- Search syllabi (half of the mix's 70% of browsing and searching): full-text search for
-- one of the seeded topics, ranked, 20 a page.
dofile(os.getenv("BENCH_LIB") .. "/common.lua")
request = function()
  return wrk.format("GET", "/api/v1/syllabi?limit=20&q=" .. pick(words), authorized(reader_token()))
end
