// This node's Node as upstream's startup writes it: addresses from IP/IP6, interfaces, AS, backend, and the conflict check.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeSpec } from '../../src/api/infra-types.js';
import type { HostInterface } from '../../src/agent/startup/autodetect.js';
import { parseStartupEnv, type StartupConfig } from '../../src/agent/startup/env.js';
import { checkConflicts, planNode } from '../../src/agent/startup/node.js';
import { iface } from './startup-fixtures.js';


const HOST = [iface(1, 'lo', '127.0.0.1/8'), iface(2, 'eth0', '10.0.0.5/24', '2001:db8::5/64'), iface(3, 'cali1', '169.254.1.1/32'), iface(4, 'ens3')];

function config(env: Record<string, string>): StartupConfig {
  const { config: c, errors } = parseStartupEnv(env, 'n1');
  assert.deepEqual(errors, []);
  assert.ok(c !== undefined);
  return c;
}

function stored(spec: NodeSpec, name = 'n1', labels: Record<string, string> = {}): Node {
  return { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name, resourceVersion: '7', labels }, spec };
}

describe('the Node calico-node writes at start', () => {
  const cases: { name: string; env: Record<string, string>; existing?: Node; ifaces?: HostInterface[]; want: NodeSpec | 'unchanged' }[] = [
    { name: 'a new node: IPv4 autodetected with its interface prefix', env: {}, want: { bgp: { ipv4Address: '10.0.0.5/24' } } },
    {
      name: 'IP=autodetect also records the interfaces (defaults excluded, by name)',
      env: { IP: 'autodetect' },
      want: { bgp: { ipv4Address: '10.0.0.5/24' }, interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['10.0.0.5'] }] },
    },
    {
      name: 'IP and IP6 autodetected: both families in the interfaces',
      env: { IP: 'autodetect', IP6: 'autodetect' },
      want: { bgp: { ipv4Address: '10.0.0.5/24', ipv6Address: '2001:db8::5/64' }, interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['10.0.0.5', '2001:db8::5'] }] },
    },
    { name: 'IP unset keeps the address the Node has', env: {}, existing: stored({ bgp: { ipv4Address: '10.0.0.5/24' } }), want: 'unchanged' },
    { name: 'IP unset keeps it even when the host no longer has it (a warning)', env: {}, existing: stored({ bgp: { ipv4Address: '10.7.7.7/24' } }), want: 'unchanged' },
    { name: 'IP=autodetect replaces a stale address', env: { IP: 'autodetect' }, existing: stored({ bgp: { ipv4Address: '10.7.7.7/24' } }), want: { bgp: { ipv4Address: '10.0.0.5/24' }, interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['10.0.0.5'] }] } },
    { name: 'IP as an address takes the prefix of the interface that has it', env: { IP: '10.0.0.5' }, want: { bgp: { ipv4Address: '10.0.0.5/24' }, interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['10.0.0.5'] }] } },
    { name: 'IP as an address on no interface becomes a /32', env: { IP: '10.9.9.9' }, want: { bgp: { ipv4Address: '10.9.9.9/32' }, interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['10.0.0.5'] }] } },
    { name: 'IP with a prefix keeps its host bits', env: { IP: '10.0.0.5/16' }, want: { bgp: { ipv4Address: '10.0.0.5/16' }, interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['10.0.0.5'] }] } },
    { name: 'IP6 as an address becomes a /128 (no interface lookup for IPv6)', env: { IP: 'none', IP6: '2001:db8:0::5' }, want: { bgp: { ipv6Address: '2001:db8::5/128' }, interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['2001:db8::5'] }] } },
    { name: 'IP=none keeps an address the Node already has', env: { IP: 'none', IP6: 'autodetect' }, existing: stored({ bgp: { ipv4Address: '10.0.0.5/24' } }), want: { bgp: { ipv4Address: '10.0.0.5/24', ipv6Address: '2001:db8::5/64' }, interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['2001:db8::5'] }] } },
    { name: 'AS is written even when nothing else changed', env: { AS: '64512' }, existing: stored({ bgp: { ipv4Address: '10.0.0.5/24' } }), want: { bgp: { ipv4Address: '10.0.0.5/24', asNumber: 64512 } } },
    { name: 'an update keeps every other field', env: { IP: 'autodetect' }, existing: stored({ bgp: { ipv4Address: '10.7.7.7/24', asNumber: 65001 }, addresses: [{ address: '10.0.0.5', type: 'InternalIP' }], ipv4VXLANTunnelAddr: '10.244.0.1' }), want: { bgp: { ipv4Address: '10.0.0.5/24', asNumber: 65001 }, addresses: [{ address: '10.0.0.5', type: 'InternalIP' }], ipv4VXLANTunnelAddr: '10.244.0.1', interfaces: [{ name: 'ens3' }, { name: 'eth0', addresses: ['10.0.0.5'] }] } },
    { name: 'IP unset drops interfaces an earlier IP=autodetect recorded', env: {}, existing: stored({ bgp: { ipv4Address: '10.0.0.5/24' }, interfaces: [{ name: 'eth0', addresses: ['10.0.0.5'] }] }), want: { bgp: { ipv4Address: '10.0.0.5/24' } } },
    { name: 'the vxlan backend writes the bgp section as bird does', env: { CALICO_NETWORKING_BACKEND: 'vxlan' }, want: { bgp: { ipv4Address: '10.0.0.5/24' } } },
    { name: 'backend none: a new node is not written at all', env: { CALICO_NETWORKING_BACKEND: 'none', AS: '64512' }, want: 'unchanged' },
    { name: 'backend none keeps what an existing Node has', env: { CALICO_NETWORKING_BACKEND: 'none', IP: 'autodetect' }, existing: stored({ bgp: { ipv4Address: '10.7.7.7/24' } }), want: 'unchanged' },
    { name: 'backend none with CALICO_K8S_NODE_REF: only the orchestrator reference', env: { CALICO_NETWORKING_BACKEND: 'none', CALICO_K8S_NODE_REF: 'k1' }, want: { orchRefs: [{ nodeName: 'k1', orchestrator: 'k8s' }] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planNode({ config: config(c.env), interfaces: c.ifaces ?? HOST, reach: {}, ...(c.existing === undefined ? {} : { existing: c.existing }) });
      assert.ok(plan.ok, plan.ok ? '' : plan.reason);
      if (c.want === 'unchanged') return assert.equal(plan.write, undefined);
      assert.deepEqual(plan.write?.spec, c.want);
      assert.equal(plan.write?.metadata.name, 'n1');
      assert.deepEqual(plan.write?.metadata.resourceVersion, c.existing?.metadata.resourceVersion);
    });
  }

  it('an update keeps the labels and metadata of the stored Node', () => {
    const existing = stored({ bgp: { ipv4Address: '10.7.7.7/24' } }, 'n1', { 'kubernetes.io/hostname': 'n1' });
    const plan = planNode({ config: config({ IP: 'autodetect' }), interfaces: HOST, reach: {}, existing });
    assert.ok(plan.ok);
    assert.deepEqual(plan.write?.metadata, existing.metadata);
  });

  it('warns when an address kept from the Node is on no interface', () => {
    const plan = planNode({ config: config({}), interfaces: HOST, reach: {}, existing: stored({ bgp: { ipv4Address: '10.7.7.7/24' } }) });
    assert.ok(plan.notes.some((n) => n.level === 'warn' && /Unable to confirm IPv4 address 10\.7\.7\.7/.test(n.msg)));
  });

  const failures: { name: string; env: Record<string, string>; existing?: Node; reason: RegExp; clear?: NodeSpec }[] = [
    { name: 'no IPv4 address to autodetect on a new node', env: {}, reason: /failed to autodetect an IPv4 address/ },
    { name: 'IPv6 requested but none found', env: { IP: 'none', IP6: 'autodetect' }, reason: /failed to autodetect an IPv6 address/ },
    { name: 'IP=none and no IPv6: no address at all', env: { IP: 'none' }, reason: /no IPv4 or IPv6 addresses configured or detected/ },
    {
      name: 'a failed IP=autodetect clears the addresses it was asked to detect',
      env: { IP: 'autodetect', IP6: 'autodetect' },
      existing: stored({ bgp: { ipv6Address: '2001:db8::9/64', asNumber: 65001 } }),
      reason: /failed to autodetect an IPv4 address/,
      clear: { bgp: { asNumber: 65001 } },
    },
  ];
  for (const c of failures) {
    it(`fails: ${c.name}`, () => {
      const plan = planNode({ config: config(c.env), interfaces: [iface(1, 'lo', '127.0.0.1/8')], reach: {}, ...(c.existing === undefined ? {} : { existing: c.existing }) });
      assert.equal(plan.ok, false);
      if (plan.ok) return;
      assert.match(plan.reason, c.reason);
      assert.deepEqual(plan.clear?.spec, c.clear);
    });
  }
});

