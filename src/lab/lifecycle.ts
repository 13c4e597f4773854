// `calico-lab up` and `down`: the datastore, the lab network, the host with
// its calico-node (which creates the default IP pool) — and taking all of it away again,
// also after a crash, from the state directory and the namespace prefix.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalicoError } from '../api/errors.js';
import { CALICO_API_VERSION } from '../api/meta.js';
import { readStatus } from '../agent/status.js';
import type { DatastoreConfig } from '../datastore/config.js';
import { datastoreEnv, withDatastore, writeClientConfig, type LabDatastore } from './datastore.js';
import { inNetns, nodeModuleCommand, processAlive, run, sleep, spawnDaemon } from './exec.js';
import { LAB_NETWORK, deleteNetns, hostAddress, labNamespaces, labNetnsName, makeHost, makeLabNetwork } from './network.js';
import { netnsPrefix, readState, saveState, type HostState, type LabLocation, type LabState } from './state.js';

export type DatastoreKind = 'sqlite' | 'etcdv3';

export interface UpOptions {
  readonly datastore: DatastoreKind;
  /** The default IP pool's CIDR. */
  readonly pool?: string;
  /** Told what is happening, for a person watching. */
  readonly progress?: (line: string) => void;
  /** How long to wait for calico-node to be ready, ms. */
  readonly readyTimeoutMs?: number;
}

export const DEFAULT_POOL = '10.244.0.0/16';
const ETCD_PORT = 2379;

/** Writes `calico` and `calico-ipam` where CNI_PATH will point, as a runtime would find them installed. */
function installCniPlugins(dir: string): string {
  const bin = join(dir, 'cni-bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, module] of [['calico', 'cni/calico-main'], ['calico-ipam', 'cni/ipam-main']] as const) {
    const cmd = nodeModuleCommand(module).map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    writeFileSync(join(bin, name), `#!/bin/sh\nexec ${cmd} "$@"\n`, { mode: 0o755 });
  }
  return bin;
}

async function startEtcd(dir: string, netns: string): Promise<{ config: DatastoreConfig; pid: number }> {
  const url = `http://${LAB_NETWORK.gateway}:${ETCD_PORT}`;
  const pid = spawnDaemon(
    inNetns(netns, [
      'etcd', '--name', 'lab', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', `${url},http://127.0.0.1:${ETCD_PORT}`, '--advertise-client-urls', url,
      '--listen-peer-urls', 'http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380',
      '--initial-cluster', 'lab=http://127.0.0.1:2380', '--logger', 'zap', '--log-level', 'warn',
    ]),
    join(dir, 'etcd.log'),
  );
  // One node process inside the namespace polls etcd's health endpoint.
  const wait = `(async()=>{for(let i=0;i<300;i++){try{const r=await fetch('${url}/health');if(r.ok&&(await r.json()).health==='true')process.exit(0)}catch{}await new Promise(r=>setTimeout(r,100))}process.exit(1)})()`;
  const r = await run(inNetns(netns, [process.execPath, '-e', wait]));
  if (r.code !== 0 || !processAlive(pid)) {
    throw new CalicoError('unavailable', `etcd did not become healthy: ${logTail(join(dir, 'etcd.log'))}`);
  }
  return { config: { type: 'etcdv3', endpoints: [url] }, pid };
}

async function createIfAbsent(ds: LabDatastore, resource: Parameters<LabDatastore['create']>[0]): Promise<void> {
  try {
    await ds.create(resource);
  } catch (err) {
    if (!(err instanceof CalicoError && err.code === 'already-exists')) throw err;
  }
}

/**
 * What the Kubernetes side has written before calico-node starts: the node as
 * the kubelet registers it (hostname label, InternalIP). calico-node's own
 * start-up then adds its BGP address and creates the default IP pool.
 */
async function seed(ds: LabDatastore, hosts: readonly { readonly name: string; readonly address: string }[]): Promise<void> {
  await createIfAbsent(ds, {
    apiVersion: CALICO_API_VERSION,
    kind: 'ClusterInformation',
    metadata: { name: 'default' },
    spec: { datastoreReady: true, clusterGUID: 'calico-lab' },
  });
  for (const h of hosts) {
    await createIfAbsent(ds, {
      apiVersion: CALICO_API_VERSION,
      kind: 'Node',
      metadata: { name: h.name, labels: { 'kubernetes.io/hostname': h.name } },
      spec: { addresses: [{ address: h.address, type: 'InternalIP' }] },
    });
  }
}

/**
 * calico-node's start-up settings as a manifest gives them: the host address
 * autodetected (first-found: eth0), the lab's pool as the only default pool,
 * without NAT outgoing (the lab network leads nowhere).
 */
export function startupEnv(pool: string): Record<string, string> {
  const v6 = pool.includes(':');
  return {
    IP: 'autodetect',
    CALICO_NETWORKING_BACKEND: 'bird',
    CALICO_IPV4POOL_CIDR: v6 ? 'none' : pool,
    CALICO_IPV6POOL_CIDR: v6 ? pool : 'none',
    [v6 ? 'CALICO_IPV6POOL_NAT_OUTGOING' : 'CALICO_IPV4POOL_NAT_OUTGOING']: 'false',
  };
}

