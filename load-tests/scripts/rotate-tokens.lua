-- wrk script: every request carries the next token of tokens.lua (set TOKENS_LUA), so the
-- gateway sees 2000 distinct tokens over 100 tenants rotating, as a real fleet would send.
local tokens = dofile(os.getenv("TOKENS_LUA"))
local path = os.getenv("BENCH_PATH") or "/bench"
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
