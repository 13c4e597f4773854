// calicoctl create | apply | replace: messages, exit codes, all-or-nothing
// files, server-set metadata and compare-and-swap, as calicoctl behaves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { docs, gnp, makeCtl } from './helpers.js';

interface Meta {
  name: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
}

async function getYaml(ctl: ReturnType<typeof makeCtl>, ...args: string[]): Promise<{ metadata: Meta; spec: Record<string, unknown> }> {
  const r = await ctl.run(['get', ...args, '-o', 'yaml']);
  assert.equal(r.code, 0, r.stderr);
  return parse(r.stdout) as { metadata: Meta; spec: Record<string, unknown> };
}

describe('calicoctl create', () => {
  it('reports the count and kind of what it created, and exit 0', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', docs(gnp('p1'), gnp('p2')));
    const r = await ctl.run(['create', '-f', f]);
    assert.deepEqual(r, { code: 0, stdout: "Successfully created 2 'GlobalNetworkPolicy' resource(s)\n", stderr: '' });
  });

  it('names no kind when the file mixes kinds', async (t) => {
    const ctl = makeCtl(t);
    const tier = 'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: gold\nspec:\n  order: 10\n';
    const f = ctl.file('p.yaml', docs(tier, gnp('p1', '  tier: gold\n  selector: all()\n')));
    const r = await ctl.run(['create', '-f', f]);
    assert.equal(r.stdout, 'Successfully created 2 resource(s)\n');
    assert.equal(r.code, 0);
  });

  it('fails on resources that exist, listing every error calicoctl-style', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', docs(gnp('p1'), gnp('p2')));
    await ctl.run(['create', '-f', f]);
    const r = await ctl.run(['create', '-f', f]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "failed to create any 'GlobalNetworkPolicy' resources: [resource already exists: GlobalNetworkPolicy(p1) with error: <nil> " +
        'resource already exists: GlobalNetworkPolicy(p2) with error: <nil>]\n',
    );
  });

  it('says "resource" for a single failing resource', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', gnp('p1'));
    await ctl.run(['create', '-f', f]);
    const r = await ctl.run(['create', '-f', f]);
    assert.equal(r.stderr, "failed to create 'GlobalNetworkPolicy' resource: [resource already exists: GlobalNetworkPolicy(p1) with error: <nil>]\n");
  });

  it('writes the rest and reports partial success when some already exist', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['create', '-f', ctl.file('a.yaml', gnp('p1'))]);
    const r = await ctl.run(['create', '-f', ctl.file('b.yaml', docs(gnp('p1'), gnp('p2'), gnp('p3')))]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "Partial success: created the first 2 out of 3 'GlobalNetworkPolicy' resources:\n");
    assert.equal(r.stderr, 'hit error: [resource already exists: GlobalNetworkPolicy(p1) with error: <nil>]\n');
    assert.equal((await getYaml(ctl, 'gnp', 'p3')).metadata.name, 'p3');
  });

  it('--skip-exists counts existing resources as created', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', docs(gnp('p1'), gnp('p2')));
    await ctl.run(['create', '-f', f]);
    const r = await ctl.run(['create', '-f', f, '--skip-exists']);
    assert.deepEqual([r.code, r.stdout], [0, "Successfully created 2 'GlobalNetworkPolicy' resource(s)\n"]);
  });

  it('rejects a resourceVersion in the document, as the Calico client does on Create', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', gnp('p1').replace('  name: p1\n', '  name: p1\n  resourceVersion: "12"\n'));
    const r = await ctl.run(['create', '-f', f]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "failed to create 'GlobalNetworkPolicy' resource: [error with field Metadata.ResourceVersion = '12' (field must not be set for a Create request)]\n",
    );
  });

  it('sets uid, creationTimestamp and resourceVersion, ignoring any the file gives', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', gnp('p1').replace('  name: p1\n', '  name: p1\n  uid: not-mine\n  creationTimestamp: "2001-01-01T00:00:00Z"\n'));
    assert.equal((await ctl.run(['create', '-f', f])).code, 0);
    const { metadata } = await getYaml(ctl, 'gnp', 'p1');
    assert.match(metadata.uid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(metadata.creationTimestamp, '2001-01-01T00:00:00Z');
    assert.match(metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(metadata.resourceVersion ?? '', /^\d+$/);
  });

  it('applies Calico defaults before writing (tier, types, tier label)', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['create', '-f', ctl.file('p.yaml', gnp('p1', '  selector: all()\n  egress:\n  - action: Allow\n'))]);
    const { metadata, spec } = await getYaml(ctl, 'gnp', 'p1');
    assert.equal(spec['tier'], 'default');
    assert.deepEqual(spec['types'], ['Egress']);
    assert.equal(metadata.labels?.['projectcalico.org/tier'], 'default');
  });

  it('creates ClusterInformation and the built-in tiers on the first write', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['create', '-f', ctl.file('p.yaml', gnp('p1'))]);
    const tiers = await ctl.run(['get', 'tiers']);
    assert.equal(
      tiers.stdout,
      'NAME            ORDER   \nkube-admin      1000    \ndefault         1e+06   \nkube-baseline   1e+07   \n\n',
    );
    const ci = await getYaml(ctl, 'clusterinformation', 'default');
    assert.match(String(ci.spec['clusterGUID']), /^[0-9a-f]{32}$/);
    assert.equal(ci.spec['datastoreReady'], true);
    assert.equal(ci.spec['calicoVersion'], undefined);
  });
});

