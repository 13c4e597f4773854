// Kubernetes NetworkPolicy documents (networking.k8s.io/v1) through
// calicoctl: stored as they are, read back as they are, and listed among
// Calico's NetworkPolicies as the `knp.default.<name>` policy they are
// enforced as.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { makeCtl } from './helpers.js';

const knp = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: prod
spec:
  podSelector:
    matchLabels:
      app: web
  ingress:
  - from:
    - podSelector:
        matchLabels:
          role: fe
    ports:
    - port: 80
      protocol: TCP
`;

describe('Kubernetes NetworkPolicy through calicoctl', () => {
  it('apply stores it; get by file and by name returns it as written, with server metadata', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('knp.yaml', knp);
    assert.deepEqual(await ctl.run(['apply', '-f', f]), {
      code: 0,
      stdout: "Successfully applied 1 'NetworkPolicy' resource(s)\n",
      stderr: '',
    });
    for (const args of [['get', '-f', f, '-o', 'yaml'], ['get', 'knp', 'web', '-n', 'prod', '-o', 'yaml']]) {
      const r = await ctl.run(args);
      assert.equal(r.code, 0, r.stderr);
      const got = parse(r.stdout) as { apiVersion: string; kind: string; metadata: Record<string, string>; spec: Record<string, unknown> };
      assert.equal(got.apiVersion, 'networking.k8s.io/v1');
      assert.equal(got.kind, 'NetworkPolicy');
      assert.equal(got.metadata['namespace'], 'prod');
      assert.match(got.metadata['uid'] ?? '', /^[0-9a-f-]{36}$/);
      assert.deepEqual(got.spec['podSelector'], { matchLabels: { app: 'web' } });
    }
  });

  it('lists with -A in its own table (wide shows the pod selector as Go prints it)', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['apply', '-f', ctl.file('knp.yaml', knp)]);
    const r = await ctl.run(['get', 'kubernetesnetworkpolicies', '-A', '-o', 'wide']);
    assert.deepEqual([r.code, r.stdout], [0, 'NAMESPACE   NAME   PODSELECTOR         \nprod        web    {map[app:web] []}   \n\n']);
  });

  it('shows up among Calico NetworkPolicies as the converted knp.default policy', async (t) => {
    const ctl = makeCtl(t);
    await ctl.run(['apply', '-f', ctl.file('knp.yaml', knp)]);
    const table = await ctl.run(['get', 'networkpolicy', '-n', 'prod', '-o', 'custom-columns=NAME,ORDER,SELECTOR']);
    assert.equal(
      table.stdout,
      "NAME              ORDER   SELECTOR                                                  \nknp.default.web   1000    projectcalico.org/orchestrator == 'k8s' && app == 'web'   \n\n",
    );
    const r = await ctl.run(['get', 'networkpolicy', 'knp.default.web', '-n', 'prod', '-o', 'yaml']);
    const got = parse(r.stdout) as { spec: { ingress: unknown[]; tier: string } };
    assert.equal(got.spec.tier, 'default');
    assert.deepEqual(got.spec.ingress, [
      {
        action: 'Allow',
        protocol: 'TCP',
        source: { selector: "projectcalico.org/orchestrator == 'k8s' && role == 'fe'" },
        destination: { ports: [80] },
      },
    ]);
  });

  it('a Calico NetworkPolicy may not take the knp.default. name', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('np.yaml', 'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: knp.default.web\n  namespace: prod\nspec: {}\n');
    const r = await ctl.run(['create', '-f', f]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^failed to create 'NetworkPolicy' resource: \[/);
  });

  it('create twice is "already exists"; delete by file removes it; deleting again is "does not exist"', async (t) => {
    const ctl = makeCtl(t);
    const f = ctl.file('knp.yaml', knp);
    assert.equal((await ctl.run(['create', '-f', f])).code, 0);
    const again = await ctl.run(['create', '-f', f]);
    assert.equal(again.stderr, "failed to create 'NetworkPolicy' resource: [resource already exists: KubernetesNetworkPolicy(prod/web) with error: <nil>]\n");
    assert.deepEqual(await ctl.run(['delete', '-f', f]), {
      code: 0,
      stdout: "Successfully deleted 1 'NetworkPolicy' resource(s)\n",
      stderr: '',
    });
    const gone = await ctl.run(['delete', 'knp', 'web', '-n', 'prod']);
    assert.equal(gone.stderr, "Failed to delete 'NetworkPolicy' resource: resource does not exist: KubernetesNetworkPolicy(prod/web) with error: <nil>\n\n");
    assert.equal((await ctl.run(['get', 'networkpolicy', '-A', '-o', 'custom-columns=NAME'])).stdout, 'NAME   \n\n');
  });

  it('an invalid Kubernetes policy is reported with its fields and not written', async (t) => {
    const ctl = makeCtl(t);
    const r = await ctl.run(['apply', '-f', ctl.file('bad.yaml', knp.replace('protocol: TCP', 'protocol: XTP'))]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^failed to execute command: .*bad\.yaml:\d+: document 1 \(NetworkPolicy "prod\/web"\): spec\.ingress\[0\]\.ports\[0\]\.protocol: /);
    assert.equal((await ctl.run(['get', 'knp', '-A', '-o', 'custom-columns=NAME'])).stdout, 'NAME   \n\n');
  });
});
