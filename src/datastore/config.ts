// Where the datastore is, as calicoctl learns it (libcalico-go apiconfig):
// from the config file when it exists, otherwise from the environment. Like
// upstream, a config file that exists is used alone: the environment does not
// override or fill in its fields. A missing file at the default path falls back
// to the environment; a missing file named explicitly is an error.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CalicoError, fieldError, type FieldError } from '../api/errors.js';
import { CALICO_API_VERSION } from '../api/meta.js';

// The YAML parser loads only when a config file is read: the CNI plugin reads
// the environment alone and pays start-up time on every ADD and DEL.
const requireLazily = createRequire(import.meta.url);
function parseYaml(text: string): unknown {
  return (requireLazily('yaml') as typeof import('yaml')).parse(text);
}

export const DEFAULT_CONFIG_FILE = '/etc/calico/calicoctl.cfg';
export const DEFAULT_DATASTORE_PATH = '/var/lib/calico/calico.db';

export interface SqliteConfig {
  readonly type: 'sqlite';
  /** The SQLite file, `DATASTORE_PATH`. */
  readonly path: string;
}

/** PEM material: read from a file, or given inline (etcdCACert/etcdCert/etcdKey in the config file). */
export type Pem = { readonly file: string } | { readonly inline: string };

export interface EtcdConfig {
  readonly type: 'etcdv3';
  /** `http://host:port` or `https://host:port`, at least one. */
  readonly endpoints: readonly string[];
  readonly caCert?: Pem;
  readonly cert?: Pem;
  readonly key?: Pem;
  readonly username?: string;
  readonly password?: string;
}

export type DatastoreConfig = SqliteConfig | EtcdConfig;

