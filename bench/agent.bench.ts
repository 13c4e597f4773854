// calico-node end to end: the real agent process in a network namespace of
// its own, on a sqlite datastore holding the calc benchmark's synthetic
// cluster (10,000 workload endpoints, 250 of them on this host with real
// interfaces, 1,000 policies). Measures process start to everything
// programmed, then the time from a write to the datastore to the agent
// reporting it in force (its programmed revision reaching the write's), and
// the time from a workload's interface appearing to its route being there
// when its endpoint was written first: heard from `ip monitor`, and (a second
// agent, CALICO_NODE_LINK_MONITOR=false) found by polling as before.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { AgentStatus } from '../src/agent/status.js';
import type { StoredResource } from '../src/datastore/types.js';
import { NetnsLab } from '../test/helpers/netns.js';
import { killAll, startAgent } from '../test/agent/process.js';
import { tempSqlite } from '../test/agent/helpers.js';
import { HOST, LOCAL, POLICIES, apps, cluster, endpoint, policy } from './calc.bench.js';
import { percentile, round, type BenchModule } from './harness.js';

const CHANGES = 100;
const LATE_INTERFACES = 20;

function readProgrammed(file: string): AgentStatus | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AgentStatus;
  } catch {
    return undefined;
  }
}

/** Polls the status file every millisecond: the agent rewrites it after each apply. */
async function programmed(file: string, pid: number, revision: number, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = readProgrammed(file);
    if (s !== undefined && s.pid === pid && s.programmedRevision >= revision) return;
    if (performance.now() > deadline) throw new Error(`agent did not program revision ${revision}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** A local endpoint whose interface does not exist yet. */
function lateEndpoint(iface: string, ip: string): StoredResource {
  const t = endpoint(0, apps[0] as string);
  return { ...t, metadata: { ...t.metadata, name: `${HOST}-k8s-${iface}-eth0` }, spec: { ...(t.spec as Record<string, unknown>), node: HOST, pod: iface, interfaceName: iface, ipNetworks: [`${ip}/32`] } };
}

/** `seen(ip, iface)` resolves when `ip -o monitor route` reports `ip` routed to `iface`. */
function routeWatcher(monitor: ChildProcess): (ip: string, iface: string) => Promise<void> {
  const waiters = new Map<string, () => void>();
  if (monitor.stdout === null) throw new Error('ip monitor route has no stdout');
  createInterface({ input: monitor.stdout }).on('line', (l) => {
    const key = l.split(' ').slice(0, 3).join(' ');
    waiters.get(key)?.();
    waiters.delete(key);
  });
  return (ip, iface) => new Promise((resolve) => waiters.set(`${ip} dev ${iface}`, resolve));
}

export const run: BenchModule['run'] = async (report) => {
  const lab = new NetnsLab('bagent');
  const tmp = tempSqlite();
  const ds = tmp.open();
  try {
    const host = await lab.netns('host');
    // The local endpoints' interfaces (veth pairs inside the namespace), so routes are programmed too.
    const links: string[] = [];
    for (let i = 0; i < 2 * LOCAL; i += 2) links.push(`link add cali${i} type veth peer name p${i}`, `link set cali${i} up`, `link set p${i} up`);
    await lab.must(host, ['ip', '-batch', '-'], links.join('\n') + '\n');

    const resources = cluster();
    const t0 = performance.now();
    for (const r of resources) await ds.create(r);
    report({ name: 'datastore load (sqlite creates)', value: resources.length, unit: 'resources' });
    report({ name: 'datastore load time', value: round(performance.now() - t0, 0), unit: 'ms' });

    const statusFile = join(tmp.dir, 'status.json');
    const startedAt = Date.now();
    const started = performance.now();
    const agent = startAgent({
      netns: host,
      args: ['--hostname', HOST, '--status-file', statusFile],
      env: { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: tmp.path, LOG_LEVEL: 'info' },
    });
    await programmed(statusFile, agent.pid, await ds.revision());
    const programmedAt = Date.now();
    report({ name: 'process start to everything programmed', value: round(performance.now() - started, 0), unit: 'ms' });
    // The parts, from the agent's own log timestamps (ms resolution).
    const logs = agent.logs();
    const at = (msg: string): number => Date.parse(String(logs.find((l) => l.msg === msg)?.time ?? NaN));
    const listed = logs.find((l) => l.msg === 'listed the datastore');
    report({ name: '  of which process boot (to first log line)', value: at('starting') - startedAt, unit: 'ms' });
    report({ name: '  of which listing the datastore', value: Number(listed?.listMs), unit: 'ms' });
    report({ name: '  of which feeding the calc graph', value: Number(listed?.calcMs), unit: 'ms' });
    report({ name: '  of which flush and first dataplane apply', value: programmedAt - at('listed the datastore'), unit: 'ms' });
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1];
    report({ name: 'agent rss after start', value: round(Number(rss) / 1024, 0), unit: 'MiB' });
    const rules = await lab.must(host, ['nft', '-s', 'list', 'table', 'ip', 'calico']);
    report({ name: 'nft ruleset (ip calico table)', value: rules.split('\n').length, unit: 'lines' });

    const measure = async (label: string, change: (c: number) => Promise<number>): Promise<void> => {
      const ms: number[] = [];
      for (let c = 0; c < CHANGES; c++) {
        const t = performance.now();
        const rev = await change(c);
        await programmed(statusFile, agent.pid, rev);
        ms.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
      report({ name: `${label} to in force, median`, value: round(percentile(ms, 50), 1), unit: 'ms' });
      report({ name: `${label} to in force, p99`, value: round(percentile(ms, 99), 1), unit: 'ms' });
    };
    // GlobalNetworkPolicies (every tenth policy) select endpoints of every namespace: active on this host.
    await measure('policy change', async (c) => {
      const r = await ds.update(policy((10 * c + 9) % POLICIES, 1 + (c % 2)));
      return Number(r.metadata.resourceVersion);
    });
    // A remote endpoint's app label moves it between the IP sets of active rules.
    await measure('remote endpoint label change', async (c) => {
      const i = 2 * LOCAL + ((c * 53) % 9_000);
      const r = await ds.update(endpoint(i, apps[(c + 1) % apps.length] as string));
      return Number(r.metadata.resourceVersion);
    });
    // An endpoint written (and programmed, its route pending) before its interface exists; the interface
    // comes 0-2 s later, spread over the tries, since a poll's delay depends on where in its back-off it is.
    const routeSeen = routeWatcher(lab.spawn(host, ['ip', '-o', 'monitor', 'route']));
    const lateInterfaces = async (label: string, prefix: string, net: number, pid: number): Promise<void> => {
      const ms: number[] = [];
      for (let c = 0; c < LATE_INTERFACES; c++) {
        const iface = `${prefix}${c}`;
        const ip = `10.250.${net}.${c + 1}`;
        const r = await ds.create(lateEndpoint(iface, ip));
        await programmed(statusFile, pid, Number(r.metadata.resourceVersion));
        await new Promise((res) => setTimeout(res, (c * 389) % 2000));
        const seen = routeSeen(ip, iface);
        const t = performance.now();
        await lab.must(host, ['ip', '-batch', '-'], `link add ${iface} type veth peer name p${iface}\nlink set p${iface} up\nlink set ${iface} up\n`);
        await seen;
        ms.push(performance.now() - t);
      }
      report({ name: `interface created to its route (${label}), median`, value: round(percentile(ms, 50), 1), unit: 'ms' });
      report({ name: `interface created to its route (${label}), p99`, value: round(percentile(ms, 99), 1), unit: 'ms' });
    };
    await lateInterfaces('ip monitor', 'calim', 1, agent.pid);

    const stopped = performance.now();
    const code = await agent.stop('SIGTERM');
    report({ name: 'SIGTERM to exit', value: round(performance.now() - stopped, 0), unit: `ms (exit ${String(code)})` });

    const poller = startAgent({
      netns: host,
      args: ['--hostname', HOST, '--status-file', statusFile],
      env: { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: tmp.path, LOG_LEVEL: 'info', CALICO_NODE_LINK_MONITOR: 'false' },
    });
    await programmed(statusFile, poller.pid, await ds.revision());
    await lateInterfaces('polling, before ip monitor', 'calip', 2, poller.pid);
    await poller.stop('SIGTERM');
  } finally {
    await killAll();
    await lab.cleanup();
    await ds.close();
    tmp.remove();
  }
};
