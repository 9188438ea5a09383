-- GET /api/stats/daily?days=WRK_DAYS as the first user of WRK_TOKENS.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
local req
function init(args)
  req = wrk.format("GET", "/api/stats/daily?days=" .. (os.getenv("WRK_DAYS") or "30"),
    { ["Authorization"] = "Bearer " .. tokens()[1] })
end
function request() return req end
