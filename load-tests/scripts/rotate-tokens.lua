-- wrk script: every request carries the next token of tokens.lua (set TOKENS_LUA), so the
-- gateway sees 2000 distinct tokens over 100 tenants rotating, as a real fleet would send.
local tokens = dofile(os.getenv("TOKENS_LUA"))
local path = os.getenv("BENCH_PATH") or "/bench"
-- PACE_MS: each connection waits this long after a response before its next request, so that
-- two servers can be compared at (about) the same offered load instead of each at saturation.
local pace = tonumber(os.getenv("PACE_MS") or "")
local i = 0

function setup(thread)
  thread:set("offset", math.random(#tokens))
end

function init(args)
  i = tonumber(offset) or 0
end

function request()
  i = i + 1
  if i > #tokens then i = 1 end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[i] })
end

if pace then
  function delay()
    return pace
  end
end