describe('a file is checked whole before anything is written', () => {
  const bad = gnp('p2', '  selector: "app =="\n  order: abc\n  bogus: 1\n');

  it('reports every invalid field with file, line, document, kind and name, and writes nothing', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', docs(gnp('p1'), bad));
    const r = await ctl.run(['apply', '-f', f]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 3, r.stderr);
    assert.ok(lines[0]?.startsWith(`failed to execute command: ${f}:`), r.stderr);
    for (const field of ['spec.selector', 'spec.order', 'spec.bogus']) {
      const re = new RegExp(`${f}:\\d+: document 2 \\(GlobalNetworkPolicy "p2"\\): ${field.replace('.', '\\.')}: `);
      assert.ok(lines.some((l) => re.test(l)), `${field} not reported in:\n${r.stderr}`);
    }
    const got = await ctl.run(['get', 'gnp', 'p1']);
    assert.equal(got.code, 1);
    assert.equal(got.stderr, 'resource does not exist: GlobalNetworkPolicy(p1) with error: <nil>\n');
  });

  it('refuses a policy whose tier does not exist, writing none of the file', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', docs(gnp('p1'), gnp('p2', '  tier: gold\n  selector: all()\n')));
    const r = await ctl.run(['create', '-f', f]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `failed to execute command: ${f}:8: document 2 (GlobalNetworkPolicy "p2"): resource does not exist: Tier(gold) with error: <nil>\n`,
    );
    assert.equal((await ctl.run(['get', 'gnp', '-o', 'yaml'])).stdout.includes('name: p1'), false);
  });

  it('reads every manifest of a directory, sub-directories only with -R', async (t) => {
    const ctl = makeCtl(t);
    ctl.file('a.yaml', gnp('p1'));
    ctl.file('b.json', JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'p2' }, spec: {} }));
    ctl.file('notes.txt', 'not a manifest');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(`${ctl.dir}/sub`);
    ctl.file('sub/c.yaml', gnp('p3'));
    assert.equal((await ctl.run(['create', '-f', ctl.dir])).stdout, "Successfully created 2 'GlobalNetworkPolicy' resource(s)\n");
    assert.equal((await ctl.run(['apply', '-f', ctl.dir, '-R'])).stdout, "Successfully applied 3 'GlobalNetworkPolicy' resource(s)\n");
  });

  it('reads stdin with -f -', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['apply', '-f', '-'], { stdin: gnp('p1') });
    assert.deepEqual([r.code, r.stdout], [0, "Successfully applied 1 'GlobalNetworkPolicy' resource(s)\n"]);
  });

  it('fails on a missing file and on an empty one (unless --skip-empty)', async (t) => {
    const ctl = makeCtl(t);
    const missing = await ctl.run(['apply', '-f', `${ctl.dir}/nope.yaml`]);
    assert.deepEqual([missing.code, missing.stderr], [1, `failed to execute command: open ${ctl.dir}/nope.yaml: no such file or directory\n`]);
    const empty = ctl.file('empty.yaml', '');
    const r = await ctl.run(['apply', '-f', empty]);
    assert.deepEqual([r.code, r.stderr], [1, `no resources specified in file ${empty}\n`]);
    const skipped = await ctl.run(['apply', '-f', empty, '--skip-empty']);
    assert.deepEqual([skipped.code, skipped.stdout], [0, 'No resources specified\n']);
  });
});

