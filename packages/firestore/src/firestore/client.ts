/**
 * The Firestore client a store uses: one it was given (left open on close) or one it creates from
 * `settings` (terminated on close); where it connects, for error messages; and what its errors
 * mean.
 */
import { Firestore, type Settings } from '@google-cloud/firestore';

/** gRPC status codes the store tells apart. */
export const Status = {
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** The gRPC status code of a Firestore error, if it has one. */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  // A listener ended by the server fails with a bare `Error: Error <code>: <message>`.
  const listen = error instanceof Error ? /^Error (\d+): /.exec(error.message) : null;
  return listen ? Number(listen[1]) : undefined;
}

/** Refused for lack of permission (IAM, or security rules for end-user credentials). */
export function isPermissionError(error: unknown): boolean {
  return statusCode(error) === Status.PERMISSION_DENIED;
}

/**
 * A commit that failed this way may or may not have been applied, or lost a race: the store looks
 * at what is stored (its write id, the guard) before it tries again.
 */
export function isCommitRetryable(error: unknown): boolean {
  const code = statusCode(error);
  return (
    code === Status.FAILED_PRECONDITION ||
    code === Status.ALREADY_EXISTS ||
    code === Status.NOT_FOUND ||
    code === Status.ABORTED ||
    code === Status.UNAVAILABLE ||
    code === Status.DEADLINE_EXCEEDED ||
    code === Status.UNKNOWN ||
    code === Status.INTERNAL ||
    code === Status.CANCELLED ||
    code === Status.RESOURCE_EXHAUSTED
  );
}

/** What a reader needs, for permission errors. */
export const READ_HINT =
  'readers need to read the collection and its subcollections (IAM role roles/datastore.viewer)';
/** What a writer needs, for permission errors. */
export const WRITE_HINT =
  'writers need to write the collection and its subcollections (IAM role roles/datastore.user)';

/** An error's message, for wrapping it. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A client and whether the store owns it. */
export interface OwnedClient {
  readonly firestore: Firestore;
  readonly owned: boolean;
}

/** The client's private settings, read only to name where it connects. */
interface ClientInternals {
  _settings?: { servicePath?: unknown; port?: unknown };
  _projectId?: unknown;
}

/**
 * Where a client connects, e.g. `firestore://firestore.googleapis.com/projects/p/databases/(default)`:
 * host, project (once known) and database, never credentials.
 */
export function clientAddress(firestore: Firestore, settings: Settings | undefined): string {
  const internals = firestore as unknown as ClientInternals;
  const internal = internals._settings;
  const servicePath = typeof internal?.servicePath === 'string' ? internal.servicePath : undefined;
  const port = typeof internal?.port === 'number' ? internal.port : undefined;
  let host: string;
  if (servicePath !== undefined) host = port === undefined ? servicePath : `${servicePath}:${port}`;
  else if (process.env.FIRESTORE_EMULATOR_HOST) host = process.env.FIRESTORE_EMULATOR_HOST;
  else if (settings?.host) host = settings.port ? `${settings.host}:${settings.port}` : settings.host;
  else host = 'firestore.googleapis.com';
  const projectId =
    settings?.projectId ?? (typeof internals._projectId === 'string' ? internals._projectId : undefined);
  const database = firestore.databaseId;
  return `firestore://${host}/projects/${projectId ?? '(detected)'}/databases/${database}`;
}

/** Opens (or adopts) the client a store uses. */
export function openClient(firestore: Firestore | undefined, settings: Settings | undefined): OwnedClient {
  if (firestore && settings) {
    throw new TypeError('pass either firestore (a client) or settings (to create one), not both');
  }
  const client = firestore ?? new Firestore(settings ?? {});
  return { firestore: client, owned: firestore === undefined };
}
