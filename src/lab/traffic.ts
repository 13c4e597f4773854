// calicoctl against the lab's datastore, waiting for the agents, and
// connectivity: one probe, or the whole pod-to-pod matrix.
import { spawn } from 'node:child_process';
import { CalicoError } from '../api/errors.js';
import { waitForRevision } from '../agent/status.js';
import { datastoreEnv, withDatastore, writeClientConfig } from './datastore.js';
import { inNetns, nodeModuleCommand, processAlive, run, type ExecResult } from './exec.js';
import { logTail } from './lifecycle.js';
import { parsePodRef } from './pods.js';
import { DEFAULT_PROBE_TIMEOUT_MS, mapLimit, probeFrom, type ProbeTarget } from './probe.js';
import { listPods, readPod, type LabState, type PodState, type Protocol } from './state.js';

/** calicoctl commands that read datastore settings, and how many words name the command. */
const CONFIG_COMMANDS: Readonly<Record<string, number>> = {
  create: 1, apply: 1, replace: 1, delete: 1, get: 1, patch: 1, label: 1, version: 1, ipam: 2, datastore: 3,
};

/**
 * Points calicoctl at the lab's own config file unless the caller chose one:
 * otherwise an /etc/calico/calicoctl.cfg on the machine would win over the
 * lab's environment and receive the lab's writes.
 */
function withLabConfig(state: LabState, args: readonly string[]): readonly string[] {
  const words = CONFIG_COMMANDS[args[0] ?? ''];
  const chosen = args.some((a) => a === '-c' || a === '--config' || a.startsWith('--config=') || a === '-h' || a === '--help');
  if (words === undefined || chosen || args.length < words) return args;
  return [...args, '--config', writeClientConfig(state.dir, state.datastore)];
}

/** calicoctl's command line for this lab: in the lab network's namespace when the datastore is an etcd there. */
function ctlArgv(state: LabState, args: readonly string[]): string[] {
  const cmd = [...nodeModuleCommand('ctl/main'), ...withLabConfig(state, args)];
  return state.datastore.type === 'etcdv3' ? inNetns(state.networkNetns, cmd) : cmd;
}

/** Runs calicoctl, capturing its output. */
export function ctl(state: LabState, args: readonly string[], stdin?: string): Promise<ExecResult> {
  return run(ctlArgv(state, args), { env: datastoreEnv(state.datastore), ...(stdin === undefined ? {} : { stdin }) });
}

