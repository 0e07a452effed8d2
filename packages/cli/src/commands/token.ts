/**
 * `ensign token create|list|revoke`. A created token is printed once and stored only as its
 * hash; listing shows ids and hints, never tokens. Against a server with no token yet, create
 * the first admin token directly in its state (`--store redis` with `REDIS_URL`, or
 * `--store memory:DIR` while `ensign serve --data DIR` is stopped).
 */
import type { TokenInfo } from '../client/client.js';
import { type CommandContext, type ConnectionOptions, withClient } from '../context.js';
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { table } from '../render/text.js';

/** Options of `token create`. */
export interface TokenCreateOptions extends ConnectionOptions {
  name: string;
  role: string;
  set?: string[];
  ttl?: number;
}

/** The `--json` output of `token create` (schemas/token-create.schema.json). */
export interface TokenCreateOutput {
  token: string;
  record: TokenInfo;
}

/** `ensign token create`. */
export async function create(options: TokenCreateOptions, context: CommandContext): Promise<ExitCode> {
  return withClient(context, options, async (client) => {
    const out = await client.createToken({
      name: options.name,
      role: options.role,
      ...(options.set !== undefined && options.set.length > 0 && { flagSets: options.set }),
      ...(options.ttl !== undefined && { ttlSeconds: options.ttl }),
    });
    context.output.result<TokenCreateOutput>(out, ({ token, record }) =>
      [
        `Created ${record.role} token ${record.id} ("${record.name}", flag sets: ${record.flagSets.join(', ')}${record.expiresAt ? `, expires ${record.expiresAt}` : ''}).`,
        'It is shown once; store it now (e.g. in a secret manager, or a file for ENSIGN_TOKEN_FILE):',
        '',
        token,
      ].join('\n'),
    );
    return EXIT.ok;
  });
}

/** The `--json` output of `token list` (schemas/token-list.schema.json). */
export interface TokenListOutput {
  tokens: TokenInfo[];
}

function status(record: TokenInfo): string {
  if (record.revokedAt !== undefined) return 'revoked';
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= Date.now()) return 'expired';
  return 'active';
}

/** `ensign token list`. */
export async function list(options: ConnectionOptions, context: CommandContext): Promise<ExitCode> {
  return withClient(context, options, async (client) => {
    const tokens = (await client.listTokens()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    context.output.result<TokenListOutput>({ tokens }, ({ tokens }) =>
      tokens.length === 0
        ? 'No tokens.'
        : table(
            ['ID', 'ROLE', 'STATUS', 'NAME', 'FLAG SETS'],
            tokens.map((t) => [t.id, t.role, status(t), t.name, t.flagSets.join(', ')]),
            [20, 7, 8, 20],
          ),
    );
    return EXIT.ok;
  });
}

/** The `--json` output of `token revoke`. */
export interface TokenRevokeOutput {
  id: string;
  revoked: true;
}

/** `ensign token revoke ID`. */
export async function revoke(
  id: string,
  options: ConnectionOptions,
  context: CommandContext,
): Promise<ExitCode> {
  return withClient(context, options, async (client) => {
    if (!(await client.revokeToken(id))) {
      throw new CliError('not-found', `no token has id "${id}"`, {
        hint: 'list them with: ensign token list',
      });
    }
    context.output.result<TokenRevokeOutput>(
      { id, revoked: true },
      () => `Revoked token ${id}: it is refused from now on.`,
    );
    return EXIT.ok;
  });
}
