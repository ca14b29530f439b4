-- wrk script: rotates over a request list written by
--   scripts/benchseed -requests FILE
-- one "token path" per line (founders' access tokens, places all over Japan,
-- topic sets and radii), so no two consecutive requests of a connection ask
-- the same. The list file is the first argument after the URL:
--   wrk -t2 -c32 -d10s -s scripts/bench/mixed.lua http://127.0.0.1:18090 mix.txt
local reqs = {}
local n = 0
local i = 0

local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    local token, path = line:match("^(%S+) (%S+)$")
    if token then
      n = n + 1
      reqs[n] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
    end
  end
  if n == 0 then error("no requests in " .. tostring(args[1])) end
  -- Threads start at different places in the list.
  i = (id or 0) * math.floor(n / 2)
end

function request()
  i = i % n + 1
  return reqs[i]
end
