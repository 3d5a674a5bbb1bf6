-- wrk script for tiles_http.sh: cycles through a fixed list of tile paths (one per line).
--   wrk -t 2 -c 32 -d 10s --latency -s bench/tiles.lua http://127.0.0.1:PORT -- PATHS_FILE THREADS
-- Each thread reads the list in init() and starts at its own offset (thread k of n at k/n of
-- the list), then requests the paths in order, wrapping around.  No response() hook, so wrk
-- does not parse bodies; non-2xx responses are counted by wrk itself.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local paths = {}
local i = 0
function init(args)
  local f = assert(io.open(args[1], "r"), "cannot open " .. tostring(args[1]))
  for line in f:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  f:close()
  assert(#paths > 0, "no paths in " .. args[1])
  local n = tonumber(args[2]) or 1
  i = math.floor((id or 0) * #paths / n)
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
