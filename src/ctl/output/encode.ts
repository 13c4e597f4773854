// Resources as calicoctl writes them out. JSON follows Go's struct order
// (kind and apiVersion first, metadata fields in ObjectMeta order, 2-space
// indent, no trailing newline); YAML goes through JSON as sigs.k8s.io/yaml
// does, so every mapping's keys come out sorted and YAML 1.1 look-alikes
// (`"1"`, `"on"`, timestamps) are quoted.
import { stringify } from 'yaml';
import { K8S_NETWORKING_API_VERSION } from '../../api/meta.js';
import type { StoredResource } from '../../datastore/types.js';

/** ObjectMeta's field order in Go. */
const META_ORDER = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

function ordered(obj: Readonly<Record<string, unknown>>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) if (obj[k] !== undefined) out[k] = obj[k];
  for (const [k, v] of Object.entries(obj)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

/** A resource with its fields in the order Go marshals them. */
export function goOrdered(r: StoredResource): Record<string, unknown> {
  const top = { ...r, metadata: ordered(r.metadata as unknown as Record<string, unknown>, META_ORDER) } as Record<string, unknown>;
  return ordered(top, ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
}

export interface ListObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly metadata: { readonly resourceVersion: string };
  readonly items: readonly Record<string, unknown>[];
}

/** The `<Kind>List` object `get <kind>` prints. */
export function listObject(apiVersion: string, kind: string, items: readonly StoredResource[], revision: number): ListObject {
  return {
    kind: `${kind}List`,
    apiVersion,
    metadata: { resourceVersion: String(revision) },
    items: items.map(goOrdered),
  };
}

export function isK8sApiVersion(apiVersion: string): boolean {
  return apiVersion === K8S_NETWORKING_API_VERSION;
}

/**
 * json.MarshalIndent(v, "", "  "): no trailing newline, and Go's HTML-safe
 * escapes (`&&` in a selector prints as `\u0026\u0026`), as calicoctl prints it.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replaceAll('&', '\\u0026')
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** sigs.k8s.io/yaml's Marshal: keys sorted, sequences not indented under their key. */
export function toYaml(value: unknown): string {
  return stringify(value, { version: '1.1', indentSeq: false, sortMapEntries: true, lineWidth: 0 });
}
