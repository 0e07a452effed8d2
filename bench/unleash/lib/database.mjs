/**
 * The PostgreSQL database Unleash runs on. It is kept between runs: Unleash's migrations on an
 * empty database take 20–45 s on this machine class, against a few seconds to start on a migrated
 * one. `UNLEASH_FRESH_DB=1` drops it first.
 * Uses `pg` from the harness's own install (Unleash depends on it).
 */
import { createRequire } from 'node:module';

/** `pg`'s client class, loaded on use: this module is imported before anyone knows the harness is installed. */
function pgClient() {
  return createRequire(import.meta.url)('pg').Client;
}

/** Connection settings: the standard libpq variables, defaulting to the local trust-auth server. */
export function databaseSettings() {
  return {
    host: process.env.PGHOST ?? '127.0.0.1',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? 'postgres',
    password: process.env.PGPASSWORD ?? '',
    database: process.env.UNLEASH_DATABASE ?? 'unleash_bench',
  };
}

/** The URL Unleash is given (`DATABASE_URL`). */
export function databaseUrl(settings = databaseSettings()) {
  const auth = settings.password
    ? `${encodeURIComponent(settings.user)}:${encodeURIComponent(settings.password)}`
    : encodeURIComponent(settings.user);
  return `postgres://${auth}@${settings.host}:${settings.port}/${settings.database}`;
}

/**
 * Creates the database when it is missing (dropping it first when `fresh`); returns the server's
 * version. Connects to the `postgres` maintenance database to do so.
 */
export async function prepareDatabase({ fresh = false } = {}) {
  const settings = databaseSettings();
  const Client = pgClient();
  const client = new Client({ ...settings, database: 'postgres' });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${settings.host}:${settings.port} as ${settings.user} (${error.message})`,
    );
  }
  try {
    const name = client.escapeIdentifier(settings.database);
    if (fresh) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [settings.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
    const version = await client.query('SHOW server_version');
    return { version: String(version.rows[0].server_version).split(' ')[0], created: exists.rowCount === 0 };
  } finally {
    await client.end();
  }
}
