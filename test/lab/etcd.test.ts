// calico-lab on an etcd datastore: etcd runs inside the lab network's
// namespace, reachable by the lab's hosts and by calico-lab's own commands,
// and by nothing in the root namespace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { labCli, type CliRun, type LabCli } from './cli.js';

function ok(r: CliRun): CliRun {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

const listeners = (netns?: string): string => {
  const argv = netns === undefined ? ['ss', '-ltnH'] : ['ip', 'netns', 'exec', netns, 'ss', '-ltnH'];
  return spawnSync(argv[0] ?? 'ss', argv.slice(1), { encoding: 'utf8' }).stdout;
};

describe('calico-lab with --datastore etcdv3', () => {
  let lab: LabCli;
  before(() => {
    lab = labCli('e');
  });
  after(async () => {
    await lab.cleanup();
  });

  it('up starts etcd on the lab network, inside the lab', async () => {
    assert.match(ok(await lab.run(['up', '--datastore', 'etcdv3'])).stdout, /etcdv3 datastore/);
    assert.match(listeners(`cl-${lab.name}-net`), /172\.30\.0\.1:2379/);
    assert.doesNotMatch(listeners(), /172\.30\.0\.1:2379/);
  });

  it('namespaces, pods, calicoctl, sync and probes work through it', async () => {
    ok(await lab.run(['ns', 'add', 'n']));
    ok(await lab.run(['pod', 'add', 'n/a', '--labels', 'app=a', '--serve', 'udp:53']));
    ok(await lab.run(['pod', 'add', 'n/b']));
    ok(await lab.run(['probe', 'n/b', 'n/a', '--port', '53', '--protocol', 'udp']));
    const deny = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'deny-a', namespace: 'n' }, spec: { selector: "app == 'a'", types: ['Ingress'] } };
    ok(await lab.run(['ctl', 'apply', '-f', '-'], JSON.stringify(deny)));
    assert.match(ok(await lab.run(['ctl', 'get', 'networkpolicy', '-n', 'n'])).stdout, /deny-a/);
    ok(await lab.run(['sync']));
    assert.equal((await lab.run(['probe', 'n/b', 'n/a', '--port', '53', '--protocol', 'udp'])).code, 1);
  });

  it('down stops etcd with the rest', async () => {
    assert.match(ok(await lab.run(['down'])).stdout, /4 namespace\(s\) removed/);
    assert.equal(spawnSync('ip', ['netns', 'exec', `cl-${lab.name}-net`, 'true']).status === 0, false);
  });
});
