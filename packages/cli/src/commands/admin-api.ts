/**
 * Calls to the admin API for the rollout, schedule and experiment commands: these exist only
 * behind the server (plans and schedules live in its state, next to its tokens), so they need
 * `ENSIGN_URL` and a token; `ensign rollout run` is the one that talks to the stores directly.
 */
import { readToken } from '../client/connect.js';
import { type HttpAnswer, type HttpRequest, Transport, errorOfAnswer } from '../client/http.js';
import type { CommandContext, ConnectionOptions } from '../context.js';
import { usageError } from '../errors.js';

/** Sends one request; resolves the answer when its status is one of `ok`, else throws its `CliError`. */
export type ApiCall = (request: HttpRequest, ok?: readonly number[]) => Promise<HttpAnswer>;

/** Opens the admin API the options and environment name, runs `body`, and closes the connection. */
export async function withApi<T>(
  context: CommandContext,
  options: ConnectionOptions,
  body: (call: ApiCall) => Promise<T>,
): Promise<T> {
  if (options.store !== undefined)
    throw usageError(
      'rollouts, schedules and experiment results live in the server: use --url (ENSIGN_URL), not --store',
    );
  const url = options.url ?? context.env.ENSIGN_URL;
  if (url === undefined || url === '')
    throw usageError(
      'where is the server? set ENSIGN_URL and ENSIGN_TOKEN (rollouts, schedules and experiment results are served by the admin API)',
      'for a local server: ensign serve, then export the ENSIGN_URL and ENSIGN_TOKEN it prints',
    );
  const token = readToken(options, context.env);
  const transport = await Transport.open(url);
  const timeoutMs = (options.timeout ?? 10) * 1000;
  try {
    return await body(async (request, ok = [200]) => {
      const answer = await transport.send(token, request, timeoutMs);
      if (!ok.includes(answer.status)) throw errorOfAnswer(answer, request, transport.baseUrl.origin);
      return answer;
    });
  } finally {
    transport.close();
  }
}

/** `/api/v1/flag-sets/<set>` */
export const setPath = (flagSet: string) => `/api/v1/flag-sets/${encodeURIComponent(flagSet)}`;
