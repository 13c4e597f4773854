// Runs the CNI plugins exactly as a container runtime does — environment,
// configuration on stdin, result on stdout — inside a test-made "host"
// namespace, against a container namespace also made by the test, with a temp
// sqlite datastore seeded with what calico/node would have written.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatastore } from '../../src/datastore/index.js';
import type { Datastore } from '../../src/datastore/types.js';
import { NetnsLab } from '../helpers/netns.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CNI_BIN_DIR = '/usr/lib/cni';
export const NODE = 'node-1';
const API = 'projectcalico.org/v3';

export interface PluginRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed, when it is JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** A directory for CNI_PATH holding `calico` and `calico-ipam` wrappers that run the sources through tsx. */
function pluginDir(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, main] of [['calico', 'calico-main.ts'], ['calico-ipam', 'ipam-main.ts']] as const) {
    writeFileSync(
      join(bin, name),
      `#!/bin/sh\nexec ${process.execPath} --import tsx ${join(root, 'src', 'cni', main)} "$@"\n`,
      { mode: 0o755 },
    );
  }
  return bin;
}

export interface Env {
  readonly lab: NetnsLab;
  readonly hostNs: string;
  readonly dir: string;
  readonly dbPath: string;
  readonly binDir: string;
  readonly ds: Datastore;
  /** A fresh container namespace; returns its path (/var/run/netns/NAME) and name. */
  container(name: string): Promise<{ name: string; path: string }>;
  /** Runs a plugin binary in the host namespace as a runtime would. */
  run(plugin: string, env: Record<string, string>, stdin: string): Promise<PluginRun>;
  cleanup(): Promise<void>;
}

export async function seedDatastore(ds: Datastore, pools: readonly { name: string; cidr: string; blockSize?: number; spec?: Record<string, unknown> }[]): Promise<void> {
  await ds.create({ apiVersion: API, kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { datastoreReady: true, clusterGUID: 'test' } });
  await ds.create({ apiVersion: API, kind: 'Node', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} });
  for (const p of pools) {
    await ds.create({
      apiVersion: API,
      kind: 'IPPool',
      metadata: { name: p.name },
      spec: { cidr: p.cidr, blockSize: p.blockSize ?? (p.cidr.includes(':') ? 122 : 26), ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: true, ...p.spec },
    });
  }
}

export async function setUp(prefix: string, pools = [{ name: 'default-ipv4-ippool', cidr: '10.77.0.0/24', blockSize: 28 }]): Promise<Env> {
  const lab = new NetnsLab(prefix);
  const dir = mkdtempSync(join(tmpdir(), `cni-${prefix}-`));
  const dbPath = join(dir, 'calico.db');
  const ds = await openDatastore({ type: 'sqlite', path: dbPath });
  await seedDatastore(ds, pools);
  const hostNs = await lab.netns('host');
  const binDir = pluginDir(dir);
  return {
    lab,
    hostNs,
    dir,
    dbPath,
    binDir,
    ds,
    async container(name) {
      const ns = await lab.netns(name);
      return { name: ns, path: `/var/run/netns/${ns}` };
    },
    run(plugin, env, stdin) {
      const path = plugin.includes('/') ? plugin : join(binDir, plugin);
      return new Promise((resolve) => {
        const child = spawn('ip', ['netns', 'exec', hostNs, 'env', '-i', ...Object.entries({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }).map(([k, v]) => `${k}=${v}`), path], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('close', (code) => {
          let json: Record<string, unknown> | undefined;
          try {
            json = stdout.trim() === '' ? undefined : (JSON.parse(stdout) as Record<string, unknown>);
          } catch {
            json = undefined;
          }
          resolve({ code: code ?? 1, stdout, stderr, json });
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(stdin);
      });
    },
    async cleanup() {
      await ds.close().catch(() => undefined);
      await lab.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A calico network configuration on the test's datastore; `extra` is merged on top. */
export function calicoConf(e: Env, cniVersion: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion,
    name: 'k8s-pod-network',
    type: 'calico',
    nodename: NODE,
    nodename_file_optional: true,
    datastore_type: 'sqlite',
    datastore_path: e.dbPath,
    mtu: 1450,
    log_level: 'error',
    ipam: { type: 'calico-ipam' },
    policy: { type: 'k8s' },
    ...extra,
  };
}

export function cniEnv(e: Env, command: string, containerId: string, netns: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: netns,
    CNI_IFNAME: 'eth0',
    CNI_PATH: `${e.binDir}:${CNI_BIN_DIR}`,
    ...extra,
  };
}

export function podArgs(namespace: string, pod: string, extra: Record<string, unknown> = {}): string {
  const parts = [`IgnoreUnknown=1`, `K8S_POD_NAMESPACE=${namespace}`, `K8S_POD_NAME=${pod}`, `K8S_POD_INFRA_CONTAINER_ID=x`];
  for (const [k, v] of Object.entries(extra)) {
    parts.push(`${k}=${typeof v === 'string' ? v : Buffer.from(JSON.stringify(v)).toString('base64url')}`);
  }
  return parts.join(';');
}
