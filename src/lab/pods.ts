// Namespaces and pods as Kubernetes would have them: a namespace is the
// profiles Calico's Kubernetes datastore synthesises for it; a pod is a
// network namespace wired by the CNI plugin exactly as a container runtime
// calls it, plus a listener process serving its ports.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalicoError } from '../api/errors.js';
import { namespaceProfile, serviceAccountProfile } from '../policy/index.js';
import { withDatastore, type LabDatastore } from './datastore.js';
import { inNetns, processAlive, run, sleep, spawnDaemon } from './exec.js';
import { logTail } from './lifecycle.js';
import { addNetns, deleteNetns, podNetnsName } from './network.js';
import { serverCommand } from './probe.js';
import { listPods, readPod, removePod, savePod, type HostState, type LabState, type PodState, type ServePort } from './state.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function checkName(what: string, name: string): void {
  if (!DNS_LABEL.test(name)) {
    throw new CalicoError('invalid-value', `${what} "${name}" must be a DNS label: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit`);
  }
}

/** `NS/NAME` → its parts. */
export function parsePodRef(ref: string): { namespace: string; name: string } {
  const parts = ref.split('/');
  if (parts.length !== 2) throw new CalicoError('invalid-value', `pod "${ref}" must be written NAMESPACE/NAME`);
  const [namespace, name] = parts as [string, string];
  checkName('namespace', namespace);
  checkName('pod name', name);
  return { namespace, name };
}

/** Creates a profile, or replaces its spec and labels when it exists (labels may change). */
async function putProfile(ds: LabDatastore, profile: Parameters<LabDatastore['create']>[0]): Promise<void> {
  const existing = await ds.get({ kind: 'Profile', name: profile.metadata.name });
  if (existing === undefined) await ds.create(profile);
  else await ds.update({ ...profile, metadata: { ...profile.metadata, resourceVersion: existing.metadata.resourceVersion ?? '' } });
}

/** The namespace's `kns.<ns>` profile (labels as pcns.*, allow both ways) and its default service account's `ksa.<ns>.default`. */
export async function addNamespace(state: LabState, namespace: string, labels: Readonly<Record<string, string>>): Promise<void> {
  checkName('namespace', namespace);
  // Kubernetes labels every namespace with its own name.
  const all = { 'kubernetes.io/metadata.name': namespace, ...labels };
  await withDatastore(state, async (ds) => {
    await putProfile(ds, namespaceProfile(namespace, all));
    await putProfile(ds, serviceAccountProfile(namespace, 'default'));
  });
}

export interface PodOptions {
  readonly labels?: Readonly<Record<string, string>>;
  readonly serve?: readonly ServePort[];
  /** A specific address for the pod (CNI_ARGS IP=), else IPAM picks one. */
  readonly ip?: string;
  /** Floating IPs, passed as the cni.projectcalico.org/floatingIPs annotation. */
  readonly floatingIps?: readonly string[];
}

interface CniOutcome {
  readonly code: number;
  readonly json: Record<string, unknown> | undefined;
  readonly stderr: string;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function netConf(state: LabState, host: HostState): string {
  const ds = state.datastore;
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'k8s-pod-network',
    type: 'calico',
    nodename: host.name,
    nodename_file_optional: true,
    ...(ds.type === 'sqlite' ? { datastore_type: 'sqlite', datastore_path: ds.path } : { datastore_type: 'etcdv3', etcd_endpoints: ds.endpoints.join(',') }),
    mtu: 1500,
    log_level: 'error',
    ipam: { type: 'calico-ipam' },
    policy: { type: 'k8s' },
    // The lab is its own administrator: pods may ask for floating IPs (FelixConfiguration still decides).
    feature_control: { floating_ips: true },
  });
}

/** Runs the calico plugin in the host's namespace with a runtime's environment and nothing else. */
async function cni(state: LabState, host: HostState, command: 'ADD' | 'DEL', pod: Pick<PodState, 'namespace' | 'name' | 'netns' | 'containerId'>, args: readonly string[] = []): Promise<CniOutcome> {
  const binDir = join(state.dir, 'cni-bin');
  const env = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: pod.containerId,
    CNI_NETNS: `/var/run/netns/${pod.netns}`,
    CNI_IFNAME: 'eth0',
    CNI_PATH: binDir,
    CNI_ARGS: ['IgnoreUnknown=1', `K8S_POD_NAMESPACE=${pod.namespace}`, `K8S_POD_NAME=${pod.name}`, `K8S_POD_INFRA_CONTAINER_ID=${pod.containerId}`, ...args].join(';'),
  };
  const r = await run(inNetns(host.netns, [join(binDir, 'calico')]), { cleanEnv: true, env, stdin: netConf(state, host) });
  let json: Record<string, unknown> | undefined;
  try {
    json = r.stdout.trim() === '' ? undefined : (JSON.parse(r.stdout) as Record<string, unknown>);
  } catch {
    json = undefined;
  }
  return { code: r.code, json, stderr: r.stderr };
}

