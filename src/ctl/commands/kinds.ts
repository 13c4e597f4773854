// The kinds as calicoctl sees them: looked up by the name a user types
// (`gnp`, `ippools`, `NetworkPolicy`), or by a document's apiVersion and
// kind, each tied to the datastore kind it is stored under. Kubernetes
// NetworkPolicy shares its kind name with Calico's and is told apart by
// apiVersion; the datastore calls it KubernetesNetworkPolicy.
import type { KindDefinition } from '../../api/kind.js';
import { allKinds, kindByName, kindFor } from '../../api/kinds.js';
import { K8S_NETWORKING_API_VERSION } from '../../api/meta.js';
import { KINDS, KUBERNETES_NETWORK_POLICY } from '../../datastore/keys.js';

export interface CtlKind {
  /** The document kind (`NetworkPolicy` for both Calico and Kubernetes policies). */
  readonly kind: string;
  readonly apiVersion: string;
  /** The datastore's kind, also what identifiers in messages name. */
  readonly storeKind: string;
  readonly namespaced: boolean;
  /** False for IPAM records, which carry no uid or creationTimestamp. */
  readonly hasServerMetadata: boolean;
  readonly def: KindDefinition;
}

function storeKindFor(def: KindDefinition): string {
  return def.apiVersion === K8S_NETWORKING_API_VERSION && def.kind === 'NetworkPolicy'
    ? KUBERNETES_NETWORK_POLICY
    : def.kind;
}

let cache: readonly CtlKind[] | undefined;

export function ctlKinds(): readonly CtlKind[] {
  cache ??= allKinds().map((def) => {
    const storeKind = storeKindFor(def);
    return {
      kind: def.kind,
      apiVersion: def.apiVersion,
      storeKind,
      namespaced: def.namespaced,
      hasServerMetadata: KINDS[storeKind]?.ipam !== true,
      def,
    };
  });
  return cache;
}

/** The kind stored under a datastore kind name; throws for a kind the API does not define. */
export function ctlKindOf(storeKind: string): CtlKind {
  const k = ctlKinds().find((c) => c.storeKind === storeKind);
  if (k === undefined) throw new Error(`no kind definition for ${storeKind}`);
  return k;
}

function wrap(def: KindDefinition | undefined): CtlKind | undefined {
  return def === undefined ? undefined : ctlKinds().find((c) => c.def === def);
}

export function ctlKindForDoc(apiVersion: string, kind: string): CtlKind | undefined {
  return wrap(kindFor(apiVersion, kind));
}

/**
 * The kind a command-line name means (`gnp`, `ippools`, `networkpolicy`,
 * `knp`), as the API registry resolves it.
 */
export function ctlKindByName(name: string): CtlKind | undefined {
  return wrap(kindByName(name));
}
