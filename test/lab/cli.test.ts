// The calico-lab command line as a contract: what each command prints and
// its exit code, clear errors without stack traces, and a machine left as it
// was found — nothing added to the root namespace, nothing left after down.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { labNamespaces } from '../../src/lab/network.js';
import { labCli, type CliRun, type LabCli } from './cli.js';

function ok(r: CliRun): CliRun {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function failsClearly(r: CliRun, message: RegExp): void {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

function rootLinks(): string[] {
  return spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(':')[1]?.trim() ?? '').filter((n) => n !== '').sort();
}

const DENY_A = JSON.stringify({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny-a', namespace: 'web' },
  spec: { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Ingress'] },
});

describe('calico-lab command line (sqlite datastore)', () => {
  let lab: LabCli;
  let linksBefore: string[];
  before(async () => {
    lab = labCli('c');
    linksBefore = rootLinks();
  });
  after(async () => {
    await lab.cleanup();
  });

  it('refuses commands on a lab that is not up', async () => {
    failsClearly(await lab.run(['pods']), /is not up.*calico-lab up/);
  });

  it('up starts the lab and says so', async () => {
    const r = ok(await lab.run(['up']));
    assert.match(r.stdout, new RegExp(`lab "${lab.name}" is up: 1 host\\(s\\), sqlite datastore, pool 10\\.244\\.0\\.0/16`));
    assert.deepEqual(labNamespaces(lab.name).sort(), [`cl-${lab.name}-host1`, `cl-${lab.name}-net`]);
  });

  it('a second up fails and leaves the running lab alone', async () => {
    failsClearly(await lab.run(['up']), /already up/);
    assert.equal(labNamespaces(lab.name).length, 2);
  });

  it('nothing was added to the root namespace', () => {
    assert.deepEqual(rootLinks(), linksBefore);
  });

  it('rejects a malformed label, a malformed port and an unknown namespace', async () => {
    failsClearly(await lab.run(['ns', 'add', 'web', '--labels', 'tier']), /label "tier" must be written key=value/);
    failsClearly(await lab.run(['ns', 'add', 'Web']), /namespace "Web" must be a DNS label/);
    failsClearly(await lab.run(['pod', 'add', 'nowhere/p', '--serve', 'tcp:80']), /namespace "nowhere" does not exist/);
    failsClearly(await lab.run(['pod', 'add', 'web', '--serve', 'tcp:80']), /must be written NAMESPACE\/NAME/);
    failsClearly(await lab.run(['pod', 'add', 'x/p', '--serve', 'sctp:80']), /must be written \[name=\]tcp:PORT/);
  });

  it('ns add, then pod add prints each pod with an address from the default pool', async () => {
    ok(await lab.run(['ns', 'add', 'web', '--labels', 'team=blue']));
    const a = ok(await lab.run(['pod', 'add', 'web/a', '--labels', 'app=a', '--serve', 'http=tcp:80,udp:53']));
    assert.match(a.stdout, /^web\/a 10\.244\.\d+\.\d+\n$/);
    const b = ok(await lab.run(['pod', 'add', 'web/b', '--labels', 'app=b']));
    assert.match(b.stdout, /^web\/b 10\.244\.\d+\.\d+\n$/);
  });

  it('pods --json lists namespace, name, node, addresses and labels', async () => {
    const list = JSON.parse(ok(await lab.run(['pods', '--json'])).stdout) as { namespace: string; name: string; node: string; ips: string[]; labels: Record<string, string> }[];
    assert.deepEqual(list.map((p) => [p.namespace, p.name, p.node, p.labels]), [
      ['web', 'a', 'host-1', { app: 'a' }],
      ['web', 'b', 'host-1', { app: 'b' }],
    ]);
    for (const p of list) assert.match(p.ips[0] ?? '', /^10\.244\./);
  });

  it('the WorkloadEndpoint carries the named port and the namespace profiles', async () => {
    const r = ok(await lab.run(['ctl', 'get', 'workloadendpoints', '-n', 'web', '-o', 'json']));
    const items = (JSON.parse(r.stdout) as { items: { spec: { pod: string; ports?: unknown[]; profiles: string[] } }[] }).items;
    const a = items.find((i) => i.spec.pod === 'a');
    assert.deepEqual(a?.spec.ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
    assert.deepEqual(a?.spec.profiles, ['kns.web', 'ksa.web.default']);
    const profile = JSON.parse(ok(await lab.run(['ctl', 'get', 'profile', 'kns.web', '-o', 'json'])).stdout) as { spec: { labelsToApply: Record<string, string> } };
    assert.equal(profile.spec.labelsToApply['pcns.team'], 'blue');
  });

  it('probe exits 0 for a served port and 1 for one nobody serves, TCP and UDP', async () => {
    ok(await lab.run(['probe', 'web/b', 'web/a', '--port', '80', '--protocol', 'tcp']));
    ok(await lab.run(['probe', 'web/b', 'web/a', '--port', '53', '--protocol', 'udp']));
    const r = await lab.run(['probe', 'web/b', 'web/a', '--port', '81', '--protocol', 'tcp']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /blocked/);
  });

  it('a policy applied through ctl is in force after sync', async () => {
    ok(await lab.run(['ctl', 'apply', '-f', '-'], DENY_A));
    ok(await lab.run(['sync']));
    assert.equal((await lab.run(['probe', 'web/b', 'web/a', '--port', '80', '--protocol', 'tcp'])).code, 1);
    const m = JSON.parse(ok(await lab.run(['matrix', '--port', '80', '--protocol', 'tcp', '--json'])).stdout) as unknown;
    // b serves nothing: only a's own probe of itself reaches a listener on a.
    assert.deepEqual(m, { 'web/a': { 'web/a': true, 'web/b': false }, 'web/b': { 'web/a': false, 'web/b': false } });
    const table = ok(await lab.run(['matrix', '--port', '80', '--protocol', 'tcp'])).stdout;
    assert.match(table, /web\/b\s+X\s+X/);
  });

  it('a UDP probe is a new flow even when an earlier, allowed flow used its source port', async () => {
    const a = (JSON.parse(ok(await lab.run(['pods', '--json'])).stdout) as { name: string; ips: string[] }[]).find((p) => p.name === 'a');
    const podB = labNamespaces(lab.name).find((n) => n.includes('pod_web_b')) ?? '';
    // From a fixed source port, so the flow has one conntrack entry in the host.
    const sendFromFixedPort = (): string => spawnSync('ip', ['netns', 'exec', podB, 'sh', '-c', `echo x | nc -u -w1 -p 40123 ${a?.ips[0] ?? ''} 53`], { encoding: 'utf8' }).stdout;
    ok(await lab.run(['ctl', 'delete', '-f', '-'], DENY_A));
    ok(await lab.run(['sync']));
    assert.notEqual(sendFromFixedPort(), '', 'allowed: a answers');
    ok(await lab.run(['ctl', 'apply', '-f', '-'], DENY_A));
    ok(await lab.run(['sync']));
    assert.notEqual(sendFromFixedPort(), '', 'the established flow continues, as Calico lets it');
    assert.equal((await lab.run(['probe', 'web/b', 'web/a', '--port', '53', '--protocol', 'udp'])).code, 1);
    assert.equal(sendFromFixedPort(), '', 'the probe made the host forget the flow: the policy now decides');
  });

  it('pod del removes the pod and its namespace', async () => {
    ok(await lab.run(['pod', 'del', 'web/b']));
    const list = JSON.parse(ok(await lab.run(['pods', '--json'])).stdout) as { name: string }[];
    assert.deepEqual(list.map((p) => p.name), ['a']);
    assert.ok(!labNamespaces(lab.name).some((n) => n.includes('pod_web_b')));
    failsClearly(await lab.run(['pod', 'del', 'web/b']), /pod web\/b does not exist/);
  });

  it('down removes every namespace, process and file, and is idempotent', async () => {
    const agentPid = (JSON.parse(readFileSync(`${lab.dir}/state.json`, 'utf8')) as { hosts: { agentPid: number }[] }).hosts[0]?.agentPid ?? 0;
    const r = ok(await lab.run(['down']));
    assert.match(r.stdout, /lab down: \d+ process\(es\) stopped, 3 namespace\(s\) removed/);
    assert.deepEqual(labNamespaces(lab.name), []);
    assert.equal(existsSync(lab.dir), false);
    assert.throws(() => process.kill(agentPid, 0));
    assert.match(ok(await lab.run(['down'])).stdout, /0 process\(es\) stopped, 0 namespace\(s\) removed/);
    assert.deepEqual(rootLinks(), linksBefore);
  });
});

describe('calico-lab down after a crash', () => {
  let lab: LabCli;
  before(() => {
    lab = labCli('k');
  });
  after(async () => {
    await lab.cleanup();
  });

  it('sync says at once that calico-node is not running', async () => {
    ok(await lab.run(['up']));
    const state = JSON.parse(readFileSync(`${lab.dir}/state.json`, 'utf8')) as { hosts: { agentPid: number }[] };
    process.kill(state.hosts[0]?.agentPid ?? 0, 'SIGKILL');
    while (existsSync(`/proc/${state.hosts[0]?.agentPid ?? 0}`)) await new Promise((r) => setTimeout(r, 20));
    failsClearly(await lab.run(['sync']), /calico-node on host-1 is not running/);
  });

  it('finds the namespaces and daemons of a lab whose state file is gone', async () => {
    ok(await lab.run(['ns', 'add', 'n']));
    ok(await lab.run(['pod', 'add', 'n/p', '--serve', 'tcp:80']));
    spawnSync('rm', ['-f', `${lab.dir}/state.json`, '-r', `${lab.dir}/pods`]);
    const r = ok(await lab.run(['down']));
    assert.match(r.stdout, /lab down: 1 process\(es\) stopped, 3 namespace\(s\) removed/);
    assert.equal(existsSync(lab.dir), false);
    assert.deepEqual(labNamespaces(lab.name), []);
  });
});
