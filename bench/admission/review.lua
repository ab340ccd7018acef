-- wrk script: POST one AdmissionReview (the file named by $ADMISSION_REVIEW)
-- to the URL given on the command line, as the API server does.
local path = os.getenv("ADMISSION_REVIEW")
assert(path, "set ADMISSION_REVIEW to the review file")
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
