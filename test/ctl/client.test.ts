// Where calicoctl finds its datastore, and what it says when it cannot reach
// it: fast, naming the endpoint, no stack trace, exit 1. And `version`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gnp, makeCtl, REPO } from './helpers.js';

const clientVersion = `v${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}`;

describe('datastore configuration', () => {
  it('an unreachable etcd fails every resource command at once, naming the endpoint', async (t) => {
    const ctl = makeCtl(t);
    const env = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:9' };
    const f = ctl.file('p.yaml', gnp('p1'));
    for (const args of [['get', 'gnp'], ['apply', '-f', f], ['delete', 'gnp', 'p1'], ['datastore', 'migrate', 'export']]) {
      const started = Date.now();
      const r = await ctl.run(args, { env });
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stdout + r.stderr, /^Failed to create Calico API client: .*http:\/\/127\.0\.0\.1:9/);
      assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(Date.now() - started < 20_000, 'fails fast');
    }
  });

  it('reads the datastore from a CalicoAPIConfig file given with --config', async (t) => {
    const ctl = makeCtl(t);
    const cfg = ctl.file(
      'calicoctl.cfg',
      `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata: {}\nspec:\n  datastoreType: sqlite\n  datastorePath: ${ctl.dir}/other.db\n`,
    );
    assert.equal((await ctl.run(['apply', '-f', ctl.file('p.yaml', gnp('p1')), '-c', cfg])).code, 0);
    assert.equal((await ctl.run(['get', 'gnp', '-o', 'custom-columns=NAME', '--config', cfg])).stdout, 'NAME   \np1     \n\n');
    assert.equal((await ctl.run(['get', 'gnp', '-o', 'custom-columns=NAME'])).stdout, 'NAME   \n\n', 'the environment names another datastore');
  });

  it('a --config file that does not exist is an error', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['get', 'gnp', '-c', `${ctl.dir}/missing.cfg`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Failed to create Calico API client: .*missing\.cfg/);
  });
});

describe('calicoctl version', () => {
  it('--client prints only the client', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['version', '--client']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^Client Version: {4}${clientVersion.replaceAll('.', '\\.')}\nGit commit: {8}\\S+\n$`));
  });

  it('reports unknown cluster version and type until calico/node sets them', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['apply', '-f', ctl.file('p.yaml', gnp('p1'))]);
    const r = await ctl.run(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\nCluster Version: {3}unknown\nCluster Type: {6}unknown\n$/);
  });

  it('fails without ClusterInformation, after printing the client version', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['version']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Client Version:/);
    assert.equal(
      r.stderr,
      'unable to retrieve Cluster Version or Type: resource does not exist: ClusterInformation(default) with error: <nil>\n',
    );
  });

  it('shows the cluster version, and other commands refuse a mismatch unless told to allow it', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['apply', '-f', ctl.file('p.yaml', gnp('p1'))]);
    const ci = ctl.file(
      'ci.yaml',
      'apiVersion: projectcalico.org/v3\nkind: ClusterInformation\nmetadata:\n  name: default\nspec:\n  calicoVersion: v9.9.9\n  clusterType: typha,bgp\n  datastoreReady: true\n',
    );
    assert.equal((await ctl.run(['replace', '-f', ci])).code, 0);
    const v = await ctl.run(['version']);
    assert.match(v.stdout, /\nCluster Version: {3}v9\.9\.9\nCluster Type: {6}typha,bgp\n$/);
    const refused = await ctl.run(['get', 'gnp']);
    assert.deepEqual(
      [refused.code, refused.stderr],
      [1, `failed to get resources: version mismatch.\nClient Version:   ${clientVersion}\nCluster Version:  9.9.9\nUse --allow-version-mismatch to override\n`],
    );
    const allowed = await ctl.run(['get', 'gnp', '--allow-version-mismatch', '-o', 'custom-columns=NAME']);
    assert.deepEqual([allowed.code, allowed.stdout], [0, 'NAME   \np1     \n\n']);
  });

  it('rejects a malformed --poll duration', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['version', '--poll', 'soon']);
    assert.deepEqual([r.code, r.stderr], [1, 'invalid poll duration specified: soon\n']);
  });
});
