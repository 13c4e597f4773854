// What every attachment command of the `calico` and `calico-ipam` plugins
// starts from: the configuration, the node, the container's identifiers and
// an open datastore that Calico considers ready.
import { appendFileSync } from 'node:fs';
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
  return { info: (m) => write('info', m), debug: (m) => write('debug', m), error: (m) => write('error', m) };
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

/** Opens the datastore the configuration names; the environment fills in what it leaves out. */
export async function openConfiguredDatastore(conf: NetConf, env: Readonly<Record<string, string | undefined>>): Promise<Datastore> {
  const { loadDatastoreConfig, openDatastore } = await import('../datastore/index.js');
  let config;
  try {
    config = loadDatastoreConfig({ configFile: '', env: { ...env, ...conf.datastoreEnv } });
  } catch (err) {
    throw new CniError(CniCode.invalidNetworkConfig, `error creating calico client: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return await openDatastore(config);
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

export async function withDatastore<T>(conf: NetConf, env: Readonly<Record<string, string | undefined>>, fn: (ds: Datastore) => Promise<T>): Promise<T> {
  const ds = await openConfiguredDatastore(conf, env);
  try {
    return await fn(ds);
  } finally {
    await ds.close().catch(() => undefined);
  }
}
