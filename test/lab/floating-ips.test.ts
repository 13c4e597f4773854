// Floating IPs end to end in a calico-lab: the CNI plugin writes the pod's
// floatingIPs annotation into its WorkloadEndpoint, calico-node's calc graph
// and dataplane program the NAT once FelixConfiguration enables the feature,
// and another pod then reaches the pod through the floating IP — still
// subject to the pod's policy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { podNetnsName } from '../../src/lab/network.js';
import { netnsPrefix } from '../../src/lab/state.js';
import { labCli, type CliRun, type LabCli } from './cli.js';

const FIP = '172.31.0.9';

function ok(r: CliRun): CliRun {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

const felixConfig = (floatingIPs: string): string =>
  JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'default' }, spec: { floatingIPs } });

const DENY_SRV = JSON.stringify({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny-srv', namespace: 'web' },
  spec: { podSelector: { matchLabels: { app: 'srv' } }, policyTypes: ['Ingress'] },
});

describe('calico-lab floating IPs', () => {
  let lab: LabCli;
  /** Whether the client pod connects to `ip`:80 (a fresh TCP connection each time). */
  const reaches = (ip: string): boolean =>
    spawnSync('ip', ['netns', 'exec', podNetnsName(netnsPrefix(lab.name), 'web', 'cli'), 'nc', '-z', '-w', '2', ip, '80']).status === 0;

  before(async () => {
    lab = labCli('fip');
    ok(await lab.run(['up']));
    ok(await lab.run(['ns', 'add', 'web']));
    ok(await lab.run(['pod', 'add', 'web/srv', '--labels', 'app=srv', '--serve', 'tcp:80', '--floating-ips', FIP]));
    ok(await lab.run(['pod', 'add', 'web/cli', '--labels', 'app=cli']));
    ok(await lab.run(['sync']));
  });
  after(async () => {
    await lab.cleanup();
  });

  it("the pod's WorkloadEndpoint carries the floating IP as an ipNATs pair", async () => {
    const weps = JSON.parse(ok(await lab.run(['ctl', 'get', 'workloadendpoints', '-n', 'web', '-o', 'json'])).stdout) as { items?: { spec: { pod?: string; ipNATs?: { externalIP: string }[] } }[] };
    const srv = (weps.items ?? []).find((w) => w.spec.pod === 'srv');
    assert.deepEqual(srv?.spec.ipNATs?.map((n) => n.externalIP), [FIP]);
  });

  it('with FloatingIPs at its default the floating IP leads nowhere', () => {
    assert.equal(reaches(FIP), false);
  });

  it('once FelixConfiguration enables FloatingIPs, the other pod reaches the pod through it', async () => {
    ok(await lab.run(['ctl', 'apply', '-f', '-'], felixConfig('Enabled')));
    ok(await lab.run(['sync']));
    assert.equal(reaches(FIP), true);
  });

  it("the pod's policy applies behind the floating IP", async () => {
    ok(await lab.run(['ctl', 'apply', '-f', '-'], DENY_SRV));
    ok(await lab.run(['sync']));
    assert.equal(reaches(FIP), false);
  });
});
