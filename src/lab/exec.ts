// Running the lab's processes: short commands whose output we wait for, and
// daemons (calico-node, etcd, pod listeners) that outlive the command that
// started them, each in the network namespace it belongs to.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CalicoError } from '../api/errors.js';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly stdin?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Replace the environment instead of adding to it (as a container runtime runs a CNI plugin). */
  readonly cleanEnv?: boolean;
  readonly timeoutMs?: number;
}

/** Runs a command to completion; never throws for a non-zero exit. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  const base = options.cleanEnv === true ? { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' } : process.env;
  return new Promise((resolve) => {
    const child = spawn(cmd ?? 'false', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...base, ...options.env } });
    let stdout = '';
    let stderr = '';
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
    child.on('close', (code) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

/** Like run, but a failure is a CalicoError naming the command and its stderr. */
export async function must(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const r = await run(argv, options);
  if (r.code !== 0) {
    throw new CalicoError('internal', `${argv.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', netns, ...argv];
}

/**
 * Starts a daemon detached from us (its own process group, output to
 * `logFile`), so it keeps running after `calico-lab` exits; returns its pid.
 * `ip netns exec` execs the command, so the pid is the daemon's own.
 */
export function spawnDaemon(argv: readonly string[], logFile: string, env: Readonly<Record<string, string>> = {}): number {
  const [cmd, ...args] = argv;
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd ?? 'false', args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    child.unref();
    if (child.pid === undefined) throw new CalicoError('internal', `cannot start ${cmd ?? ''}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

const here = import.meta.url;
/** True when this module runs from TypeScript sources (tests through tsx), false from dist/. */
const fromSources = here.endsWith('.ts');

function files(dir: string, ext: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith(ext)).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

let builtFresh: boolean | undefined;
/** dist/ was built after the last change to any source file (CI builds first): starting from it saves tsx's compile time. */
function distIsFresh(): boolean {
  if (builtFresh === undefined) {
    const srcDir = fileURLToPath(new URL('..', here));
    const distDir = join(srcDir, '..', 'dist');
    const built = files(distDir, '.js').map((f) => statSync(f).mtimeMs);
    const sources = files(srcDir, '.ts').map((f) => statSync(f).mtimeMs);
    builtFresh = built.length > 0 && Math.min(...built) >= Math.max(...sources);
  }
  return builtFresh;
}

/**
 * The node command line that runs one of our modules (`agent/main`,
 * `cni/calico-main`, …): the built file next to this one; when we run from
 * sources, the built file if dist/ is fresh, else the source through tsx, so
 * tests need no build.
 */
export function nodeModuleCommand(module: string): string[] {
  if (!fromSources) return [process.execPath, fileURLToPath(new URL(`../${module}.js`, here))];
  if (distIsFresh()) return [process.execPath, fileURLToPath(new URL(`../../dist/${module}.js`, here))];
  return [process.execPath, '--import', import.meta.resolve('tsx'), fileURLToPath(new URL(`../${module}.ts`, here))];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
