// The stored bytes of a resource and the metadata rules of writes, shared by
// both backends so they cannot drift apart.
import { randomUUID } from 'node:crypto';
import { CalicoError } from '../api/errors.js';
import type { ObjectMeta } from '../api/meta.js';
import { ipamEnvelope, kindInfo } from './keys.js';
import type { ResourceKey, StoredResource } from './types.js';

/**
 * The value written for a resource: the resource JSON without
 * resourceVersion (the revision is the store's, not the document's), or for
 * IPAM records the bare backend model object, as Calico writes them.
 */
export function encodeValue(kind: string, resource: StoredResource): string {
  if (kindInfo(kind).ipam) return JSON.stringify(resource.spec ?? {});
  const { resourceVersion: _rv, ...metadata } = resource.metadata;
  return JSON.stringify({ ...resource, metadata });
}

export function decodeValue(key: ResourceKey, value: string, revision: number): StoredResource {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new CalicoError('internal', `stored value of ${describeKey(key)} is not JSON`);
  }
  const resourceVersion = String(revision);
  if (kindInfo(key.kind).ipam) {
    return { ...ipamEnvelope(key.kind), metadata: { name: key.name, resourceVersion }, spec: parsed };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CalicoError('internal', `stored value of ${describeKey(key)} is not an object`);
  }
  const r = parsed as StoredResource;
  return { ...r, metadata: { ...r.metadata, resourceVersion } };
}

/** RFC 3339 to the second, as Kubernetes writes creationTimestamp. */
export function timestampNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What create stores: a fresh uid and creationTimestamp (IPAM records have neither). */
export function forCreate(kind: string, resource: StoredResource): StoredResource {
  if (kindInfo(kind).ipam) return resource;
  const metadata: ObjectMeta = { ...resource.metadata, uid: randomUUID(), creationTimestamp: timestampNow() };
  return { ...resource, metadata };
}

/** What update stores: the caller's resource with the stored uid and creationTimestamp kept. */
export function forUpdate(kind: string, resource: StoredResource, stored: StoredResource): StoredResource {
  if (kindInfo(kind).ipam) return resource;
  const { uid, creationTimestamp } = stored.metadata;
  const metadata: ObjectMeta = { ...resource.metadata };
  return {
    ...resource,
    metadata: {
      ...metadata,
      ...(uid === undefined ? {} : { uid }),
      ...(creationTimestamp === undefined ? {} : { creationTimestamp }),
    },
  };
}

/**
 * The revision a caller's resourceVersion names, or undefined when it names
 * none (absent or empty, as Kubernetes reads an empty one): then the write is
 * unconditional. A malformed one is refused rather than never matching.
 */
export function parseResourceVersion(key: ResourceKey, rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) {
    throw new CalicoError('invalid-value', `${describeKey(key)}: resourceVersion "${rv}" is not a revision`);
  }
  return Number(rv);
}

export function describeKey(key: ResourceKey): string {
  return key.namespace === undefined || key.namespace === ''
    ? `${key.kind} "${key.name}"`
    : `${key.kind} "${key.namespace}/${key.name}"`;
}

export function notFound(key: ResourceKey): CalicoError {
  return new CalicoError('not-found', `${describeKey(key)} does not exist`);
}

export function alreadyExists(key: ResourceKey): CalicoError {
  return new CalicoError('already-exists', `${describeKey(key)} already exists`);
}

export function conflict(key: ResourceKey, expected: string, actual: number): CalicoError {
  return new CalicoError(
    'conflict',
    `${describeKey(key)} was modified since it was read (resourceVersion ${expected}, now ${actual}); read it again and retry`,
  );
}
