-- POST /api/sync with 100 ops: 50 start+end pairs of 1-minute sessions in the past,
-- unique ids; requests rotate over the users of WRK_TOKENS. WRK_SESSION_KEY names the
-- ops' session field: "session_id" (this contract) or "id" (the first one, the peer's).
dofile(os.getenv("WRK_DIR") .. "/common.lua")
local list, n
local now = os.time()
local key = os.getenv("WRK_SESSION_KEY") or "session_id"
function init(args) list = tokens(); n = 0 end
local function iso(t) return os.date("!%Y-%m-%dT%H:%M:%SZ", t) end
function request()
  n = n + 1
  local jwt = list[((n * 7 + tid) % #list) + 1]
  local ops = {}
  for k = 0, 49 do
    local s = n * 50 + k
    -- Per thread, sessions 2 minutes apart going back from 2 days ago.
    local t = now - 2 * 86400 - s * 120 - tid * 7
    local sid = uuid(1, s)
    ops[#ops + 1] = string.format('{"op_id":"%s","type":"start","%s":"%s","repo_owner":"bench","repo_name":"sync","pr_number":%d,"start_time":"%s"}', uuid(2, s), key, sid, 1 + k % 9, iso(t))
    ops[#ops + 1] = string.format('{"op_id":"%s","type":"end","%s":"%s","end_time":"%s"}', uuid(3, s), key, sid, iso(t + 60))
  end
  return wrk.format("POST", "/api/sync",
    { ["Authorization"] = "Bearer " .. jwt, ["Content-Type"] = "application/json" },
    '{"ops":[' .. table.concat(ops, ",") .. ']}')
end
