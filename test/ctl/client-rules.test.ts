// What the Calico client does beyond storing: IPPools — no overlapping pools,
// CIDR and block size fixed once created, deleting a pool releases the hosts'
// block affinities first — and deleting a Node takes what belongs to it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatastore } from '../../src/datastore/index.js';
import { IpamClient } from '../../src/ipam/index.js';
import { makeCtl, type Ctl } from './helpers.js';

const pool = (name: string, cidr: string, extra = '') =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n${extra}`;
const node = 'apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: node1\nspec: {}\n';

async function withIpam<T>(ctl: Ctl, fn: (ipam: IpamClient) => Promise<T>): Promise<T> {
  const ds = await openDatastore({ type: 'sqlite', path: ctl.dbPath });
  try {
    return await fn(new IpamClient(ds));
  } finally {
    await ds.close();
  }
}

describe('IPPools through calicoctl', () => {
  it('refuses a pool overlapping another', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['create', '-f', ctl.file('p1.yaml', pool('pool1', '10.1.0.0/16'))]);
    const r = await ctl.run(['create', '-f', ctl.file('p2.yaml', pool('pool2', '10.1.128.0/17'))]);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        1,
        "failed to create 'IPPool' resource: [error with field IPPool.Spec.CIDR = '10.1.128.0/17' (IPPool(pool2) CIDR overlaps with IPPool(pool1) CIDR 10.1.0.0/16)]\n",
      ],
    );
  });

  it('refuses to change the CIDR or the block size of a pool', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['create', '-f', ctl.file('p1.yaml', pool('pool1', '10.1.0.0/16'))]);
    const r = await ctl.run(['apply', '-f', ctl.file('p1b.yaml', pool('pool1', '10.2.0.0/16', '  blockSize: 24\n'))]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "failed to apply 'IPPool' resource: [error with the following fields:\n" +
        "-  IPPool.Spec.CIDR = '10.2.0.0/16' (IPPool CIDR cannot be modified)\n" +
        "-  IPPool.Spec.BlockSize = '24' (IPPool BlockSize cannot be modified)\n]\n",
    );
  });

  it('deleting a pool releases block affinities; a block still in use then blocks a pool of another block size', async (t) => {
    const ctl = makeCtl(t);
    assert.equal((await ctl.run(['apply', '-f', ctl.file('p.yaml', `${pool('pool1', '10.1.0.0/16')}---\n${node}`)])).code, 0);
    const assigned = await withIpam(ctl, (ipam) => ipam.autoAssign({ num4: 1, num6: 0, hostname: 'node1', handleId: 'h1' }));
    assert.equal(assigned.ipv4.ips.length, 1);
    assert.equal((await withIpam(ctl, (ipam) => ipam.store.listAffinities({ type: 'host', host: 'node1' }))).length, 1);

    assert.equal((await ctl.run(['delete', 'ippool', 'pool1'])).stdout, "Successfully deleted 1 'IPPool' resource(s)\n");
    assert.equal((await withIpam(ctl, (ipam) => ipam.store.listAffinities({ type: 'host', host: 'node1' }))).length, 0);

    const r = await ctl.run(['create', '-f', ctl.file('p3.yaml', pool('pool3', '10.1.0.0/16', '  blockSize: 28\n'))]);
    assert.equal(
      r.stderr,
      "failed to create 'IPPool' resource: [error with field IPPool.Spec.BlockSize = '28' (IPPool blocksSize conflicts with existing allocations that use a different blockSize)]\n",
    );
  });
});

describe('deleting a Node through calicoctl', () => {
  const owned = `---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-pod1-eth0
  namespace: default
spec:
  node: node1
  orchestrator: k8s
  pod: pod1
  endpoint: eth0
  interfaceName: cali1234
  ipNetworks:
  - IP/32
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: peer1
spec:
  node: node1
  peerIP: 192.168.0.9
  asNumber: 64513
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: global
spec:
  peerIP: 192.168.0.10
  asNumber: 64513
