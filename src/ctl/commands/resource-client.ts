// What libcalico-go's clientv3 adds on top of the raw datastore when
// calicoctl writes: metadata rules of Create and Update, a policy's tier must
// exist, protected and non-empty tiers cannot be deleted, defaults then
// validation before every write, ClusterInformation and the built-in tiers
// created on first write (EnsureInitialized), and the virtual
// `projectcalico-default-allow` profile every datastore reports.
import { randomUUID } from 'node:crypto';
import type { Datastore, ResourceKey, StoredResource } from '../../datastore/types.js';
import { CALICO_API_VERSION } from '../../api/meta.js';
import { convertKubernetesNetworkPolicy } from '../../api/k8s-convert.js';
import type { KubernetesNetworkPolicy } from '../../api/k8s-types.js';
import {
  CtlError,
  doesNotExist,
  erroredField,
  fromDatastore,
  notSupported,
  validationError,
  validationErrorOf,
  type Ident,
} from './errors.js';
import { checkPoolCreate, checkPoolUpdate, retirePool } from './ippool-client.js';
import { applyKindRules, refuseDefaultAllow } from './kind-rules.js';
import { ctlKindOf, type CtlKind } from './kinds.js';
import { cleanUpNode } from './node-client.js';

export const DEFAULT_TIER = 'default';
export const KUBE_ADMIN_TIER = 'kube-admin';
export const KUBE_BASELINE_TIER = 'kube-baseline';
export const PROTECTED_TIERS: readonly string[] = [DEFAULT_TIER, KUBE_ADMIN_TIER, KUBE_BASELINE_TIER];
export const TIER_LABEL = 'projectcalico.org/tier';
export const DEFAULT_ALLOW_PROFILE = 'projectcalico-default-allow';
/** In etcd mode Calico multiplexes Kubernetes policies into NetworkPolicy under this name prefix. */
const KNP_PREFIX = 'knp.default.';

/** The built-in tiers EnsureInitialized creates: name, default action, order. */
const BUILTIN_TIERS: readonly (readonly [string, 'Deny' | 'Pass', number])[] = [
  [DEFAULT_TIER, 'Deny', 1_000_000],
  [KUBE_ADMIN_TIER, 'Pass', 1_000],
  [KUBE_BASELINE_TIER, 'Pass', 10_000_000],
];

const TIERED_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy']);

export function isTiered(k: CtlKind): boolean {
  return k.apiVersion === CALICO_API_VERSION && TIERED_KINDS.has(k.kind);
}

export function tierOf(r: StoredResource): string {
  const spec = r.spec as { tier?: unknown } | undefined;
  return typeof spec?.tier === 'string' && spec.tier !== '' ? spec.tier : DEFAULT_TIER;
}

export function identOf(k: CtlKind, r: { metadata: { namespace?: string | undefined; name: string } }): Ident {
  return { kind: k.storeKind, namespace: k.namespaced ? r.metadata.namespace : undefined, name: r.metadata.name };
}

function keyOf(k: CtlKind, namespace: string | undefined, name: string): ResourceKey {
  return k.namespaced ? { kind: k.storeKind, namespace: namespace ?? '', name } : { kind: k.storeKind, name };
}

function defaultAllowProfile(): StoredResource {
  return {
    apiVersion: CALICO_API_VERSION,
    kind: 'Profile',
    metadata: { name: DEFAULT_ALLOW_PROFILE, resourceVersion: '1' },
    spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] },
  };
}

