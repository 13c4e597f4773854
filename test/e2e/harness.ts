// One calico-lab per test file, driven in-process through src/lab: brought up
// in a temp state directory under a unique lab name (so test files running in
// parallel never share a namespace), and brought down from an `after` hook —
// on failure too — and, failing that, when the process exits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, labProcesses, up, type DatastoreKind } from '../../src/lab/lifecycle.js';
import { labNamespaces } from '../../src/lab/network.js';
import { addNamespace, addPod, type PodOptions } from '../../src/lab/pods.js';
import { mapLimit } from '../../src/lab/probe.js';
import type { LabLocation, LabState, PodState, Protocol } from '../../src/lab/state.js';
import { ctl, formatMatrix, matrices, sync, type Matrix, type PortProbe } from '../../src/lab/traffic.js';

/** Short: a blocked cell costs the whole timeout, and `observe` probes a missed connection again with a long one. */
const PROBE_TIMEOUT_MS = 1000;
let counter = 0;
const live = new Set<LabLocation>();
process.once('exit', () => {
  // Last resort when after-hooks did not run: the lab's namespaces and its daemons (their command lines name the state dir).
  for (const loc of live) {
    for (const pid of labProcesses(loc.dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const ns of labNamespaces(loc.name)) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(loc.dir, { recursive: true, force: true });
  }
});

export interface TestLab {
  readonly state: LabState;
  namespace(name: string, labels?: Readonly<Record<string, string>>): Promise<void>;
  pod(ref: string, options?: PodOptions): Promise<PodState>;
  /** Pods added at most `limit` at a time. */
  pods(specs: readonly (readonly [string, PodOptions])[], limit?: number): Promise<PodState[]>;
  /** calicoctl apply of these resources (one YAML stream); throws with calicoctl's output on failure. */
  apply(resources: readonly unknown[]): Promise<void>;
  /** calicoctl delete of these resources. */
  remove(resources: readonly unknown[]): Promise<void>;
  sync(): Promise<number>;
  matrices(probes: readonly PortProbe[], timeoutMs?: number, only?: ReadonlyMap<string, readonly string[]>): Promise<Map<string, Matrix>>;
  down(): Promise<void>;
}

/** JSON documents: every string quoted, so `y` or `no` stays a string for calicoctl's YAML 1.1 reading. */
export function yamlStream(resources: readonly unknown[]): string {
  return resources.map((r) => JSON.stringify(r, null, 1)).join('\n---\n');
}

export async function startLab(options: { datastore?: DatastoreKind; pool?: string } = {}): Promise<TestLab> {
  const name = `t${process.pid.toString(36)}${(counter++).toString(36)}`;
  const loc: LabLocation = { name, dir: join(mkdtempSync(join(tmpdir(), 'calico-lab-')), 'lab') };
  live.add(loc);
  const state = await up(loc, { datastore: options.datastore ?? 'sqlite', ...(options.pool === undefined ? {} : { pool: options.pool }) });
  const ctlOk = async (args: string[], stdin: string): Promise<void> => {
    const r = await ctl(state, args, stdin);
    if (r.code !== 0) throw new Error(`calicoctl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}\ninput:\n${stdin}`);
  };
  return {
    state,
    namespace: (n, labels = {}) => addNamespace(state, n, labels),
    pod: (ref, o = {}) => addPod(state, ref, o),
    pods: (specs, limit = 3) => mapLimit(specs, limit, ([ref, o]) => addPod(state, ref, o)),
    apply: (resources) => (resources.length === 0 ? Promise.resolve() : ctlOk(['apply', '-f', '-'], yamlStream(resources))),
    remove: (resources) => (resources.length === 0 ? Promise.resolve() : ctlOk(['delete', '-f', '-'], yamlStream(resources))),
    sync: () => sync(state),
    matrices: (probes, timeoutMs = PROBE_TIMEOUT_MS, only) => matrices(state, probes, { timeoutMs, ...(only === undefined ? {} : { only }) }),
    async down() {
      await down(loc);
      rmSync(join(loc.dir, '..'), { recursive: true, force: true });
      live.delete(loc);
    },
  };
}

/**
 * Probes every cell, then probes again — with a longer timeout — the cells
 * that did not connect but should have: on a loaded machine a connection can
 * miss a short timeout, while a connection that should have been dropped can
 * never succeed by accident.
 */
export async function observe(lab: TestLab, probes: readonly PortProbe[], expected: (probe: string, from: string, to: string) => boolean): Promise<Map<string, Matrix>> {
  const seen = await lab.matrices(probes);
  const again = new Map<string, string[]>();
  for (const [key, m] of seen) {
    for (const [from, row] of Object.entries(m)) {
      for (const [to, ok] of Object.entries(row)) if (!ok && expected(key, from, to)) again.set(from, [...(again.get(from) ?? []), to]);
    }
  }
  if (again.size === 0) return seen;
  const retried = await lab.matrices(probes, 5000, again);
  for (const [key, m] of retried) {
    const target = seen.get(key) ?? {};
    for (const [from, row] of Object.entries(m)) {
      for (const [to, ok] of Object.entries(row)) if (ok && target[from] !== undefined) target[from][to] = true;
    }
  }
  return seen;
}

/** The wrong cells of `actual` against `expected`, with both tables, for a failure message; '' when they agree. */
export function matrixDiff(actual: Matrix, expected: (from: string, to: string) => boolean): string {
  const wrong: string[] = [];
  const exp: Matrix = {};
  for (const [from, row] of Object.entries(actual)) {
    exp[from] = {};
    for (const [to, ok] of Object.entries(row)) {
      const want = expected(from, to);
      exp[from][to] = want;
      if (ok !== want) wrong.push(`  ${from} -> ${to}: ${ok ? 'connected' : 'blocked'}, expected ${want ? 'connected' : 'blocked'}`);
    }
  }
  if (wrong.length === 0) return '';
  return `${wrong.length} cell(s) differ:\n${wrong.join('\n')}\nobserved (. connects, X blocked):\n${formatMatrix(actual)}\nexpected:\n${formatMatrix(exp)}`;
}

export function probeKey(protocol: Protocol, port: number): string {
  return `${protocol}/${port}`;
}
