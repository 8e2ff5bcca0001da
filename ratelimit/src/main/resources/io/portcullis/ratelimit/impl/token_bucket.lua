-- Greedy token bucket, the same semantics as a Bucket4j local bucket with refillGreedy:
-- `count` tokens come back evenly over `period_ms`, the bucket holds at most `burst`.
-- Integer arithmetic only (tokens plus a refill remainder, like Bucket4j's rounding error), so
-- results match the in-process backend exactly for the same clock.
--
-- KEYS[1]  the bucket hash (hash-tagged per bucket for Cluster)
-- ARGV[1]  now, epoch milliseconds from the caller's injected clock
-- ARGV[2]  count     ARGV[3] period_ms     ARGV[4] burst
-- returns {allowed 0|1, remaining tokens, ms until full, ms until one token (0 when allowed)}
local now = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])

local state = redis.call('HMGET', KEYS[1], 't', 'r', 'ts')
local tokens, rem, last
if state[1] then
  tokens = tonumber(state[1])
  rem = tonumber(state[2])
  last = tonumber(state[3])
  if tokens >= burst then
    -- full, or the policy shrank: cap at the new burst
    tokens = burst
    rem = 0
  end
  local elapsed = now - last
  if elapsed > 0 then
    local num = elapsed * count + rem
    if tokens + num / period >= burst then
      tokens = burst
      rem = 0
    else
      local add = math.floor(num / period)
      tokens = tokens + add
      rem = num - add * period
    end
    last = now
  end
  -- elapsed <= 0: another instance's clock is ahead; never move time backwards
else
  tokens = burst
  rem = 0
  last = now
end

local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end

local to_full = 0
if tokens < burst then
  to_full = math.ceil(((burst - tokens) * period - rem) / count)
end
local retry = 0
if allowed == 0 then
  retry = math.ceil((period - rem) / count)
end

redis.call('HSET', KEYS[1], 't', string.format('%d', tokens), 'r', string.format('%d', rem),
  'ts', string.format('%d', last))
-- Idle expiry: once full the bucket equals a missing one; one extra second covers clock skew.
redis.call('PEXPIRE', KEYS[1], to_full + 1000)
return {allowed, tokens, to_full, retry}
