// The datastore every component opens: configuration as calicoctl reads it,
// and one Datastore whatever the backend.
import type { DatastoreConfig } from './config.js';
import type { Datastore } from './types.js';

export type { Datastore, ListOptions, ListResult, ResourceKey, StoredResource, Watch, WatchEvent, WatchOptions } from './types.js';
export {
  loadDatastoreConfig,
  datastoreConfigFromEnv,
  DEFAULT_CONFIG_FILE,
  DEFAULT_DATASTORE_PATH,
  type DatastoreConfig,
  type EtcdConfig,
  type SqliteConfig,
  type LoadOptions,
  type Pem,
} from './config.js';
export {
  KINDS,
  KUBERNETES_NETWORK_POLICY,
  IPAM_CONFIG_NAME,
  blockName,
  blockCidr,
  blockAffinityName,
  parseBlockAffinityName,
  storeKindOf,
  keyOf,
  etcdKey,
  type KindInfo,
  type BlockAffinityName,
} from './keys.js';

/**
 * Opens the configured datastore. The backend's module loads only when used,
 * so a host on sqlite never loads the etcd client and vice versa.
 */
export async function openDatastore(config: DatastoreConfig): Promise<Datastore> {
  if (config.type === 'sqlite') {
    const { SqliteDatastore } = await import('./sqlite.js');
    return SqliteDatastore.open({ path: config.path });
  }
  const { EtcdDatastore } = await import('./etcd.js');
  return EtcdDatastore.open(config);
}
