// A long-lived `nft -i` for small transactions. Every `nft -f` pays for a
// process start (plus `ip netns exec`'s mount namespace) and for fetching the
// chain and set cache of the whole table; a session keeps the process, so a
// policy change costs the cache fetch and the commit only (~7 ms instead of
// ~20 ms against a 2,500-chain table, measured on nft 1.0.6).
//
// Protocol: nft's interactive mode runs each input line as one buffer, and
// one buffer is one transaction (`;` separates its commands), so a script is
// sent as one line. nft prints nothing on success and errors on stderr; to
// know where a transaction's output ends we follow it with a line that cannot
// parse (`calico-sync-N`) and read stderr until its error echoes that token.
// nft's line editor reads a character at a time (~0.6 µs each), so a big
// script is written to a file and the line is `include "<file>"`: still one
// transaction, read by nft's own scanner (a 40 KB set of 3,333 addresses:
// 15 ms this way, 37 ms inline, 22 ms as `nft -f` from a small process and
// more from the agent, whose fork is not cheap).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { ExecResult } from '../exec/collect.js';

export interface NftSessionOptions {
  /** Command prefix, e.g. `['ip', 'netns', 'exec', ns]`; empty = this namespace. */
  readonly prefix?: readonly string[];
  /** A transaction that has not answered by then kills the session (the caller sees a failure). */
  readonly timeoutMs?: number;
  /**
   * nft's line editor keeps every line in its history for the life of the
   * process; after this many bytes the session is replaced by a fresh one.
   */
  readonly recycleAfterBytes?: number;
  /** Scripts longer than this go through a file and `include`. */
  readonly inlineMaxBytes?: number;
}

interface Pending {
  readonly marker: string;
  readonly resolve: (r: ExecResult) => void;
  readonly timer: NodeJS.Timeout;
}

type NftChild = ChildProcessByStdio<Writable, null, Readable>;

const MARKER = 'calico-sync-';

export class NftSession {
  private child: NftChild | undefined;
  private stderr = '';
  private pending: Pending | undefined;
  private seq = 0;
  private bytesSent = 0;
  private closed = false;
  private answered = false;
  private broken = false;
  private readonly prefix: readonly string[];
  private readonly timeoutMs: number;
  private readonly recycleAfterBytes: number;
  private readonly inlineMaxBytes: number;
  /** The last big script's directory (tests look that it is gone). */
  private lastScriptDir: string | undefined;

  constructor(opts: NftSessionOptions = {}) {
    this.prefix = opts.prefix ?? [];
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.recycleAfterBytes = opts.recycleAfterBytes ?? 32 * 1024 * 1024;
    this.inlineMaxBytes = opts.inlineMaxBytes ?? 8 * 1024;
  }