export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function startAgent(state: Pick<LabState, 'datastore' | 'dir' | 'pool'>, host: Omit<HostState, 'agentPid'>): number {
  const config = writeClientConfig(state.dir, state.datastore);
  return spawnDaemon(
    inNetns(host.netns, [...nodeModuleCommand('agent/main'), '--hostname', host.name, '--status-file', host.statusFile, '--config', config]),
    host.logFile,
    { ...datastoreEnv(state.datastore), ...startupEnv(state.pool), NODENAME: host.name, LOG_LEVEL: process.env['CALICO_LAB_LOG_LEVEL'] ?? 'info' },
  );
}

async function waitReady(host: HostState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await readStatus(host.statusFile);
    if (status?.ready === true) return;
    if (!processAlive(host.agentPid)) {
      throw new CalicoError('unavailable', `calico-node on ${host.name} exited while starting:\n${logTail(host.logFile)}`);
    }
    if (Date.now() > deadline) {
      throw new CalicoError('unavailable', `calico-node on ${host.name} was not ready after ${timeoutMs / 1000} s:\n${logTail(host.logFile)}`);
    }
    await sleep(100);
  }
}

export async function up(loc: LabLocation, options: UpOptions): Promise<LabState> {
  const existing = readState(loc.dir);
  const prefix = netnsPrefix(loc.name);
  if (existing !== undefined) {
    throw new CalicoError('already-exists', `lab "${loc.name}" is already up (state in ${loc.dir}); run "calico-lab down" first`);
  }
  if (labNamespaces(loc.name).length > 0) {
    throw new CalicoError('already-exists', `namespaces of a lab "${loc.name}" are left over (${labNamespaces(loc.name).join(', ')}); run "calico-lab down" first`);
  }
  if (process.getuid?.() !== 0) throw new CalicoError('invalid-value', 'calico-lab up needs root: it makes network namespaces');
  const say = options.progress ?? ((): void => undefined);
  const pool = options.pool ?? DEFAULT_POOL;
  mkdirSync(join(loc.dir, 'logs'), { recursive: true });
  const networkNetns = labNetnsName(prefix, 'net');
  try {
    say(`lab network in namespace ${networkNetns}`);
    await makeLabNetwork(networkNetns);
    let datastore: DatastoreConfig = { type: 'sqlite', path: join(loc.dir, 'calico.db') };
    let etcdPid: number | undefined;
    if (options.datastore === 'etcdv3') {
      say('etcd on the lab network');
      const etcd = await startEtcd(loc.dir, networkNetns);
      datastore = etcd.config;
      etcdPid = etcd.pid;
    }
    installCniPlugins(loc.dir);
    const hostName = 'host-1';
    const base: LabState = { version: 1, name: loc.name, prefix, dir: loc.dir, datastore, ...(etcdPid === undefined ? {} : { etcdPid }), networkNetns, pool, hosts: [] };
    saveState(base);
    await withDatastore(base, (ds) => seed(ds, [{ name: hostName, address: hostAddress(0) }]));
    const hostNetns = labNetnsName(prefix, 'host1');
    say(`host ${hostName} in namespace ${hostNetns}`);
    const address = await makeHost(networkNetns, hostNetns, 0);
    const partial = { name: hostName, netns: hostNetns, address, statusFile: join(loc.dir, `${hostName}.status.json`), logFile: join(loc.dir, 'logs', `calico-node-${hostName}.log`) };
    const host: HostState = { ...partial, agentPid: startAgent(base, partial) };
    const state: LabState = { ...base, hosts: [host] };
    saveState(state);
    say(`calico-node on ${hostName} (log: ${host.logFile})`);
    await waitReady(host, options.readyTimeoutMs ?? 90_000);
    return state;
  } catch (err) {
    await down(loc);
    throw err;
  }
}

/** Processes whose command line names the state directory: the lab's daemons, found even without a state file. */
export function labProcesses(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || pid === process.ppid) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a === dir || a.startsWith(`${dir}/`))) out.push(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

async function stopProcesses(pids: readonly number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 5000;
  while (pids.some(processAlive) && Date.now() < deadline) await sleep(50);
  for (const pid of pids.filter(processAlive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Removes every process, namespace and file of the lab; does nothing when there is nothing left. */
export async function down(loc: LabLocation): Promise<{ processes: number; namespaces: number }> {
  const state = readState(loc.dir);
  // Recorded pids are not trusted alone (they are reused): a daemon is the lab's when its command line names the state directory.
  const pids = new Set<number>(existsSync(loc.dir) ? labProcesses(loc.dir) : []);
  await stopProcesses([...pids]);
  const namespaces = labNamespaces(state?.name ?? loc.name);
  for (const ns of namespaces) await deleteNetns(ns);
  rmSync(loc.dir, { recursive: true, force: true });
  return { processes: pids.size, namespaces: namespaces.length };
}
