/**
 * Closes a test server without waiting on connections fetch's pool opened and never used: Node's
 * `server.close()` waits for a connection that has not sent a request until the headers timeout
 * (60 s), and fastify's idle-connection closing does not count those as idle.
 */
import type { TestServer } from '../support/server.js';

export async function closeServer(t: TestServer | undefined): Promise<void> {
  t?.server.app.server.closeAllConnections();
  await t?.close();
}
