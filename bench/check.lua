-- check.lua: status check shared by the wrk scripts (loaded with dofile).
--
-- Every run counts failed responses: wrk itself counts each response with a
-- status >= 400 (summary.errors.status), and done() prints that count as
-- "non-2xx" (these routes never answer 1xx or 3xx). That costs the client
-- nothing per request. A script that also needs the exact count per status
-- (attempts.lua: the number of 201s, for the durability check) sets
-- count_statuses = true before loading this file; then response() counts
-- every status in Lua, which costs wrk ~20% more CPU per 14 KB response, so
-- the GET runs leave it off (the client shares the cores with the server).
--
-- done() also prints one machine-readable "bench:" line that bench/lib.sh parses.
local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("tid", #threads)
end

if count_statuses then
	codes = {}
	function response(status, headers, body)
		codes[status] = (codes[status] or 0) + 1
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	local bad, created = e.status, -1
	if count_statuses then
		local total, keys, parts = {}, {}, {}
		for _, t in ipairs(threads) do
			for status, n in pairs(t:get("codes") or {}) do
				total[status] = (total[status] or 0) + n
			end
		end
		bad, created = 0, total[201] or 0
		for status, n in pairs(total) do
			table.insert(keys, status)
			if status < 200 or status >= 300 then
				bad = bad + n
			end
		end
		table.sort(keys)
		for _, status in ipairs(keys) do
			table.insert(parts, status .. "=" .. total[status])
		end
		io.write(string.format("status counts: %s\n", table.concat(parts, " ")))
	end
	io.write(string.format("non-2xx responses: %d of %d\n", bad, summary.requests))
	if bad > 0 then
		io.write(string.format("WARNING: %d responses were not 2xx\n", bad))
	end
	io.write(string.format("bench: requests=%d duration_us=%d non2xx=%d created=%d " ..
		"socket_errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
		summary.requests, summary.duration, bad, created,
		e.connect + e.read + e.write + e.timeout,
		latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
