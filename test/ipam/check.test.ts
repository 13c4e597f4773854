import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, parseIp, type IpAddress, type ParsedCidr } from '../../src/api/net.js';
import { autoAssignInBlock, newBlock, releaseInBlock } from '../../src/ipam/block.js';
import { checkIpam, validateBlock, type CheckSnapshot } from '../../src/ipam/check.js';
import type { AllocationBlock } from '../../src/ipam/model.js';
import { poolFromResource } from '../../src/ipam/pools.js';
import { NO_RESERVATIONS } from '../../src/ipam/reservations.js';
import { g5, utilization, withPercentage } from '../../src/ipam/utilization.js';
import { renderTable } from '../../src/ipam/table.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const owner = { type: 'host', host: 'node-a' } as const;

const loadBalancer = { type: 'virtual', host: 'load-balancer' } as const;

function blockWith(cidr: string, handles: string[], by: typeof owner | typeof loadBalancer = owner): AllocationBlock {
  let b = newBlock(parseCidr(cidr) as ParsedCidr, by, T0);
  for (const h of handles) {
    const r = autoAssignInBlock(b, 1, { handleId: h, attrs: { node: 'node-a' }, owner, affinityCheck: false }, NO_RESERVATIONS);
    assert.ok(r.ok);
    b = r.block;
  }
  return b;
}

