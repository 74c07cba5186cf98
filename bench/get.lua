-- get.lua: GET $URLPATH with the user's token, for bench/mcp.sh.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "check.lua")

wrk.method = "GET"
wrk.path = os.getenv("URLPATH")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