describe('calicoctl apply and replace', () => {
  it('apply creates, then updates in place keeping uid and creationTimestamp', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', gnp('p1'));
    assert.equal((await ctl.run(['apply', '-f', f])).stdout, "Successfully applied 1 'GlobalNetworkPolicy' resource(s)\n");
    const before = await getYaml(ctl, 'gnp', 'p1');
    ctl.file('p.yaml', gnp('p1', '  selector: all()\n  order: 7\n'));
    assert.equal((await ctl.run(['apply', '-f', f])).code, 0);
    const after = await getYaml(ctl, 'gnp', 'p1');
    assert.equal(after.spec['order'], 7);
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.creationTimestamp, before.metadata.creationTimestamp);
    assert.ok(Number(after.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
  });

  it('apply refuses ClusterInformation, which is read-only', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('ci.yaml', 'apiVersion: projectcalico.org/v3\nkind: ClusterInformation\nmetadata:\n  name: default\nspec: {}\n');
    const r = await ctl.run(['apply', '-f', f]);
    assert.deepEqual(
      [r.code, r.stderr],
      [1, "failed to apply 'ClusterInformation' resource: [operation apply is not supported on ClusterInformation: resource is readonly]\n"],
    );
  });

  it('replace of a resource that does not exist: calicoctl counts it, so "Partial success" then the error', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['replace', '-f', ctl.file('p.yaml', gnp('p1'))]);
    assert.deepEqual(r, {
      code: 1,
      stdout: "Partial success: replaced the first 1 out of 1 'GlobalNetworkPolicy' resources:\n",
      stderr: 'hit error: resource does not exist: GlobalNetworkPolicy(p1) with error: <nil>\n',
    });
  });

  it('replace reports a namespace mismatch as a failure to replace', async (t) => {
    const ctl = makeCtl(t);
    const np = 'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: a\n  namespace: prod\nspec: {}\n';
    const r = await ctl.run(['replace', '-f', ctl.file('np.yaml', np), '-n', 'dev']);
    assert.deepEqual(
      [r.code, r.stderr],
      [1, "failed to replace 'NetworkPolicy' resource: resource namespace does not match client namespace. prod != dev\n"],
    );
  });

  it('replace with the current resourceVersion succeeds; with a stale one it is an update conflict', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['apply', '-f', ctl.file('p.yaml', gnp('p1'))]);
    const exported = (await ctl.run(['get', 'gnp', 'p1', '-o', 'yaml'])).stdout;
    const f = ctl.file('current.yaml', exported);
    assert.deepEqual(await ctl.run(['replace', '-f', f]), {
      code: 0,
      stdout: "Successfully replaced 1 'GlobalNetworkPolicy' resource(s)\n",
      stderr: '',
    });
    assert.deepEqual(await ctl.run(['replace', '-f', f]), {
      code: 1,
      stdout: "Partial success: replaced the first 1 out of 1 'GlobalNetworkPolicy' resources:\n",
      stderr: 'hit error: update conflict: GlobalNetworkPolicy(p1)\n',
    });
    const staleApply = await ctl.run(['apply', '-f', f]);
    assert.equal(staleApply.stderr, "failed to apply 'GlobalNetworkPolicy' resource: [update conflict: GlobalNetworkPolicy(p1)]\n");
  });

  it('apply without a resourceVersion is unconditional', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('p.yaml', gnp('p1'));
    for (let i = 0; i < 2; i++) assert.equal((await ctl.run(['apply', '-f', f])).code, 0);
  });

  it('validate checks files without a datastore', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['validate', '-f', ctl.file('p.yaml', docs(gnp('p1'), gnp('p2')))], {
      env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:1' },
    });
    assert.deepEqual([r.code, r.stdout], [0, "Successfully validated 2 'GlobalNetworkPolicy' resource(s)\n"]);
  });
});
