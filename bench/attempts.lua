-- attempts.lua: POST /api/v1/attempts as the seeded user, cycling through
-- catalog problems and outcomes (no "at": each attempt is logged "now").
--   TOKEN=mt_... wrk -s bench/attempts.lua http://127.0.0.1:5080
-- SLUGS (comma-separated) overrides the built-in list of problems; run.sh
-- passes the whole catalog, so no problem accumulates an unrealistic history.
-- Counts every status, so done() reports the number of 201s.
count_statuses = true
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "check.lua")

local token = os.getenv("TOKEN")
if not token or token == "" then
	error("attempts.lua: set TOKEN to the user's API token (bench/seed.sh prints one)")
end

local slugs = {}
for s in (os.getenv("SLUGS") or ""):gmatch("[^,%s]+") do
	table.insert(slugs, s)
end
if #slugs == 0 then
	slugs = {"two-sum", "valid-anagram", "contains-duplicate", "group-anagrams",
		"top-k-frequent-elements", "product-of-array-except-self", "valid-sudoku",
		"longest-consecutive-sequence", "valid-palindrome", "3sum",
		"container-with-most-water", "trapping-rain-water", "valid-parentheses",
		"min-stack", "daily-temperatures", "binary-search", "search-a-2d-matrix",
		"koko-eating-bananas", "reverse-linked-list", "merge-two-sorted-lists",
		"linked-list-cycle", "lru-cache", "invert-binary-tree", "maximum-depth-of-binary-tree",
		"number-of-islands", "clone-graph", "course-schedule", "climbing-stairs",
		"coin-change", "longest-increasing-subsequence", "word-break", "house-robber"}
end
local outcomes = {"solved", "failed", "solved", "solved_with_help"}
local languages = {"python", "cpp", "go", "java"}

local headers = {["Authorization"] = "Bearer " .. token,
	["Content-Type"] = "application/json"}
local bodies = {}
local n = 0

function init(args)
	-- Pre-format a cycle of requests; threads start at different offsets.
	for i = 1, #slugs * #outcomes do
		local body = string.format(
			'{"problem":"%s","outcome":"%s","minutes":%d,"language":"%s","confidence":%d}',
			slugs[(i - 1) % #slugs + 1], outcomes[(i - 1) % #outcomes + 1], 5 + (i * 7) % 85,
			languages[(i - 1) % #languages + 1], 1 + i % 5)
		table.insert(bodies, wrk.format("POST", "/api/v1/attempts", headers, body))
	end
	n = ((tid or 1) - 1) * 7
end

function request()
	n = n + 1
	return bodies[(n - 1) % #bodies + 1]
end
