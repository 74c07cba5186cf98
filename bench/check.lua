-- check.lua: shared by the wrk scripts. Counts responses by status in each
-- thread and prints them in done(): every non-2xx is a failure of the run.
-- Also prints machine-readable "bench:" lines that run.sh parses.
local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("tid", #threads)
end

codes = {}

function response(status, headers, body)
	codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
	local total, ok, created, bad = {}, 0, 0, 0
	for _, t in ipairs(threads) do
		for status, n in pairs(t:get("codes") or {}) do
			total[status] = (total[status] or 0) + n
		end
	end
	local keys = {}
	for status, n in pairs(total) do
		table.insert(keys, status)
		if status >= 200 and status < 300 then
			ok = ok + n
		else
			bad = bad + n
		end
		if status == 201 then
			created = created + n
		end
	end
	table.sort(keys)
	local parts = {}
	for _, status in ipairs(keys) do
		table.insert(parts, status .. "=" .. total[status])
	end
	io.write(string.format("status counts: %s\n", table.concat(parts, " ")))
	if bad > 0 then
		io.write(string.format("WARNING: %d non-2xx responses\n", bad))
	end
	local e = summary.errors
	io.write(string.format("bench: requests=%d duration_us=%d ok=%d created=%d non2xx=%d " ..
		"socket_errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
		summary.requests, summary.duration, ok, created, bad,
		e.connect + e.read + e.write + e.timeout,
		latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