/** Runs calicoctl with our stdin/stdout/stderr; resolves with its exit code. */
export function ctlInteractive(state: LabState, args: readonly string[]): Promise<number> {
  const [cmd, ...rest] = ctlArgv(state, args);
  return new Promise((resolve) => {
    const child = spawn(cmd ?? 'false', rest, { stdio: 'inherit', env: { ...process.env, ...datastoreEnv(state.datastore) } });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** Returns once every agent has programmed everything the datastore held when called; the revision waited for. */
export async function sync(state: LabState, timeoutMs = 60_000): Promise<number> {
  // A dead agent would only show as a timeout; say so at once.
  for (const h of state.hosts) {
    if (!processAlive(h.agentPid)) throw new CalicoError('unavailable', `calico-node on ${h.name} is not running (pid ${h.agentPid}); its log:\n${logTail(h.logFile)}`);
  }
  const revision = await withDatastore(state, (ds) => ds.revision());
  await Promise.all(state.hosts.map((h) => waitForRevision(h.statusFile, revision, { timeoutMs })));
  return revision;
}

function podOf(state: LabState, ref: string): PodState {
  const { namespace, name } = parsePodRef(ref);
  const pod = readPod(state.dir, namespace, name);
  if (pod === undefined) throw new CalicoError('not-found', `pod ${ref} does not exist`);
  return pod;
}

function target(pod: PodState, port: number, protocol: Protocol): ProbeTarget {
  const ip = pod.ips[0];
  if (ip === undefined) throw new CalicoError('internal', `pod ${pod.namespace}/${pod.name} has no address`);
  return { id: `${pod.namespace}/${pod.name}`, ip, port, protocol };
}

export function checkPort(port: number, protocol: string): Protocol {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CalicoError('invalid-value', `port must be 1 to 65535, not ${port}`);
  if (protocol !== 'tcp' && protocol !== 'udp') throw new CalicoError('invalid-value', `protocol must be tcp or udp, not "${protocol}"`);
  return protocol;
}

/**
 * A probe asks whether a new flow may start. A UDP probe's source port is
 * whatever the kernel picks, and a port an earlier probe used may still have
 * its conntrack entry in the host (30 s and more), which policy never sees
 * again — Calico lets established flows continue. So before probing, the
 * hosts forget UDP flows to the probed ports; TCP needs nothing (a SYN on a
 * closed flow's entry is a new connection).
 */
async function forgetUdpFlows(state: LabState, probes: readonly PortProbe[]): Promise<void> {
  const ports = [...new Set(probes.filter((p) => p.protocol === 'udp').map((p) => p.port))];
  if (ports.length === 0) return;
  // `conntrack -D` exits 1 when there was nothing to delete: that is fine.
  await Promise.all(state.hosts.flatMap((h) => ports.map((port) => run(inNetns(h.netns, ['conntrack', '-D', '-p', 'udp', '--dport', String(port)])))));
}

export async function probe(state: LabState, from: string, to: string, port: number, protocol: Protocol, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<boolean> {
  const src = podOf(state, from);
  const dst = target(podOf(state, to), port, protocol);
  await forgetUdpFlows(state, [{ port, protocol }]);
  return (await probeFrom(src.netns, [dst], timeoutMs)).get(dst.id) === true;
}

export type Matrix = Record<string, Record<string, boolean>>;

export interface PortProbe {
  readonly port: number;
  readonly protocol: Protocol;
}

export interface MatrixOptions {
  readonly timeoutMs?: number;
  /** Source pods probing at once. */
  readonly concurrency?: number;
  /** Only these cells (from → tos); every pod to every pod when omitted. */
  readonly only?: ReadonlyMap<string, readonly string[]>;
}

/**
 * Every pod to every pod for each port: each source pod probes all
 * destinations on all ports at once (one timeout for the lot), a few sources
 * at a time. Keyed by `tcp/80`-style names.
 */
export async function matrices(state: LabState, probes: readonly PortProbe[], options: MatrixOptions = {}): Promise<Map<string, Matrix>> {
  const all = listPods(state.dir);
  const byId = new Map(all.map((p) => [`${p.namespace}/${p.name}`, p]));
  const sources = all.filter((p) => options.only === undefined || options.only.has(`${p.namespace}/${p.name}`));
  const out = new Map<string, Matrix>(probes.map((p) => [`${p.protocol}/${p.port}`, {}]));
  await forgetUdpFlows(state, probes);
  await mapLimit(sources, options.concurrency ?? 3, async (src) => {
    const id = `${src.namespace}/${src.name}`;
    const wanted = options.only?.get(id);
    const dsts = wanted === undefined ? all : wanted.map((w) => byId.get(w)).filter((p): p is PodState => p !== undefined);
    const targets = probes.flatMap((pr) => dsts.map((d) => ({ ...target(d, pr.port, pr.protocol), id: `${pr.protocol}/${pr.port} ${d.namespace}/${d.name}` })));
    const res = await probeFrom(src.netns, targets, options.timeoutMs);
    for (const pr of probes) {
      const key = `${pr.protocol}/${pr.port}`;
      const m = out.get(key) as Matrix;
      m[id] = Object.fromEntries(dsts.map((d) => [`${d.namespace}/${d.name}`, res.get(`${key} ${d.namespace}/${d.name}`) === true]));
    }
  });
  // Rows in pod order whatever order the sources finished in.
  for (const [key, m] of out) out.set(key, Object.fromEntries(sources.map((s) => `${s.namespace}/${s.name}`).filter((id) => m[id] !== undefined).map((id) => [id, m[id] ?? {}])));
  return out;
}

export async function matrix(state: LabState, port: number, protocol: Protocol, options: MatrixOptions = {}): Promise<Matrix> {
  return (await matrices(state, [{ port, protocol }], options)).get(`${protocol}/${port}`) ?? {};
}

/** Rows are clients, columns servers; `.` connects, `X` does not. */
export function formatMatrix(m: Matrix): string {
  const ids = Object.keys(m);
  const cols = [...new Set(ids.flatMap((id) => Object.keys(m[id] ?? {})))];
  const width = Math.max(1, ...ids.map((i) => i.length), ...cols.map((c) => c.length));
  const pad = (s: string): string => s.padEnd(width);
  const lines = [[pad(''), ...cols.map(pad)].join(' ')];
  for (const from of ids) lines.push([pad(from), ...cols.map((to) => pad(m[from]?.[to] === undefined ? '-' : m[from]?.[to] === true ? '.' : 'X'))].join(' '));
  return lines.map((l) => l.trimEnd()).join('\n');
}
