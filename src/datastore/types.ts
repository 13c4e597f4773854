// The one datastore interface every component reads and writes through.
// Backends (sqlite, etcdv3) differ only in how they store bytes; revisions,
// compare-and-swap and watch semantics are the same (see the conformance suite).
import type { ObjectMeta } from '../api/meta.js';

/**
 * Anything the datastore holds: a Calico or Kubernetes resource, or a
 * backend-only record (IPAM blocks, affinities, handles, IPAM config), each
 * with a kind, metadata and spec.
 */
export interface StoredResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec?: unknown;
  readonly status?: unknown;
}

export interface ResourceKey {
  readonly kind: string;
  /** Only for namespaced kinds. */
  readonly namespace?: string;
  readonly name: string;
}

export interface ListOptions {
  readonly kind: string;
  /** Omit for all namespaces (namespaced kinds) or for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly namePrefix?: string;
}

export interface ListResult<R extends StoredResource = StoredResource> {
  readonly items: readonly R[];
  /** The datastore revision at which the list was read; resume a watch from here. */
  readonly revision: number;
}

export type WatchEvent =
  | { readonly type: 'added' | 'modified'; readonly resource: StoredResource; readonly revision: number }
  | {
      readonly type: 'deleted';
      readonly key: ResourceKey;
      /** The last value before deletion, when the backend knows it. */
      readonly previous?: StoredResource;
      readonly revision: number;
    }
  /**
   * The watch cannot continue from where it was (history compacted, connection
   * lost for too long): the caller must list again and start a new watch.
   */
  | { readonly type: 'resync-required'; readonly reason: string };

export interface WatchOptions {
  /** Kinds to watch; all kinds when omitted. */
  readonly kinds?: readonly string[];
  /** Deliver every change with a revision greater than this. */
  readonly afterRevision: number;
}

export interface Watch {
  close(): void;
}

export interface Datastore {
  readonly type: 'sqlite' | 'etcdv3';
  get(key: ResourceKey): Promise<StoredResource | undefined>;
  list(options: ListOptions): Promise<ListResult>;
  /** Fails with code `already-exists`. Sets resourceVersion, uid and creationTimestamp. */
  create(resource: StoredResource): Promise<StoredResource>;
  /**
   * Replaces a resource. When metadata.resourceVersion is set this is a
   * compare-and-swap: fails with `conflict` if the stored revision differs.
   * Fails with `not-found` if absent. uid and creationTimestamp are preserved.
   */
  update(resource: StoredResource): Promise<StoredResource>;
  /** Compare-and-swap when resourceVersion is given. Fails with `not-found`. */
  delete(key: ResourceKey, resourceVersion?: string): Promise<StoredResource>;
  /** The current revision of the whole datastore. */
  revision(): Promise<number>;
  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Watch;
  close(): Promise<void>;
}
