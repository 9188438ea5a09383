-- Shared by the wrk scripts of scripts/benchmarks.sh (loaded with dofile from
-- WRK_DIR). Numbers each thread, counts answers by status class in response() (which
-- costs wrk some speed: it must parse every answer for Lua), and prints in done():
--   WRK_2XX <n>  WRK_OTHER <n>
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

ok2xx, other = 0, 0

function response(status, headers, body)
  if status >= 200 and status < 300 then ok2xx = ok2xx + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + (t:get("ok2xx") or 0)
    bad = bad + (t:get("other") or 0)
  end
  io.write(string.format("WRK_2XX %d\nWRK_OTHER %d\n", ok, bad))
end

-- The JWTs of the env var WRK_TOKENS (comma-separated).
function tokens()
  local list = {}
  for t in string.gmatch(os.getenv("WRK_TOKENS") or "", "[^,]+") do table.insert(list, t) end
  return list
end

-- A UUID unique per run (WRK_RUN), thread, kind and counter.
function uuid(kind, n)
  return string.format("%08x-%04x-4%03x-8000-%012x", tonumber(os.getenv("WRK_RUN") or "0"), tid, kind, n)
end
