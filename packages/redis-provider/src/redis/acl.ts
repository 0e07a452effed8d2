/**
 * Least-privilege Redis ACL users for the two roles: a reader (providers) reads a set's keys and
 * follows its audit stream, nothing else; a writer (admin tools, the CLI, the server) runs the
 * write script on the set's keys, nothing else. Every command is named one by one rather than by
 * category, because categories grant more than they say (`@connection` holds `CLIENT KILL` and
 * `CLIENT PAUSE`; `@pubsub` holds `PUBLISH`; `@read` holds `KEYS`).
 */
import { DEFAULT_KEY_PREFIX } from './keys.js';

/** Which user: `reader` for providers, `writer` for whatever changes flags. */
export type RedisAclRole = 'reader' | 'writer';

/** Options of {@link redisAclRules}. */
export interface RedisAclOptions {
  /** The stores' `prefix`. @default 'flags:' */
  prefix?: string;
  /** Add the `CLUSTER SLOTS`/`CLUSTER INFO` that ioredis needs to find a Cluster's nodes. @default false */
  cluster?: boolean;
}

/** Commands every connection of ioredis needs: its ready check and keep-alive. */
const CONNECTION = ['+ping', '+info'];
/** What a reader runs: `load` (MULTI of HGETALLs), `version`, `history`, `follow`. */
const READ = ['+hget', '+hgetall', '+xread', '+xrevrange', '+multi', '+exec'];
/** What a writer runs: reads for planning, and the write script with every command inside it. */
const WRITE = [
  ...READ,
  '+evalsha',
  '+eval',
  '+get',
  '+type',
  '+time',
  '+xadd',
  '+del',
  '+hset',
  '+hdel',
  '+set',
  '+publish',
  '+spublish',
];

/**
 * The rules of an `ACL SETUSER <name> on ><password> …` line for `role`: `resetkeys` and the keys
 * under the prefix (read-only for a reader: `%R~<prefix>*`),
 * `resetchannels` (plus `&<prefix>*` for a writer, which publishes notices for the previous
 * release's providers), `-@all` and the commands the role runs, one by one.
 * @example
 * // ACL SETUSER flags-reader on >secret resetkeys ~flags:* resetchannels -@all +ping +info +hget …
 * const rules = redisAclRules('reader');
 */
export function redisAclRules(role: RedisAclRole, options: RedisAclOptions = {}): string[] {
  const prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
  // A reader may not write any key, even through a command it should never have been granted.
  const rules = ['resetkeys', role === 'reader' ? `%R~${prefix}*` : `~${prefix}*`, 'resetchannels'];
  if (role === 'writer') rules.push(`&${prefix}*`);
  rules.push('-@all', ...CONNECTION, ...(role === 'writer' ? WRITE : READ));
  if (options.cluster) rules.push('+cluster|slots', '+cluster|info');
  return rules;
}