/** A stored Kubernetes NetworkPolicy as the Calico NetworkPolicy `knp.default.<name>` it is enforced as. */
function asConverted(source: StoredResource): StoredResource {
  const { policy } = convertKubernetesNetworkPolicy(source as KubernetesNetworkPolicy);
  const m = source.metadata;
  return {
    ...policy,
    metadata: {
      ...policy.metadata,
      ...(m.uid === undefined ? {} : { uid: m.uid }),
      ...(m.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
      ...(m.creationTimestamp === undefined ? {} : { creationTimestamp: m.creationTimestamp }),
    },
  };
}

/** Policies read back with the tier label, as the Calico client adds it when missing. */
function withTierLabel(k: CtlKind, r: StoredResource): StoredResource {
  if (!isTiered(k) || r.metadata.labels?.[TIER_LABEL] !== undefined) return r;
  return { ...r, metadata: { ...r.metadata, labels: { ...r.metadata.labels, [TIER_LABEL]: DEFAULT_TIER } } };
}

export class ResourceClient {
  constructor(readonly datastore: Datastore) {}

  async get(k: CtlKind, namespace: string | undefined, name: string): Promise<StoredResource> {
    if (k.storeKind === 'Profile' && name === DEFAULT_ALLOW_PROFILE) return defaultAllowProfile();
    const id: Ident = { kind: k.storeKind, namespace: k.namespaced ? namespace : undefined, name };
    if (k.storeKind === 'NetworkPolicy' && name.startsWith(KNP_PREFIX)) {
      const source = await this.datastore
        .get({ kind: 'KubernetesNetworkPolicy', namespace: namespace ?? '', name: name.slice(KNP_PREFIX.length) })
        .catch((err: unknown) => {
          throw fromDatastore(err, id);
        });
      if (source === undefined) throw doesNotExist(id);
      return withTierLabel(k, asConverted(source));
    }
    let found: StoredResource | undefined;
    try {
      found = await this.datastore.get(keyOf(k, namespace, name));
    } catch (err) {
      throw fromDatastore(err, id);
    }
    if (found === undefined) throw doesNotExist(id);
    return withTierLabel(k, found);
  }

  /** Every resource of a kind (in one namespace, or all when namespace is undefined), and the revision read at. */
  async list(k: CtlKind, namespace?: string): Promise<{ items: StoredResource[]; revision: number }> {
    const opts = k.namespaced && namespace !== undefined ? { kind: k.storeKind, namespace } : { kind: k.storeKind };
    const res = await this.datastore.list(opts).catch((err: unknown) => {
      throw fromDatastore(err, { kind: k.storeKind, name: '' });
    });
    const stored = res.items.map((r) => withTierLabel(k, r));
    if (k.storeKind === 'NetworkPolicy') {
      // Kubernetes policies show up as the Calico policies they are enforced as, as in Calico.
      const knp = await this.datastore.list({ ...opts, kind: 'KubernetesNetworkPolicy' }).catch((err: unknown) => {
        throw fromDatastore(err, { kind: 'KubernetesNetworkPolicy', name: '' });
      });
      stored.push(...knp.items.map((r) => withTierLabel(k, asConverted(r))));
    }
    const items = sortForList(k, stored);
    // Like Calico's backends, the virtual profile comes after the stored ones.
    if (k.storeKind === 'Profile') items.push(defaultAllowProfile());
    return { items, revision: res.revision };
  }

  /** clientv3 Create: name required, no resourceVersion, the tier must exist; defaulted and validated. */
  async create(k: CtlKind, r: StoredResource): Promise<StoredResource> {
    const id = identOf(k, r);
    refuseDefaultAllow(k, r.metadata.name, 'Create');
    if (r.metadata.name === '') {
      throw validationError([erroredField('Metadata.Name', '', 'field must be set for a Create request')]);
    }
    const rv = r.metadata.resourceVersion ?? '';
    if (rv !== '') {
      throw validationError([erroredField('Metadata.ResourceVersion', rv, 'field must not be set for a Create request')]);
    }
    this.refuseKnpName(k, r, 'create or apply');
    if (isTiered(k)) await this.get(ctlKindOf('Tier'), undefined, tierOf(r));
    const ready = await applyKindRules(this.datastore, k, this.prepare(k, r), 'Create');
    try {
      if (k.storeKind === 'IPPool') await checkPoolCreate(this.datastore, ready);
      return withTierLabel(k, await this.datastore.create(ready));
    } catch (err) {
      throw fromDatastore(err, id);
    }
  }

  /** clientv3 Update: a compare-and-swap on the resourceVersion the caller read. */
  async update(k: CtlKind, r: StoredResource): Promise<StoredResource> {
    const id = identOf(k, r);
    refuseDefaultAllow(k, r.metadata.name, 'Update');
    const m = r.metadata;
    const missing = (field: string, value: unknown) =>
      validationError([erroredField(field, value, 'field must be set for an Update request')]);
    if ((m.resourceVersion ?? '') === '') throw missing('Metadata.ResourceVersion', '');
    if ((m.creationTimestamp ?? '') === '' && k.hasServerMetadata) throw missing('Metadata.CreationTimestamp', '');
    if ((m.uid ?? '') === '' && k.hasServerMetadata) throw missing('Metadata.UID', '');
    this.refuseKnpName(k, r, 'apply or replace');
    const ready = await applyKindRules(this.datastore, k, this.prepare(k, r), 'Update');
    try {
      if (k.storeKind === 'IPPool') checkPoolUpdate(await this.get(k, undefined, m.name), ready);
      return withTierLabel(k, await this.datastore.update(ready));
    } catch (err) {
      throw fromDatastore(err, id);
    }
  }

  async delete(k: CtlKind, namespace: string | undefined, name: string, resourceVersion?: string): Promise<StoredResource> {
    const id: Ident = { kind: k.storeKind, namespace: k.namespaced ? namespace : undefined, name };
    // The datastore has no key without a name: calicoctl reports the empty name as missing.
    if (name === '') throw doesNotExist(id);
    if (k.storeKind === 'Tier') await this.checkTierDeletable(name);
    refuseDefaultAllow(k, name, 'Delete');
    if (k.storeKind === 'NetworkPolicy' && name.startsWith(KNP_PREFIX)) {
      throw notSupported('delete', `NetworkPolicy(${namespace ?? ''}/${name})`, K8S_MANAGED);
    }
    try {
      let rv = resourceVersion === undefined || resourceVersion === '' ? undefined : resourceVersion;
      if (k.storeKind === 'IPPool') {
        rv = await retirePool(this.datastore, await this.get(k, undefined, name), (p) => this.update(k, p), rv);
      }
      if (k.storeKind === 'Node') await cleanUpNode(this.datastore, name);
      return await this.datastore.delete(keyOf(k, namespace, name), rv);
    } catch (err) {
      throw fromDatastore(err, id);
    }
  }

  /**
   * EnsureInitialized as calicoctl calls it before writes (no version, no
   * cluster type): ClusterInformation `default` with a fresh GUID and
   * datastoreReady, and the three built-in tiers. calico/node later fills in
   * calicoVersion and clusterType. Failures are not the user's problem.
   */
  async ensureInitialized(): Promise<void> {
    const ci = ctlKindOf('ClusterInformation');
    try {
      const current = await this.datastore.get({ kind: 'ClusterInformation', name: 'default' });
      if (current === undefined) {
        await this.datastore.create({
          apiVersion: CALICO_API_VERSION,
          kind: 'ClusterInformation',
          metadata: { name: 'default' },
          spec: { clusterGUID: randomUUID().replaceAll('-', ''), datastoreReady: true },
        });
      } else {
        const spec = (current.spec ?? {}) as Record<string, unknown>;
        const fixes: Record<string, unknown> = {};
        if (typeof spec['clusterGUID'] !== 'string' || spec['clusterGUID'] === '') {
          fixes['clusterGUID'] = randomUUID().replaceAll('-', '');
        }
        if (typeof spec['datastoreReady'] !== 'boolean') fixes['datastoreReady'] = true;
        if (Object.keys(fixes).length > 0) await this.update(ci, { ...current, spec: { ...spec, ...fixes } });
      }
    } catch {
      // As upstream: initialisation is best effort; the user's own writes report real failures.
    }
    const tier = ctlKindOf('Tier');
    for (const [name, defaultAction, order] of BUILTIN_TIERS) {
      try {
        const existing = await this.datastore.get({ kind: 'Tier', name });
        if (existing !== undefined) continue;
        await this.create(tier, {
          apiVersion: CALICO_API_VERSION,
          kind: 'Tier',
          metadata: { name },
          spec: { order, defaultAction },
        });
      } catch {
        // Another writer got there first, or we may not write tiers: both fine.
      }
    }
  }

  /** Defaults, then validation, as the typed clients do before every write. */
  private prepare(k: CtlKind, r: StoredResource): StoredResource {
    const checked = k.def.validate(r);
    if (!checked.ok) throw validationErrorOf(r, checked.errors);
    const defaulted = k.def.applyDefaults(checked.value);
    const again = k.def.validate(defaulted);
    if (!again.ok) throw validationErrorOf(defaulted, again.errors);
    return again.value;
  }

  private refuseKnpName(k: CtlKind, r: StoredResource, operation: string): void {
    if (k.storeKind === 'NetworkPolicy' && r.metadata.name.startsWith(KNP_PREFIX)) {
      throw notSupported(operation, `NetworkPolicy(${r.metadata.namespace ?? ''}/${r.metadata.name})`, K8S_MANAGED);
    }
  }

  private async checkTierDeletable(name: string): Promise<void> {
    if (PROTECTED_TIERS.includes(name)) throw notSupported('Delete', name, `Cannot delete ${name} tier`);
    for (const kind of TIERED_KINDS) {
      const { items } = await this.datastore.list({ kind });
      if (items.some((p) => tierOf(p) === name)) {
        throw notSupported('delete', name, 'Cannot delete a non-empty tier');
      }
    }
  }
}

const K8S_MANAGED = 'kubernetes network policies must be managed through the kubernetes API';

/** Lists come back in key order; tiers are listed by order as calicoctl sorts them (unset order last). */
function sortForList(k: CtlKind, items: StoredResource[]): StoredResource[] {
  const byKey = [...items].sort((a, b) => {
    const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
    const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  if (k.storeKind !== 'Tier') return byKey;
  const order = (r: StoredResource) => {
    const o = (r.spec as { order?: unknown } | undefined)?.order;
    return typeof o === 'number' ? o : Infinity;
  };
  return byKey.sort((a, b) => order(a) - order(b));
}

export { CtlError };
