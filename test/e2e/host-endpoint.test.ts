// Host endpoints with real packets: a HostEndpoint on host-1's eth0, listeners
// in host-1's namespace on the failsafe port tcp:22 and on 8080 and 9100, and
// connections from the lab network (172.30.0.1) and from a pod on host-1. For
// each scenario the policy model, given the lab's datastore contents, must
// agree with the written expectation, and so must the packets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowPeer } from '../../src/policy/index.js';
import type { HostState, PodState } from '../../src/lab/state.js';
import { startLab, type TestLab } from './harness.js';
import { listenOnHost, probePorts, type HostListener } from './host-helpers.js';
import { labModel } from './model.js';

const HOST_IP = '172.30.0.11';
const GATEWAY_IP = '172.30.0.1';
const PORTS = [22, 8080, 9100] as const;
const V3 = 'projectcalico.org/v3';

const HEP = {
  apiVersion: V3,
  kind: 'HostEndpoint',
  metadata: { name: 'host-1-eth0', labels: { role: 'lab-host', exposure: 'metrics' } },
  spec: { node: 'host-1', interfaceName: 'eth0', expectedIPs: [HOST_IP] },
};
const ALLOW_METRICS = {
  apiVersion: V3,
  kind: 'GlobalNetworkPolicy',
  metadata: { name: 'allow-node-exporter' },
  spec: {
    selector: "role == 'lab-host'",
    types: ['Ingress'],
    ingress: [{ action: 'Allow', protocol: 'TCP', source: { nets: ['172.30.0.0/24'] }, destination: { ports: [9100] } }],
  },
};
const DENY_ALL = {
  apiVersion: V3,
  kind: 'GlobalNetworkPolicy',
  metadata: { name: 'deny-everything' },
  spec: { selector: 'has(exposure)', types: ['Ingress'], ingress: [{ action: 'Deny' }] },
};

type Source = 'lab-network' | 'pod';

interface Scenario {
  readonly name: string;
  readonly resources: readonly unknown[];
  /** Of `resources`, those deleted again before probing. */
  readonly deleted?: readonly unknown[];
  /** The ports each source connects to on 172.30.0.11; every other port is blocked. */
  readonly open: Readonly<Record<Source, readonly number[]>>;
}

// A pod never reaches its own host: Felix's DefaultEndpointToHostAction (Drop by default) ends
// every workload-to-host packet, host endpoint or not.
const SCENARIOS: readonly Scenario[] = [
  { name: 'without a host endpoint the host is open to the lab network', resources: [], open: { 'lab-network': [...PORTS], pod: [] } },
  { name: 'a host endpoint without policy denies all but the failsafe tcp:22', resources: [HEP], open: { 'lab-network': [22], pod: [] } },
  {
    name: 'a policy allowing tcp 9100 from 172.30.0.0/24 opens 9100 only; failsafe tcp:22 stays open',
    resources: [HEP, ALLOW_METRICS],
    open: { 'lab-network': [22, 9100], pod: [] },
  },
  { name: 'a policy denying everything cannot block the failsafe tcp:22', resources: [HEP, DENY_ALL], open: { 'lab-network': [22], pod: [] } },
  {
    name: 'deleting the host endpoint restores open access',
    resources: [HEP, ALLOW_METRICS, DENY_ALL],
    deleted: [HEP],
    open: { 'lab-network': [...PORTS], pod: [] } },
];

describe('host endpoints with real packets (sqlite datastore)', () => {
  let lab: TestLab | undefined;
  let listener: HostListener | undefined;
  let host: HostState;
  let pod: PodState;
  before(async () => {
    lab = await startLab();
    const h = lab.state.hosts[0];
    assert.ok(h !== undefined && h.address === HOST_IP, `the lab's first host is ${HOST_IP}`);
    host = h;
    listener = await listenOnHost(lab.state, host, PORTS);
    await lab.namespace('hep');
    pod = await lab.pod('hep/client');
  });
  after(async () => {
    listener?.stop();
    await lab?.down();
  });

  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const l = lab!;
      const netns: Readonly<Record<Source, string>> = { 'lab-network': l.state.networkNetns, pod: pod.netns };
      const deleted = s.deleted ?? [];
      await l.apply(s.resources);
      try {
        if (deleted.length > 0) {
          await l.sync();
          await l.remove(deleted);
        }
        await l.sync();
        const m = await labModel(l.state);
        const wepName = m.endpoints.get(`${pod.namespace}/${pod.name}`) ?? '';
        const peerOf = (src: Source): FlowPeer =>
          src === 'pod' ? { endpoint: { kind: 'WorkloadEndpoint', namespace: pod.namespace, name: wepName } } : { ip: GATEWAY_IP };
        const want = (src: Source, port: number): boolean => s.open[src].includes(port);
        const all = (Object.keys(netns) as Source[]).flatMap((src) => PORTS.map((port) => [src, port] as const));
        // Host endpoint or not, the model knows 172.30.0.11 is the pod's own host from host-1's Node.
        const modelWrong = all
          .filter(([src, port]) => {
            const v = m.model.evaluate({ source: peerOf(src), destination: { ip: HOST_IP }, protocol: 'TCP', srcPort: 40000, dstPort: port });
            return (v.action === 'allow') !== want(src, port);
          })
          .map(([src, port]) => `${src} -> ${HOST_IP}:${port}`);
        assert.deepEqual(modelWrong, [], 'the policy model disagrees with the expectation');
        const wrong: string[] = [];
        for (const src of Object.keys(netns) as Source[]) {
          const seen = await probePorts(netns[src], HOST_IP, PORTS, (port) => want(src, port));
          for (const port of PORTS) {
            const ok = seen.get(port) === true;
            if (ok !== want(src, port)) wrong.push(`${src} -> ${HOST_IP}:${port}: ${ok ? 'connected' : 'blocked'}, expected ${want(src, port) ? 'connected' : 'blocked'}`);
          }
        }
        assert.deepEqual(wrong, [], `scenario "${s.name}" with real packets`);
      } finally {
        await l.remove([...s.resources].filter((r) => !deleted.includes(r)).reverse());
      }
    });
  }
});
