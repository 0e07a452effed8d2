/**
 * The server state's Lua scripts, registered with ioredis `defineCommand` (EVALSHA, falling back
 * to EVAL on NOSCRIPT). Redis does not roll back a script that fails part-way, so each script
 * checks everything (arguments, the type of every key it touches, stored numbers) before its first
 * write, after which nothing can fail on the data it checked. `#!lua` (Redis 7): a script that may
 * write is refused as a whole when Redis is out of memory, rather than failing at its first write.
 */
import type { Cluster, Redis } from 'ioredis';

const PRELUDE = `#!lua
local function fail(message) return redis.error_reply('ERR ensign-state: ' .. message) end
local function wrongType(pairs_)
  for _, check in ipairs(pairs_) do
    local kind = redis.call('TYPE', check[1]).ok
    if kind ~= 'none' and kind ~= check[2] then
      return 'key ' .. check[1] .. ' is a ' .. kind .. ', not a ' .. check[2] .. ' (changed by hand?); nothing was written'
    end
  end
  return nil
end
`;

/**
 * Compare-and-set write of one document. KEYS: doc, index. ARGV: id, value JSON, expected
 * version ('' for none), ttl ms ('' for none). Returns `{1, version}` or `{0, current version}`.
 */
const PUT = `${PRELUDE}
local doc, index = KEYS[1], KEYS[2]
local id, value, expected, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if expected ~= '' and not string.match(expected, '^%d+$') then return fail('the expected version is not an integer') end
if ttl ~= '' and not string.match(ttl, '^[1-9]%d*$') then return fail('the ttl is not a positive integer') end
local problem = wrongType({{doc, 'hash'}, {index, 'set'}})
if problem then return fail(problem) end
local raw = redis.call('HGET', doc, 'version')
if raw and not string.match(raw, '^%d+$') then
  return fail('field "version" of ' .. doc .. ' is not an integer; nothing was written')
end
local current = tonumber(raw or '0')
if expected ~= '' and tonumber(expected) ~= current then return {0, current} end
local version = current + 1
redis.call('HSET', doc, 'version', version, 'value', value)
if ttl ~= '' then redis.call('PEXPIRE', doc, ttl) else redis.call('PERSIST', doc) end
redis.call('SADD', index, id)
return {1, version}
`;

/** Removes one document. KEYS: doc, index. ARGV: id. Returns 1 if it existed. */
const DELETE = `${PRELUDE}
local problem = wrongType({{KEYS[1], 'hash'}, {KEYS[2], 'set'}})
if problem then return fail(problem) end
local existed = redis.call('EXISTS', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return existed
`;

/**
 * Drops index entries whose document expired. KEYS: index, doc 1..n. ARGV: id 1..n. Checked
 * again here, atomically: a document written since the caller read it keeps its entry.
 */
const PRUNE = `${PRELUDE}
local problem = wrongType({{KEYS[1], 'set'}})
if problem then return fail(problem) end
local removed = 0
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then removed = removed + redis.call('SREM', KEYS[1], ARGV[i]) end
end
return removed
`;

/**
 * Adds to counters. KEYS: the record. ARGV: ttl ms ('' to leave the expiry as it is), then name,
 * increment, ... Returns HGETALL of the record. Every increment and every stored value is
 * checked, and every sum, before the first write.
 */
const INCREMENT = `${PRELUDE}
local key, ttl = KEYS[1], ARGV[1]
if ttl ~= '' and not string.match(ttl, '^[1-9]%d*$') then return fail('the ttl is not a positive integer') end
local problem = wrongType({{key, 'hash'}})
if problem then return fail(problem) end
if #ARGV % 2 ~= 1 then return fail('increments come as name/number pairs') end
for i = 2, #ARGV, 2 do
  local by = tonumber(ARGV[i + 1])
  if not by or by ~= by or by >= math.huge or by <= -math.huge then
    return fail('the increment of ' .. ARGV[i] .. ' is not a finite number')
  end
  local raw = redis.call('HGET', key, ARGV[i])
  local current = 0
  if raw then
    current = tonumber(raw)
    if not current then return fail('counter ' .. ARGV[i] .. ' of ' .. key .. ' is not a number; nothing was written') end
  end
  local sum = current + by
  if sum ~= sum or sum >= 1e300 or sum <= -1e300 then return fail('counter ' .. ARGV[i] .. ' would overflow') end
end
for i = 2, #ARGV, 2 do redis.call('HINCRBYFLOAT', key, ARGV[i], ARGV[i + 1]) end
if ttl ~= '' and redis.call('EXISTS', key) == 1 then redis.call('PEXPIRE', key, ttl) end
return redis.call('HGETALL', key)
`;

/**
 * Raises counters to at least the values given. KEYS: the record. ARGV: ttl ms ('' to leave the
 * expiry as it is), then name, value, ... Returns the number of counters raised. Every value and
 * every stored counter named is checked before the first write.
 */
