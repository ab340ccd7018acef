-- wrk script: POST one AdmissionReview (the file named by $ADMISSION_REVIEW)
-- to the URL given on the command line, as the API server does.
-- With $ADMISSION_RATE (reviews/s over all threads; $ADMISSION_THREADS = wrk -t)
-- requests are paced to that rate instead of sent back to back: each thread
-- hands out send slots at rate/threads per second to whichever of its
-- connections asks, so the latency measured is the service time at that load.
local path = os.getenv("ADMISSION_REVIEW")
assert(path, "set ADMISSION_REVIEW to the review file")
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local rate = tonumber(os.getenv("ADMISSION_RATE") or "0")
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } portcullis_timespec;
    int clock_gettime(int clock, portcullis_timespec* ts);
  ]]
  local ts = ffi.new("portcullis_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = 1000 * tonumber(os.getenv("ADMISSION_THREADS") or "1") / rate
  local next_slot = nil
  function delay()
    local now = now_ms()
    -- More than a second behind (the server could not keep up): start afresh, no burst.
    if next_slot == nil or next_slot < now - 1000 then next_slot = now end
    next_slot = next_slot + interval
    local wait = next_slot - now
    if wait <= 0 then return 0 end
    return math.floor(wait + 0.5)
  end
end
