// What every attachment command of the `calico` and `calico-ipam` plugins
// starts from: the configuration, the node, the container's identifiers and
// an open datastore that Calico considers ready.
import { appendFileSync } from 'node:fs';

const DEFAULT_DATASTORE_PATH = '/var/lib/calico/calico.db';
import type { DatastoreConfig } from '../datastore/config.js';
import type { Datastore } from '../datastore/types.js';
import { CniCode, CniError, toCniError } from './errors.js';
import { identifiers, parseCniArgs, type WepIdentifiers } from './identity.js';
import { determineNodename, parseNetConf, requireNodenameFile, type NetConf } from './netconf.js';
import type { CmdArgs } from './skel.js';

export interface Context {
  readonly conf: NetConf;
  readonly node: string;
  readonly cniArgs: ReadonlyMap<string, string>;
  readonly ids: WepIdentifiers;
  readonly log: Logger;
}

export interface Logger {
  info(msg: string): void;
  debug(msg: string): void;
  error(msg: string): void;
  /** At debug level: milliseconds since the process started, to see where an ADD or DEL spends its time. */
  lap(phase: string): void;
}

/** Logs go to stderr (the runtime keeps it) and to log_file_path when set; stdin is never logged. */
export function logger(conf: NetConf, containerId: string): Logger {
  const file = typeof conf.raw['log_file_path'] === 'string' ? conf.raw['log_file_path'] : '';
  const rank = { debug: 0, info: 1, error: 2 } as const;
  const write = (level: keyof typeof rank, msg: string): void => {
    if (rank[level] < rank[conf.logLevel]) return;
    const line = `${new Date().toISOString()} [${level.toUpperCase()}] ContainerID="${containerId}" ${msg}\n`;
    process.stderr.write(line);
    if (file !== '') {
      try {
        appendFileSync(file, line);
      } catch {
        // Logging must never fail the operation.
      }
    }
  };
  return {
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
    error: (m) => write('error', m),
    lap: (phase) => {
      if (conf.logLevel === 'debug') write('debug', `${phase} at ${performance.now().toFixed(1)} ms`);
    },
  };
}

/** `calico` insists on the nodename file; `calico-ipam` (like upstream's) does not. */
export function context(args: CmdArgs, nodenameFileRequired = true): Context {
  const conf = parseNetConf(args.config);
  if (nodenameFileRequired) requireNodenameFile(conf);
  const node = determineNodename(conf);
  const cniArgs = parseCniArgs(args.args);
  const ids = identifiers(cniArgs, node, args.containerId, args.ifName);
  return { conf, node, cniArgs, ids, log: logger(conf, args.containerId) };
}

/** The variables upstream's envconfig reads, each also with a CALICO_ prefix (which wins). */
function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const v = env[`CALICO_${name}`] ?? env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * The datastore as calicoctl's loader reads it from the environment (upstream
 * LoadClientConfig("") after copying the netconf keys into the environment).
 * Read here rather than through loadDatastoreConfig because that module
 * loads a YAML parser for config files the plugin never reads, and start-up
 * time is paid on every ADD and DEL.
 */
export function datastoreConfigFromEnv(env: Readonly<Record<string, string | undefined>>): DatastoreConfig {
  const endpoints = envValue(env, 'ETCD_ENDPOINTS');
  const type = envValue(env, 'DATASTORE_TYPE') ?? (endpoints !== undefined ? 'etcdv3' : 'sqlite');
  if (type === 'sqlite') return { type, path: envValue(env, 'DATASTORE_PATH') ?? DEFAULT_DATASTORE_PATH };
  if (type !== 'etcdv3') {
    throw new CniError(CniCode.invalidNetworkConfig, `datastore_type "${type}" is not supported; use "sqlite" or "etcdv3"`);
  }
  const list = (endpoints ?? '').split(',').map((e) => e.trim().replace(/\/$/, '')).filter((e) => e !== '');
  if (list.length === 0) throw new CniError(CniCode.invalidNetworkConfig, 'datastore_type etcdv3 needs etcd_endpoints');
  const bad = list.filter((e) => !/^https?:\/\/[^/]+$/.test(e));
  if (bad.length > 0) throw new CniError(CniCode.invalidNetworkConfig, `etcd endpoints must look like http://host:port or https://host:port, not ${bad.join(', ')}`);
  const file = (name: string): { file: string } | undefined => {
    const v = envValue(env, name);
    return v === undefined ? undefined : { file: v };
  };
  const caCert = file('ETCD_CA_CERT_FILE');
  const cert = file('ETCD_CERT_FILE');
  const key = file('ETCD_KEY_FILE');
  const username = envValue(env, 'ETCD_USERNAME');
  const password = envValue(env, 'ETCD_PASSWORD');
  return {
    type,
    endpoints: list,
    ...(caCert === undefined ? {} : { caCert }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/** Opens the datastore the configuration names; the environment fills in what it leaves out. */
export async function openConfiguredDatastore(conf: NetConf, env: Readonly<Record<string, string | undefined>>): Promise<Datastore> {
  const config = datastoreConfigFromEnv({ ...env, ...conf.datastoreEnv });
  try {
    if (config.type === 'sqlite') {
      const { SqliteDatastore } = await import('../datastore/sqlite.js');
      return SqliteDatastore.open({ path: config.path });
    }
    const { EtcdDatastore } = await import('../datastore/etcd.js');
    return await EtcdDatastore.open(config);
  } catch (err) {
    throw new CniError(CniCode.tryAgainLater, `error creating calico client: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Upstream refuses to work while ClusterInformation says the datastore is not ready (migrations, `datastore migrate lock`). */
export async function checkDatastoreReady(ds: Datastore): Promise<void> {
  let ci;
  try {
    ci = await ds.get({ kind: 'ClusterInformation', name: 'default' });
  } catch (err) {
    throw toCniError(err, 'error getting ClusterInformation');
  }
  if (ci === undefined) {
    throw new CniError(
      CniCode.tryAgainLater,
      'error getting ClusterInformation: resource does not exist: ClusterInformation(default)',
      'the datastore is not initialised yet: calico/node (or calicoctl) creates ClusterInformation "default"',
    );
  }
  if ((ci.spec as { datastoreReady?: unknown } | undefined)?.datastoreReady === false) {
    throw new CniError(CniCode.tryAgainLater, 'Calico is currently not ready to process requests');
  }
}

/**
 * Whether this process is a one-shot plugin invocation that exits as soon as
 * its result is written. Then the datastore is not closed: closing the last
 * sqlite connection checkpoints the WAL (an fsync on every ADD and DEL) and an
 * etcd client would wait for its keep-alive sockets to close; committed writes are durable either way.
 */
let oneShot = false;

export function markOneShot(): void {
  oneShot = true;
}

export async function withDatastore<T>(conf: NetConf, env: Readonly<Record<string, string | undefined>>, fn: (ds: Datastore) => Promise<T>): Promise<T> {
  const ds = await openConfiguredDatastore(conf, env);
  try {
    return await fn(ds);
  } finally {
    if (!oneShot) await ds.close().catch(() => undefined);
  }
}
