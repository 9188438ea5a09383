-- PATCH /api/sessions/{id}/end: walks the lines "JWT SESSION_ID" of the file WRK_PAIRS
-- (one user per line, each with one open session; thread t takes lines t, t+T, …
-- with T = WRK_THREADS). Past the end of its lines a thread ends its last session
-- again (200, nothing written), which the D1 check then shows.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
local pairs_, n
function init(args)
  pairs_ = {}
  local threads = tonumber(os.getenv("WRK_THREADS") or "1")
  local i = 0
  for line in io.lines(os.getenv("WRK_PAIRS")) do
    if i % threads == tid then
      local jwt, id = string.match(line, "(%S+) (%S+)")
      pairs_[#pairs_ + 1] = { jwt, id }
    end
    i = i + 1
  end
  n = 0
end
function request()
  n = n + 1
  local p = pairs_[math.min(n, #pairs_)]
  return wrk.format("PATCH", "/api/sessions/" .. p[2] .. "/end",
    { ["Authorization"] = "Bearer " .. p[1], ["Content-Type"] = "application/json" }, "{}")
end
