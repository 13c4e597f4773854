// Running a program and collecting what it says: the one way the dataplanes,
// the CNI plugins and their tests start short-lived commands. Never throws: a
// program that cannot be started answers as a shell would, exit code 127 with
// the reason on stderr.
import { spawn } from 'node:child_process';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CollectOptions {
  /** The child's whole environment; this process's when omitted. */
  readonly env?: Readonly<Record<string, string>>;
  /** `inherit` passes the child's stderr through (CNI delegation does); then only a start failure fills `stderr`. */
  readonly stderr?: 'pipe' | 'inherit';
}

/** Runs argv (no shell interpretation), feeding `stdin` if given, and resolves once it has exited. */
export function spawnCollect(argv: readonly string[], stdin?: string, opts: CollectOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.resolve({ code: 127, stdout: '', stderr: 'empty command' });
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', opts.stderr ?? 'pipe'], ...(opts.env === undefined ? {} : { env: opts.env }) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}
