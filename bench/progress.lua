-- progress.lua: GET /api/v1/progress as the seeded user.
--   TOKEN=mt_... wrk -s bench/progress.lua http://127.0.0.1:5080
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "check.lua")

local token = os.getenv("TOKEN")
if not token or token == "" then
	error("progress.lua: set TOKEN to the user's API token (bench/seed.sh prints one)")
end
wrk.method = "GET"
wrk.path = "/api/v1/progress"
wrk.headers["Authorization"] = "Bearer " .. token
