// Datastore throughput and watch latency, sqlite and etcdv3, with 1 and with 20
// concurrent writers. Writers are separate processes (test/datastore/worker.ts
// `bench`) started before the clock runs; each labels a resource with the
// moment it sent it, and a watcher in this process records send → event.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatastore, type DatastoreConfig } from '../src/datastore/index.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { percentile, round, type BenchModule, type BenchResult } from './harness.js';

const WORKER = fileURLToPath(new URL('../test/datastore/worker.ts', import.meta.url));
const now = (): number => performance.timeOrigin + performance.now();

interface Writer {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<{ start: number; end: number }>;
}

function startWriter(env: Record<string, string>, prefix: string, count: number): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, 'bench', prefix, String(count)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const done = new Promise<{ start: number; end: number }>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) readyResolve();
    });
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || line === undefined) reject(new Error(`bench writer exited ${code}`));
      else resolve(JSON.parse(line) as { start: number; end: number });
    });
  });
  return { child, ready, done };
}

async function measure(
  label: string,
  config: DatastoreConfig,
  env: Record<string, string>,
  writers: number,
  perWriter: number,
  report: (r: BenchResult) => void,
): Promise<void> {
  const ds = await openDatastore(config);
  const latencies: number[] = [];
  const total = writers * perWriter;
  const prefix = `bench-${writers}-${Date.now().toString(36)}`;
  let allSeen: () => void = () => undefined;
  const seen = new Promise<void>((r) => (allSeen = r));
  const watch = ds.watch({ kinds: ['GlobalNetworkSet'], afterRevision: await ds.revision() }, (e) => {
    if (e.type !== 'added' || !e.resource.metadata.name.startsWith(prefix)) return;
    const sent = Number(e.resource.metadata.labels?.sent);
    latencies.push(now() - sent);
    if (latencies.length === total) allSeen();
  });
  const started = Array.from({ length: writers }, (_, i) => startWriter(env, `${prefix}-w${i}`, perWriter));
  try {
    await Promise.all(started.map((w) => w.ready));
    for (const w of started) w.child.stdin?.write('go\n');
    const spans = await Promise.all(started.map((w) => w.done));
    await seen;
    const start = Math.min(...spans.map((s) => s.start));
    const end = Math.max(...spans.map((s) => s.end));
    const name = `${label}, ${writers} writer${writers > 1 ? 's' : ''}`;
    report({ name: `${name}: creates`, value: round(total / ((end - start) / 1000), 0), unit: 'writes/s' });
    report({ name: `${name}: watch latency median`, value: round(percentile(latencies, 50), 2), unit: 'ms' });
    report({ name: `${name}: watch latency p99`, value: round(percentile(latencies, 99), 2), unit: 'ms' });
  } finally {
    watch.close();
    for (const w of started) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await ds.close();
  }
}

const bench: BenchModule = {
  async run(report) {
    const dir = mkdtempSync(join(tmpdir(), 'calico-bench-ds-'));
    try {
      const path = join(dir, 'calico.db');
      const sqliteEnv = { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: path };
      await measure('sqlite', { type: 'sqlite', path }, sqliteEnv, 1, 1000, report);
      await measure('sqlite', { type: 'sqlite', path }, sqliteEnv, 20, 100, report);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const etcd = await startEtcd();
    try {
      const etcdEnv = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoints.join(',') };
      const config: DatastoreConfig = { type: 'etcdv3', endpoints: etcd.endpoints };
      await measure('etcdv3 (1 member)', config, etcdEnv, 1, 1000, report);
      await measure('etcdv3 (1 member)', config, etcdEnv, 20, 100, report);
    } finally {
      await etcd.stop();
    }
  },
};

export const run = bench.run;
