// Throw-away etcd servers on loopback for the IPAM tests and benchmark (until
// the shared test/helpers/etcd.ts is there): one member or a three-member
// cluster, each with its own data directory, all removed by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdCluster {
  readonly endpoints: readonly string[];
  stop(): Promise<void>;
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

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcdCluster(members: 1 | 3): Promise<EtcdCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ipam-etcd-'));
  const ports = await Promise.all(Array.from({ length: members * 2 }, () => freePort()));
  const names = Array.from({ length: members }, (_, i) => `m${i}`);
  const peer = (i: number) => `http://127.0.0.1:${ports[2 * i + 1] ?? 0}`;
  const client = (i: number) => `http://127.0.0.1:${ports[2 * i] ?? 0}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const children = names.map((name, i) =>
    spawn(
      'etcd',
      [
        '--name', name, '--data-dir', join(dir, name),
        '--listen-client-urls', client(i), '--advertise-client-urls', client(i),
        '--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i),
        '--initial-cluster', initial, '--initial-cluster-state', 'new', '--initial-cluster-token', `ipam-${process.pid}`,
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  };
  const endpoints = names.map((_, i) => client(i));
  for (let i = 0; i < 200; i++) {
    if ((await Promise.all(endpoints.map(healthy))).every(Boolean)) return { endpoints, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('etcd did not become healthy');
}
