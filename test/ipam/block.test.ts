import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, parseIp, type IpAddress, type ParsedCidr } from '../../src/api/net.js';
import {
  allocationsOf,
  assignIpInBlock,
  attributesForIp,
  autoAssignInBlock,
  garbageCollect,
  ipsByHandle,
  isBlockEmpty,
  newBlock,
  numFreeAddresses,
  numReservedAddresses,
  ordinalToIp,
  releaseByHandleInBlock,
  releaseInBlock,
  type AssignRequest,
} from '../../src/ipam/block.js';
import { addressFilter, NO_RESERVATIONS } from '../../src/ipam/reservations.js';
import { CalicoError } from '../../src/api/errors.js';
import type { AllocationBlock } from '../../src/ipam/model.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const cidr = (s: string): ParsedCidr => parseCidr(s) as ParsedCidr;
const ip = (s: string) => parseIp(s) as NonNullable<ReturnType<typeof parseIp>>;
const hostA = { type: 'host', host: 'node-a' } as const;
const req = (handleId?: string, extra: Partial<AssignRequest> = {}): AssignRequest => ({
  handleId,
  attrs: { node: 'node-a' },
  owner: hostA,
  affinityCheck: false,
  ...extra,
});

function assign(b: AllocationBlock, n: number, r = req('h1'), filter = NO_RESERVATIONS) {
  const out = autoAssignInBlock(b, n, r, filter);
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  return out;
}

test('a new block has every ordinal free in order, network and last address included', () => {
  const b = newBlock(cidr('10.65.0.0/26'), hostA, T0);
  assert.equal(b.allocations.length, 64);
  assert.deepEqual(b.unallocated, Array.from({ length: 64 }, (_, i) => i));
  assert.equal(b.affinity, 'host:node-a');
  assert.equal(b.sequenceNumber, T0.getTime() * 1000);
  const all = assign(b, 64);
  assert.equal(all.value[0], '10.65.0.0');
  assert.equal(all.value[63], '10.65.0.63');
});

test('IPv6 /122 blocks hold 64 addresses and map ordinals with BigInt', () => {
  const b = newBlock(cidr('fd00:1::/122'), hostA, T0);
  assert.equal(b.allocations.length, 64);
  assert.equal(ordinalToIp(b, 63), 'fd00:1::3f');
  assert.deepEqual(assign(b, 2).value, ['fd00:1::', 'fd00:1::1']);
});

test('auto-assign takes from the head of the FIFO and records attribute and sequence number', () => {
  const b = newBlock(cidr('10.0.0.0/30'), hostA, T0);
  const r = assign(b, 2);
  assert.deepEqual(r.value, ['10.0.0.0', '10.0.0.1']);
  assert.deepEqual(r.block.unallocated, [2, 3]);
  assert.deepEqual(r.block.attributes, [{ handle_id: 'h1', secondary: { node: 'node-a' } }]);
  assert.deepEqual(r.block.allocations, [0, 0, null, null]);
  assert.deepEqual(r.block.sequenceNumberForAllocation, { '0': b.sequenceNumber, '1': b.sequenceNumber });
});

test('identical handle and attributes share one attribute entry; different ones get their own', () => {
  let b = newBlock(cidr('10.0.0.0/29'), hostA, T0);
  b = assign(b, 1, req('h1')).block;
  b = assign(b, 1, req('h1')).block;
  b = assign(b, 1, req('h2')).block;
  assert.equal(b.attributes.length, 2);
  assert.deepEqual(b.allocations.slice(0, 3), [0, 0, 1]);
});

test('a released address goes to the tail of the FIFO, so the longest-free address is reused first', () => {
  let b = newBlock(cidr('10.0.0.0/30'), hostA, T0);
  b = assign(b, 2).block;
  const rel = releaseInBlock(b, [{ address: '10.0.0.0' as IpAddress }], 0, T0);
  assert.ok(rel.ok);
  assert.deepEqual(rel.block.unallocated, [2, 3, 0]);
  assert.deepEqual(assign(rel.block, 3).value, ['10.0.0.2', '10.0.0.3', '10.0.0.0']);
});

test('release counts addresses per handle and reports ones that were not allocated', () => {
  let b = newBlock(cidr('10.0.0.0/29'), hostA, T0);
  b = assign(b, 2, req('h1')).block;
  b = assign(b, 1, req('h2')).block;
  const rel = releaseInBlock(b, ['10.0.0.0', '10.0.0.2', '10.0.0.5'].map((a) => ({ address: a as IpAddress })), 0, T0);
  assert.ok(rel.ok);
  assert.deepEqual(rel.value.unallocated, ['10.0.0.5']);
  assert.deepEqual([...rel.value.countByHandle], [['h1', 1], ['h2', 1]]);
  assert.deepEqual(allocationsOf(rel.block).map((a) => a.ip), ['10.0.0.1']);
  assert.equal(rel.block.attributes.length, 1, 'unreferenced attributes are compacted');
});

