-- Writes (the mix's 8%), by editors: half edit a draft syllabus (a JSON merge patch of its
-- summary), a quarter create a new draft syllabus (a seeded subject, a year from BENCH_YEAR
-- on, so that no (subject, year, term) is taken twice), a quarter create a subject (a code
-- unique per BENCH_TAG).
dofile(os.getenv("BENCH_LIB") .. "/common.lua")
local tag = os.getenv("BENCH_TAG") or "W"
local first_year = tonumber(os.getenv("BENCH_YEAR") or "2100")
local terms = { "autumn", "spring", "summer", "full_year" }
local json = { ["Content-Type"] = "application/json" }
local merge_patch = { ["Content-Type"] = "application/merge-patch+json" }
local patches, syllabi_created, subjects_created = 0, 0, 0

local function new_syllabus()
  local n = syllabi_created
  syllabi_created = syllabi_created + 1
  local subject = subjects[(n % #subjects) + 1]
  local term = terms[(math.floor(n / #subjects) % 4) + 1]
  local year = first_year + math.floor(n / (#subjects * 4))
  local topic = pick(words)
  return string.format(
    '{"subject_id":"%s","academic_year":"%d/%d","term":"%s","title":"%s, a new course",' ..
    '"summary":"Planned course on %s.","languages":["en"],"ects_credits":6,' ..
    '"teaching_mode":"in_person","workload":{"lectures":26,"tutorials":26,"labs":0,"self_study":108},' ..
    '"learning_outcomes":[{"code":"LO1","statement":"Explain the basics of %s."}],' ..
    '"body":"# %s\\n\\nA draft: weekly lectures and exercises."}',
    subject, year, year + 1, term, topic, topic, topic, topic)
end

request = function()
  local roll = math.random(4)
  if roll <= 2 then
    patches = patches + 1
    local body = string.format('{"summary":"Revised summary %s-%d: %s, %s and %s."}', tag, patches,
                               pick(words), pick(words), pick(words))
    return wrk.format("PATCH", "/api/v1/syllabi/" .. pick(drafts), authorized(editor_token(), merge_patch), body)
  elseif roll == 3 then
    return wrk.format("POST", "/api/v1/syllabi", authorized(editor_token(), json), new_syllabus())
  end
  subjects_created = subjects_created + 1
  local code = string.format("%s-%X", tag, subjects_created)
  local body = string.format('{"code":"%s","name":"New subject %s","credits":6,"department":"Planning"}',
                             code, code)
  return wrk.format("POST", "/api/v1/subjects", authorized(editor_token(), json), body)
end
