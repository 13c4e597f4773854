// The resource envelope shared by every kind: apiVersion, kind, metadata, spec.

export const CALICO_API_VERSION = 'projectcalico.org/v3';
export const K8S_NETWORKING_API_VERSION = 'networking.k8s.io/v1';

export type Labels = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Set by the datastore: the revision at which this resource was last written. */
  readonly resourceVersion?: string;
  /** Set by the datastore on create. */
  readonly uid?: string;
  /** Set by the datastore on create, RFC 3339. */
  readonly creationTimestamp?: string;
  readonly generateName?: string;
  readonly deletionTimestamp?: string;
  readonly deletionGracePeriodSeconds?: number;
  readonly generation?: number;
  readonly finalizers?: readonly string[];
  readonly ownerReferences?: readonly unknown[];
  readonly managedFields?: readonly unknown[];
}

/** Every stored resource has this shape; `K` narrows the discriminant. */
export interface ResourceOf<K extends string, S, A extends string = typeof CALICO_API_VERSION> {
  readonly apiVersion: A;
  readonly kind: K;
  readonly metadata: ObjectMeta;
  readonly spec: S;
}
