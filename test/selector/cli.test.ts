// `calicoctl selector …` end to end: runs the CLI from source through tsx so
// the test does not depend on a prior build.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function calicoctl(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/ctl/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('calicoctl selector', () => {
  it('parse prints the canonical form', () => {
    const r = calicoctl('selector', 'parse', `app=='web'&&has( tier )||!(env in {'b','a'})`);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '((app == "web" && has(tier)) || !env in {"a", "b"})\n');
  });

  it('parse --id also prints the unique ID', () => {
    const r = calicoctl('selector', 'parse', '--id', ' all() ');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'all()\ns:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug\n');
  });

  it('eval prints true for a match and false otherwise', () => {
    const yes = calicoctl('selector', 'eval', 'app == "web" && !has(debug)', '--labels', '{"app":"web"}');
    assert.equal(yes.code, 0);
    assert.equal(yes.stdout, 'true\n');
    const no = calicoctl('selector', 'eval', 'app == "web" && !has(debug)', '--labels', '{"app":"web","debug":""}');
    assert.equal(no.code, 0);
    assert.equal(no.stdout, 'false\n');
  });

  it('a bad expression exits 1 with the error and its position on stderr, no stack trace', () => {
    const r = calicoctl('selector', 'parse', 'a = "b"');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /expected == \(at character 2\)/);
    assert.match(r.stderr, /\n {2}a = "b"\n {4}\^\n$/);
    assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
  });

  it('bad --labels JSON exits 1 with the reason on stderr', () => {
    const r = calicoctl('selector', 'eval', 'has(a)', '--labels', '{a:1}');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Error: --labels is not valid JSON/);
    assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
  });

  it('--labels with a non-string value exits 1', () => {
    const r = calicoctl('selector', 'eval', 'has(a)', '--labels', '{"a":1}');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: --labels: the value of label "a" must be a string\n');
  });
});
