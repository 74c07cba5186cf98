-- static.lua: GET of the static file nginx serves; only the status check, so
-- nginx carries the same Lua bookkeeping as the maang runs.
--   wrk -s bench/static.lua http://127.0.0.1:PORT/static.json
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "check.lua")
