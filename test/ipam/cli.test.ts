// calicoctl ipam end to end: the real command line against a sqlite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IpamClient } from '../../src/ipam/index.js';
import { addNode, addPool, tempSqlite } from './fixtures.js';

const main = fileURLToPath(new URL('../../src/ctl/main.ts', import.meta.url));

function calicoctl(path: string, ...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { ...process.env, DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: path },
    encoding: 'utf8',
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test('ipam check finds a leaked address and release --from-report frees it', async (t) => {
  const s = await tempSqlite();
  t.after(() => s.cleanup());
  await addNode(s.ds, 'node-a');
  await addPool(s.ds, 'pool', { cidr: '10.0.0.0/24' });
  const ipam = new IpamClient(s.ds);
  await ipam.autoAssign({ num4: 1, num6: 0, hostname: 'node-a', handleId: 'k8s-pod-network.abc', attrs: { node: 'node-a', pod: 'web', namespace: 'ns' } });

  const report = `${s.path}.report.json`;
  const checked = calicoctl(s.path, 'ipam', 'check', '--show-problem-ips', '-o', report);
  assert.equal(checked.status, 0, checked.stderr);
  assert.match(checked.stdout, /^ {2}10\.0\.0\.\d+ leaked; attrs Main:k8s-pod-network\.abc Extra:namespace=ns,node=node-a,pod=web$/m);
  assert.match(checked.stdout, /Check complete; found 1 problems\.\n$/);

  const refused = calicoctl(s.path, 'ipam', 'release', '--from-report', report);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /the provided report \(.*\) was produced using a different version|data store is not locked/);

  const released = calicoctl(s.path, 'ipam', 'release', '--from-report', report, '--force');
  assert.equal(released.status, 0, released.stderr);
  assert.match(released.stdout, /Releasing 1 old IPs\.\.\.\nReleased 1 IPs successfully\n/);
  assert.match(released.stdout, /You may now unlock the data store\.\n$/);
  assert.equal(await ipam.store.getHandle('k8s-pod-network.abc'), undefined);
  assert.match(calicoctl(s.path, 'ipam', 'check').stdout, /Check complete; found 0 problems\.\n$/);
});

test('ipam configure --strictaffinity=true is what show --show-configuration reads back', async (t) => {
  const s = await tempSqlite();
  t.after(() => s.cleanup());
  const set = calicoctl(s.path, 'ipam', 'configure', '--strictaffinity=true');
  assert.equal(set.stdout, 'Successfully set StrictAffinity to: true\n', set.stderr);
  assert.match(calicoctl(s.path, 'ipam', 'show', '--show-configuration').stdout, /\| StrictAffinity {15}\| true {6}\|/);
  const bad = calicoctl(s.path, 'ipam', 'release', '--ip', '10.9.9.9');
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'IP address 10.9.9.9 is not assigned\n');
});
