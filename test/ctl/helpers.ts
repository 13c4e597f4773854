// Runs calicoctl as a user does — a separate process, from source through
// tsx — against a SQLite datastore in a temporary directory that is removed
// when the test ends, pass or fail.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..', '..');
const MAIN = join(REPO, 'src', 'ctl', 'main.ts');

export interface CtlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Ctl {
  /** The temporary directory; files written with `file()` go here. */
  readonly dir: string;
  /** DATASTORE_PATH of this test's datastore. */
  readonly dbPath: string;
  run(args: readonly string[], opts?: { stdin?: string; env?: Record<string, string> }): Promise<CtlResult>;
  /** Writes a file in the temporary directory and returns its path. */
  file(name: string, text: string): string;
}

/** The environment calicoctl sees: only what a test sets, so a developer's ETCD_ENDPOINTS cannot leak in. */
function baseEnv(dbPath: string): Record<string, string> {
  const env: Record<string, string> = { DATASTORE_PATH: dbPath, DATASTORE_TYPE: 'sqlite' };
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'NODE_OPTIONS']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

export function runCtl(args: readonly string[], env: Record<string, string>, stdin?: string): Promise<CtlResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** A fresh datastore for one test (or one suite, given the suite's context). */
export function makeCtl(t: { after(fn: () => void): void }): Ctl {
  const dir = mkdtempSync(join(tmpdir(), 'calicoctl-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'calico.db');
  return {
    dir,
    dbPath,
    run: (args, opts = {}) => runCtl(args, { ...baseEnv(dbPath), ...opts.env }, opts.stdin),
    file: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/**
 * A fresh datastore that starts as a copy of `template`'s (taken while no
 * calicoctl runs against it), so a suite seeds once and each test still
 * works on its own copy.
 */
export function copyCtl(t: { after(fn: () => void): void }, template: Ctl): Ctl {
  const ctl = makeCtl(t);
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(template.dbPath + suffix)) copyFileSync(template.dbPath + suffix, ctl.dbPath + suffix);
  }
  return ctl;
}

/** A GlobalNetworkPolicy document. */
export function gnp(name: string, spec: string = "  selector: all()\n"): string {
  return `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

export function docs(...parts: string[]): string {
  return parts.join('---\n');
}
