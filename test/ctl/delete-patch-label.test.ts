// calicoctl delete | patch | label: by kind and name or by file, with
// calicoctl's messages for what is missing, protected or already set.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { copyCtl, docs, gnp, makeCtl, type Ctl } from './helpers.js';

async function seeded(t: { after(fn: () => void): void }, ...extra: string[]): Promise<Ctl> {
  const ctl = makeCtl(t);
  const r = await ctl.run(['apply', '-f', ctl.file('seed.yaml', docs(gnp('p1'), gnp('p2'), ...extra))]);
  assert.equal(r.code, 0, r.stderr);
  return ctl;
}

const tier = (name: string) => `apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: ${name}\nspec:\n  order: 50\n`;

describe('calicoctl delete', () => {
  it('deletes by kind and names', async (t) => {
    const ctl = await seeded(t);
    assert.deepEqual(await ctl.run(['delete', 'gnp', 'p1', 'p2']), {
      code: 0,
      stdout: "Successfully deleted 2 'GlobalNetworkPolicy' resource(s)\n",
      stderr: '',
    });
    assert.equal((await ctl.run(['get', 'gnp'])).stdout, 'NAME   TIER   \n\n');
  });

  it('deletes what a file names', async (t) => {
    const ctl = await seeded(t);
    const r = await ctl.run(['delete', '-f', ctl.file('d.yaml', gnp('p2'))]);
    assert.deepEqual([r.code, r.stdout], [0, "Successfully deleted 1 'GlobalNetworkPolicy' resource(s)\n"]);
  });

  it('reports the deleted ones, then one line per missing resource, exit 1', async (t) => {
    const ctl = await seeded(t);
    const r = await ctl.run(['delete', 'gnp', 'p1', 'nope']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "Successfully deleted 1 'GlobalNetworkPolicy' resource(s)\n");
    assert.equal(r.stderr, "Failed to delete 'GlobalNetworkPolicy' resource: resource does not exist: GlobalNetworkPolicy(nope) with error: <nil>\n\n");
  });

  it('--skip-not-exists treats missing resources as deleted', async (t) => {
    const ctl = await seeded(t);
    const r = await ctl.run(['delete', 'gnp', 'nope', '--skip-not-exists']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, "Successfully deleted 1 'GlobalNetworkPolicy' resource(s)\n", '']);
    assert.equal((await ctl.run(['delete', 'gnp', 'nope', '-s'])).code, 0);
  });

  it('refuses to delete a built-in tier', async (t) => {
    const ctl = await seeded(t);
    const r = await ctl.run(['delete', 'tier', 'default']);
    assert.deepEqual(
      [r.code, r.stderr],
      [1, "Failed to delete 'Tier' resource: operation Delete is not supported on default: Cannot delete default tier\n\n"],
    );
  });

  it('refuses to delete a tier that still has policies, then deletes it once empty', async (t) => {
    const ctl = await seeded(t, tier('gold'), gnp('g1', '  tier: gold\n  selector: all()\n'));
    const r = await ctl.run(['delete', 'tier', 'gold']);
    assert.equal(r.stderr, "Failed to delete 'Tier' resource: operation delete is not supported on gold: Cannot delete a non-empty tier\n\n");
    assert.equal((await ctl.run(['delete', 'gnp', 'g1'])).code, 0);
    assert.equal((await ctl.run(['delete', 'tier', 'gold'])).code, 0);
  });

  it('with the resourceVersion of a file, deletes only that version', async (t) => {
    const ctl = await seeded(t);
    const f = ctl.file('p1.yaml', (await ctl.run(['get', 'gnp', 'p1', '-o', 'yaml'])).stdout);
    await ctl.run(['apply', '-f', ctl.file('p1b.yaml', gnp('p1', '  selector: all()\n  order: 3\n'))]);
    const r = await ctl.run(['delete', '-f', f]);
    assert.deepEqual([r.code, r.stderr], [1, "Failed to delete 'GlobalNetworkPolicy' resource: update conflict: GlobalNetworkPolicy(p1)\n\n"]);
  });

  it('names the namespace of a namespaced resource it cannot find', async (t) => {
    const ctl = await seeded(t);
    const r = await ctl.run(['delete', 'networkpolicy', 'x', '-n', 'prod']);
    assert.equal(r.stderr, "Failed to delete 'NetworkPolicy' resource: resource does not exist: NetworkPolicy(prod/x) with error: <nil>\n\n");
  });
});

