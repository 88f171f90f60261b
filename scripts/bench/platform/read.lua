-- Read one syllabus expanded (the mix's 20%): its working revision with the subject and
-- the files embedded, any seeded syllabus.
dofile(os.getenv("BENCH_LIB") .. "/common.lua")
request = function()
  return wrk.format("GET", "/api/v1/syllabi/" .. pick(syllabi) .. "?expand=subject,files",
                    authorized(reader_token()))
end
