/** `ensign serve` as a child process: started, read until it listens, stopped with a signal. */
import { type ChildProcess, spawn } from 'node:child_process';
import { ENSIGN_BIN } from './ensign.js';

/** A running `ensign serve`. */
export interface ServeProcess {
  readonly url: string;
  /** Everything it printed on stdout up to "Stop with Ctrl+C." */
  readonly banner: string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `ensign serve …args` and waits until it prints its banner. */
export function startServe(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<ServeProcess> {
  const child: ChildProcess = spawn(process.execPath, [ENSIGN_BIN, 'serve', '--port', '0', ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ensign serve did not start within 20 s:\n${stdout}\n${stderr}`));
    }, 20_000);
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!stdout.includes('Stop with Ctrl+C.')) return;
      clearTimeout(timer);
      const url = /listening at (http:\/\/\S+?),/.exec(stdout)?.[1];
      if (!url) {
        reject(new Error(`no URL in: ${stdout}`));
        return;
      }
      resolve({
        url,
        banner: stdout,
        async stop() {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ensign serve exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
}
