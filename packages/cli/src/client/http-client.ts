/**
 * The CLI as a client of the admin API (`/api/v1`), authenticated by a token: every write is
 * compare-and-set (`If-Match` with the set's `"v<version>"` or `*` for intents that act on the
 * flag as it is now) and audited by the server with the token's actor.
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import type { AuditEntry } from '@ensign/store';
import { CliError } from '../errors.js';
import type { EnsignClient, FlagWriteResult, LiveSet, TokenInfo, TokenRequest, WriteMeta } from './client.js';
import { type HttpAnswer, type HttpRequest, type Transport, errorOfAnswer } from './http.js';

/** How to reach the admin API. */
export interface HttpClientOptions {
  /** The connection to the server (`Transport.open(ENSIGN_URL)`). */
  readonly transport: Transport;
  readonly token: string;
  /** Longest wait for one request. */
  readonly timeoutMs: number;
}

/** Most history entries the API answers at once. */
const MAX_HISTORY_LIMIT = 1000;

const enc = encodeURIComponent;
const setPath = (flagSet: string) => `/api/v1/flag-sets/${enc(flagSet)}`;
const flagPath = (flagSet: string, flagKey: string) => `${setPath(flagSet)}/flags/${enc(flagKey)}`;

/** The version in a set ETag (`"v12"`). */
export function versionOfEtag(etag: string | null): number | undefined {
  const match = etag === null ? null : /^"v(\d+)"$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An {@link EnsignClient} over the admin API. */
export class HttpClient implements EnsignClient {
  readonly kind = 'api';
  readonly target: string;

  constructor(private readonly options: HttpClientOptions) {
    this.target = options.transport.baseUrl.origin;
  }

  private send(request: HttpRequest): Promise<HttpAnswer> {
    return this.options.transport.send(this.options.token, request, this.options.timeoutMs);
  }

  private async call(request: HttpRequest, ok: readonly number[] = [200]): Promise<HttpAnswer> {
    const answer = await this.send(request);
    if (!ok.includes(answer.status)) throw errorOfAnswer(answer, request, this.target);
    return answer;
  }

  private isUnknownSet(answer: HttpAnswer): boolean {
    return (
      answer.status === 404 &&
      isObject(answer.body) &&
      String(answer.body.type).endsWith('/flag-set-not-found')
    );
  }

  async readSet(flagSet: string): Promise<LiveSet> {
    const request: HttpRequest = { method: 'GET', path: setPath(flagSet) };
    const answer = await this.send(request);
    // A set never written reads as version 0 with no flags, as in a store: apply creates it.
    if (this.isUnknownSet(answer)) return { flagSet, version: 0, document: { flags: {} } };
    if (answer.status !== 200) throw errorOfAnswer(answer, request, this.target);
    const version = versionOfEtag(answer.headers.get('etag'));
    if (version === undefined || !isObject(answer.body)) {
      throw new CliError(
        'failed',
        `the server's answer to GET ${request.path} has no set ETag ("v<version>")`,
      );
    }
    const { $schema: _schema, ...document } = answer.body as unknown as FlagSetDocument;
    return { flagSet, version, document };
  }

  async replaceSet(
    flagSet: string,
    document: FlagSetDocument,
    options: WriteMeta & { expectedVersion: number },
  ): Promise<{ version: number }> {
    const precondition: Record<string, string> =
      options.expectedVersion === 0
        ? { 'if-none-match': '*' }
        : { 'if-match': `"v${options.expectedVersion}"` };
    const answer = await this.call(
      {
        method: 'PUT',
        path: setPath(flagSet),
        query: { reason: options.reason },
        headers: precondition,
        body: document,
      },
      [200, 201],
    );
    return { version: (answer.body as { version: number }).version };
  }

  async history(flagSet: string, options: { flagKey?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const path =
      options.flagKey === undefined
        ? `${setPath(flagSet)}/history`
        : `${flagPath(flagSet, options.flagKey)}/history`;
    const limit = String(Math.min(options.limit ?? 100, MAX_HISTORY_LIMIT));
    const request: HttpRequest = { method: 'GET', path, query: { limit } };
    const answer = await this.send(request);
    if (this.isUnknownSet(answer)) return [];
    if (answer.status === 404 && options.flagKey !== undefined) return [];
    if (answer.status !== 200) throw errorOfAnswer(answer, request, this.target);
    const entries = (
      answer.body as { entries: (Omit<AuditEntry, 'id' | 'flagSet'> & { flagKey?: string })[] }
    ).entries;
    // History answers narrow whole-set writes to the flag asked about: each entry is about it.
    return entries.map((entry) => ({ id: '', flagSet, ...entry }) as AuditEntry);
  }

  private async flagAction(
    flagSet: string,
    flagKey: string,
    action: string,
    body: Record<string, unknown>,
  ): Promise<FlagWriteResult> {
    const answer = await this.call({
      method: 'POST',
      path: `${flagPath(flagSet, flagKey)}/${action}`,
      headers: { 'if-match': '*' },
      body,
    });
    const result = answer.body as { changed?: boolean; version: number; flag: FlagDefinition | null };
    return {
      flagSet,
      flagKey,
      changed: result.changed !== false,
      version: result.version,
      flag: result.flag,
    };
  }

  kill(flagSet: string, flagKey: string, meta: WriteMeta): Promise<FlagWriteResult> {
    return this.flagAction(flagSet, flagKey, 'kill', { ...meta });
  }

  restore(flagSet: string, flagKey: string, meta: WriteMeta): Promise<FlagWriteResult> {
    return this.flagAction(flagSet, flagKey, 'restore', { ...meta });
  }

  setWeights(
    flagSet: string,
    flagKey: string,
    weights: Readonly<Record<string, number>>,
    meta: WriteMeta,
  ): Promise<FlagWriteResult> {
    return this.flagAction(flagSet, flagKey, 'rollout', { weights, ...meta });
  }

  revertFlag(flagSet: string, flagKey: string, version: number, meta: WriteMeta): Promise<FlagWriteResult> {
    return this.flagAction(flagSet, flagKey, 'revert', { version, ...meta });
  }

  async createToken(request: TokenRequest): Promise<{ token: string; record: TokenInfo }> {
    const answer = await this.call(
      { method: 'POST', path: '/api/v1/tokens', body: { ...request } },
      [200, 201],
    );
    return answer.body as { token: string; record: TokenInfo };
  }

  async listTokens(): Promise<TokenInfo[]> {
    const answer = await this.call({ method: 'GET', path: '/api/v1/tokens' });
    return (answer.body as { tokens: TokenInfo[] }).tokens;
  }

  async revokeToken(id: string): Promise<boolean> {
    const request: HttpRequest = { method: 'DELETE', path: `/api/v1/tokens/${enc(id)}` };
    const answer = await this.send(request);
    if (answer.status === 404) return false;
    if (answer.status !== 200 && answer.status !== 204) throw errorOfAnswer(answer, request, this.target);
    return true;
  }

  async close(): Promise<void> {
    this.options.transport.close();
  }
}