const MAXIMIZE = `${PRELUDE}
local key, ttl = KEYS[1], ARGV[1]
if ttl ~= '' and not string.match(ttl, '^[1-9]%d*$') then return fail('the ttl is not a positive integer') end
local problem = wrongType({{key, 'hash'}})
if problem then return fail(problem) end
if #ARGV % 2 ~= 1 then return fail('values come as name/number pairs') end
local raise = {}
for i = 2, #ARGV, 2 do
  local value = tonumber(ARGV[i + 1])
  if not value or value ~= value or value >= math.huge or value <= -math.huge then
    return fail('the value of ' .. ARGV[i] .. ' is not a finite number')
  end
  local raw = redis.call('HGET', key, ARGV[i])
  if raw then
    local current = tonumber(raw)
    if not current then return fail('counter ' .. ARGV[i] .. ' of ' .. key .. ' is not a number; nothing was written') end
    if value > current then raise[#raise + 1] = i end
  else
    raise[#raise + 1] = i
  end
end
for _, i in ipairs(raise) do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
if ttl ~= '' and redis.call('EXISTS', key) == 1 then redis.call('PEXPIRE', key, ttl) end
return #raise
`;

/**
 * Takes or renews a lease by Redis's clock. KEYS: the lease. ARGV: owner, ttl ms. Returns
 * `{1, token, expiresAt}` or `{0}` when someone else holds it. The token (fencing) grows by one
 * with every grant that is not a renewal and is never reset, also after release or expiry.
 */
const ACQUIRE = `${PRELUDE}
local key, owner, ttl = KEYS[1], ARGV[1], ARGV[2]
if not string.match(ttl, '^[1-9]%d*$') then return fail('the ttl is not a positive integer') end
local problem = wrongType({{key, 'hash'}})
if problem then return fail(problem) end
local held = redis.call('HMGET', key, 'owner', 'token', 'expiresAt')
for i = 2, 3 do
  if held[i] and not string.match(held[i], '^%d+$') then
    return fail('lease ' .. key .. ' holds a field that is not an integer; nothing was written')
  end
end
local token, expires = tonumber(held[2] or '0'), tonumber(held[3] or '0')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = held[1] and held[1] ~= '' and expires > now
if live and held[1] ~= owner then return {0} end
if not live then token = token + 1 end
local expiresAt = now + tonumber(ttl)
redis.call('HSET', key, 'owner', owner, 'token', string.format('%d', token), 'expiresAt', string.format('%d', expiresAt))
return {1, token, expiresAt}
`;

/** Gives a lease up, keeping its token. KEYS: the lease. ARGV: owner. Returns 1 if it was held. */
const RELEASE = `${PRELUDE}
local problem = wrongType({{KEYS[1], 'hash'}})
if problem then return fail(problem) end
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owner', '', 'expiresAt', '0')
return 1
`;

const COMMANDS = {
  ensignStatePutV1: { numberOfKeys: 2, lua: PUT },
  ensignStateDeleteV1: { numberOfKeys: 2, lua: DELETE },
  ensignStateIncrementV2: { numberOfKeys: 1, lua: INCREMENT },
  ensignStateMaximizeV1: { numberOfKeys: 1, lua: MAXIMIZE },
  ensignStateAcquireV1: { numberOfKeys: 1, lua: ACQUIRE },
  ensignStateReleaseV1: { numberOfKeys: 1, lua: RELEASE },
} as const;

/** A client with the state scripts defined on it. */
export interface StateScripts {
  ensignStatePutV1(doc: string, index: string, ...args: string[]): Promise<[1 | 0, number]>;
  ensignStateDeleteV1(doc: string, index: string, id: string): Promise<0 | 1>;
  ensignStatePruneV1(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number>;
  ensignStateIncrementV2(key: string, ttlMs: string, ...args: string[]): Promise<string[]>;
  ensignStateMaximizeV1(key: string, ttlMs: string, ...args: string[]): Promise<number>;
  ensignStateAcquireV1(key: string, owner: string, ttlMs: string): Promise<[0] | [1, number, number]>;
  ensignStateReleaseV1(key: string, owner: string): Promise<0 | 1>;
}

/** Defines the scripts on `client` (harmless when they already are) and returns it typed. */
export function defineStateScripts(client: Redis | Cluster): StateScripts {
  const scripted = client as unknown as Partial<StateScripts>;
  if (typeof scripted.ensignStatePutV1 !== 'function') {
    for (const [name, definition] of Object.entries(COMMANDS)) client.defineCommand(name, definition);
    // The number of keys varies with the documents pruned: given with each call.
    client.defineCommand('ensignStatePruneV1', { lua: PRUNE });
  }
  return client as unknown as StateScripts;
}
