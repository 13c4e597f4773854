// calicoctl get: tables per kind (NAME, NAMESPACE with -n/-A, wide columns),
// custom columns, YAML/JSON objects and lists, namespaces, and errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { docs, gnp, makeCtl, type Ctl } from './helpers.js';

const np = (ns: string, name: string, order?: number) =>
  `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector: app == 'web'\n${
    order === undefined ? '' : `  order: ${order}\n`
  }`;

/** 28 characters: its column is 31 wide (tabwriter padding 3). */
const SEL = "app == 'web' && tier == 'fe'";

const pool = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: pool1\nspec:\n  cidr: 10.1.0.0/16\n  natOutgoing: true\n';

describe('calicoctl get', () => {
  const ctl: Ctl = makeCtl({ after });
  before(async () => {
    const r = await ctl.run([
      'apply',
      '-f',
      ctl.file('all.yaml', docs(gnp('p1', `  selector: ${SEL}\n  order: 100\n`), gnp('p2'), np('default', 'a'), np('prod', 'b', 5), pool)),
    ]);
    assert.equal(r.code, 0, r.stderr);
  });

  const tables: readonly (readonly [string, readonly string[], string])[] = [
    ['a kind: NAME and TIER', ['get', 'gnp'], 'NAME   TIER      \np1     default   \np2     default   \n\n'],
    [
      'wide adds ORDER and SELECTOR, <nil> for an unset order',
      ['get', 'globalnetworkpolicies', '-o', 'wide'],
      `NAME   TIER      ORDER   ${'SELECTOR'.padEnd(31)}\np1     default   100     ${SEL.padEnd(31)}\np2     default   <nil>   ${'all()'.padEnd(31)}\n\n`,
    ],
    ['one table per named resource', ['get', 'gnp', 'p2', 'p1'], 'NAME   TIER      \np2     default   \n\nNAME   TIER      \np1     default   \n\n'],
    ['a namespaced kind lists the default namespace', ['get', 'networkpolicy'], 'NAME   TIER      \na      default   \n\n'],
    ['-n names the namespace and adds the NAMESPACE column', ['get', 'np', '-n', 'prod'], 'NAMESPACE   NAME   TIER      \nprod        b      default   \n\n'],
    [
      '-A lists every namespace with a NAMESPACE column',
      ['get', 'policies', '-A'],
      'NAMESPACE   NAME   TIER      \ndefault     a      default   \nprod        b      default   \n\n',
    ],
    ['the hidden -a is -A', ['get', 'pol', '-a', '-o', 'custom-columns=NAME'], 'NAME   \na      \nb      \n\n'],
    [
      'custom-columns picks headings in the given order',
      ['get', 'gnp', '-o', 'custom-columns=SELECTOR,NAME'],
      `${'SELECTOR'.padEnd(31)}NAME   \n${SEL.padEnd(31)}p1     \n${'all()'.padEnd(31)}p2     \n\n`,
    ],
    ['an IPPool: NAME CIDR SELECTOR (defaulted)', ['get', 'ippools'], 'NAME    CIDR          SELECTOR   \npool1   10.1.0.0/16   all()      \n\n'],
    [
      'an IPPool wide: encapsulation Never, NAT, assignment mode',
      ['get', 'ipp', '-o', 'wide'],
      'NAME    CIDR          NAT    IPIPMODE   VXLANMODE   DISABLED   DISABLEBGPEXPORT   SELECTOR   ASSIGNMENTMODE   \npool1   10.1.0.0/16   true   Never      Never       false      false              all()      Automatic        \n\n',
    ],
  ];
  for (const [name, args, expected] of tables) {
    it(`table: ${name}`, async () => {
      const r = await ctl.run(args);
      assert.deepEqual(r, { code: 0, stdout: expected, stderr: '' });
    });
  }

  it('-o yaml of a kind is its List with the datastore revision', async () => {
    const r = await ctl.run(['get', 'gnp', '-o', 'yaml']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^apiVersion: projectcalico\.org\/v3\nitems:\n- apiVersion: projectcalico\.org\/v3\n {2}kind: GlobalNetworkPolicy\n/);
    const list = parse(r.stdout) as { kind: string; metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] };
    assert.equal(list.kind, 'GlobalNetworkPolicyList');
    assert.match(list.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['p1', 'p2']);
  });

  it('-o yaml of an empty kind prints items: []', async () => {
    const r = await ctl.run(['get', 'hostendpoints', '-o', 'yaml']);
    assert.match(r.stdout, /^apiVersion: projectcalico\.org\/v3\nitems: \[\]\nkind: HostEndpointList\nmetadata:\n {2}resourceVersion: "\d+"\n$/);
  });

  it('-o json of one name is the bare object in Go field order, without a trailing newline', async () => {
    const r = await ctl.run(['get', 'gnp', 'p1', '-o', 'json']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\{\n {2}"kind": "GlobalNetworkPolicy",\n {2}"apiVersion": "projectcalico\.org\/v3",\n {2}"metadata": \{\n {4}"name": "p1",\n {4}"uid": /);
    assert.ok(r.stdout.includes('\\u0026\\u0026'), 'Go escapes & in JSON');
    assert.ok(!r.stdout.endsWith('\n'));
    assert.equal((JSON.parse(r.stdout) as { spec: { selector: string } }).spec.selector, "app == 'web' && tier == 'fe'");
  });

  it('-o json of several names is an array', async () => {
    const r = await ctl.run(['get', 'gnp', 'p1', 'p2', '-o', 'json']);
    const arr = JSON.parse(r.stdout) as { metadata: { name: string } }[];
    assert.deepEqual(arr.map((x) => x.metadata.name), ['p1', 'p2']);
  });

  it('--export strips cluster metadata from named resources', async () => {
    const r = await ctl.run(['get', 'gnp', 'p1', '-o', 'yaml', '--export']);
    const obj = parse(r.stdout) as { metadata: Record<string, unknown> };
    assert.deepEqual(Object.keys(obj.metadata).sort(), ['creationTimestamp', 'labels', 'name']);
    assert.equal(obj.metadata['creationTimestamp'], null);
  });

  it('gets the resources a file names', async () => {
    const r = await ctl.run(['get', '-f', ctl.file('get.yaml', docs(gnp('p2'), np('prod', 'b'))), '-o', 'custom-columns=NAME']);
    assert.deepEqual([r.code, r.stdout], [0, 'NAME   \np2     \n\nNAME   \nb      \n\n']);
  });

  const errors: readonly (readonly [string, readonly string[], string, string])[] = [
    [
      'prints what it found, then each missing resource',
      ['get', 'gnp', 'p1', 'nope'],
      'NAME   TIER      \np1     default   \n\n',
      'resource does not exist: GlobalNetworkPolicy(nope) with error: <nil>\n',
    ],
    ['an unknown kind', ['get', 'widgets'], '', "failed to get resources: resource type 'widgets' is not supported\n"],
    ['an unknown output format', ['get', 'gnp', '-o', 'xml'], '', "unrecognized output format 'xml'\n"],
    ['custom-columns without columns', ['get', 'gnp', '-o', 'custom-columns='], '', 'need to specify at least one column\n'],
    [
      'an unknown custom column',
      ['get', 'gnp', '-o', 'custom-columns=NAME,FOO'],
      '',
      'unknown heading FOO, valid values are: NAME, ORDER, SELECTOR, TIER\n',
    ],
    [
      '-A with a name',
      ['get', 'np', 'a', '-A'],
      '',
      'cannot use --all-namespace flag for getting a single resource\n',
    ],
    [
      '-n on a cluster-scoped kind',
      ['get', 'gnp', '-n', 'prod'],
      '',
      'GlobalNetworkPolicy is not namespaced\n',
    ],
    [
      'a namespaced resource missing from the namespace',
      ['get', 'np', 'b'],
      '',
      'resource does not exist: NetworkPolicy(default/b) with error: <nil>\n',
    ],
  ];
  for (const [name, args, stdout, stderr] of errors) {
    it(`error: ${name}`, async () => {
      const r = await ctl.run(args);
      assert.deepEqual(r, { code: 1, stdout, stderr });
    });
  }

  it('lists the virtual projectcalico-default-allow profile, as every Calico datastore does', async () => {
    const r = await ctl.run(['get', 'profiles']);
    assert.deepEqual([r.code, r.stdout], [0, 'NAME                          \nprojectcalico-default-allow   \n\n']);
  });
});
