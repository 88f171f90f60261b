-- Browse syllabi (half of the mix's 70% of browsing and searching): a first page of the
-- list, filtered as a student or a member of staff would (published, a term, the year, one
-- subject's), or a later page by a cursor seen while seeding.
dofile(os.getenv("BENCH_LIB") .. "/common.lua")
local terms = { "autumn", "spring", "summer", "full_year" }
request = function()
  local roll = math.random(6)
  local target
  if roll == 1 then
    target = "/api/v1/syllabi?limit=20"
  elseif roll == 2 then
    target = "/api/v1/syllabi?limit=20&status=published"
  elseif roll == 3 then
    target = "/api/v1/syllabi?limit=20&term=" .. pick(terms)
  elseif roll == 4 then
    target = "/api/v1/syllabi?limit=20&academic_year=2026%2F2027&status=published"
  elseif roll == 5 then
    target = "/api/v1/syllabi?subject_id=" .. pick(subjects)
  else
    target = "/api/v1/syllabi?" .. pick(cursors)
  end
  return wrk.format("GET", target, authorized(reader_token()))
end
