-- Uploads (the mix's 2%), by editors: a syllabus PDF (BENCH_UPLOAD_FILE) as
-- multipart/form-data to the file-service, the way a browser form sends it.
dofile(os.getenv("BENCH_LIB") .. "/common.lua")
local file = assert(io.open(assert(os.getenv("BENCH_UPLOAD_FILE"), "set BENCH_UPLOAD_FILE"), "rb"))
local pdf = file:read("*a")
file:close()
local boundary = "----platform-bench-7d4f2a9c"
local body = "--" .. boundary .. "\r\n" ..
             'Content-Disposition: form-data; name="file"; filename="syllabus.pdf"\r\n' ..
             "Content-Type: application/pdf\r\n\r\n" .. pdf .. "\r\n--" .. boundary .. "--\r\n"
local headers = { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
request = function()
  return wrk.format("POST", "/api/v1/files", authorized(editor_token(), headers), body)
end