describe('another Node with the same address', () => {
  const mine = stored({ bgp: { ipv4Address: '10.0.0.5/24', ipv6Address: '2001:db8::5/64' } });
  const other = (name: string, spec: NodeSpec): Node => stored(spec, name);

  const cases: { name: string; env?: Record<string, string>; others: Node[]; stored?: boolean; reason?: string; clear?: NodeSpec }[] = [
    { name: 'no other node: no conflict', others: [mine], stored: true },
    { name: 'the same IPv4 address (prefix aside) on another node is a conflict', others: [other('n2', { bgp: { ipv4Address: '10.0.0.5/16' } })], reason: 'conflicting node detected: IPv4 address conflict' },
    { name: 'the same IPv6 address is a conflict', others: [other('n2', { bgp: { ipv6Address: '2001:db8:0:0::5/64' } })], reason: 'conflicting node detected: IPv6 address conflict' },
    { name: 'a node without a bgp section never conflicts', others: [other('n2', { addresses: [{ address: '10.0.0.5' }] })] },
    { name: 'our own stored Node with another address is only a warning', others: [stored({ bgp: { ipv4Address: '10.0.0.9/24' } })] },
    {
      name: 'an autodetected conflicting address is cleared on a stored Node before giving up',
      env: { IP: 'autodetect', IP6: 'autodetect' },
      others: [other('n2', { bgp: { ipv4Address: '10.0.0.5/24' } })],
      stored: true,
      reason: 'conflicting node detected: IPv4 address conflict',
      clear: { bgp: { ipv6Address: '2001:db8::5/64' } },
    },
    { name: 'a given (not autodetected) address is never cleared', env: { IP: '10.0.0.5/24' }, others: [other('n2', { bgp: { ipv4Address: '10.0.0.5/24' } })], stored: true, reason: 'conflicting node detected: IPv4 address conflict' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = checkConflicts(mine, c.others, config(c.env ?? {}), c.stored ?? false);
      assert.equal(got.reason, c.reason);
      assert.deepEqual(got.clear?.spec, c.clear);
    });
  }

  it('names the node that already uses the address', () => {
    const got = checkConflicts(mine, [other('n2', { bgp: { ipv4Address: '10.0.0.5/24' } })], config({}), false);
    assert.ok(got.notes.some((n) => n.level === 'warn' && n.msg === "Calico node 'n2' is already using the IPv4 address 10.0.0.5."));
  });
});
