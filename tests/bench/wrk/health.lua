-- GET /health, counting answers by status.
dofile(os.getenv("WRK_DIR") .. "/common.lua")