describe('calicoctl patch', () => {
  it('merges into the spec and writes it back', async (t) => {
    const ctl = await seeded(t);
    const r = await ctl.run(['patch', 'gnp', 'p1', '-p', '{"spec":{"order":5,"selector":"app == \'x\'"}}']);
    assert.deepEqual(r, { code: 0, stdout: "Successfully patched 1 'GlobalNetworkPolicy' resource\n", stderr: '' });
    const got = parse((await ctl.run(['get', 'gnp', 'p1', '-o', 'yaml'])).stdout) as { spec: Record<string, unknown> };
    assert.equal(got.spec['order'], 5);
    assert.equal(got.spec['selector'], "app == 'x'");
    assert.equal(got.spec['tier'], 'default');
  });

  it('replaces lists whole and deletes keys set to null, as a strategic merge on Calico types does', async (t) => {
    const ctl = await seeded(t, gnp('r', '  selector: all()\n  order: 9\n  ingress:\n  - action: Allow\n  - action: Deny\n'));
    // calicoctl takes -t but applies a strategic merge whatever it says.
    await ctl.run(['patch', 'gnp', 'r', '--patch', '{"spec":{"order":null,"ingress":[{"action":"Log"}]}}', '-t', 'json']);
    const got = parse((await ctl.run(['get', 'gnp', 'r', '-o', 'yaml'])).stdout) as { spec: Record<string, unknown> };
    assert.deepEqual(got.spec['ingress'], [{ action: 'Log' }]);
    assert.equal(got.spec['order'], undefined);
  });

  it('reports a missing resource and an invalid patch', async (t) => {
    const ctl = await seeded(t);
    const missing = await ctl.run(['patch', 'gnp', 'nope', '-p', '{}']);
    assert.deepEqual(
      [missing.code, missing.stderr],
      [1, 'hit error: resource does not exist: GlobalNetworkPolicy(nope) with error: <nil>\n'],
    );
    const invalid = await ctl.run(['patch', 'gnp', 'p1', '-p', '{"spec":{"order":"high"}}']);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^hit error: creating resource from patched data: error with field spec\.order = 'high' \(/);
    const notJson = await ctl.run(['patch', 'gnp', 'p1', '-p', 'not json']);
    assert.match(notJson.stderr, /^hit error: performing strategic merge patch: /);
  });
});

describe('calicoctl label', () => {
  const cases: readonly (readonly [string, readonly string[], number, string, string])[] = [
    ['sets a new label', ['label', 'gnp', 'p1', 'team=blue'], 0, 'Successfully set label team on gnp p1\n', ''],
    [
      'refuses to change a label without --overwrite',
      ['label', 'gnp', 'p1', 'env=dev'],
      1,
      '',
      "failed to update label of gnp p1, key env is already present. please use '--overwrite' to set a new value\n",
    ],
    ['changes a label with --overwrite', ['label', 'gnp', 'p1', 'env=dev', '--overwrite'], 0, 'Successfully updated label env on gnp p1\n', ''],
    ['setting the same value is an update', ['label', 'gnp', 'p1', 'env=prod'], 0, 'Successfully updated label env on gnp p1\n', ''],
    ['removes a label', ['label', 'gnp', 'p1', 'env', '--remove'], 0, 'Successfully removed label env from gnp p1\n', ''],
    [
      'refuses to remove a label that is not there',
      ['label', 'gnp', 'p1', 'nope', '--remove'],
      1,
      '',
      'cannot remove label of gnp p1, key nope does not exist\n',
    ],
    ['rejects a label without a value', ['label', 'gnp', 'p1', 'novalue'], 1, '', 'invalid label novalue\n'],
    ['reports a missing resource', ['label', 'gnp', 'nope', 'a=b'], 1, '', 'gnp nope not found\n'],
    ['rejects an invalid label key', ['label', 'gnp', 'p1', 'bad key=x'], 1, '', 'failed to update gnp p1, label not changed\n'],
  ];
  // Seeded once: p1 carries env=prod; each case works on its own copy.
  const template = makeCtl({ after });
  before(async () => {
    await template.run(['apply', '-f', template.file('seed.yaml', docs(gnp('p1'), gnp('p2')))]);
    assert.equal((await template.run(['label', 'gnp', 'p1', 'env=prod'])).code, 0);
  });
  for (const [name, args, code, stdout, stderr] of cases) {
    it(name, async (t) => {
      const ctl = copyCtl(t, template);
      assert.deepEqual(await ctl.run(args), { code, stdout, stderr });
    });
  }

  it('keeps the policy otherwise unchanged', async (t) => {
    const ctl = await seeded(t);
    await ctl.run(['label', 'gnp', 'p1', 'team=blue']);
    const got = parse((await ctl.run(['get', 'gnp', 'p1', '-o', 'yaml'])).stdout) as { metadata: { labels: Record<string, string> } };
    assert.deepEqual(got.metadata.labels, { 'projectcalico.org/tier': 'default', team: 'blue' });
  });
});