test('release with a stale sequence number or another handle fails the whole call', () => {
  const b = assign(newBlock(cidr('10.0.0.0/30'), hostA, T0), 2).block;
  const cases = [
    { address: '10.0.0.0' as IpAddress, sequenceNumber: 1 },
    { address: '10.0.0.0' as IpAddress, handle: 'other' },
  ];
  for (const opt of cases) {
    const rel = releaseInBlock(b, [{ address: '10.0.0.1' as IpAddress }, opt], 0, T0);
    assert.equal(rel.ok, false);
    if (!rel.ok) assert.equal(rel.error.code, 'conflict');
  }
});

test('with a cooldown a released address is held until the cooldown has passed', () => {
  const b = assign(newBlock(cidr('10.0.0.0/30'), hostA, T0), 4).block;
  const rel = releaseInBlock(b, [{ address: '10.0.0.1' as IpAddress }], 60, T0);
  assert.ok(rel.ok);
  assert.deepEqual(rel.block.unallocated, []);
  const cooling = attributesForIp(rel.block, ip('10.0.0.1'));
  assert.ok(cooling instanceof CalicoError && /cooldown/.test(cooling.message));
  assert.equal(garbageCollect(rel.block, 60, new Date(T0.getTime() + 59_000)).changed, false);
  const later = garbageCollect(rel.block, 60, new Date(T0.getTime() + 60_000));
  assert.deepEqual(later.block.unallocated, [1]);
  const again = releaseInBlock(rel.block, [{ address: '10.0.0.1' as IpAddress }], 60, T0);
  assert.ok(again.ok);
  assert.deepEqual(again.value.unallocated, ['10.0.0.1'], 'releasing an address in cooldown is a no-op');
});

test('release by handle frees exactly that handle\'s addresses', () => {
  let b = newBlock(cidr('10.0.0.0/29'), hostA, T0);
  b = assign(b, 2, req('h1')).block;
  b = assign(b, 2, req('h2')).block;
  const r = releaseByHandleInBlock(b, 'h1', 0, T0);
  assert.equal(r.count, 2);
  assert.deepEqual(ipsByHandle(r.block, 'h1'), []);
  assert.deepEqual(ipsByHandle(r.block, 'h2'), ['10.0.0.2', '10.0.0.3']);
});

test('reserved addresses are skipped but stay in place in the FIFO', () => {
  const filter = addressFilter(['10.0.0.1/32', '10.0.0.2/32']);
  const b = newBlock(cidr('10.0.0.0/29'), hostA, T0);
  const r = assign(b, 2, req('h1'), filter);
  assert.deepEqual(r.value, ['10.0.0.0', '10.0.0.3']);
  assert.deepEqual(r.block.unallocated, [1, 2, 4, 5, 6, 7]);
  assert.equal(numFreeAddresses(r.block, filter), 4);
  assert.equal(numReservedAddresses(r.block, filter), 2);
});

test('a block wholly covered by a reservation has no free addresses', () => {
  const b = newBlock(cidr('10.0.0.0/29'), hostA, T0);
  const filter = addressFilter(['10.0.0.0/24']);
  assert.equal(numFreeAddresses(b, filter), 0);
  assert.equal(numReservedAddresses(b, filter), 8);
});

test('assigning a given address removes it from the FIFO; assigning it again is already-exists', () => {
  const b = newBlock(cidr('10.0.0.0/30'), hostA, T0);
  const r = assignIpInBlock(b, ip('10.0.0.2'), req('h1'));
  assert.ok(r.ok);
  assert.deepEqual(r.block.unallocated, [0, 1, 3]);
  const again = assignIpInBlock(r.block, ip('10.0.0.2'), req('h2'));
  assert.equal(again.ok, false);
  if (!again.ok) assert.equal(again.error.code, 'already-exists');
});

test('strict affinity refuses another host\'s block and an unaffine block', () => {
  const other = newBlock(cidr('10.0.0.0/30'), { type: 'host', host: 'node-b' }, T0);
  const unaffine = newBlock(cidr('10.0.0.4/30'), null, T0);
  for (const b of [other, unaffine]) {
    assert.equal(autoAssignInBlock(b, 1, req('h', { affinityCheck: true }), NO_RESERVATIONS).ok, false);
    assert.equal(autoAssignInBlock(b, 1, req('h', { affinityCheck: false }), NO_RESERVATIONS).ok, true);
  }
});

test('Windows host-reserved edges are pre-allocated and do not make the block non-empty', () => {
  const b = newBlock(cidr('10.0.0.0/28'), hostA, T0, { startOfBlock: 3, endOfBlock: 1, handle: 'windows-reserved-ipam-handle', note: 'windows host rsvd' });
  assert.deepEqual(b.unallocated, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  assert.deepEqual(allocationsOf(b).map((a) => a.ordinal), [0, 1, 2, 15]);
  assert.equal(isBlockEmpty(b), true);
  assert.equal(isBlockEmpty(assign(b, 1).block), false);
});
