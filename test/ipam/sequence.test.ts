// Random sequences of assign and release on one block keep the block's
// invariants: every ordinal is either free (once) or allocated, attributes are
// all referenced, no address is handed out while held, and the free list is a
// FIFO (an address released earlier is handed out before one released later).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCidr, type IpAddress, type ParsedCidr } from '../../src/api/net.js';
import { autoAssignInBlock, ipsByHandle, newBlock, releaseByHandleInBlock, releaseInBlock } from '../../src/ipam/block.js';
import { validateBlock } from '../../src/ipam/check.js';
import { NO_RESERVATIONS } from '../../src/ipam/reservations.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const owner = { type: 'host', host: 'h' } as const;

type Op = { kind: 'assign'; n: number; handle: number } | { kind: 'release-ip'; pick: number } | { kind: 'release-handle'; handle: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('assign' as const), n: fc.integer({ min: 1, max: 5 }), handle: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('release-ip' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('release-handle' as const), handle: fc.integer({ min: 0, max: 4 }) }),
);

test('any sequence of assigns and releases keeps the block consistent and never double-assigns', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      let b = newBlock(parseCidr('10.0.0.0/28') as ParsedCidr, owner, T0);
      const held = new Map<string, string>(); // ip → handle
      const freedOrder: string[] = [];
      for (const o of ops) {
        if (o.kind === 'assign') {
          const handle = `h${o.handle}`;
          const r = autoAssignInBlock(b, o.n, { handleId: handle, owner, affinityCheck: true }, NO_RESERVATIONS);
          assert.ok(r.ok);
          for (const ip of r.value) {
            assert.equal(held.has(ip), false, `${ip} handed out while held`);
            held.set(ip, handle);
          }
          // Addresses released earlier come back first, in the order they were released.
          const reused = r.value.filter((ip) => freedOrder.includes(ip));
          assert.deepEqual(reused, freedOrder.slice(0, reused.length));
          freedOrder.splice(0, reused.length);
          b = r.block;
        } else if (o.kind === 'release-ip') {
          const ips = [...held.keys()];
          if (ips.length === 0) continue;
          const ip = ips[o.pick % ips.length] as string;
          const r = releaseInBlock(b, [{ address: ip as IpAddress }], 0, T0);
          assert.ok(r.ok);
          held.delete(ip);
          freedOrder.push(ip);
          b = r.block;
        } else {
          const handle = `h${o.handle}`;
          const mine = [...held.entries()].filter(([, h]) => h === handle).map(([ip]) => ip);
          const r = releaseByHandleInBlock(b, handle, 0, T0);
          assert.equal(r.count, mine.length);
          // Released together: they go to the tail in ordinal order.
          for (const ip of mine.sort((x, y) => Number(x.split('.')[3]) - Number(y.split('.')[3]))) {
            held.delete(ip);
            freedOrder.push(ip);
          }
          b = r.block;
        }
        assert.equal(validateBlock(b, T0.getTime()), null);
        for (let h = 0; h < 5; h++) {
          const expected = [...held.entries()].filter(([, x]) => x === `h${h}`).map(([ip]) => ip).sort();
          assert.deepEqual(ipsByHandle(b, `h${h}`).sort(), expected);
        }
        assert.equal(b.unallocated.length + held.size, 16);
      }
    }),
    { numRuns: 300 },
  );
});
