// Several processes, one per host, allocating and releasing against one
// datastore at once: no address is ever held twice, every handle maps to
// exactly its addresses, and `ipam check` finds nothing wrong afterwards.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IpamClient } from '../../src/ipam/index.js';
import { check } from '../../src/ipam/commands.js';
import { addNode, addPool, tempSqlite } from './fixtures.js';

const worker = fileURLToPath(new URL('./alloc-worker.ts', import.meta.url));

interface Event {
  readonly event: 'assigned' | 'released' | 'error';
  readonly handle: string;
  readonly ip?: string;
  readonly message?: string;
}

function runWorker(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<{ events: Event[]; code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`worker ${args[1] ?? ''} exited ${code}: ${err}`));
      const events = out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Event);
      resolve({ events, code, signal });
    });
  });
}

async function checkProblems(ds: Parameters<typeof check>[0], output?: string): Promise<{ problems: number; text: string }> {
  let text = '';
  const problems = await check(ds, (s) => (text += s), { showAllIps: false, showProblemIps: true, version: 'test', ...(output === undefined ? {} : { output }) });
  return { problems, text };
}

const HOSTS = ['host-1', 'host-2', 'host-3', 'host-4', 'host-5'];

test('five hosts allocating and releasing 2,000 addresses at once never share an address', { timeout: 600_000 }, async (t) => {
  const s = await tempSqlite();
  t.after(() => s.cleanup());
  for (const h of HOSTS) await addNode(s.ds, h);
  await addPool(s.ds, 'pool', { cidr: '10.128.0.0/20', blockSize: 26 });

  // 400 allocations per host; every third is released again straight away, by handle or by address.
  const runs = await Promise.all(HOSTS.map((h) => runWorker(t, [s.path, h, '400', '3'])));
  const events = runs.flatMap((r) => r.events);
  assert.deepEqual(events.filter((e) => e.event === 'error'), []);
  assert.equal(events.filter((e) => e.event === 'assigned').length, 2000);

  const released = new Set(events.filter((e) => e.event === 'released').map((e) => e.handle));
  const live = events.filter((e) => e.event === 'assigned' && !released.has(e.handle));
  const liveIps = live.map((e) => e.ip);
  assert.equal(new Set(liveIps).size, liveIps.length, 'no address is held by two handles');

  const ipam = new IpamClient(s.ds);
  for (const e of live) assert.deepEqual(await ipam.ipsByHandle(e.handle), [e.ip], `handle ${e.handle}`);
  for (const h of released) assert.equal(await ipam.store.getHandle(h), undefined, `released handle ${h} is gone`);
  const allocated = (await ipam.store.listBlocks()).reduce((n, b) => n + b.value.allocations.filter((a) => a !== null).length, 0);
  assert.equal(allocated, live.length, 'blocks hold exactly the live addresses');
  for (const b of await ipam.store.listBlocks()) assert.match(b.value.affinity ?? '', /^host:host-\d$/, 'no host borrowed: each had room to claim');

  const after = await checkProblems(s.ds);
  assert.equal(after.problems, 0, after.text);
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
