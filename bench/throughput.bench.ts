// Pod-to-pod TCP throughput with every policy of the synthetic cluster in
// force against the same cluster with none. A host namespace with two pod
// namespaces wired as the CNI plugin wires them (veth caliN, /32 address,
// 169.254.1.1 gateway answered by proxy ARP) plus host-side veths for the
// other 248 local endpoints; the real calico-node agent programs it from a
// sqlite datastore. Each measurement starts the agent on one of two
// datastores — the full cluster (1,000 policies plus two that let the traffic
// through), or the same cluster without policies (namespace profiles allow
// all) — waits for it to report everything programmed, then runs iperf3
// between the pods. The cases alternate (none, policy, none, policy) so drift
// on a shared machine hits both alike.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { AgentStatus } from '../src/agent/status.js';
import type { StoredResource } from '../src/datastore/types.js';
import { NetnsLab } from '../test/helpers/netns.js';
import { addPod, makeHost } from '../test/dataplane/pods.js';
import { killAll, startAgent } from '../test/agent/process.js';
import { tempSqlite, type TempSqlite } from '../test/agent/helpers.js';
import { ENDPOINTS, HOST, LOCAL } from './calc.bench.js';
import { BLOCKED_PORT, CLIENT, IPERF_PORT, SERVER, clusters, countRules, parseIperf } from './throughput-cluster.js';
import { round, type BenchModule } from './harness.js';

const SECONDS = 5;
const ORDER = ['none', 'policy', 'none', 'policy'] as const;
type Case = (typeof ORDER)[number];

interface Store {
  readonly tmp: TempSqlite;
  readonly revision: number;
}

async function seed(tmp: TempSqlite, resources: readonly StoredResource[]): Promise<Store> {
  const ds = tmp.open();
  try {
    for (const r of resources) await ds.create(r);
    return { tmp, revision: await ds.revision() };
  } finally {
    await ds.close();
  }
}

/** Polls the status file the agent rewrites after each apply. */
async function programmed(file: string, pid: number, revision: number, timeoutMs = 180_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let s: AgentStatus | undefined;
    try {
      s = JSON.parse(readFileSync(file, 'utf8')) as AgentStatus;
    } catch {
      s = undefined;
    }
    if (s !== undefined && s.pid === pid && s.programmedRevision >= revision) return;
    if (performance.now() > deadline) throw new Error(`agent did not program revision ${revision}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const run: BenchModule['run'] = async (report) => {
  const lab = new NetnsLab('bthru');
  const temps: TempSqlite[] = [];
  const newTemp = (): TempSqlite => {
    const t = tempSqlite();
    temps.push(t);
    return t;
  };
  // NetnsLab removes its namespaces on SIGINT/SIGTERM via process.exit; the temp dirs go with them.
  const removeStores = (): void => {
    for (const t of temps.splice(0)) t.remove();
  };
  process.once('exit', removeStores);
  try {
    const { withPolicy, withoutPolicy, policies } = clusters();
    report({ name: 'synthetic cluster', value: `${ENDPOINTS} endpoints (${LOCAL} on this host), ${policies} policies;`, unit: `pods ${CLIENT.ip} (${CLIENT.ns}) -> ${SERVER.ip}:${IPERF_PORT} (${SERVER.ns})` });
    const t0 = performance.now();
    const store: Record<Case, Store> = { policy: await seed(newTemp(), withPolicy), none: await seed(newTemp(), withoutPolicy) };
    report({ name: 'seeding both datastores', value: round((performance.now() - t0) / 1000, 1), unit: 's' });

    const host = await makeHost(lab);
    const client = await addPod(lab, host, 'client', CLIENT.iface, CLIENT.ip);
    const server = await addPod(lab, host, 'server', SERVER.iface, SERVER.ip);
    const pods = new Set<string>([CLIENT.iface, SERVER.iface]);
    const links: string[] = [];
    for (let i = 0; i < 2 * LOCAL; i += 2) {
      if (pods.has(`cali${i}`)) continue;
      links.push(`link add cali${i} type veth peer name p${i}`, `link set cali${i} up`, `link set p${i} up`);
    }
    await lab.must(host, ['ip', '-batch', '-'], links.join('\n') + '\n');

    // --forceflush: on a pipe iperf3 would hold back its "listening" line.
    const iperf = lab.spawn(server, ['iperf3', '-s', '--forceflush', '-B', SERVER.ip, '-p', String(IPERF_PORT)]);
    await new Promise<void>((resolve, reject) => {
      iperf.stdout?.on('data', (b: Buffer) => (b.toString().includes('listening') ? resolve() : undefined));
      iperf.once('exit', (code) => reject(new Error(`iperf3 server exited with ${String(code)}`)));
    });
    await lab.listen(server, BLOCKED_PORT);

    const gbps: Record<Case, number[]> = { none: [], policy: [] };
    const rules: Record<Case, number> = { none: 0, policy: 0 };
    for (const [n, c] of ORDER.entries()) {
      const statusFile = join(store[c].tmp.dir, `status-${n}.json`);
      const started = performance.now();
      const agent = startAgent({
        netns: host,
        args: ['--hostname', HOST, '--status-file', statusFile],
        env: { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: store[c].tmp.path, LOG_LEVEL: 'warn' },
      });
      try {
        await programmed(statusFile, agent.pid, store[c].revision);
        const startMs = performance.now() - started;
        rules[c] = countRules(await lab.must(host, ['nft', '-a', 'list', 'ruleset']));
        // The policy case must really enforce: a port nothing allows stays shut.
        const open = await lab.canConnect(client, SERVER.ip, BLOCKED_PORT, 1, c === 'none' ? 3 : 1);
        if (open !== (c === 'none')) throw new Error(`port ${BLOCKED_PORT} is ${open ? 'open' : 'shut'} with ${c === 'none' ? 'no policy' : 'policy'}`);
        const out = await lab.exec(client, ['iperf3', '-c', SERVER.ip, '-p', String(IPERF_PORT), '-t', String(SECONDS), '-J', '--connect-timeout', '3000']);
        const r = parseIperf(out.stdout);
        const g = r.receivedBitsPerSecond / 1e9;
        gbps[c].push(g);
        report({ name: `run ${n + 1} (${c === 'none' ? 'no policy' : 'policy'})`, value: round(g, 2), unit: `Gbit/s, ${r.retransmits} retransmits; agent start to programmed ${round(startMs / 1000, 1)} s` });
      } finally {
        await agent.stop('SIGTERM');
      }
    }
    const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    report({ name: 'throughput without policy (mean)', value: round(mean(gbps.none), 2), unit: 'Gbit/s' });
    report({ name: 'throughput with policy (mean)', value: round(mean(gbps.policy), 2), unit: 'Gbit/s' });
    report({ name: 'with / without', value: round((100 * mean(gbps.policy)) / mean(gbps.none), 1), unit: '% (goal >= 95 %)' });
    report({ name: 'rules in the ruleset with policy', value: rules.policy, unit: 'nft rules' });
    report({ name: 'rules in the ruleset without policy', value: rules.none, unit: 'nft rules' });
  } finally {
    await killAll();
    await lab.cleanup();
    removeStores();
    process.removeListener('exit', removeStores);
  }
};
