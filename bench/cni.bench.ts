// CNI ADD and DEL latency as a runtime sees it (process start to exit), for
// 100 pods one after another and 20 at once, on sqlite and on a one-member
// etcd. Everything happens in namespaces the bench makes and removes: a host
// namespace where the plugin runs and one namespace per pod. The timing loop
// runs inside the host namespace (this file with --worker) so that the
// figures hold no `ip netns exec` of the bench's own.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, round, type BenchResult } from './harness.js';
import { calicoConf, podArgs, setUp, type Env } from '../test/cni/harness.js';
import { startEtcdCluster } from '../test/helpers/etcd.js';

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

function inHost(e: Env, batches: Job[][]): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', e.hostNs, process.execPath, '--import', 'tsx', self, '--worker'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as number[][]) : reject(new Error(`bench worker exited ${code}`))));
    child.stdin.end(JSON.stringify(batches));
  });
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

async function backend(name: string, e: Env, report: (r: BenchResult) => void): Promise<void> {
  try {
    await scenario(e, `${name}, 100 pods one after another`, 100, false, report);
    await scenario(e, `${name}, 20 pods at once`, 20, true, report);
    const left = (await e.ds.list({ kind: 'IPAMHandle' })).items.length;
    if (left !== 0) throw new Error(`${left} IPAM handles left after DEL`);
  } finally {
    await e.cleanup();
  }
}

export async function run(report: (r: BenchResult) => void): Promise<void> {
  const pools = [{ name: 'bench-pool', cidr: '10.200.0.0/16', blockSize: 26 }];
  const probe = await setUp('cnibench', pools);
  report({ name: 'plugin binary', value: probe.built ? 'dist (built)' : 'sources through tsx (run npm run build for real figures)', unit: '' });
  const baseline: number[] = [];
  for (let i = 0; i < 10; i++) baseline.push(await timeOne({ argv: [process.execPath, '-e', '0'], env: {}, stdin: '' }));
  report({ name: '`node -e 0` on this machine now, median of 10', value: round(percentile(baseline, 50), 1), unit: 'ms' });
  await backend('sqlite', probe, report);
  if (process.env['CNI_BENCH_ETCD'] !== '0' && existsSync(join(root, 'test', 'helpers', 'etcd.ts'))) {
    const etcd = await startEtcdCluster(1);
    try {
      await backend('etcd (1 member)', await setUp('cnibenche', pools, etcd.endpoints), report);
    } finally {
      await etcd.stop();
    }
  }
}

if (process.argv.includes('--worker')) await worker();
