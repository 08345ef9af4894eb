-- wrk script for bench/ingest.py: POST one JSON body on every request and count the answers.
--
-- Environment (set by bench/ingest.py):
--   BENCH_BODY_FILE      path of the JSON body to send (required)
--   BENCH_AUTHORIZATION  value of the Authorization header (optional)
--
-- wrk only reports completed responses and "Non-2xx or 3xx". The benchmark also needs the
-- number of requests sent (some are still in flight when wrk stops, and the server may store
-- them) and the exact number of 201s, to check them against the rows stored. Each wrk thread
-- has its own Lua state, so the counters are per thread and done() adds them up.

local body_file = assert(os.getenv("BENCH_BODY_FILE"), "BENCH_BODY_FILE is not set")
local f = assert(io.open(body_file, "rb"))
-- A trailing newline from the editor is not part of the body the benchmark means to send.
local body = f:read("*a"):gsub("%s+$", "")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

-- main Lua state: remember every thread so that done() can read its counters
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- per-thread Lua state
sent = 0
created = 0
other = 0
local request_bytes = nil

function init(args)
  -- format once: request() below only counts, it does not rebuild the request
  request_bytes = wrk.format()
end

function request()
  sent = sent + 1
  return request_bytes
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local total_sent, total_created, total_other = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_created = total_created + thread:get("created")
    total_other = total_other + thread:get("other")
  end
  -- one machine-readable line, parsed by bench/ingest.py
  io.write(string.format("BENCH_COUNTS sent=%d created=%d other=%d\n",
    total_sent, total_created, total_other))
end
