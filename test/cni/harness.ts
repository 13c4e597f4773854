// Runs the CNI plugins exactly as a container runtime does — environment,
// configuration on stdin, result on stdout — inside a test-made "host"
// namespace, against a container namespace also made by the test, with a temp
// sqlite datastore seeded with what calico/node would have written.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatastore } from '../../src/datastore/index.js';
import type { Datastore } from '../../src/datastore/types.js';
import { NetnsLab } from '../helpers/netns.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CNI_BIN_DIR = '/usr/lib/cni';
export const NODE = 'node-1';
export const HOST_IP = '192.168.200.1';
const API = 'projectcalico.org/v3';

export interface PluginRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed, when it is JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** The built plugins when dist/ is newer than every source file (CI builds first), else the sources through tsx. */
function builtIsFresh(): boolean {
  const newest = Math.max(...readdirSync(join(root, 'src', 'cni')).map((f) => statSync(join(root, 'src', 'cni', f)).mtimeMs));
  try {
    return ['calico-main.js', 'ipam-main.js'].every((f) => statSync(join(root, 'dist', 'cni', f)).mtimeMs >= newest);
  } catch {
    return false;
  }
}

/** A directory for CNI_PATH holding `calico` and `calico-ipam` as a runtime would find them. */
function pluginDir(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const built = builtIsFresh();
  for (const [name, main] of [['calico', 'calico-main'], ['calico-ipam', 'ipam-main']] as const) {
    const cmd = built ? join(root, 'bin', name) : `${process.execPath} --import tsx ${join(root, 'src', 'cni', `${main}.ts`)}`;
    writeFileSync(join(bin, name), `#!/bin/sh\nexec ${cmd} "$@"\n`, { mode: 0o755 });
  }
  return bin;
}

export interface Env {
  readonly lab: NetnsLab;
  readonly hostNs: string;
  readonly dir: string;
  readonly dbPath: string;
  readonly binDir: string;
  /** The plugins run from dist/ (built) rather than through tsx. */
  readonly built: boolean;
  readonly ds: Datastore;
  /** The datastore keys of the network configuration. */
  readonly datastoreConf: Record<string, unknown>;
  /** A fresh container namespace; returns its path (/var/run/netns/NAME) and name. */
  container(name: string): Promise<{ name: string; path: string }>;
  /** Runs a plugin binary in the host namespace as a runtime would. */
  run(plugin: string, env: Record<string, string>, stdin: string): Promise<PluginRun>;
  cleanup(): Promise<void>;
}

export interface PoolSeed {
  readonly name: string;
  readonly cidr: string;
  readonly blockSize?: number;
  readonly spec?: Record<string, unknown>;
}

export async function seedDatastore(ds: Datastore, pools: readonly PoolSeed[]): Promise<void> {
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

export async function setUp(
  prefix: string,
  pools: readonly PoolSeed[] = [{ name: 'default-ipv4-ippool', cidr: '10.77.0.0/24', blockSize: 28 }],
  etcdEndpoints?: readonly string[],
): Promise<Env> {
  const lab = new NetnsLab(prefix);
  const dir = mkdtempSync(join(tmpdir(), `cni-${prefix}-`));
  const dbPath = join(dir, 'calico.db');
  const ds = await openDatastore(etcdEndpoints === undefined ? { type: 'sqlite', path: dbPath } : { type: 'etcdv3', endpoints: etcdEndpoints });
  await seedDatastore(ds, pools);
  const hostNs = await lab.netns('host');
  // A host as Calico finds one: an uplink with an address and a default route
  // (proxy ARP answers for 169.254.1.1 only when the host has a route to it).
  const world = await lab.netns('world');
  await lab.veth(hostNs, 'eth0', world, 'eth0', `${HOST_IP}/24`, '192.168.200.2/24');
  await lab.must(hostNs, ['ip', 'route', 'add', 'default', 'via', '192.168.200.2']);
  const binDir = pluginDir(dir);
  return {
    lab,
    hostNs,
    dir,
    dbPath,
    binDir,
    built: builtIsFresh(),
    ds,
    datastoreConf:
      etcdEndpoints === undefined
        ? { datastore_type: 'sqlite', datastore_path: dbPath }
        : { datastore_type: 'etcdv3', etcd_endpoints: etcdEndpoints.join(',') },
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
    ...e.datastoreConf,
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
