-- static.lua: GET of the static file nginx serves, with the same status
-- check (check.lua) as progress.lua, so both runs cost the client the same.
--   wrk -s bench/static.lua http://127.0.0.1:PORT/static.json
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "check.lua")
