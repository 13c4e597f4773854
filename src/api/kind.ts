// What the API layer knows about one kind: identity for calicoctl and the
// datastore, validation and defaulting. kinds.ts lists them all.
import type { Result } from './errors.js';
import type { StoredResource } from '../datastore/types.js';

export interface KindDefinition<R extends StoredResource = StoredResource> {
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
  /** Plural lowercase name (`networkpolicies`), also the etcd key segment. */
  readonly plural: string;
  /** Other names calicoctl accepts: singular lowercase and short names. */
  readonly aliases: readonly string[];
  /**
   * Validates a decoded document (after YAML/JSON parsing), reporting every
   * invalid field with its path. Unknown fields are errors.
   */
  validate(doc: unknown): Result<R>;
  /** Applies the defaults Calico applies when the resource is written. */
  applyDefaults(resource: R): R;
}