  /**
   * Runs the script (nft commands, one per line) as one transaction. Resolves
   * like `nft -f`: code 0 and empty stderr, or code 1 with nft's error. One
   * transaction at a time: callers serialise (the dataplane does).
   */
  transaction(script: string): Promise<ExecResult> {
    if (this.closed || this.broken) return Promise.resolve({ code: 127, stdout: '', stderr: `nft session ${this.broken ? 'unusable' : 'closed'}` });
    if (this.pending !== undefined) return Promise.resolve({ code: 1, stdout: '', stderr: 'nft session busy: transactions must be serialised' });
    if (this.bytesSent > this.recycleAfterBytes) this.stop();
    const child = this.child ?? this.start();
    const marker = `${MARKER}${++this.seq}`;
    // A private directory per big script, removed with it: an agent killed mid-way leaves at most one.
    let dir: string | undefined;
    let line: string;
    if (script.length > this.inlineMaxBytes) {
      dir = mkdtempSync(join(tmpdir(), 'calico-nft-'));
      this.lastScriptDir = dir;
      const file = join(dir, 'script.nft');
      writeFileSync(file, script);
      line = `include "${file}"`;
    } else {
      line = oneLine(script);
    }
    this.bytesSent += line.length;
    this.stderr = '';
    return new Promise<ExecResult>((resolve) => {
      const timer = setTimeout(() => this.fail(`nft did not answer within ${this.timeoutMs} ms`), this.timeoutMs);
      this.pending = { marker, resolve, timer };
      child.stdin.write(`${line}\n${marker}\n`);
    }).finally(() => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });
  }

  /** The nft process now serving (for diagnostics and tests); undefined before the first transaction. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * True when nft could not serve a session at all (it ended before its first
   * answer: no `nft`, or an nft built without its interactive mode); callers
   * then use `nft -f`. Transactions answer code 127 from then on.
   */
  get unusable(): boolean {
    return this.broken;
  }

  /** Where the last script over the inline limit was written (removed once nft answered). */
  get lastScriptDirectory(): string | undefined {
    return this.lastScriptDir;
  }

  /** Ends the nft process (it exits on end of input). */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private start(): NftChild {
    const [cmd, ...args] = [...this.prefix, 'nft', '-i'];
    // HOME=/dev/null: nft -i reads and writes `$HOME/.nft.history`; no file may appear anywhere.
    const child = spawn(cmd as string, args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, HOME: '/dev/null', LC_ALL: 'C' } });
    this.child = child;
    this.bytesSent = 0;
    child.stdin.on('error', () => undefined);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => this.onStderr(s));
    child.on('error', (e) => this.onExit(child, `nft session could not start: ${e.message}`));
    child.on('close', (code, signal) => this.onExit(child, `nft session ended (${signal ?? `exit ${String(code)}`})`));
    // The agent's life does not depend on this child: it ends with our stdin.
    child.unref();
    (child.stdin as Writable & { unref?: () => void }).unref?.();
    (child.stderr as Readable & { unref?: () => void }).unref?.();
    return child;
  }

  private onStderr(s: string): void {
    this.stderr += s;
    const p = this.pending;
    if (p === undefined) return;
    // Complete only with the carets under the marker: they may arrive in a later chunk.
    const done = new RegExp(`\\n${p.marker}\\n *\\^+\\n`).exec(this.stderr);
    if (done === null) return;
    this.answered = true;
    const end = done.index;
    // The marker's own error ("Error: syntax error, …") is the last one before its echo.
    const own = this.stderr.lastIndexOf('Error:', end);
    const text = this.stderr.slice(0, own < 0 ? end : own);
    // An error in an included file is reported as `<file>:<line>:<col>: Error: …`.
    this.finish({ code: /(^|\n)(\S+: )?Error:/.test(text) ? 1 : 0, stdout: '', stderr: summarise(text) });
  }

  private onExit(child: NftChild, why: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (!this.answered) this.broken = true;
    if (this.pending !== undefined) this.finish({ code: this.broken ? 127 : 1, stdout: '', stderr: `${why}${this.stderr === '' ? '' : `: ${summarise(this.stderr)}`}` });
  }

  private fail(why: string): void {
    this.finish({ code: 1, stdout: '', stderr: why });
    this.stop();
  }

  private finish(r: ExecResult): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    this.stderr = '';
    p.resolve(r);
  }

  private stop(): void {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    child.stdin.end();
    // A wedged nft must not outlive us.
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    if (this.pending !== undefined) this.finish({ code: 1, stdout: '', stderr: 'nft session stopped' });
  }
}

/** Script lines → one input line; nft takes `;` between commands. */
export function oneLine(script: string): string {
  return script
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('; ');
}

/**
 * nft echoes the whole offending input line under its error, with carets
 * under the bad part; for a one-line transaction that is the whole script.
 * Keep the error text and the marked part with a little context instead.
 */
export function summarise(stderr: string): string {
  const lines = stderr.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    const next = lines[i + 1];
    const carets = lines[i + 2];
    if (l.startsWith('In file included from')) continue;
    const at = l.indexOf('Error:');
    if (at >= 0 && next !== undefined && carets !== undefined && /^\s*\^/.test(carets)) {
      const from = carets.search(/\^/);
      const to = carets.lastIndexOf('^') + 1;
      const sep = next.lastIndexOf('; ', from);
      const start = sep < 0 ? 0 : sep + 2;
      const stop = next.indexOf(';', to);
      out.push(`${l.slice(at)} in: ${next.slice(start, stop < 0 ? undefined : stop)} (at "${next.slice(from, to)}")`);
      i += 2;
    } else if (l.trim() !== '') {
      out.push(l.length > 500 ? `${l.slice(0, 500)}…` : l);
    }
  }
  return out.join('\n');
}
