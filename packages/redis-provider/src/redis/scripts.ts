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
 * KEYS: defs, meta, log. ARGV[1]: JSON payload —
 * `{ v: expected version, all: replace every flag, put: [key, json, ...], del: [key, ...],
 *    meta: [field, value, ...], unset: [field, ...], entry: [field, value, ...],
 *    maxlen, channel, notice, publish: 'PUBLISH' | 'SPUBLISH' }`.
 * Returns `{1, version, entry id}` or, when the version moved, `{0, actual version}`.
 */
const WRITE_LUA = `
local p = cjson.decode(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[2], 'version') or '0')
if current ~= tonumber(p.v) then return {0, current} end
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
local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', p.maxlen, '*', 'at', string.format('%d', at), unpack(p.entry))
redis.call(p.publish, p.channel, p.notice)
return {1, version, id}
`;

/** The JSON payload of the write script. */
export interface WritePayload {
  v: number;
  all: boolean;
  put: string[];
  del: string[];
  meta: string[];
  unset: string[];
  entry: string[];
  maxlen: number;
  channel: string;
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
