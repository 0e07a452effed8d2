/**
 * The one server-side script every write goes through, registered with ioredis `defineCommand`
 * (EVALSHA, falling back to EVAL on NOSCRIPT). Redis does not roll back a script that fails
 * part-way, so the script checks everything first (the payload, the type of every key, the stored
 * version) and then makes its first write with the one command that can still fail on valid input
 * (`XADD`, when a stream was pushed to its maximum id by hand): past that point nothing can fail.
 * One run checks the guard (compare-and-set), appends the audit entry (the change feed), writes
 * the flags, sets the version, records the write id (so a re-sent write answers with its first
 * result instead of applying twice) and publishes a notice for providers of the previous release.
 */
import type { Cluster, Redis } from 'ioredis';

/** Name under which the write script is defined on a client. */
export const WRITE_COMMAND = 'ensignWriteFlagSetV2';

/** How long a write id is remembered for recognising a re-sent write: one day. */
export const WRITE_ID_TTL_MS = 86_400_000;

/**
 * KEYS: defs, meta, log, write-id key. ARGV[1]: the JSON {@link WritePayload}.
 * Returns `{1, version, entry id, repeated}` (repeated = 1 for a write already applied), or
 * `{0, current version}` when the guard failed. Errors start with `ERR ensign:`.
 * `#!lua` (Redis 7): a script that may write is refused as a whole when Redis is out of memory,
 * rather than failing at its first write.
 */
const WRITE_LUA = `#!lua
local defs, meta, log, wkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local function fail(message) return redis.error_reply('ERR ensign: ' .. message) end

local decoded, p = pcall(cjson.decode, ARGV[1])
if not decoded or type(p) ~= 'table' then return fail('the write payload is not a JSON object') end

-- A write re-sent by the client after a lost reply: answer as the first time, write nothing.
local done = redis.call('GET', wkey)
if done then
  local v, id = string.match(done, '^(%d+) (.+)$')
  if v then return {1, tonumber(v), id, 1} end
end

local function strings(list, pairs_, what)
  if type(list) ~= 'table' then return what .. ' is not a list' end
  local n = 0
  for k, v in pairs(list) do
    n = n + 1
    if type(k) ~= 'number' or type(v) ~= 'string' then return what .. ' holds a value that is not a string' end
  end
  if n ~= #list then return what .. ' is not a list' end
  if pairs_ and n % 2 ~= 0 then return what .. ' is not a list of field/value pairs' end
  return nil
end
for _, check in ipairs({
  {p.put, true, 'put'}, {p.del, false, 'del'}, {p.meta, true, 'meta'},
  {p.unset, false, 'unset'}, {p.entry, true, 'entry'},
}) do
  local problem = strings(check[1], check[2], check[3])
  if problem then return fail('payload ' .. problem) end
end
if type(p.all) ~= 'boolean' then return fail('payload all is not a boolean') end
if type(p.maxlen) ~= 'number' or p.maxlen < 1 or p.maxlen % 1 ~= 0 then
  return fail('payload maxlen is not a positive integer')
end
if type(p.channel) ~= 'string' or type(p.notice) ~= 'string' then return fail('payload notice is malformed') end
if p.publish ~= 'PUBLISH' and p.publish ~= 'SPUBLISH' then return fail('payload publish is malformed') end
if p.v == nil then
  if type(p.fk) ~= 'string' or (p.fb ~= false and type(p.fb) ~= 'string')
      or (p.ev ~= false and type(p.ev) ~= 'string') then
    return fail('payload guard is malformed')
  end
elseif type(p.v) ~= 'number' or p.v < 0 or p.v % 1 ~= 0 then
  return fail('payload v is not a version')
end

for _, check in ipairs({{defs, 'hash'}, {meta, 'hash'}, {log, 'stream'}, {wkey, 'string'}}) do
  local kind = redis.call('TYPE', check[1]).ok
  if kind ~= 'none' and kind ~= check[2] then
    return fail('key ' .. check[1] .. ' is a ' .. kind .. ', not a ' .. check[2] .. ' (changed by hand?); nothing was written')
  end
end
local raw = redis.call('HGET', meta, 'version')
if raw and (not string.match(raw, '^%d+$') or #raw > 15) then
  return fail('field "version" of ' .. meta .. ' is not an integer (' .. string.sub(raw, 1, 40) .. '); nothing was written')
end
local current = tonumber(raw or '0')

if p.v ~= nil then
  if current ~= p.v then return {0, current} end
else
  -- HGET of a missing field is false in Lua, as the payload encodes an absent value.
  if redis.call('HGET', defs, p.fk) ~= p.fb or redis.call('HGET', meta, '$evaluators') ~= p.ev then
    return {0, current}
  end
end

local version = current + 1
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- The first write: if it fails (a stream at its maximum id), nothing has been written.
local id = redis.call('XADD', log, 'MAXLEN', '~', p.maxlen, '*',
  'version', version, 'at', string.format('%d', at), unpack(p.entry))

if p.all then redis.call('DEL', defs) end
local function chunked(cmd, key, list)
  local n = #list
  local i = 1
  while i <= n do
    local j = math.min(i + 999, n)
    redis.call(cmd, key, unpack(list, i, j))
    i = j + 1
  end
end
chunked('HSET', defs, p.put)
chunked('HDEL', defs, p.del)
chunked('HSET', meta, p.meta)
chunked('HDEL', meta, p.unset)
redis.call('HSET', meta, 'version', version, 'logpos', id)
redis.call('SET', wkey, version .. ' ' .. id, 'PX', ${WRITE_ID_TTL_MS})
redis.call(p.publish, p.channel, p.notice .. version .. '}')
return {1, version, id, 0}
`;

