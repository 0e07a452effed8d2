/**
 * Serves the dashboard's built files (`@ensign/dashboard`'s `dist-ui/`) at `/dashboard/`, from
 * memory: the few files are read and gzipped once at start. Every answer carries a strict
 * Content-Security-Policy: scripts, styles and connections from this origin only, nothing
 * inline, no `eval`, no framing; the app needs nothing else, so an injected script or style has
 * nowhere to run. Files whose names carry a content hash are cached for a year; the page itself
 * is revalidated each time. The shell holds no data: every figure comes from the API after
 * sign-in, so it is public.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/dashboard/';

/** The Content-Security-Policy of every dashboard file. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** One file, ready to send. */
interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
  /** Its name carries a content hash (`app-3FA2C1.js`): it never changes. */
  readonly immutable: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Reads every file of `dir` by its URL path under {@link DASHBOARD_PATH}. */
export function loadAssets(dir: string): Map<string, Asset> {
  let files: string[];
  try {
    files = walk(dir);
  } catch (error) {
    throw new TypeError(
      `createServer: option dashboard.assetsDir ${JSON.stringify(dir)} cannot be read (build the dashboard: pnpm build)`,
      { cause: error },
    );
  }
  if (!files.some((f) => relative(dir, f) === 'index.html'))
    throw new TypeError(
      `createServer: option dashboard.assetsDir ${JSON.stringify(dir)} holds no index.html`,
    );
  const assets = new Map<string, Asset>();
  for (const file of files) {
    const name = relative(dir, file).split(sep).join('/');
    const body = readFileSync(file);
    assets.set(name, {
      type: TYPES[extname(file)] ?? 'application/octet-stream',
      body,
      gzip: gzipSync(body, { level: 9 }),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      immutable: /-[A-Z0-9]{8}\.(js|css)$/.test(name),
    });
  }
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .type(asset.type);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
    reply.header('content-encoding', 'gzip');
    return reply.send(asset.gzip);
  }
  return reply.send(asset.body);
}

/** Registers `GET /dashboard/*` (and redirects `/` and `/dashboard` to it). */
export function registerStaticRoutes(app: FastifyInstance, assetsDir: string): void {
  const assets = loadAssets(assetsDir);
  const index = assets.get('index.html')!;
  const hidden = { hide: true };
  const config = { permission: 'public' } as const;
  for (const url of ['/', '/dashboard']) {
    app.get(url, { config, schema: hidden }, (_request, reply) => reply.redirect(DASHBOARD_PATH, 302));
  }
  app.get(`${DASHBOARD_PATH}*`, { config, schema: hidden }, (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const asset = name === '' ? index : assets.get(name);
    if (asset === undefined) {
      return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    }
    return send(request, reply, asset);
  });
}
