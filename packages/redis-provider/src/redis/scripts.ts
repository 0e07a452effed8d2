/**
 * The one server-side script every write goes through, registered with ioredis `defineCommand`
 * (EVALSHA, falling back to EVAL on NOSCRIPT). It checks the version (compare-and-set), writes,
 * bumps the version, appends the audit entry stamped with the server's `TIME`, and publishes
 * the change notice: all or nothing.
 */
import type { Cluster, Redis } from 'ioredis';

/** Name under which the write script is defined on a client. */
export const WRITE_COMMAND = 'ensignWriteFlagSet';

/**
 * KEYS: defs, meta, log. ARGV[1]: the JSON {@link WritePayload}.
 * Returns `{1, new version, entry id}`, or `{0, current version}` when the guard failed.
 */
const WRITE_LUA = `
local p = cjson.decode(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[2], 'version') or '0')
if p.v then
  if current ~= p.v then return {0, current} end
else
  -- HGET of a missing field is false in Lua, as the payload encodes an absent value.
  if redis.call('HGET', KEYS[1], p.fk) ~= p.fb or redis.call('HGET', KEYS[2], '$evaluators') ~= p.ev then
    return {0, current}
  end
end
if p.all then redis.call('DEL', KEYS[1]) end
local function chunked(cmd, key, list)
  local n = #list
  local i = 1
  while i <= n do
    local j = math.min(i + 999, n)
    redis.call(cmd, key, unpack(list, i, j))
    i = j + 1
  end
end
chunked('HSET', KEYS[1], p.put)
chunked('HDEL', KEYS[1], p.del)
chunked('HSET', KEYS[2], p.meta)
chunked('HDEL', KEYS[2], p.unset)
local version = redis.call('HINCRBY', KEYS[2], 'version', 1)
local t = redis.call('TIME')
local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', p.maxlen, '*',
  'version', version, 'at', string.format('%d', at), unpack(p.entry))
redis.call(p.publish, p.channel, p.notice .. version .. '}')
return {1, version, id}
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
  channel: string;
  /** The notice JSON up to its version: the script appends the new version and `}`. */
  notice: string;
  publish: 'PUBLISH' | 'SPUBLISH';
}

/** What the write script replies. */
export type WriteReply = [1, number, string] | [0, number];

/** A client with the write script defined on it. */
interface ScriptedClient {
  [WRITE_COMMAND](defs: string, meta: string, log: string, payload: string): Promise<WriteReply>;
}

/** Defines the write script on `client` (harmless when it already is). */
export function defineScripts(client: Redis | Cluster): void {
  if (typeof (client as unknown as Partial<ScriptedClient>)[WRITE_COMMAND] === 'function') return;
  client.defineCommand(WRITE_COMMAND, { numberOfKeys: 3, lua: WRITE_LUA });
}

/** Runs the write script. */
export function runWriteScript(
  client: Redis | Cluster,
  keys: { defs: string; meta: string; log: string },
  payload: WritePayload,
): Promise<WriteReply> {
  return (client as unknown as ScriptedClient)[WRITE_COMMAND](
    keys.defs,
    keys.meta,
    keys.log,
    JSON.stringify(payload),
  );
}