/** The JSON payload of the write script. */
export interface WritePayload {
  /** Guard on the version: write only if the set is at this version. */
  v?: number;
  /** Guard on one flag (when `v` is absent): its stored text (`false`: absent) ... */
  fk?: string;
  fb?: string | false;
  /** ... and the stored `$evaluators` text (`false`: absent) must be unchanged. */
  ev?: string | false;
  /** Replace every flag (delete the defs hash first). */
  all: boolean;
  /** Flag key, flag JSON, ... to store. */
  put: string[];
  /** Flag keys to remove. */
  del: string[];
  /** Meta field, value, ... to store. */
  meta: string[];
  /** Meta fields to remove. */
  unset: string[];
  /** Audit entry field, value, ... (the script adds `version` and `at`). */
  entry: string[];
  /** `XADD MAXLEN ~` bound. */
  maxlen: number;
  /** Where the notice for providers of the previous release goes. */
  channel: string;
  /** The notice JSON up to its version: the script appends the new version and `}`. */
  notice: string;
  publish: 'PUBLISH' | 'SPUBLISH';
}

/** What the write script replies. */
export type WriteReply = [1, number, string, 0 | 1] | [0, number];

/** A client with the write script defined on it. */
interface ScriptedClient {
  [WRITE_COMMAND](
    defs: string,
    meta: string,
    log: string,
    writeKey: string,
    payload: string,
  ): Promise<WriteReply>;
}

/** Defines the write script on `client` (harmless when it already is). */
export function defineScripts(client: Redis | Cluster): void {
  if (typeof (client as unknown as Partial<ScriptedClient>)[WRITE_COMMAND] === 'function') return;
  client.defineCommand(WRITE_COMMAND, { numberOfKeys: 4, lua: WRITE_LUA });
}

/** Runs the write script. */
export function runWriteScript(
  client: Redis | Cluster,
  keys: { defs: string; meta: string; log: string; write: string },
  payload: WritePayload,
): Promise<WriteReply> {
  return (client as unknown as ScriptedClient)[WRITE_COMMAND](
    keys.defs,
    keys.meta,
    keys.log,
    keys.write,
    JSON.stringify(payload),
  );
}
