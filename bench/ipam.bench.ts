// IPAM allocation throughput and latency: N allocator processes, one per
// host, each allocating addresses one at a time under its own handles, on
// sqlite and on a single-member etcd. Run as a module by `npm run bench ipam`;
// run as a script with `--worker` it is one allocator.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { percentile, round, type BenchResult } from './harness.js';
import { openDatastore, type DatastoreConfig } from '../src/datastore/index.js';
import { IpamClient } from '../src/ipam/index.js';
import { CALICO_API_VERSION } from '../src/api/meta.js';

const self = fileURLToPath(import.meta.url);
const TOTAL = 600;

async function worker(config: DatastoreConfig, host: string, count: number): Promise<void> {
  const ds = await openDatastore(config);
  const ipam = new IpamClient(ds);
  process.stdout.write('ready\n');
  // Wait for the starting gun so process start-up is not timed.
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const { ipv4 } = await ipam.autoAssign({ num4: 1, num6: 0, hostname: host, handleId: `bench.${host}.${i}`, attrs: { node: host } });
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (ipv4.ips.length !== 1) throw new Error(`allocation ${i} on ${host} failed: ${ipv4.msgs.join('; ')}`);
  }
  process.stdout.write(`${JSON.stringify({ latencies })}\n`);
  await ds.close();
}

interface Proc {
  readonly child: ChildProcess;
  readonly lines: AsyncIterator<string>;
}

function start(config: DatastoreConfig, host: string, count: number): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--worker', JSON.stringify(config), host, String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> })[Symbol.asyncIterator]();
  return { child, lines };
}

async function seed(config: DatastoreConfig, hosts: readonly string[]): Promise<void> {
  const ds = await openDatastore(config);
  for (const h of hosts) await ds.create({ apiVersion: CALICO_API_VERSION, kind: 'Node', metadata: { name: h }, spec: {} });
  await ds.create({ apiVersion: CALICO_API_VERSION, kind: 'IPPool', metadata: { name: 'bench' }, spec: { cidr: '10.0.0.0/14', blockSize: 26 } });
  await ds.close();
}

async function measure(config: DatastoreConfig, allocators: number): Promise<{ rate: number; p50: number; p99: number }> {
  const hosts = Array.from({ length: allocators }, (_, i) => `bench-host-${i}`);
  await seed(config, hosts);
  const per = Math.ceil(TOTAL / allocators);
  const procs = hosts.map((h) => start(config, h, per));
  try {
    for (const p of procs) if ((await p.lines.next()).value !== 'ready') throw new Error('allocator did not start');
    const t0 = process.hrtime.bigint();
    for (const p of procs) p.child.stdin?.write('go\n');
    const results = await Promise.all(procs.map(async (p) => JSON.parse((await p.lines.next()).value as string) as { latencies: number[] }));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const all = results.flatMap((r) => r.latencies);
    return { rate: all.length / seconds, p50: percentile(all, 50), p99: percentile(all, 99) };
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A throw-away single-member etcd on loopback. */
async function startEtcd(dir: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const child = spawn(
    'etcd',
    [
      '--name', 'bench', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `bench=http://127.0.0.1:${peer}`,
    ],
    { stdio: 'ignore' },
  );
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${endpoint}/health`);
      if (res.ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('etcd did not become healthy');
}

export async function run(report: (r: BenchResult) => void): Promise<void> {
  for (const allocators of [1, 5, 20]) {
    const dir = mkdtempSync(join(tmpdir(), 'ipam-bench-'));
    try {
      const r = await measure({ type: 'sqlite', path: join(dir, 'calico.db') }, allocators);
      report({ name: `sqlite, ${allocators} allocators: allocations`, value: round(r.rate, 0), unit: 'per second' });
      report({ name: `sqlite, ${allocators} allocators: median allocation latency`, value: round(r.p50), unit: 'ms' });
      report({ name: `sqlite, ${allocators} allocators: p99 allocation latency`, value: round(r.p99), unit: 'ms' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const allocators of [1, 5, 20]) {
    const dir = mkdtempSync(join(tmpdir(), 'ipam-bench-'));
    const etcd = await startEtcd(dir);
    try {
      const r = await measure({ type: 'etcdv3', endpoints: [etcd.endpoint] }, allocators);
      report({ name: `etcd (1 member), ${allocators} allocators: allocations`, value: round(r.rate, 0), unit: 'per second' });
      report({ name: `etcd (1 member), ${allocators} allocators: median allocation latency`, value: round(r.p50), unit: 'ms' });
      report({ name: `etcd (1 member), ${allocators} allocators: p99 allocation latency`, value: round(r.p99), unit: 'ms' });
    } finally {
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (process.argv[2] === '--worker') {
  const [config, host, count] = process.argv.slice(3);
  await worker(JSON.parse(config ?? '{}') as DatastoreConfig, host ?? 'bench', Number(count));
}
