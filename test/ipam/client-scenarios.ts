import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { IpamClient, partialFulfillmentError } from '../../src/ipam/index.js';
import { addNode, addPool, addReservation, host, LOAD_BALANCER, type TempStore } from './fixtures.js';
import { CalicoError } from '../../src/api/errors.js';

/**
 * The IPAM shell's behaviour on one backend; client.test.ts runs it in memory
 * and on sqlite, etcd.test.ts on a real etcd.
 */
export function clientScenarios(backend: string, tempStore: () => Promise<TempStore>): void {
  describe(`IPAM client on ${backend}`, () => {
    async function setup(t: TestContext, pools: Record<string, Record<string, unknown>>, nodes = ['node-a', 'node-b']) {
      const s = await tempStore();
      t.after(() => s.cleanup());
      for (const n of nodes) await addNode(s.ds, n);
      for (const [name, spec] of Object.entries(pools)) await addPool(s.ds, name, spec);
      let clock = new Date('2026-01-01T00:00:00Z');
      const ipam = new IpamClient(s.ds, { now: () => clock });
      return { ...s, ipam, advance: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
    }

    const v4 = (num4: number, hostname: string, handleId?: string) => ({ num4, num6: 0, hostname, handleId, attrs: { node: hostname } });

    test('the first allocation claims a block for the host, confirms its affinity and records the handle', async (t) => {
      const { ipam } = await setup(t, { default: { cidr: '10.65.0.0/24' } });
      const { ipv4 } = await ipam.autoAssign(v4(2, 'node-a', 'h1'));
      assert.equal(ipv4.ips.length, 2);
      assert.match(ipv4.ips[0] ?? '', /^10\.65\.0\.\d+\/26$/);
      const [aff] = await ipam.store.listAffinities(host('node-a'), 4);
      assert.equal(aff?.value.state, 'confirmed');
      const block = await ipam.store.getBlock(aff?.cidr ?? '');
      assert.equal(block?.value.affinity, 'host:node-a');
      assert.deepEqual((await ipam.store.getHandle('h1'))?.value.block, { [aff?.cidr ?? '']: 2 });
      assert.deepEqual(await ipam.ipsByHandle('h1'), ipv4.ips.map((ip) => ip.split('/')[0]));
    });

    test('later allocations come from the host\'s affine block before any new claim', async (t) => {
      const { ipam } = await setup(t, { default: { cidr: '10.65.0.0/24' } });
      const a = await ipam.autoAssign(v4(1, 'node-a', 'h1'));
      const b = await ipam.autoAssign(v4(1, 'node-a', 'h2'));
      assert.equal((await ipam.store.listBlocks()).length, 1);
      const blockOf = (ip: string) => ip.split('.').slice(0, 3).join('.');
      assert.equal(blockOf(a.ipv4.ips[0] ?? ''), blockOf(b.ipv4.ips[0] ?? ''));
    });

    test('a host without a Node resource gets no address', async (t) => {
      const { ipam } = await setup(t, { default: { cidr: '10.65.0.0/24' } }, []);
      await assert.rejects(ipam.autoAssign(v4(1, 'ghost')), (e: CalicoError) => e.code === 'not-found' && /ghost/.test(e.message));
    });

    test('a host borrows from another host\'s block once no block is left to claim', async (t) => {
      const { ipam } = await setup(t, { small: { cidr: '10.0.0.0/29', blockSize: 30 } });
      await ipam.autoAssign(v4(6, 'node-a', 'a')); // claims both /30 blocks
      const { ipv4 } = await ipam.autoAssign(v4(1, 'node-b', 'b'));
      assert.equal(ipv4.ips.length, 1);
      assert.equal((await ipam.store.listAffinities(host('node-b'))).length, 0, 'borrowing claims nothing');
      const owner = (await ipam.store.listBlocks()).find((b) => b.value.allocations.some((i, o) => i !== null && ipv4.ips[0]?.startsWith(`10.0.0.${Number(b.value.cidr.split('.')[3]?.split('/')[0]) + o}/`)));
      assert.equal(owner?.value.affinity, 'host:node-a');
    });

    test('with strict affinity a host does not borrow and the request fails with the reason', async (t) => {
      const { ipam } = await setup(t, { small: { cidr: '10.0.0.0/29', blockSize: 30 } });
      await ipam.updateConfig((c) => ({ ...c, strictAffinity: true }));
      await ipam.autoAssign(v4(6, 'node-a', 'a'));
      const { ipv4 } = await ipam.autoAssign(v4(1, 'node-b', 'b'));
      assert.deepEqual(ipv4.ips, []);
      assert.equal(
        partialFulfillmentError(ipv4)?.message,
        'Assigned 0 out of 1 requested IPv4 addresses; No more free affine blocks and strict affinity enabled',
      );
    });

    test('an exhausted pool names itself in the failure', async (t) => {
      const { ipam } = await setup(t, { small: { cidr: '10.0.0.0/30', blockSize: 30 } });
      const { ipv4 } = await ipam.autoAssign(v4(5, 'node-a', 'a'));
      assert.equal(ipv4.ips.length, 4);
      assert.equal(partialFulfillmentError(ipv4)?.message, 'Assigned 4 out of 5 requested IPv4 addresses; No IPs available in pools: [10.0.0.0/30]');
      assert.equal(partialFulfillmentError(ipv4)?.code, 'exhausted');
    });

    test('no pool selecting the host is an exhausted error naming the node', async (t) => {
      const { ipam } = await setup(t, { manual: { cidr: '10.0.0.0/24', assignmentMode: 'Manual' } });
      await assert.rejects(ipam.autoAssign(v4(1, 'node-a')), { code: 'exhausted', message: 'no configured Calico pools for node node-a' });
    });

    test('the block limit per host stops new claims with upstream\'s message', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/28', blockSize: 30 } });
      await ipam.updateConfig((c) => ({ ...c, strictAffinity: true, maxBlocksPerHost: 1 }));
      await assert.rejects(ipam.autoAssign(v4(5, 'node-a')), {
        code: 'exhausted',
        message: 'Need to allocate an IPAM block but could not - limit of 1 blocks reached for this node',
      });
    });

    test('IPv4 and IPv6 are assigned together, IPv6 from /122 blocks', async (t) => {
      const { ipam } = await setup(t, { v4: { cidr: '10.0.0.0/24' }, v6: { cidr: 'fd00:10::/120' } });
      const r = await ipam.autoAssign({ num4: 1, num6: 2, hostname: 'node-a', handleId: 'dual' });
      assert.equal(r.ipv4.ips.length, 1);
      assert.deepEqual(r.ipv6.ips.map((ip) => ip.replace(/^fd00:10::(\w*)\/122$/, 'ok')), ['ok', 'ok']);
      assert.equal(Object.keys((await ipam.store.getHandle('dual'))?.value.block ?? {}).length, 2);
    });

    test('IPReservations are never handed out', async (t) => {
      const { ds, ipam } = await setup(t, { p: { cidr: '10.0.0.0/29', blockSize: 29 } });
      await addReservation(ds, 'r', ['10.0.0.0/31', '10.0.0.5']);
      const { ipv4 } = await ipam.autoAssign(v4(8, 'node-a'));
      assert.deepEqual(ipv4.ips.map((ip) => ip.split('/')[0]), ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.6', '10.0.0.7']);
    });

    test('release by handle frees the addresses and deletes the handle; the empty affine block stays the host\'s', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/24' } });
      const { ipv4 } = await ipam.autoAssign(v4(3, 'node-a', 'h'));
      assert.equal(await ipam.releaseByHandle('h'), 3);
      assert.equal(await ipam.store.getHandle('h'), undefined);
      const [block] = await ipam.store.listBlocks();
      assert.equal(block?.value.affinity, 'host:node-a');
      assert.equal(block?.value.allocations.every((a) => a === null), true);
      await assert.rejects(ipam.getAssignmentAttributes(ipv4.ips[0]?.split('/')[0] ?? ''), { code: 'not-found' });
      await assert.rejects(ipam.releaseByHandle('h'), { code: 'not-found' });
    });

    test('release by IP decrements the handle; unallocated addresses are reported, not errors', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/24' } });
      const { ipv4 } = await ipam.autoAssign(v4(2, 'node-a', 'h'));
      const [first] = ipv4.ips.map((ip) => ip.split('/')[0] ?? '');
      const out = await ipam.releaseIps([{ address: first as never }, { address: '10.0.0.200' as never }, { address: '192.168.0.1' as never }]);
      assert.deepEqual(out.released, [first]);
      assert.deepEqual(out.unallocated.sort(), ['10.0.0.200', '192.168.0.1']);
      assert.equal(Object.values((await ipam.store.getHandle('h'))?.value.block ?? {})[0], 1);
    });

    test('assigning a given address claims its block; assigning it twice is already-exists', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/24' } });
      assert.equal(await ipam.assignIp({ ip: '10.0.0.77', hostname: 'node-a', handleId: 'x' }), '10.0.0.77');
      assert.equal((await ipam.store.getBlock('10.0.0.64/26'))?.value.affinity, 'host:node-a');
      await assert.rejects(ipam.assignIp({ ip: '10.0.0.77', hostname: 'node-b', handleId: 'y' }), { code: 'already-exists' });
      await assert.rejects(ipam.assignIp({ ip: '10.9.0.1', hostname: 'node-a' }), { message: 'The provided IP address is not in a configured pool' });
      assert.equal((await ipam.getAssignmentAttributes('10.0.0.77')).handle_id, 'x');
    });

    test('releasing the last address of an unaffine block deletes the block', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/24' } });
      const { ipv4 } = await ipam.autoAssign(v4(2, 'node-a', 'h'));
      await ipam.releaseHostAffinities('node-a', false);
      const [block] = await ipam.store.listBlocks();
      assert.equal(block?.value.affinity, null, 'a non-empty block loses its affinity but keeps its addresses');
      await ipam.releaseIps(ipv4.ips.map((ip) => ({ address: ip.split('/')[0] as never })));
      assert.deepEqual(await ipam.store.listBlocks(), []);
    });

    test('an empty block claimed over a minute ago by another host is reclaimed when the pool is full', async (t) => {
      const { ipam, advance } = await setup(t, { p: { cidr: '10.0.0.0/30', blockSize: 30 } });
      await ipam.autoAssign(v4(1, 'node-a', 'a'));
      await ipam.releaseByHandle('a');
      const early = await ipam.autoAssign(v4(1, 'node-b', 'b'));
      assert.equal(early.ipv4.ips.length, 1, 'borrowed, not reclaimed');
      assert.equal((await ipam.store.listAffinities(host('node-b'))).length, 0);
      await ipam.releaseByHandle('b');
      advance(61_000);
      await ipam.autoAssign(v4(1, 'node-b', 'b2'));
      assert.deepEqual((await ipam.store.listAffinities()).map((a) => a.host), ['node-b']);
    });

    test('IPAM configuration: defaults are not written; cross-field rules are enforced', async (t) => {
      const { ipam } = await setup(t, {});
      assert.deepEqual(await ipam.getConfig(), {
        strictAffinity: false,
        autoAllocateBlocks: true,
        maxBlocksPerHost: 0,
        kubeVirtVMAddressPersistence: 'Enabled',
        ipCooldownSeconds: 0,
      });
      assert.equal(await ipam.store.getConfig(), undefined);
      await assert.rejects(ipam.updateConfig((c) => ({ ...c, maxBlocksPerHost: 3 })), { message: 'MaxBlocksPerHost requires StrictAffinity to be enabled' });
      await ipam.updateConfig((c) => ({ ...c, strictAffinity: true }));
      assert.equal((await ipam.getConfig()).strictAffinity, true);
    });

    test('a pool\'s nodeSelector decides which hosts draw from it', async (t) => {
      const s = await tempStore();
      t.after(() => s.cleanup());
      await addNode(s.ds, 'node-a', { zone: 'a' });
      await addNode(s.ds, 'node-b', { zone: 'b' });
      await addPool(s.ds, 'pool-a', { cidr: '10.1.0.0/24', nodeSelector: "zone == 'a'" });
      await addPool(s.ds, 'pool-b', { cidr: '10.2.0.0/24', nodeSelector: "zone == 'b'" });
      const ipam = new IpamClient(s.ds);
      assert.match((await ipam.autoAssign(v4(1, 'node-a'))).ipv4.ips[0] ?? '', /^10\.1\.0\./);
      assert.match((await ipam.autoAssign(v4(1, 'node-b'))).ipv4.ips[0] ?? '', /^10\.2\.0\./);
    });

    test('when its pool stops selecting the node, an emptied block loses its affinity on release', async (t) => {
      const s = await tempStore();
      t.after(() => s.cleanup());
      await addNode(s.ds, 'node-a', { zone: 'a' });
      await addPool(s.ds, 'pool-a', { cidr: '10.1.0.0/24', nodeSelector: "zone == 'a'" });
      const ipam = new IpamClient(s.ds);
      await ipam.autoAssign(v4(1, 'node-a', 'h'));
      const node = await s.ds.get({ kind: 'Node', name: 'node-a' });
      assert.ok(node);
      await s.ds.update({ ...node, metadata: { ...node.metadata, labels: { zone: 'b' } } });
      await ipam.releaseByHandle('h');
      assert.deepEqual(await ipam.store.listAffinities(host('node-a')), []);
      assert.deepEqual(await ipam.store.listBlocks(), [], 'the empty block went with its affinity');
    });
    test('attributes are looked up through enabled pools only: an address in a disabled pool reads as not assigned', async (t) => {
      const { ds, ipam } = await setup(t, { p: { cidr: '10.0.0.0/24' } });
      await ipam.assignIp({ ip: '10.0.0.5', hostname: 'node-a', handleId: 'h' });
      const pool = await ds.get({ kind: 'IPPool', name: 'p' });
      assert.ok(pool);
      await ds.update({ ...pool, spec: { ...(pool.spec as object), disabled: true } });
      await assert.rejects(ipam.getAssignmentAttributes('10.0.0.5'), { code: 'not-found' });
      assert.deepEqual((await ipam.releaseIps([{ address: '10.0.0.5' as never }])).released, ['10.0.0.5'], 'release still finds it');
    });
    test('Windows host-reserved edges: new blocks pre-allocate them and auto-assign starts after them', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/24' } });
      const windows = { startOfBlock: 3, endOfBlock: 1, handle: 'windows-reserved-ipam-handle', note: 'windows host rsvd' };
      const { ipv4 } = await ipam.autoAssign({ ...v4(1, 'node-a', 'w'), hostReservedAttrIPv4s: windows });
      const [block] = await ipam.store.listBlocks();
      const base = Number(block?.value.cidr.split('.')[3]?.split('/')[0]);
      assert.equal(ipv4.ips[0], `10.0.0.${base + 3}/26`);
      assert.equal((await ipam.getAssignmentAttributes(`10.0.0.${base + 63}`)).handle_id, 'windows-reserved-ipam-handle');
    });

    test('pools whose blocks cannot hold the host-reserved edges do not qualify', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/24', blockSize: 30 } });
      const windows = { startOfBlock: 3, endOfBlock: 1, handle: 'windows-reserved-ipam-handle', note: 'windows host rsvd' };
      await assert.rejects(ipam.autoAssign({ ...v4(1, 'node-a'), hostReservedAttrIPv4s: windows }), { code: 'exhausted', message: 'cannot find a qualified ippool' });
    });
    test('releasing a pool\'s affinities deletes its empty blocks and leaves the others unaffine', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/24', blockSize: 26 } });
      await ipam.autoAssign(v4(1, 'node-a', 'a'));
      await ipam.autoAssign(v4(1, 'node-b', 'b'));
      await ipam.releaseByHandle('b');
      await ipam.releasePoolAffinities('10.0.0.0/24');
      assert.deepEqual(await ipam.store.listAffinities(), []);
      const blocks = await ipam.store.listBlocks();
      assert.equal(blocks.length, 1);
      assert.equal(blocks[0]?.value.affinity, null);
      assert.equal((await ipam.ipsByHandle('a')).length, 1);
    });
    test('with an IP cooldown a released address is not handed out again until the cooldown has passed', async (t) => {
      const { ipam, advance } = await setup(t, { p: { cidr: '10.0.0.0/30', blockSize: 30 } });
      await ipam.updateConfig((c) => ({ ...c, ipCooldownSeconds: 60 }));
      await ipam.autoAssign(v4(4, 'node-a', 'a'));
      await ipam.releaseIps([{ address: '10.0.0.2' as never }]);
      await assert.rejects(ipam.getAssignmentAttributes('10.0.0.2'), /address 10\.0\.0\.2 is in cooldown/);
      assert.equal((await ipam.autoAssign(v4(1, 'node-a', 'b'))).ipv4.ips.length, 0);
      advance(60_000);
      assert.deepEqual((await ipam.autoAssign(v4(1, 'node-a', 'c'))).ipv4.ips, ['10.0.0.2/30']);
    });

    test('a release carrying a stale sequence number fails and releases nothing', async (t) => {
      const { ipam } = await setup(t, { p: { cidr: '10.0.0.0/30', blockSize: 30 } });
      await ipam.autoAssign(v4(4, 'node-a', 'old'));
      const [block] = await ipam.store.listBlocks();
      const staleSeq = block?.value.sequenceNumberForAllocation['1'] ?? 0;
      await ipam.releaseIps([{ address: '10.0.0.1' as never }]);
      await ipam.autoAssign(v4(1, 'node-a', 'new'));
      await assert.rejects(ipam.releaseIps([{ address: '10.0.0.1' as never, handle: 'old', sequenceNumber: staleSeq }]), { code: 'conflict' });
      assert.equal((await ipam.getAssignmentAttributes('10.0.0.1')).handle_id, 'new');
    });
    test('an empty block of a pool that still selects the host is kept even when this request cannot use it', async (t) => {
      const { ipam } = await setup(t, { tunnel: { cidr: '10.9.0.0/24', allowedUses: ['Tunnel'] }, workload: { cidr: '10.0.0.0/24' } });
      await ipam.autoAssign({ ...v4(1, 'node-a', 't'), intendedUse: 'Tunnel' });
      await ipam.releaseByHandle('t');
      await ipam.autoAssign(v4(1, 'node-a', 'w'));
      const pools = (await ipam.store.listAffinities(host('node-a'))).map((a) => a.cidr.split('.').slice(0, 2).join('.')).sort();
      assert.deepEqual(pools, ['10.0', '10.9'], 'the empty tunnel block stays affine');
    });
    test('LoadBalancer addresses come from LoadBalancer pools in blocks affine to virtual:load-balancer, no Node needed', async (t) => {
      const { ipam } = await setup(t, { lb: { cidr: '10.99.0.0/24', allowedUses: ['LoadBalancer'] }, pods: { cidr: '10.0.0.0/24' } }, []);
      const { ipv4 } = await ipam.autoAssign({ num4: 1, num6: 0, hostname: '', handleId: 'lb-1', intendedUse: 'LoadBalancer' });
      assert.match(ipv4.ips[0] ?? '', /^10\.99\.0\./);
      const [block] = await ipam.store.listBlocks();
      assert.equal(block?.value.affinity, 'virtual:load-balancer');
      assert.deepEqual((await ipam.store.listAffinities(LOAD_BALANCER)).map((a) => [a.type, a.host, a.cidr, a.value.state]), [['virtual', 'load-balancer', block?.value.cidr, 'confirmed']]);
    });
    test('a node named load-balancer owns its blocks apart from the virtual LoadBalancer owner', async (t) => {
      const { ipam } = await setup(t, { lb: { cidr: '10.99.0.0/24', allowedUses: ['LoadBalancer'] }, pods: { cidr: '10.0.0.0/24' } }, ['load-balancer']);
      await ipam.autoAssign({ num4: 1, num6: 0, hostname: '', handleId: 'lb-1', intendedUse: 'LoadBalancer' });
      await ipam.autoAssign(v4(1, 'load-balancer', 'pod-1'));
      const owners = (await ipam.store.listAffinities()).map((a) => `${a.type}:${a.host} ${a.cidr.slice(0, 5)}`).sort();
      assert.deepEqual(owners, ['host:load-balancer 10.0.', 'virtual:load-balancer 10.99']);
      assert.deepEqual((await ipam.store.listAffinities(host('load-balancer'))).map((a) => a.cidr.slice(0, 5)), ['10.0.']);
      await ipam.releaseHostAffinities('load-balancer', false);
      assert.deepEqual((await ipam.store.listAffinities()).map((a) => `${a.type}:${a.host}`), ['virtual:load-balancer'], "the node's release leaves the virtual owner's affinity");
    });
  });
}