---
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata:
  name: node.node1
spec: {}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: hep1
spec:
  node: node1
  interfaceName: eth0
`;

  it("takes the node's endpoints, addresses, affinities, peers and per-node configuration with it", async (t) => {
    const ctl = makeCtl(t);
    assert.equal((await ctl.run(['apply', '-f', ctl.file('n.yaml', `${pool('pool1', '10.1.0.0/16')}---\n${node}`)])).code, 0);
    const { ipv4 } = await withIpam(ctl, (ipam) => ipam.autoAssign({ num4: 1, num6: 0, hostname: 'node1', handleId: 'pod1' }));
    const ip = (ipv4.ips[0] ?? '').split('/')[0] ?? '';
    const applied = await ctl.run(['apply', '-f', ctl.file('owned.yaml', owned.replace('IP/32', `${ip}/32`))]);
    assert.equal(applied.code, 0, applied.stderr);

    assert.deepEqual(await ctl.run(['delete', 'node', 'node1']), {
      code: 0,
      stdout: "Successfully deleted 1 'Node' resource(s)\n",
      stderr: '',
    });
    const names = async (kind: string, ...flags: string[]) =>
      (await ctl.run(['get', kind, ...flags, '-o', 'custom-columns=NAME'])).stdout;
    assert.equal(await names('wep', '-A'), 'NAME   \n\n');
    assert.equal(await names('bgppeers'), 'NAME     \nglobal   \n\n');
    assert.equal(await names('felixconfigurations'), 'NAME   \n\n');
    assert.equal(await names('hostendpoints'), 'NAME   \n\n');
    assert.equal(await names('nodes'), 'NAME   \n\n');
    // Its only address released, the handle is gone too.
    await assert.rejects(withIpam(ctl, (ipam) => ipam.ipsByHandle('pod1')), { code: 'not-found' });
    assert.equal((await withIpam(ctl, (ipam) => ipam.store.listAffinities({ type: 'host', host: 'node1' }))).length, 0);
  });
});

describe('per-kind rules of the Calico client', () => {
  const wep = (name: string) =>
    `apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata:\n  name: ${name}\n  namespace: prod\nspec:\n  node: node-1\n  orchestrator: k8s\n  pod: web-0\n  endpoint: eth0\n  interfaceName: cali0\n  ipNetworks:\n  - 10.1.0.5/32\n`;
  const defaultAllow =
    'apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata:\n  name: projectcalico-default-allow\nspec:\n  ingress:\n  - action: Allow\n';
  const cases: readonly (readonly [string, string, string, string])[] = [
    [
      'cluster-wide BGP fields only on BGPConfiguration default',
      'apply',
      'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: node.n1\nspec:\n  asNumber: 65000\n  nodeToNodeMeshEnabled: false\n',
      "failed to apply 'BGPConfiguration' resource: [error with the following fields:\n" +
        '-  BGPConfiguration.Spec.NodeToNodeMeshEnabled (Cannot set nodeToNodeMeshEnabled on a non default BGP Configuration.)\n' +
        '-  BGPConfiguration.Spec.ASNumber (Cannot set ASNumber on a non default BGP Configuration.)\n]\n',
    ],
    [
      "a BGPPeer's filters must exist",
      'create',
      'apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: p1\nspec:\n  peerIP: 10.0.0.9\n  asNumber: 65001\n  filters: [f1, f2]\n',
      "failed to create 'BGPPeer' resource: [error with field BGPPeer.Spec.Filters = '[f1 f2]' (BGPFilter(s) not found)]\n",
    ],
    [
      "a workload endpoint's name is the one its identifiers give",
      'apply',
      wep('web'),
      "failed to apply 'WorkloadEndpoint' resource: [error with field Name = 'web' (the WorkloadEndpoint name does not match the primary identifiers assigned in the Spec: expected name node--1-k8s-web--0-eth0)]\n",
    ],
    [
      'KubeControllersConfiguration is only ever "default"',
      'create',
      'apiVersion: projectcalico.org/v3\nkind: KubeControllersConfiguration\nmetadata:\n  name: other\nspec: {}\n',
      "failed to create 'KubeControllersConfiguration' resource: [Cannot create a Kube Controllers Configuration resource with a name other than \"default\"]\n",
    ],
    [
      'host endpoint templates need a name',
      'apply',
      'apiVersion: projectcalico.org/v3\nkind: KubeControllersConfiguration\nmetadata:\n  name: default\nspec:\n  controllers:\n    node:\n      hostEndpoint:\n        templates:\n        - interfacePattern: eth.*\n',
      "failed to apply 'KubeControllersConfiguration' resource: [error with field KubeControllersConfiguration.Node.HostEndpoint.Templates (Template name must be specified)]\n",
    ],
    [
      'the default-allow profile cannot be created',
      'create',
      defaultAllow,
      "failed to create 'Profile' resource: [resource already exists: projectcalico-default-allow with error: projectcalico-default-allow already exists. The profile \"projectcalico-default-allow\" is default provided by Calico]\n",
    ],
    [
      'nor applied',
      'apply',
      defaultAllow,
      "failed to apply 'Profile' resource: [operation Update is not supported on projectcalico-default-allow: The profile \"projectcalico-default-allow\" is a default provided by Calico and cannot be updated]\n",
    ],
    [
      'nor deleted',
      'delete',
      defaultAllow,
      "Failed to delete 'Profile' resource: operation Delete is not supported on projectcalico-default-allow: The profile \"projectcalico-default-allow\" is a default provided by Calico and cannot be deleted\n\n",
    ],
  ];
  for (const [name, command, doc, stderr] of cases) {
    it(name, async (t) => {
      const ctl = makeCtl(t);
      const r = await ctl.run([command, '-f', ctl.file('doc.yaml', doc)]);
      assert.deepEqual([r.code, r.stderr], [1, stderr]);
    });
  }

  it('KubeControllersConfiguration gets the client defaults: metrics port, leak grace period, all() templates', async (t) => {
    const ctl = makeCtl(t);
    const doc =
      'apiVersion: projectcalico.org/v3\nkind: KubeControllersConfiguration\nmetadata:\n  name: default\nspec:\n  controllers:\n    node:\n      hostEndpoint:\n        templates:\n        - generateName: t1\n          interfacePattern: eth.*\n';
    assert.equal((await ctl.run(['apply', '-f', ctl.file('kcc.yaml', doc)])).code, 0);
    const got = JSON.parse((await ctl.run(['get', 'kubecontrollersconfig', 'default', '-o', 'json'])).stdout) as {
      spec: { prometheusMetricsPort: number; controllers: { node: { leakGracePeriod: string; hostEndpoint: { templates: { nodeSelector: string }[] } } } };
    };
    assert.equal(got.spec.prometheusMetricsPort, 9094);
    assert.equal(got.spec.controllers.node.leakGracePeriod, '15m0s');
    assert.equal(got.spec.controllers.node.hostEndpoint.templates[0]?.nodeSelector, 'all()');
  });

  it('a workload endpoint is stored with its namespace and orchestrator labels', async (t) => {
    const ctl = makeCtl(t);
    assert.equal((await ctl.run(['apply', '-f', ctl.file('wep.yaml', wep('node--1-k8s-web--0-eth0'))])).code, 0);
    const r = await ctl.run(['get', 'wep', 'node--1-k8s-web--0-eth0', '-n', 'prod', '-o', 'json']);
    const got = JSON.parse(r.stdout) as { metadata: { labels: Record<string, string> } };
    assert.deepEqual(got.metadata.labels, { 'projectcalico.org/namespace': 'prod', 'projectcalico.org/orchestrator': 'k8s' });
  });
});
