/**
 * The official Cloud Firestore emulator for tests: each test file starts its own on a free
 * loopback port, resets it between suites and stops it afterwards. Nothing here talks to a
 * Firestore (or an emulator) the machine may already run. The emulator is a Java program from the
 * Google Cloud CLI; it cannot come from npm, so when it is missing the error says how to install it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort } from './redis-server.js';

const HOST = '127.0.0.1';

/** Where the Debian/Ubuntu package `google-cloud-cli-firestore-emulator` installs the emulator. */
export const DEFAULT_EMULATOR_PATH =
  '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator';

/** How to get the emulator, for error messages. */
export const INSTALL_HINT =
  'install the Cloud Firestore emulator: the apt package google-cloud-cli-firestore-emulator ' +
  "from Google's Cloud SDK repository (https://cloud.google.com/sdk/docs/install), or " +
  '`gcloud components install cloud-firestore-emulator`; it needs Java 17 or newer ' +
  '(e.g. Debian package openjdk-17-jre-headless). Set FIRESTORE_EMULATOR_PATH to use another copy.';

/**
 * The emulator's launcher script, or an error naming how to install it. Looks at
 * `FIRESTORE_EMULATOR_PATH`, the path of the apt package, then `PATH`; checks that Java is there.
 */
export function findEmulator(
  env: NodeJS.ProcessEnv = process.env,
  defaultPath = DEFAULT_EMULATOR_PATH,
): string {
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  const candidates = [
    env.FIRESTORE_EMULATOR_PATH,
    defaultPath,
    ...dirs.map((dir) => join(dir, 'cloud_firestore_emulator')),
  ];
  const found = candidates.find(
    (path): path is string => typeof path === 'string' && path !== '' && existsSync(path),
  );
  if (!found) throw new Error(`the Cloud Firestore emulator is not installed: ${INSTALL_HINT}`);
  const java = env.JAVA;
  const javaFound =
    (java !== undefined && existsSync(java)) || dirs.some((dir) => existsSync(join(dir, 'java')));
  if (!javaFound)
    throw new Error(`Java is not installed, and the Firestore emulator runs on it: ${INSTALL_HINT}`);
  return found;
}

async function ready(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://${HOST}:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Settings for a `@google-cloud/firestore` client of an emulator. */
export interface EmulatorSettings {
  projectId: string;
  host: string;
  ssl: false;
  customHeaders?: Record<string, string>;
}

/** Process groups of the emulators running, killed if the test process exits without stopping them. */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** One emulator process that a test file owns. */
export class FirestoreEmulator {
  readonly host = HOST;
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly path: string,
  ) {}

  /** Starts an emulator on a free port (or `port`) and resolves once it answers. */
  static async start(options: { port?: number } = {}): Promise<FirestoreEmulator> {
    // The client would otherwise probe a cloud metadata address for credentials.
    process.env.METADATA_SERVER_DETECTION = 'none';
    const emulator = new FirestoreEmulator(options.port ?? (await freePort()), findEmulator());
    await emulator.launch();
    return emulator;
  }

  /** `127.0.0.1:<port>`, as `FIRESTORE_EMULATOR_HOST` spells it. */
  get address(): string {
    return `${HOST}:${this.port}`;
  }

  /** Client settings for `projectId` on this emulator (as the admin, unless headers say otherwise). */
  settings(projectId: string, customHeaders?: Record<string, string>): EmulatorSettings {
    return { projectId, host: this.address, ssl: false, ...(customHeaders && { customHeaders }) };
  }

  private async launch(): Promise<void> {
    const child = spawn(this.path, ['start', `--host=${HOST}`, `--port=${this.port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: the launcher is a shell script that starts Java as a child.
      detached: true,
    });
    this.output = '';
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(new Error(`the Firestore emulator failed to start: ${error.message}`)),
      );
      child.once('exit', (code) =>
        reject(new Error(`the Firestore emulator exited with ${code}: ${this.output}\n${INSTALL_HINT}`)),
      );
    });
    exited.catch(() => {});
    this.process = child;
    if (child.pid !== undefined) running.add(child.pid);
    const deadline = Date.now() + 60_000;
    const waiting = (async () => {
      while (!(await ready(this.port))) {
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for the Firestore emulator on port ${this.port}: ${this.output}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await Promise.race([waiting, exited]);
    } catch (error) {
      await this.kill();
      throw error;
    }
    child.removeAllListeners('exit');
  }

  /** Deletes every document of `projectId` (the emulator's reset endpoint). */
  async reset(projectId: string): Promise<void> {
    const response = await fetch(
      `http://${this.address}/emulator/v1/projects/${projectId}/databases/(default)/documents`,
      { method: 'DELETE' },
    );
    if (!response.ok) throw new Error(`resetting the Firestore emulator failed: ${response.status}`);
  }

  /** Replaces the security rules of `projectId` (they apply to clients that are not the admin). */
  async setRules(projectId: string, rules: string): Promise<void> {
    const response = await fetch(`http://${this.address}/emulator/v1/projects/${projectId}:securityRules`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rules: { files: [{ name: 'firestore.rules', content: rules }] } }),
    });
    if (!response.ok) throw new Error(`setting rules failed: ${response.status} ${await response.text()}`);
  }

  /** Kills the emulator (its whole process group), as a crash would. The port stays reserved for `restart`. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.pid === undefined) return;
    running.delete(child.pid);
    const gone =
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      // The whole group: Java too, even if the launcher script has already ended.
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await gone;
  }

  /** Starts the emulator again on the same port, empty (the emulator keeps nothing). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Stops the emulator. */
  async stop(): Promise<void> {
    await this.kill();
  }
}

/**
 * An unsigned ID token the emulator accepts for an end user of `projectId` (so that security
 * rules apply to the client, as they do not to the admin).
 */
export function userToken(projectId: string, uid: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    iat: now,
    exp: now + 3600,
    auth_time: now,
    sub: uid,
    user_id: uid,
    firebase: { sign_in_provider: 'custom', identities: {} },
  })}.`;
}
