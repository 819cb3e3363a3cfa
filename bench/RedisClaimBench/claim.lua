-- Claim-shaped decision: KEYS[1] per-person set, KEYS[2] stock counter, ARGV[1] what is claimed.
-- Returns 1 claimed, 0 refused (stock gone, undone), -1 already claimed by this person.
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return -1
end
if redis.call('DECR', KEYS[2]) < 0 then
  redis.call('INCR', KEYS[2])
  redis.call('SREM', KEYS[1], ARGV[1])
  return 0
end
return 1
