// IPAM allocation throughput and latency: N allocator processes, one per
// host, each allocating addresses one at a time under its own handles, on
// sqlite and on a single-member etcd. Run as a module by `npm run bench ipam`;
// run as a script with `--worker` it is one allocator.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { percentile, round, type BenchResult } from './harness.js';
import { openDatastore, type DatastoreConfig } from '../src/datastore/index.js';
import { IpamClient } from '../src/ipam/index.js';
import { CALICO_API_VERSION } from '../src/api/meta.js';
import { startEtcdCluster } from '../test/helpers/etcd.js';

const self = fileURLToPath(import.meta.url);
const TOTAL = 600;

async function worker(config: DatastoreConfig, host: string, count: number): Promise<void> {
  const ds = await openDatastore(config);
  // Round trips per allocation do not depend on the machine's load; count them.
  let ops = 0;
  const counted = {
    type: ds.type,
    get: (k: Parameters<typeof ds.get>[0]) => (ops++, ds.get(k)),
    list: (o: Parameters<typeof ds.list>[0]) => (ops++, ds.list(o)),
    create: (r: Parameters<typeof ds.create>[0]) => (ops++, ds.create(r)),
    update: (r: Parameters<typeof ds.update>[0]) => (ops++, ds.update(r)),
    delete: (k: Parameters<typeof ds.delete>[0], rv?: string) => (ops++, ds.delete(k, rv)),
    revision: () => ds.revision(),
    watch: (o: Parameters<typeof ds.watch>[0], cb: Parameters<typeof ds.watch>[1]) => ds.watch(o, cb),
    close: () => ds.close(),
  };
  const ipam = new IpamClient(counted);
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
  process.stdout.write(`${JSON.stringify({ latencies, ops })}\n`);
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

async function measure(config: DatastoreConfig, allocators: number): Promise<{ rate: number; p50: number; p99: number; opsPerAlloc: number }> {
  const hosts = Array.from({ length: allocators }, (_, i) => `bench-host-${i}`);
  await seed(config, hosts);
  const per = Math.ceil(TOTAL / allocators);
  const procs = hosts.map((h) => start(config, h, per));
  try {
    for (const p of procs) if ((await p.lines.next()).value !== 'ready') throw new Error('allocator did not start');
    const t0 = process.hrtime.bigint();
    for (const p of procs) p.child.stdin?.write('go\n');
    const results = await Promise.all(procs.map(async (p) => JSON.parse((await p.lines.next()).value as string) as { latencies: number[]; ops: number }));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const all = results.flatMap((r) => r.latencies);
    return { rate: all.length / seconds, p50: percentile(all, 50), p99: percentile(all, 99), opsPerAlloc: results.reduce((n, r) => n + r.ops, 0) / all.length };
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }
}

export async function run(report: (r: BenchResult) => void): Promise<void> {
  for (const allocators of [1, 5, 20]) {
    const dir = mkdtempSync(join(tmpdir(), 'ipam-bench-'));
    try {
      const r = await measure({ type: 'sqlite', path: join(dir, 'calico.db') }, allocators);
      report({ name: `sqlite, ${allocators} allocators: allocations`, value: round(r.rate, 0), unit: 'per second' });
      report({ name: `sqlite, ${allocators} allocators: median allocation latency`, value: round(r.p50), unit: 'ms' });
      report({ name: `sqlite, ${allocators} allocators: p99 allocation latency`, value: round(r.p99), unit: 'ms' });
      report({ name: `sqlite, ${allocators} allocators: datastore operations per allocation`, value: round(r.opsPerAlloc), unit: 'ops' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const allocators of [1, 5, 20]) {
    const etcd = await startEtcdCluster(1);
    try {
      const r = await measure({ type: 'etcdv3', endpoints: etcd.endpoints }, allocators);
      report({ name: `etcd (1 member), ${allocators} allocators: allocations`, value: round(r.rate, 0), unit: 'per second' });
      report({ name: `etcd (1 member), ${allocators} allocators: median allocation latency`, value: round(r.p50), unit: 'ms' });
      report({ name: `etcd (1 member), ${allocators} allocators: p99 allocation latency`, value: round(r.p99), unit: 'ms' });
      report({ name: `etcd (1 member), ${allocators} allocators: datastore operations per allocation`, value: round(r.opsPerAlloc), unit: 'ops' });
    } finally {
      await etcd.stop();
    }
  }
}

if (process.argv[2] === '--worker') {
  const [config, host, count] = process.argv.slice(3);
  await worker(JSON.parse(config ?? '{}') as DatastoreConfig, host ?? 'bench', Number(count));
}
