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

/** The namespaces metric aggregates live in (`metrics:<flag set>`; see `@ensign/hooks`' metrics layout). */
const METRICS_NAMESPACES = 'metrics:';

/**
 * The rules of the Redis ACL user that apps' metric aggregators write with: it may add to and
 * raise the counter records of the metric namespaces (`ServerState.increment` and `maximize` on
 * `metrics:<set>`), with their expiry, and nothing else: it reads no document (tokens, webhook secrets, plans), takes no
 * lease, and cannot touch a flag (`flags:*`). So an app server that ships metrics holds no
 * credential that could change a flag or read a secret.
 * @example
 * // ACL SETUSER ensign-metrics on >secret resetkeys ~ensign:{metrics:*}:ctr:* resetchannels -@all …
 * const rules = redisMetricsAclRules();
 */
export function redisMetricsAclRules(options: RedisStateAclOptions = {}): string[] {
  const prefix = options.prefix ?? DEFAULT_STATE_PREFIX;
  const rules = [
    'resetkeys',
    `~${prefix}{${METRICS_NAMESPACES}*}:ctr:*`,
    'resetchannels',
    '-@all',
    ...CONNECTION,
    // The increment and maximize scripts and every command they run.
    '+evalsha',
    '+eval',
    '+type',
    '+hget',
    '+hincrbyfloat',
    '+hset',
    '+exists',
    '+pexpire',
    '+hgetall',
  ];
  if (options.cluster) rules.push('+cluster|slots', '+cluster|info');
  return rules;
}