export interface LoadOptions {
  /** `--config`; DEFAULT_CONFIG_FILE when omitted; `''` reads the environment only (upstream's LoadClientConfig("")). */
  readonly configFile?: string;
  /** The environment to read; process.env when omitted. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The spec fields of CalicoAPIConfig and the environment variable of each (upstream envconfig tags). */
const SPEC_FIELDS = {
  datastoreType: 'DATASTORE_TYPE',
  datastorePath: 'DATASTORE_PATH',
  etcdEndpoints: 'ETCD_ENDPOINTS',
  etcdUsername: 'ETCD_USERNAME',
  etcdPassword: 'ETCD_PASSWORD',
  etcdKeyFile: 'ETCD_KEY_FILE',
  etcdCertFile: 'ETCD_CERT_FILE',
  etcdCACertFile: 'ETCD_CA_CERT_FILE',
  etcdKey: undefined,
  etcdCert: undefined,
  etcdCACert: undefined,
} as const;

type SpecField = keyof typeof SPEC_FIELDS;
type RawSpec = Partial<Record<SpecField, string>>;

/** Fields upstream knows but Calico-TS does not use (Kubernetes datastore); accepted in a file and ignored. */
const IGNORED_SPEC_FIELDS = new Set([
  'etcdDiscoverySrv',
  'kubeconfig',
  'k8sAPIEndpoint',
  'k8sKeyFile',
  'k8sCertFile',
  'k8sCAFile',
  'k8sAPIToken',
  'k8sInsecureSkipTLSVerify',
  'k8sDisableNodePoll',
  'usePodCIDR',
  'kubeconfigInline',
  'k8sClientQPS',
  'k8sClientBurst',
  'k8sCurrentContext',
  'calicoAPIGroup',
]);

export function loadDatastoreConfig(options: LoadOptions = {}): DatastoreConfig {
  const env = options.env ?? process.env;
  const file = options.configFile ?? DEFAULT_CONFIG_FILE;
  if (file === '') return datastoreConfigFromEnv(env);
  if (existsSync(file)) return configFromSpec(readConfigFile(file), `config file ${file}`);
  if (options.configFile !== undefined && options.configFile !== DEFAULT_CONFIG_FILE) {
    throw new CalicoError('not-found', `error reading config file: ${file} does not exist`);
  }
  return datastoreConfigFromEnv(env);
}

/** The configuration from environment variables alone (upstream's LoadClientConfig("")). */
export function datastoreConfigFromEnv(env: Readonly<Record<string, string | undefined>>): DatastoreConfig {
  return configFromSpec(specFromEnv(env), 'environment');
}

/**
 * Upstream reads each variable with envconfig's `CALICO_` prefix first, then
 * without it; both spellings work, the prefixed one wins.
 */
function specFromEnv(env: Readonly<Record<string, string | undefined>>): RawSpec {
  const spec: RawSpec = {};
  for (const [field, name] of Object.entries(SPEC_FIELDS) as [SpecField, string | undefined][]) {
    if (name === undefined) continue;
    const value = env[`CALICO_${name}`] ?? env[name];
    if (value !== undefined && value !== '') spec[field] = value;
  }
  return spec;
}

function readConfigFile(file: string): RawSpec {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CalicoError('parse', `syntax error in ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const errors: FieldError[] = [];
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CalicoError('parse', `syntax error in ${file}: expected a CalicoAPIConfig document`);
  }
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) {
      errors.push(fieldError('unknown-field', k, `unknown field "${k}"`));
    }
  }
  if (d.apiVersion !== CALICO_API_VERSION) {
    errors.push(fieldError('invalid-value', 'apiVersion', `unknown APIVersion '${String(d.apiVersion ?? '')}'`));
  }
  if (d.kind !== 'CalicoAPIConfig') {
    errors.push(fieldError('invalid-value', 'kind', `expected kind 'CalicoAPIConfig', got '${String(d.kind ?? '')}'`));
  }
  const spec: RawSpec = {};
  const rawSpec = d.spec ?? {};
  if (typeof rawSpec !== 'object' || rawSpec === null || Array.isArray(rawSpec)) {
    errors.push(fieldError('invalid-value', 'spec', 'spec must be a mapping'));
  } else {
    for (const [k, v] of Object.entries(rawSpec)) {
      if (IGNORED_SPEC_FIELDS.has(k)) continue;
      if (!(k in SPEC_FIELDS)) {
        errors.push(fieldError('unknown-field', `spec.${k}`, `unknown field "${k}"`));
      } else if (typeof v !== 'string') {
        errors.push(fieldError('invalid-value', `spec.${k}`, 'must be a string'));
      } else if (v !== '') {
        spec[k as SpecField] = v;
      }
    }
  }
  if (errors.length > 0) throw CalicoError.fromFieldErrors(`invalid config file ${file}`, errors);
  return spec;
}

function pem(file: string | undefined, inline: string | undefined): Pem | undefined {
  if (inline !== undefined) return { inline };
  if (file !== undefined) return { file };
  return undefined;
}

function configFromSpec(spec: RawSpec, source: string): DatastoreConfig {
  // As upstream's applyConfigDefaults: endpoints alone select etcd; otherwise
  // the default here is the local sqlite file (upstream's is Kubernetes).
  const type = spec.datastoreType ?? (spec.etcdEndpoints !== undefined ? 'etcdv3' : 'sqlite');
  if (type === 'sqlite') return { type, path: spec.datastorePath ?? DEFAULT_DATASTORE_PATH };
  if (type !== 'etcdv3') {
    throw new CalicoError(
      'invalid-value',
      `${source}: datastoreType "${type}" is not supported; use "sqlite" or "etcdv3"`,
      [fieldError('invalid-value', 'spec.datastoreType', `"${type}" is not supported`)],
    );
  }
  const endpoints = (spec.etcdEndpoints ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (endpoints.length === 0) {
    throw new CalicoError('required', `${source}: datastoreType etcdv3 needs etcdEndpoints (ETCD_ENDPOINTS)`, [
      fieldError('required', 'spec.etcdEndpoints', 'at least one etcd endpoint is required'),
    ]);
  }
  const bad = endpoints.filter((e) => !/^https?:\/\/[^/]+\/?$/.test(e));
  if (bad.length > 0) {
    throw new CalicoError(
      'invalid-value',
      `${source}: etcd endpoints must look like http://host:port or https://host:port, not ${bad.map((b) => `"${b}"`).join(', ')}`,
    );
  }
  const caCert = pem(spec.etcdCACertFile, spec.etcdCACert);
  const cert = pem(spec.etcdCertFile, spec.etcdCert);
  const key = pem(spec.etcdKeyFile, spec.etcdKey);
  if ((cert === undefined) !== (key === undefined)) {
    throw new CalicoError('required', `${source}: an etcd client certificate needs both etcdCertFile and etcdKeyFile`);
  }
  return {
    type,
    endpoints: endpoints.map((e) => e.replace(/\/$/, '')),
    ...(caCert === undefined ? {} : { caCert }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(spec.etcdUsername === undefined ? {} : { username: spec.etcdUsername }),
    ...(spec.etcdPassword === undefined ? {} : { password: spec.etcdPassword }),
  };
}
