// Sliding-window counting: at most `points` calls in ANY window of `durationMs`, not just in windows
// aligned to the clock. A fixed window lets 2 × points through around its edge (the end of one
// window and the start of the next); a vendor that counts in sliding windows answers that with 429.
// Each key keeps the times of its recent calls; a call is allowed when fewer than `points` of them
// fall in (now − durationMs, now]. The Redis implementation does the same in one Lua script.
import type { RateLimitDecision, RateLimiter } from './types.ts';

export interface SlidingWindowOptions {
  points: number;
  durationMs: number;
  /** Where time comes from (tests pass a fake clock). */
  now: () => number;
}

/** In-process sliding windows (one process; the Redis script below shares them between processes). */
export function createSlidingWindowLimiter({ points, durationMs, now }: SlidingWindowOptions): RateLimiter {
  const callTimes = new Map<string, number[]>(); // per key, oldest first
  const blockedUntil = new Map<string, number>();

  return {
    async consume(key, cost = 1): Promise<RateLimitDecision> {
      const at = now();
      const blocked = blockedUntil.get(key) ?? 0;
      if (blocked > at) return { allowed: false, remaining: 0, retryAfterMs: blocked - at };
      blockedUntil.delete(key);
      const times = (callTimes.get(key) ?? []).filter((time) => time > at - durationMs);
      if (times.length + cost > points) {
        callTimes.set(key, times);
        // The call that must leave the window before `cost` more fit.
        const leaving = times[times.length + cost - points - 1];
        return { allowed: false, remaining: 0, retryAfterMs: leaving === undefined ? durationMs : Math.max(1, leaving + durationMs - at) };
      }
      for (let point = 0; point < cost; point += 1) times.push(at);
      callTimes.set(key, times);
      const remaining = points - times.length;
      return { allowed: true, remaining, retryAfterMs: remaining > 0 ? 0 : Math.max(1, times[0]! + durationMs - at) };
    },
    async block(key, ms) {
      blockedUntil.set(key, Math.max(blockedUntil.get(key) ?? 0, now() + ms));
    },
  };
}

/**
 * Redis: KEYS[1] the sorted set of call times (score = time, member unique per call), KEYS[2] the
 * block's end. ARGV: points, durationMs, cost, now ('' = Redis's own clock, one clock for every
 * process), a unique call id. Returns { allowed (1/0), remaining, retryAfterMs }. Keys outlive their
 * window by a minute, so a test's fake clock that runs slower than real time never loses calls.
 */
export const SLIDING_WINDOW_CONSUME = `
local points = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return {0, 0, blocked - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
local used = redis.call('ZCARD', KEYS[1])
if used + cost > points then
  local index = used + cost - points - 1
  local leaving = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')[2]
  if not leaving then return {0, 0, duration} end
  return {0, 0, math.max(1, tonumber(leaving) + duration - now)}
end
for point = 1, cost do redis.call('ZADD', KEYS[1], now, ARGV[5] .. ':' .. point) end
redis.call('PEXPIRE', KEYS[1], duration + 60000)
local remaining = points - used - cost
if remaining > 0 then return {1, remaining, 0} end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
return {1, 0, math.max(1, tonumber(oldest) + duration - now)}
`;

/** KEYS[1] the block's end; ARGV: ms, now ('' = Redis's clock). A block never shortens a longer one. */
export const SLIDING_WINDOW_BLOCK = `
local now = tonumber(ARGV[2])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + ms > current then redis.call('SET', KEYS[1], now + ms, 'PX', ms + 60000) end
return 1
`;
