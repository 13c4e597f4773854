// Opening the datastore from calicoctl's flags: `-c/--config` or the
// environment, through the datastore's own loader. calicoctl connects lazily
// and would hang on a dead etcd; here the first round trip is made at once so
// an unreachable datastore fails fast, naming where we tried to go.
import { CalicoError } from '../api/errors.js';
import { loadDatastoreConfig, openDatastore, type Datastore, type DatastoreConfig } from '../datastore/index.js';

export interface ClientFlags {
  /** `-c/--config`; the default path when omitted. */
  readonly config?: string | undefined;
}

/** Where a configuration points, for messages: the file, or the etcd endpoints. */
export function describeEndpoint(config: DatastoreConfig): string {
  return config.type === 'sqlite'
    ? `sqlite datastore ${config.path}`
    : `etcdv3 datastore at ${config.endpoints.join(',')}`;
}

export function loadConfig(flags: ClientFlags): DatastoreConfig {
  return loadDatastoreConfig(flags.config === undefined ? {} : { configFile: flags.config });
}

/**
 * The datastore, reachable. Failures carry calicoctl's prefix
 * `Failed to create Calico API client:` and say which datastore was tried.
 */
export async function openClient(flags: ClientFlags): Promise<{ datastore: Datastore; config: DatastoreConfig }> {
  let config: DatastoreConfig;
  try {
    config = loadConfig(flags);
  } catch (err) {
    throw clientError(err);
  }
  let datastore: Datastore;
  try {
    datastore = await openDatastore(config);
  } catch (err) {
    throw clientError(err, config);
  }
  try {
    await datastore.revision();
  } catch (err) {
    await datastore.close().catch(() => undefined);
    throw clientError(err, config);
  }
  return { datastore, config };
}

function clientError(err: unknown, config?: DatastoreConfig): CalicoError {
  const why = err instanceof Error ? err.message : String(err);
  const where = config === undefined || why.includes(endpointHint(config)) ? '' : `${describeEndpoint(config)}: `;
  const code = err instanceof CalicoError ? err.code : 'unavailable';
  return new CalicoError(code, `Failed to create Calico API client: ${where}${why}`);
}

function endpointHint(config: DatastoreConfig): string {
  return config.type === 'sqlite' ? config.path : (config.endpoints[0] ?? '');
}
