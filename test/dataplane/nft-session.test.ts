// The long-lived nft session: each script is one transaction, failures are
// reported like `nft -f` reports them and leave nothing applied, and the
// session survives its nft process dying. Against the real nft, in a
// namespace of the test's own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns.js';
import { NftSession, oneLine, summarise } from '../../src/dataplane/nft-session.js';

describe('oneLine', () => {
  it('joins script lines with the command separator and drops blank ones', () => {
    assert.equal(oneLine('add table ip t\n\n  add chain ip t c  \n'), 'add table ip t; add chain ip t c');
  });
});

/** nft's error report: the message, the echoed input line, carets under `bad`. */
const report = (message: string, line: string, bad: string): string => `${message}\n${line}\n${' '.repeat(line.indexOf(bad))}${'^'.repeat(bad.length)}\n`;

describe('summarise', () => {
  const cases: { name: string; stderr: string; want: string }[] = [
    {
      name: 'cuts the echoed line to the failing command and names the marked part',
      stderr: report('Error: Could not process rule: No such file or directory', 'add table ip t; add rule ip t nochain counter; add chain ip t c', 'nochain'),
      want: 'Error: Could not process rule: No such file or directory in: add rule ip t nochain counter (at "nochain")',
    },
    {
      name: 'keeps the first command when the error is in it',
      stderr: report('Error: syntax error', 'add tabel ip t; add chain ip t c', 'tabel'),
      want: 'Error: syntax error in: add tabel ip t (at "tabel")',
    },
    { name: 'keeps other lines as they are', stderr: 'Warning: something\n', want: 'Warning: something' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(summarise(c.stderr), c.want));
});

describe('NftSession against the kernel', () => {
  const lab = new NetnsLab('nftsess');
  let ns = '';
  let session: NftSession;

  before(async () => {
    ns = await lab.netns('host');
    session = new NftSession({ prefix: ['ip', 'netns', 'exec', ns] });
  });
  after(async () => {
    session.close();
    await lab.cleanup();
  });

  const table = async (): Promise<string> => (await lab.exec(ns, ['nft', 'list', 'table', 'ip', 'sess'])).stdout;

  it('applies a multi-line script and answers code 0', async () => {
    const r = await session.transaction('add table ip sess\nadd chain ip sess c\nadd rule ip sess c counter accept comment "a;b"\n');
    assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
    assert.match(await table(), /counter packets 0 bytes 0 accept comment "a;b"/);
  });

  it('keeps one nft process across transactions', async () => {
    await session.transaction('add chain ip sess d');
    const pid = session.pid;
    assert.notEqual(pid, undefined);
    await session.transaction('add chain ip sess e');
    assert.equal(session.pid, pid);
  });

  it('reports a failing command and applies none of the transaction', async () => {
    const r = await session.transaction('add chain ip sess before\nadd rule ip sess nochain counter\nadd chain ip sess afterwards');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: .*in: add rule ip sess nochain counter/);
    const t = await table();
    assert.doesNotMatch(t, /chain before/);
    assert.doesNotMatch(t, /chain afterwards/);
  });

  it('starts a new nft when the previous one died, after failing the transaction it was running', async () => {
    const pid = session.pid;
    assert.notEqual(pid, undefined);
    process.kill(pid as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
    const r = await session.transaction('add chain ip sess revived');
    assert.equal(r.code, 0, r.stderr);
    assert.notEqual(session.pid, pid);
    assert.match(await table(), /chain revived/);
  });

  it('recycles the process once its line history passes the limit', async () => {
    const small = new NftSession({ prefix: ['ip', 'netns', 'exec', ns], recycleAfterBytes: 10 });
    try {
      assert.equal((await small.transaction('add chain ip sess r1')).code, 0);
      const first = small.pid;
      assert.equal((await small.transaction('add chain ip sess r2')).code, 0);
      assert.notEqual(small.pid, first);
    } finally {
      small.close();
    }
  });

  it('answers after close without running anything', async () => {
    const closed = new NftSession({ prefix: ['ip', 'netns', 'exec', ns] });
    closed.close();
    const r = await closed.transaction('add chain ip sess never');
    assert.equal(r.code, 127);
    assert.doesNotMatch(await table(), /chain never/);
  });
});
