-- Live-instance registry for the LOCAL failure share: one sorted set, score = last heartbeat.
-- KEYS[1] the set; ARGV[1] now ms; ARGV[2] instance id; ARGV[3] drop members older than this ms;
-- ARGV[4] set TTL ms. Returns the number of live instances.
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
