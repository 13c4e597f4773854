// Runs the real calico-node process (`node --import tsx src/agent/main.ts`),
// inside a network namespace (`ip netns exec`, as the lab runs it) or in the
// test's own with --netns. Logs are collected; every agent started here is
// killed by `killAll()` from an after hook, on failure too.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readStatus, type AgentStatus } from '../../src/agent/status.js';

const MAIN = fileURLToPath(new URL('../../src/agent/main.ts', import.meta.url));
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  stderr(): string;
  /** Sends `signal` and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  exited(): Promise<number | string>;
}

export interface StartOptions {
  /** Run inside this namespace; omitted = in the test's own (then pass --netns in args). */
  readonly netns?: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export function startAgent(o: StartOptions): AgentProcess {
  // Policy only unless the test says otherwise: start-up then needs no address on the host namespace.
  const envArgs = Object.entries({ CALICO_NETWORKING_BACKEND: 'none', ...o.env }).map(([k, v]) => `${k}=${v}`);
  const argv = [...(o.netns === undefined ? [] : ['ip', 'netns', 'exec', o.netns]), 'env', ...envArgs, process.execPath, '--import', 'tsx', MAIN, ...o.args];
  const [cmd, ...rest] = argv;
  const child = spawn(cmd ?? 'false', rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    child,
    pid: child.pid ?? -1,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stderr: () => err,
    exited: () => exit,
    stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const r = await exit;
      clearTimeout(timer);
      return r;
    },
  };
}

export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/** Waits until the agent with `pid` reports having programmed `revision` in its status file. */
export async function programmedBy(statusFile: string, pid: number, revision: number, timeoutMs = 30_000): Promise<AgentStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await readStatus(statusFile);
    if (s !== undefined && s.pid === pid && s.programmedRevision >= revision) return s;
    if (Date.now() > deadline) throw new Error(`agent ${pid} did not program revision ${revision}; status: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