const pool = poolFromResource({ metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/24' } });
assert.ok(pool !== null);

function snapshot(over: Partial<CheckSnapshot>): CheckSnapshot {
  return {
    blocks: [],
    handles: [],
    pools: [pool as NonNullable<typeof pool>],
    affinities: [],
    nodes: [],
    workloads: [],
    cluster: { guid: 'g', revision: '7', locked: true, clusterType: '' },
    version: 'v0',
    ...over,
  };
}

const aff = { host: 'node-a', cidr: '10.0.0.0/26', state: 'confirmed', revision: '1' };

test('a consistent datastore has no problems', () => {
  const r = checkIpam(
    snapshot({
      blocks: [blockWith('10.0.0.0/26', ['h1'])],
      handles: [{ ID: 'h1', Revision: '3' }],
      affinities: [aff],
      workloads: [{ namespace: 'ns', name: 'w', ipNetworks: ['10.0.0.0/32'] }],
    }),
    { showAllIps: false, showProblemIps: true },
  );
  assert.equal(r.problems, 0, r.lines.join('\n'));
  assert.equal(r.lines.at(-1), 'Check complete; found 0 problems.');
  assert.equal(r.report.allocations['10.0.0.0']?.[0]?.inUse, true);
});

const lbAff = { type: 'virtual', host: 'load-balancer', cidr: '10.0.0.64/26', state: 'confirmed', revision: '2' } as const;

test('a LoadBalancer block with its virtual affinity is consistent', () => {
  const r = checkIpam(snapshot({ blocks: [blockWith('10.0.0.64/26', [], loadBalancer)], affinities: [lbAff] }), { showAllIps: false, showProblemIps: true });
  assert.equal(r.problems, 0, r.lines.join('\n'));
});

const problems: { name: string; snap: Partial<CheckSnapshot>; line: string }[] = [
  {
    name: 'an allocation no workload or node uses is leaked',
    snap: { blocks: [blockWith('10.0.0.0/26', ['h1'])], handles: [{ ID: 'h1', Revision: '3' }], affinities: [aff] },
    line: '  10.0.0.0 leaked; attrs Main:h1 Extra:node=node-a',
  },
  {
    name: 'a handle that no block mentions',
    snap: { handles: [{ ID: 'ghost', Revision: '3' }] },
    line: 'Found 1 handles with no matching IPs (and 0 handles with matches).',
  },
  {
    name: 'a workload address in a pool without an allocation',
    snap: { workloads: [{ namespace: 'ns', name: 'w', ipNetworks: ['10.0.0.9/32'] }] },
    line: '  10.0.0.9 in use by Workload(ns/w) and in active IPAM pool but has no IPAM allocation.',
  },
  {
    name: 'a workload address outside every pool',
    snap: { workloads: [{ namespace: 'ns', name: 'w', ipNetworks: ['192.168.0.9/32'] }] },
    line: '  192.168.0.9 in use by Workload(ns/w) is not in any active IP pool.',
  },
  {
    name: 'an affinity whose block does not exist',
    snap: { affinities: [{ ...aff, state: 'pending' }] },
    line: '  affinity of node-a for 10.0.0.0/26 (pending) has no block of its own.',
  },
  {
    name: 'a virtual affinity whose block does not exist',
    snap: { affinities: [{ ...lbAff, state: 'pending' }] },
    line: '  affinity of virtual:load-balancer for 10.0.0.64/26 (pending) has no block of its own.',
  },
  {
    name: 'a node affinity for a LoadBalancer block (the owners differ in type)',
    snap: { blocks: [blockWith('10.0.0.64/26', [], loadBalancer)], affinities: [lbAff, { ...lbAff, type: 'host', revision: '3' }] },
    line: '  affinity of load-balancer for 10.0.0.64/26 (confirmed) has no block of its own.',
  },
  {
    name: 'a LoadBalancer block without its affinity',
    snap: { blocks: [blockWith('10.0.0.64/26', [], loadBalancer)] },
    line: '  IPAM block 10.0.0.64/26 is affine to virtual:load-balancer but has no block affinity.',
  },
  {
    name: 'an affine block without its affinity',
    snap: { blocks: [blockWith('10.0.0.0/26', [])] },
    line: '  IPAM block 10.0.0.0/26 is affine to node-a but has no block affinity.',
  },
  {
    name: 'a block whose free list repeats an allocated ordinal',
    snap: { blocks: [{ ...blockWith('10.0.0.0/26', []), allocations: [null, ...new Array<null>(63).fill(null)], unallocated: [0, 0] }], affinities: [aff] },
    line: '  IPAMBlock 10.0.0.0/26 is invalid: ordinal 0 appears more than once in Unallocated array',
  },
];

for (const p of problems) {
  test(`check reports ${p.name}`, () => {
    const r = checkIpam(snapshot(p.snap), { showAllIps: false, showProblemIps: true });
    assert.equal(r.problems, 1, r.lines.join('\n'));
    assert.ok(r.lines.includes(p.line), r.lines.join('\n'));
  });
}

test('an address cooling down is not a leak', () => {
  const b = blockWith('10.0.0.0/26', ['h1']);
  const rel = releaseInBlock(b, [{ address: '10.0.0.0' as IpAddress }], 60, T0);
  assert.ok(rel.ok);
  const r = checkIpam(snapshot({ blocks: [rel.block], affinities: [aff] }), { showAllIps: false, showProblemIps: true });
  assert.equal(r.problems, 0, r.lines.join('\n'));
  assert.equal(r.report.allocations['10.0.0.0']?.[0]?.coolingDown, true);
});

test('the report carries handle and sequence number of each leaked address, and leaked handles with their revision', () => {
  const b = blockWith('10.0.0.0/26', ['h1']);
  const r = checkIpam(snapshot({ blocks: [b], handles: [{ ID: 'gone', Revision: '9' }], affinities: [aff] }), { showAllIps: false, showProblemIps: false });
  assert.deepEqual(r.report.allocations['10.0.0.0'], [
    { ip: '10.0.0.0', inUse: false, owners: null, handle: 'h1', sequenceNumber: b.sequenceNumber, node: 'node-a' },
  ]);
  assert.deepEqual(r.report.leakedHandles, [{ ID: 'gone', Revision: '9' }]);
  assert.equal(r.report.clusterGUID, 'g');
  assert.equal(r.report.clusterInformationRevision, '7');
});

test('validateBlock accepts a fresh block and rejects an allocation pointing past the attributes', () => {
  const b = blockWith('10.0.0.0/30', ['h']);
  assert.equal(validateBlock(b, T0.getTime()), null);
  assert.equal(validateBlock({ ...b, allocations: [5, null, null, null] }, T0.getTime()), 'allocation 0 indexes a nonexistent attribute 5');
});

test('utilisation counts in-use, reserved and free per block and over the whole pool', () => {
  const b = blockWith('10.0.0.0/26', ['a', 'b']);
  const [p, orphans] = utilization([pool as NonNullable<typeof pool>], [b], ['10.0.0.64/26', '10.0.0.1']);
  assert.deepEqual(
    { ...p, blocks: undefined },
    { cidr: '10.0.0.0/24', isPool: true, capacity: 256, inUse: 2, reserved: 65, available: 62 + 128, blocks: undefined },
  );
  assert.deepEqual(p?.blocks, [{ cidr: '10.0.0.0/26', capacity: 64, inUse: 2, reserved: 1, available: 62 }]);
  assert.equal(orphans?.isPool, false);
  assert.ok(parseIp('10.0.0.1'));
});

test('numbers print as Go %.5g and percentages as %.f', () => {
  assert.deepEqual([0, 64, 65536, 123456, 16777216].map(g5), ['0', '64', '65536', '1.2346e+05', '1.6777e+07']);
  assert.equal(withPercentage(2, 256), '2 (1%)');
  assert.equal(withPercentage(128, 256), '128 (50%)');
});

test('tables are drawn in go-pretty\'s default style', () => {
  assert.equal(
    renderTable([{ header: 'grouping' }, { header: 'IPS TOTAL', alignRight: true }], [['IP Pool', '256']]),
    ['+----------+-----------+', '| GROUPING | IPS TOTAL |', '+----------+-----------+', '| IP Pool  |       256 |', '+----------+-----------+', ''].join('\n'),
  );
});
