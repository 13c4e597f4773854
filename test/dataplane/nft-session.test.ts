// The long-lived nft session: each script is one transaction, failures are
// reported like `nft -f` reports them and leave nothing applied, and the
// session survives its nft process dying. Against the real nft, in a
// namespace of the test's own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { NetnsLab } from '../helpers/netns.js';
import { NftSession, oneLine, summarise } from '../../src/dataplane/nft-session.js';
import { NetnsShell } from '../../src/dataplane/shell.js';

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
    {
      name: 'reads an error in an included script without the file name',
      stderr: `In file included from <cmdline>:1:1-27:\n/tmp/calico-nft-x/3.nft:2:20-26: ${report('Error: Could not process rule: No such file or directory', 'add rule ip t nochain counter', 'nochain')}`,
      want: 'Error: Could not process rule: No such file or directory in: add rule ip t nochain counter (at "nochain")',
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

  it('sends a script over the inline limit through a file it removes (with its directory) afterwards, still as one transaction', async () => {
    const big = new NftSession({ prefix: ['ip', 'netns', 'exec', ns], inlineMaxBytes: 100 });
    try {
      const elements = Array.from({ length: 50 }, (_, i) => `10.9.0.${i}`).join(', ');
      const ok = await big.transaction(`add set ip sess big { type ipv4_addr; }\nadd element ip sess big { ${elements} }\n`);
      assert.deepEqual(ok, { code: 0, stdout: '', stderr: '' });
      assert.match((await lab.exec(ns, ['nft', 'list', 'set', 'ip', 'sess', 'big'])).stdout, /10\.9\.0\.49/);
      const bad = await big.transaction(`add set ip sess big2 { type ipv4_addr; }\nadd element ip sess big2 { ${elements} }\nadd rule ip sess nochain counter\n`);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^Error: .*in: add rule ip sess nochain counter/);
      assert.notEqual((await lab.exec(ns, ['nft', 'list', 'set', 'ip', 'sess', 'big2'])).code, 0, 'nothing of the failed transaction applied');
      const dir = big.lastScriptDirectory;
      assert.notEqual(dir, undefined);
      assert.equal(existsSync(dir ?? ''), false, 'the script and its directory are gone once nft answered');
    } finally {
      big.close();
    }
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

  it('is unusable when nft ends before its first answer (no interactive mode), and says so with code 127', async () => {
    // `sh -c 'exit 1' …` stands for an nft that cannot run `-i`: it ends without reading a line.
    const none = new NftSession({ prefix: ['sh', '-c', 'exit 1', 'nft-without-cli'] });
    try {
      const r = await none.transaction('add chain ip sess never');
      assert.equal(r.code, 127);
      assert.equal(none.unusable, true);
      assert.equal((await none.transaction('add chain ip sess never')).code, 127);
    } finally {
      none.close();
    }
  });

  it('NetnsShell falls back to nft -f when its session is unusable', async () => {
    const shell = new NetnsShell(ns, new NftSession({ prefix: ['sh', '-c', 'exit 1', 'nft-without-cli'] }));
    try {
      assert.equal((await shell.nftTransaction('add chain ip sess viashell')).code, 0);
      assert.match(await table(), /chain viashell/);
    } finally {
      shell.close();
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
