// Where a component finds its datastore: calicoctl's config file or, without
// one, its environment variables (libcalico-go apiconfig semantics).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CalicoError } from '../../src/api/errors.js';
import { loadDatastoreConfig, type DatastoreConfig } from '../../src/datastore/index.js';

const dir = mkdtempSync(join(tmpdir(), 'calico-cfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function configFile(text: string): string {
  const path = join(dir, `calicoctl-${n++}.cfg`);
  writeFileSync(path, text);
  return path;
}

describe('datastore configuration from the environment (no config file)', () => {
  const cases: { name: string; env: Record<string, string>; want: DatastoreConfig }[] = [
    { name: 'nothing set: sqlite at the default path', env: {}, want: { type: 'sqlite', path: '/var/lib/calico/calico.db' } },
    { name: 'DATASTORE_PATH moves the sqlite file', env: { DATASTORE_PATH: '/tmp/x.db' }, want: { type: 'sqlite', path: '/tmp/x.db' } },
    {
      name: 'ETCD_ENDPOINTS alone selects etcdv3',
      env: { ETCD_ENDPOINTS: 'http://10.0.0.1:2379, http://10.0.0.2:2379/' },
      want: { type: 'etcdv3', endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'] },
    },
    {
      name: 'TLS files',
      env: {
        DATASTORE_TYPE: 'etcdv3',
        ETCD_ENDPOINTS: 'https://e:2379',
        ETCD_CA_CERT_FILE: '/ca.pem',
        ETCD_CERT_FILE: '/c.pem',
        ETCD_KEY_FILE: '/k.pem',
      },
      want: { type: 'etcdv3', endpoints: ['https://e:2379'], caCert: { file: '/ca.pem' }, cert: { file: '/c.pem' }, key: { file: '/k.pem' } },
    },
    {
      name: 'the CALICO_-prefixed variable wins over the plain one',
      env: { CALICO_DATASTORE_TYPE: 'sqlite', DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://e:2379' },
      want: { type: 'sqlite', path: '/var/lib/calico/calico.db' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(loadDatastoreConfig({ configFile: '', env: c.env }), c.want);
    });
  }
});

describe('datastore configuration from calicoctl.cfg', () => {
  it('reads CalicoAPIConfig spec fields', () => {
    const file = configFile(`apiVersion: projectcalico.org/v3
kind: CalicoAPIConfig
metadata: {}
spec:
  datastoreType: etcdv3
  etcdEndpoints: https://a:2379,https://b:2379
  etcdCACertFile: /etc/calico/ca.pem
  etcdCertFile: /etc/calico/cert.pem
  etcdKeyFile: /etc/calico/key.pem
`);
    assert.deepEqual(loadDatastoreConfig({ configFile: file, env: {} }), {
      type: 'etcdv3',
      endpoints: ['https://a:2379', 'https://b:2379'],
      caCert: { file: '/etc/calico/ca.pem' },
      cert: { file: '/etc/calico/cert.pem' },
      key: { file: '/etc/calico/key.pem' },
    });
  });

  it('an existing file is used alone: the environment does not override it', () => {
    const file = configFile('apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: sqlite\n  datastorePath: /srv/c.db\n');
    const env = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://e:2379', DATASTORE_PATH: '/other.db' };
    assert.deepEqual(loadDatastoreConfig({ configFile: file, env }), { type: 'sqlite', path: '/srv/c.db' });
  });

  it('a missing file named explicitly is an error, not a silent fallback', () => {
    assert.throws(
      () => loadDatastoreConfig({ configFile: join(dir, 'nope.cfg'), env: {} }),
      (e: unknown) => e instanceof CalicoError && e.code === 'not-found' && e.message.includes('nope.cfg'),
    );
  });

  const bad: { name: string; text: string; code: string; path: string }[] = [
    { name: 'wrong apiVersion', text: 'apiVersion: v1\nkind: CalicoAPIConfig\n', code: 'invalid-value', path: 'apiVersion' },
    { name: 'wrong kind', text: 'apiVersion: projectcalico.org/v3\nkind: Config\n', code: 'invalid-value', path: 'kind' },
    { name: 'unknown spec field', text: 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  etcdEndpoint: x\n', code: 'unknown-field', path: 'spec.etcdEndpoint' },
    { name: 'unsupported datastore', text: 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: kubernetes\n', code: 'invalid-value', path: 'spec.datastoreType' },
    { name: 'etcd without endpoints', text: 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: etcdv3\n', code: 'required', path: 'spec.etcdEndpoints' },
  ];
  for (const c of bad) {
    it(`rejects ${c.name} naming the field`, () => {
      const file = configFile(c.text);
      assert.throws(
        () => loadDatastoreConfig({ configFile: file, env: {} }),
        (e: unknown) => e instanceof CalicoError && e.code === c.code && e.details.some((d) => d.path === c.path),
      );
    });
  }

  it('rejects a file that is not YAML', () => {
    const file = configFile('spec: [unclosed');
    assert.throws(() => loadDatastoreConfig({ configFile: file, env: {} }), (e: unknown) => e instanceof CalicoError && e.code === 'parse');
  });
});
