// Several processes, one per host, allocating and releasing against one
// datastore at once: no address is ever held twice, every handle maps to
// exactly its addresses, and `ipam check` finds nothing wrong afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNode, addPool, tempSqlite } from './fixtures.js';
import { checkProblems, fiveHostsScenario, runWorker } from './five-hosts.js';

test('five hosts allocating and releasing 2,000 addresses at once on sqlite never share an address', { timeout: 600_000 }, async (t) => {
  const s = await tempSqlite();
  t.after(() => s.cleanup());
  await fiveHostsScenario(t, s.ds, s.path);
});

const crashes = [
  { name: 'after the handle is written but before the block', crashAfter: 'IPAMHandle:5', found: /Found 1 handles with no matching IPs/ },
  { name: 'after the block is written but before the workload records its address', crashAfter: 'IPAMBlock:5', found: /Found 1 IPs that are allocated in IPAM but not actually in use/ },
  { name: 'after claiming the affinity but before creating the block', crashAfter: 'BlockAffinity:1', found: /Found 1 block affinities without a matching block/ },
];

for (const c of crashes) {
  test(`a host killed ${c.name} leaves what ipam check reports and release --from-report repairs`, { timeout: 120_000 }, async (t) => {
    const s = await tempSqlite();
    t.after(() => s.cleanup());
    await addNode(s.ds, 'host-1');
    await addPool(s.ds, 'pool', { cidr: '10.128.0.0/20' });
    // `calicoctl datastore migrate lock`: release --from-report wants a locked datastore.
    await s.ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'ClusterInformation', metadata: { name: 'default' }, spec: { clusterGUID: 'guid', datastoreReady: false } });

    const run = await runWorker(t, [s.path, 'host-1', '10'], { IPAM_CRASH_AFTER: c.crashAfter });
    assert.equal(run.signal, 'SIGKILL');
    const before = await checkProblems(s.ds, `${s.path}.report.json`);
    assert.equal(before.problems, 1, before.text);
    assert.match(before.text, c.found);

    const { releaseFromReports } = await import('../../src/ipam/commands.js');
    let out = '';
    await releaseFromReports(s.ds, (x) => (out += x), [`${s.path}.report.json`], false, 'test');
    const after = await checkProblems(s.ds);
    assert.equal(after.problems, 0, `${out}\n${after.text}`);

    // The host carries on allocating from where it was.
    const next = await runWorker(t, [s.path, 'host-1', '3']);
    assert.equal(next.events.filter((e) => e.event === 'assigned').length, 3);
    assert.equal((await checkProblems(s.ds)).problems, 0);
  });
}
