// Shared by the concurrency tests: allocator processes (one per host) and the
// five-hosts scenario, run on sqlite and on a three-member etcd cluster.
import { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IpamClient } from '../../src/ipam/index.js';
import { check } from '../../src/ipam/commands.js';
import type { Datastore } from '../../src/datastore/types.js';
import { addNode, addPool } from './fixtures.js';

const worker = fileURLToPath(new URL('./alloc-worker.ts', import.meta.url));

interface Event {
  readonly event: 'assigned' | 'released' | 'error';
  readonly handle: string;
  readonly ip?: string;
  readonly message?: string;
}

export function runWorker(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<{ events: Event[]; code: number | null; signal: string | null }> {
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

export async function checkProblems(ds: Parameters<typeof check>[0], output?: string): Promise<{ problems: number; text: string }> {
  let text = '';
  const problems = await check(ds, (s) => (text += s), { showAllIps: false, showProblemIps: true, version: 'test', ...(output === undefined ? {} : { output }) });
  return { problems, text };
}

export const HOSTS = ['host-1', 'host-2', 'host-3', 'host-4', 'host-5'];

/** Five hosts at once on one datastore; `where` is a sqlite path or a datastore configuration as JSON. */
export async function fiveHostsScenario(t: TestContext, ds: Datastore, where: string): Promise<void> {
  for (const h of HOSTS) await addNode(ds, h);
  await addPool(ds, 'pool', { cidr: '10.128.0.0/20', blockSize: 26 });

  // 400 allocations per host; every third is released again straight away, by handle or by address.
  const runs = await Promise.all(HOSTS.map((h) => runWorker(t, [where, h, '400', '3'])));
  const events = runs.flatMap((r) => r.events);
  assert.deepEqual(events.filter((e) => e.event === 'error'), []);
  assert.equal(events.filter((e) => e.event === 'assigned').length, 2000);

  const released = new Set(events.filter((e) => e.event === 'released').map((e) => e.handle));
  const live = events.filter((e) => e.event === 'assigned' && !released.has(e.handle));
  const liveIps = live.map((e) => e.ip);
  assert.equal(new Set(liveIps).size, liveIps.length, 'no address is held by two handles');

  const ipam = new IpamClient(ds);
  for (const e of live) assert.deepEqual(await ipam.ipsByHandle(e.handle), [e.ip], `handle ${e.handle}`);
  for (const h of released) assert.equal(await ipam.store.getHandle(h), undefined, `released handle ${h} is gone`);
  const allocated = (await ipam.store.listBlocks()).reduce((n, b) => n + b.value.allocations.filter((a) => a !== null).length, 0);
  assert.equal(allocated, live.length, 'blocks hold exactly the live addresses');
  for (const b of await ipam.store.listBlocks()) assert.match(b.value.affinity ?? '', /^host:host-\d$/, 'no host borrowed: each had room to claim');

  const after = await checkProblems(ds);
  assert.equal(after.problems, 0, after.text);
}
