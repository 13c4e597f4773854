// The plugins installed into a CNI plugin directory by scripts/install-cni.sh
// run from there with a runtime's clean environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Like the other CNI tests, this runs the build (the test command builds first).
test('install-cni puts executable calico and calico-ipam into the directory, answering VERSION', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const install = spawnSync('bash', ['scripts/install-cni.sh', dir], { encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  for (const plugin of ['calico', 'calico-ipam']) {
    const path = join(dir, plugin);
    assert.ok((statSync(path).mode & 0o111) !== 0, `${plugin} is executable`);
    const r = spawnSync(path, [], { input: '{"cniVersion":"1.1.0"}', env: { CNI_COMMAND: 'VERSION' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { supportedVersions: string[] };
    assert.ok(out.supportedVersions.includes('1.1.0'));
  }
});
