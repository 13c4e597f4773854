// The agent's dataplane driver reads routes back only when something routes
// depend on changed: a policy change costs one nft transaction, no `ip` execs.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinuxDataplaneDriver } from '../../src/agent/dataplane-driver.js';
import type { DataplaneUpdate } from '../../src/calc/types.js';
import { LinuxDataplane, type ExecResult, type Shell } from '../../src/dataplane/index.js';
import { gnp, policy, rule, wep } from '../dataplane/fixtures.js';

/** An empty kernel: no table yet, no links, no routes; every write succeeds. */
class FakeShell implements Shell {
  readonly commands: string[] = [];
  links: string[] = [];

  exec(argv: readonly string[]): Promise<ExecResult> {
    this.commands.push(argv.join(' '));
    const [cmd, ...rest] = argv;
    if (cmd === 'nft' && rest[1] === 'list') return Promise.resolve({ code: 1, stdout: '', stderr: 'Error: No such file or directory' });
    if (cmd === 'ip' && rest.includes('link')) return Promise.resolve({ code: 0, stdout: JSON.stringify(this.links.map((ifname, i) => ({ ifname, ifindex: i + 2 }))), stderr: '' });
    if (cmd === 'ip' && rest.includes('route')) return Promise.resolve({ code: 0, stdout: '[]', stderr: '' });
    return Promise.resolve({ code: 0, stdout: '', stderr: '' });
  }

  take(): string[] {
    return this.commands.splice(0);
  }
}

const ipExecs = (cmds: readonly string[]): string[] => cmds.filter((c) => c.startsWith('ip '));

describe('the agent dataplane driver', () => {
  let shell: FakeShell;
  let driver: LinuxDataplaneDriver;
  const feed = (...us: DataplaneUpdate[]): void => us.forEach((u) => driver.onUpdate(u));

  beforeEach(async () => {
    shell = new FakeShell();
    driver = new LinuxDataplaneDriver(new LinuxDataplane({ shell, families: [4] }));
    feed({ type: 'config-update', config: {} }, { type: 'in-sync', revision: 1 });
    await driver.resync();
    shell.take();
  });

  it('applies a policy change with nft alone', async () => {
    feed({ type: 'policy-update', id: gnp('p1'), policy: policy({ inboundRules: [rule({ action: 'allow' })] }) });
    await driver.apply();
    const cmds = shell.take();
    assert.deepEqual(ipExecs(cmds), []);
    assert.ok(cmds.some((c) => c.startsWith('nft -f')), 'the policy was written');
  });

  it('reads routes back when an endpoint changed', async () => {
    shell.links = ['calia'];
    feed({ type: 'workload-endpoint-update', endpoint: wep('calia', ['10.0.0.1/32']) });
    await driver.apply();
    assert.ok(ipExecs(shell.take()).some((c) => c.includes('route')));
  });

  it('keeps looking at routes while an endpoint waits for its interface', async () => {
    feed({ type: 'workload-endpoint-update', endpoint: wep('calib', ['10.0.0.2/32']) });
    const first = await driver.apply();
    assert.equal(first.routes?.routesPending, 1);
    shell.take();
    shell.links = ['calib'];
    const second = await driver.apply();
    assert.equal(second.routes?.routesPending, 0);
    assert.ok(ipExecs(shell.take()).some((c) => c.includes('route replace') || c.includes('-batch')));
    await driver.apply();
    assert.deepEqual(ipExecs(shell.take()), [], 'and stops once the route is in');
  });

  it('always reads routes back on a resync', async () => {
    await driver.resync();
    assert.ok(ipExecs(shell.take()).length > 0);
  });
});
