-- mcp.lua: POST /mcp with one JSON-RPC request in a session, for bench/mcp.sh.
--   TOKEN=... SESSION=... BODY='{"jsonrpc":"2.0",...}' wrk -s bench/mcp.lua http://127.0.0.1:PORT
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "check.lua")

wrk.method = "POST"
wrk.path = "/mcp"
wrk.body = os.getenv("BODY")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Mcp-Session-Id"] = os.getenv("SESSION")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
