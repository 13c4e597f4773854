// CNI ADD and DEL latency as a runtime sees it (process start to exit), for
// 100 pods one after another and 20 at once, on sqlite and on a one-member
// etcd. Everything happens in namespaces the bench makes and removes: a host
// namespace where the plugin runs and one namespace per pod. The timing loop
// runs inside the host namespace (this file with --worker) so that the
// figures hold no `ip netns exec` of the bench's own. etcd, too, runs inside
// the host namespace, where the plugin can reach it on its loopback.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, round, type BenchResult } from './harness.js';
import { calicoConf, podArgs, seedDatastore, setUp, type Env, type PoolSeed } from '../test/cni/harness.js';
import { EtcdDatastore } from '../src/datastore/etcd.js';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');

interface Job {
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  readonly stdin: string;
}

function timeOne(job: Job): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const [cmd, ...args] = job.argv;
    const child = spawn(cmd ?? 'false', args, { env: job.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`${job.env['CNI_COMMAND']} ${job.env['CNI_CONTAINERID']} failed (${code ?? signal}): ${out}`));
      else resolve(ms);
    });
    child.stdin.end(job.stdin);
  });
}

/** Worker: runs batches of jobs (each batch concurrently) and prints the latencies. */
async function worker(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const batches = JSON.parse(Buffer.concat(chunks).toString()) as Job[][];
  const out: number[][] = [];
  for (const batch of batches) out.push(await Promise.all(batch.map(timeOne)));
  process.stdout.write(JSON.stringify(out));
}

const ETCD_IN_HOST = 'http://127.0.0.1:2379';

/** Worker, in the host namespace: seeds etcd as calico/node would, or counts the IPAM handles left. */
async function etcdWorker(mode: 'seed' | 'handles', pools: readonly PoolSeed[]): Promise<void> {
  const ds = await EtcdDatastore.open({ type: 'etcdv3', endpoints: [ETCD_IN_HOST] });
  if (mode === 'seed') await seedDatastore(ds, pools);
  else process.stdout.write(String((await ds.list({ kind: 'IPAMHandle' })).items.length));
  await ds.close();
}

function hostWorker(e: Env, args: readonly string[], stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', e.hostNs, process.execPath, '--import', 'tsx', self, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench worker ${args.join(' ')} exited ${code}`))));
    child.stdin.end(stdin);
  });
}

async function startEtcdInHost(e: Env): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'cni-bench-etcd-'));
  const child = e.lab.spawn(e.hostNs, [
    'etcd', '--name', 'bench', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', ETCD_IN_HOST, '--advertise-client-urls', ETCD_IN_HOST,
    '--listen-peer-urls', 'http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380',
    '--initial-cluster', 'bench=http://127.0.0.1:2380', '--logger', 'zap', '--log-level', 'error',
  ]);
  for (let i = 0; i < 100; i++) {
    if ((await e.lab.exec(e.hostNs, ['etcdctl', '--endpoints', ETCD_IN_HOST, 'endpoint', 'health'])).code === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return async () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
}

async function inHost(e: Env, batches: Job[][]): Promise<number[][]> {
  return JSON.parse(await hostWorker(e, ['--worker'], JSON.stringify(batches))) as number[][];
}

function plugin(e: Env): string[] {
  return e.built ? [join(root, 'bin', 'calico')] : [process.execPath, '--import', 'tsx', join(root, 'src', 'cni', 'calico-main.ts')];
}

async function scenario(e: Env, label: string, pods: number, concurrent: boolean, report: (r: BenchResult) => void): Promise<void> {
  const conf = JSON.stringify(calicoConf(e, '1.0.0', { log_level: 'error' }));
  const nets: { name: string; path: string }[] = [];
  for (let i = 0; i < pods; i++) nets.push(await e.container(`${concurrent ? 'c' : 's'}${i}`));
  const job = (cmd: string, i: number): Job => ({
    argv: plugin(e),
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      CNI_COMMAND: cmd,
      CNI_CONTAINERID: `${label.replace(/\W/g, '')}${i}`,
      CNI_NETNS: nets[i]?.path ?? '',
      CNI_IFNAME: 'eth0',
      CNI_PATH: e.binDir,
      CNI_ARGS: podArgs('bench', `pod-${concurrent ? 'c' : 's'}-${i}`),
    },
    stdin: conf,
  });
  const idx = [...Array(pods).keys()];
  const batches = (cmd: string): Job[][] => (concurrent ? [idx.map((i) => job(cmd, i))] : idx.map((i) => [job(cmd, i)]));
  const [adds, dels] = [(await inHost(e, batches('ADD'))).flat(), (await inHost(e, batches('DEL'))).flat()];
  for (const [op, xs] of [['ADD', adds], ['DEL', dels]] as const) {
    report({ name: `${label}: ${op} median`, value: round(percentile(xs, 50), 1), unit: 'ms' });
    report({ name: `${label}: ${op} p99`, value: round(percentile(xs, 99), 1), unit: 'ms' });
  }
  for (const n of nets) await e.lab.exec(e.hostNs, ['ip', 'netns', 'del', n.name]);
}

async function backend(name: string, e: Env, report: (r: BenchResult) => void, handlesLeft: () => Promise<number>): Promise<void> {
  await scenario(e, `${name}, 100 pods one after another`, 100, false, report);
  await scenario(e, `${name}, 20 pods at once`, 20, true, report);
  const left = await handlesLeft();
  if (left !== 0) throw new Error(`${left} IPAM handles left after DEL`);
}

const POOLS: readonly PoolSeed[] = [{ name: 'bench-pool', cidr: '10.200.0.0/16', blockSize: 26 }];

export async function run(report: (r: BenchResult) => void): Promise<void> {
  const sqlite = await setUp('cnibench', POOLS);
  try {
    report({ name: 'plugin binary', value: sqlite.built ? 'dist (built)' : 'sources through tsx (run npm run build for real figures)', unit: '' });
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) baseline.push(await timeOne({ argv: [process.execPath, '-e', '0'], env: {}, stdin: '' }));
    report({ name: '`node -e 0` on this machine now, median of 10', value: round(percentile(baseline, 50), 1), unit: 'ms' });
    await backend('sqlite', sqlite, report, async () => (await sqlite.ds.list({ kind: 'IPAMHandle' })).items.length);
  } finally {
    await sqlite.cleanup();
  }
  if (process.env['CNI_BENCH_ETCD'] === '0') return;
  // The plugin reaches etcd inside its host namespace; the bench's own sqlite
  // datastore of that environment is simply unused.
  const e = await setUp('cnibenche', []);
  const stop = await startEtcdInHost(e);
  try {
    await hostWorker(e, ['--etcd', 'seed', JSON.stringify(POOLS)]);
    const etcdEnv: Env = { ...e, datastoreConf: { datastore_type: 'etcdv3', etcd_endpoints: ETCD_IN_HOST } };
    await backend('etcd (1 member, in the host namespace)', etcdEnv, report, async () => Number(await hostWorker(e, ['--etcd', 'handles', '[]'])));
  } finally {
    await stop();
    await e.cleanup();
  }
}

if (process.argv.includes('--worker')) await worker();
const etcdMode = process.argv.indexOf('--etcd');
if (etcdMode >= 0) await etcdWorker(process.argv[etcdMode + 1] === 'seed' ? 'seed' : 'handles', JSON.parse(process.argv[etcdMode + 2] ?? '[]') as PoolSeed[]);
