-- POST /api/sessions/start: a new session id per request (start_time = the server's
-- now); requests rotate over the users of WRK_TOKENS, so one user's starts rarely race.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
local list, n
function init(args) list = tokens(); n = 0 end
function request()
  n = n + 1
  local jwt = list[((n * 7 + tid) % #list) + 1]
  local body = string.format('{"id":"%s","repo_owner":"bench","repo_name":"start","pr_number":%d}', uuid(1, n), 1 + n % 9)
  return wrk.format("POST", "/api/sessions/start",
    { ["Authorization"] = "Bearer " .. jwt, ["Content-Type"] = "application/json" }, body)
end