function cniFailure(what: string, r: CniOutcome): CalicoError {
  const msg = typeof r.json?.['msg'] === 'string' ? r.json['msg'] : r.stderr.trim();
  const details = typeof r.json?.['details'] === 'string' && r.json['details'] !== '' ? `: ${r.json['details']}` : '';
  return new CalicoError('internal', `${what}: CNI plugin failed (exit ${r.code}): ${msg}${details}`);
}

async function waitListening(logFile: string, pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (existsSync(logFile) && readFileSync(logFile, 'utf8').includes('ready')) return;
    if (!processAlive(pid)) throw new CalicoError('internal', `the pod's listener exited: ${logTail(logFile)}`);
    if (Date.now() > deadline) throw new CalicoError('unavailable', `the pod's listener did not start: ${logTail(logFile)}`);
    await sleep(25);
  }
}

async function namespaceExists(state: LabState, namespace: string): Promise<boolean> {
  return withDatastore(state, async (ds) => (await ds.get({ kind: 'Profile', name: `kns.${namespace}` })) !== undefined);
}

export async function addPod(state: LabState, ref: string, options: PodOptions = {}): Promise<PodState> {
  const { namespace, name } = parsePodRef(ref);
  if (readPod(state.dir, namespace, name) !== undefined) throw new CalicoError('already-exists', `pod ${namespace}/${name} already exists`);
  if (!(await namespaceExists(state, namespace))) {
    throw new CalicoError('not-found', `namespace "${namespace}" does not exist; add it with "calico-lab ns add ${namespace}"`);
  }
  const host = state.hosts[0];
  if (host === undefined) throw new CalicoError('not-found', 'the lab has no host');
  const serve = options.serve ?? [];
  const labels = options.labels ?? {};
  const netns = podNetnsName(state.prefix, namespace, name);
  const containerId = randomBytes(32).toString('hex');
  const base = { namespace, name, netns, containerId, node: host.name, labels, serve };
  await addNetns(netns);
  try {
    const ports = serve.filter((p) => p.name !== undefined).map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol.toUpperCase() }));
    const args = [
      `K8S_POD_LABELS=${b64(labels)}`,
      'K8S_POD_SERVICE_ACCOUNT=default',
      ...(ports.length > 0 ? [`K8S_POD_PORTS=${b64(ports)}`] : []),
      ...(options.ip === undefined ? [] : [`IP=${options.ip}`]),
      ...(options.floatingIps === undefined || options.floatingIps.length === 0 ? [] : [`K8S_POD_ANNOTATIONS=${b64({ 'cni.projectcalico.org/floatingIPs': JSON.stringify(options.floatingIps) })}`]),
    ];
    const r = await cni(state, host, 'ADD', base, args);
    if (r.code !== 0) throw cniFailure(`adding pod ${namespace}/${name}`, r);
    const ips = ((r.json?.['ips'] ?? []) as { address?: string }[]).map((i) => (i.address ?? '').split('/')[0] ?? '').filter((a) => a !== '');
    if (ips.length === 0) throw new CalicoError('internal', `adding pod ${namespace}/${name}: the CNI result has no address: ${JSON.stringify(r.json)}`);
    let pod: PodState = { ...base, ips };
    savePod(state.dir, pod);
    if (serve.length > 0) {
      const logFile = join(state.dir, 'logs', `pod-${namespace}.${name}.log`);
      const listenerPid = spawnDaemon(serverCommand(netns, serve, state.dir), logFile);
      pod = { ...pod, listenerPid };
      savePod(state.dir, pod);
      await waitListening(logFile, listenerPid);
    }
    return pod;
  } catch (err) {
    await deletePod(state, `${namespace}/${name}`, { containerId, quiet: true }).catch(() => undefined);
    throw err;
  }
}

/** CNI DEL, listener stopped, namespace deleted. */
export async function deletePod(state: LabState, ref: string, opts: { containerId?: string; quiet?: boolean } = {}): Promise<void> {
  const { namespace, name } = parsePodRef(ref);
  const pod = readPod(state.dir, namespace, name);
  if (pod === undefined && opts.quiet !== true) throw new CalicoError('not-found', `pod ${namespace}/${name} does not exist`);
  const netns = pod?.netns ?? podNetnsName(state.prefix, namespace, name);
  const containerId = pod?.containerId ?? opts.containerId;
  const host = state.hosts.find((h) => h.name === pod?.node) ?? state.hosts[0];
  if (pod?.listenerPid !== undefined && processAlive(pod.listenerPid)) process.kill(pod.listenerPid, 'SIGKILL');
  if (containerId !== undefined && host !== undefined) {
    const r = await cni(state, host, 'DEL', { namespace, name, netns, containerId });
    if (r.code !== 0 && opts.quiet !== true) throw cniFailure(`deleting pod ${namespace}/${name}`, r);
  }
  await deleteNetns(netns);
  removePod(state.dir, namespace, name);
}

export interface PodSummary {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ips: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export function pods(state: LabState): PodSummary[] {
  return listPods(state.dir).map((p) => ({ namespace: p.namespace, name: p.name, node: p.node, ips: p.ips, labels: p.labels }));
}

