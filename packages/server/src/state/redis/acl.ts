/**
 * The least-privilege Redis ACL user of the server state: its own key prefix (`ensign:`), no
 * channels, and exactly the commands `RedisServerState` runs, named one by one (categories grant
 * more than they say: `@read` holds `KEYS`, `@keyspace` holds `SCAN`). Flag readers and writers
 * (`redisAclRules` of `@ensign/redis-provider`) have `flags:*` only, so none of them reads a token
 * hash or a webhook secret, and this user cannot touch a flag.
 */
import { DEFAULT_STATE_PREFIX } from './keys.js';

/** Options of {@link redisStateAclRules}. */
export interface RedisStateAclOptions {
  /** The state's `prefix`. @default 'ensign:' */
  prefix?: string;
  /** Add the `CLUSTER SLOTS`/`CLUSTER INFO` that ioredis needs to find a Cluster's nodes. @default false */
  cluster?: boolean;
}

/** Commands every connection of ioredis needs: its ready check and keep-alive. */
const CONNECTION = ['+ping', '+info'];
/** Reads outside scripts: `get`, `list`, `counters`. */
const READ = ['+hmget', '+smembers', '+hgetall'];
/** The scripts, with every command run inside them (Redis checks those against the user too). */
const SCRIPTS = [
  '+evalsha',
  '+eval',
  '+type',
  '+hget',
  '+hset',
  '+del',
  '+exists',
  '+pexpire',
  '+persist',
  '+sadd',
  '+srem',
  '+hincrbyfloat',
  '+time',
];

/**
 * The rules of an `ACL SETUSER <name> on ><password> …` line for the server state's user.
 * @example
 * // ACL SETUSER ensign-state on >secret resetkeys ~ensign:* resetchannels -@all +ping +info +hmget …
 * const rules = redisStateAclRules();
 */
export function redisStateAclRules(options: RedisStateAclOptions = {}): string[] {
  const prefix = options.prefix ?? DEFAULT_STATE_PREFIX;
  const rules = ['resetkeys', `~${prefix}*`, 'resetchannels', '-@all', ...CONNECTION, ...READ, ...SCRIPTS];
  if (options.cluster) rules.push('+cluster|slots', '+cluster|info');
  return rules;
}
