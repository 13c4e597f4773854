// Fast paths of validation. calico-node validates every resource it reads (as
// Felix's ValidationFilter does), and at start-up that is thousands of
// documents of a few common shapes, mostly WorkloadEndpoints as the CNI plugin
// writes them. For such a shape a kind may give a direct check that accepts a
// document only when its full (zod) validation accepts it too, and then builds
// exactly the value that validation would return: the same fields, the same
// key order. Whatever a fast path is not sure of (any error, any field it does
// not know) it leaves to the full validation by answering NOT_FAST, so every
// error message and field path still comes from the schemas alone.
import type { z } from 'zod';
import type { ObjectMeta } from './meta.js';
import {
  genericNameCheck,
  labelValueErrors,
  qualifiedNameErrors,
  reasonsOf,
  TOTAL_ANNOTATION_SIZE_LIMIT,
  type ObjectMetaOptions,
} from './metadata-schema.js';
import { isDns1123Label } from './schema.js';

/** A fast path's answer when the full validation must decide. */
export const NOT_FAST: unique symbol = Symbol('not fast');
export type Fast<T> = T | typeof NOT_FAST;

export type Obj = Readonly<Record<string, unknown>>;

/** A plain object (what JSON and YAML decoding produce); anything else is for the full validation. */
export function plainObject(v: unknown): Obj | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null ? (v as Obj) : undefined;
}

/** Every key is one the fast path handles and holds a value (an explicit undefined is the schema's business). */
export function onlyKeys(o: Obj, known: ReadonlySet<string>): boolean {
  for (const k in o) if (!known.has(k) || o[k] === undefined) return false;
  return true;
}

/** One field of a fast path: its name and its check (the value to return, or NOT_FAST). */
export type Field = readonly [string, (v: unknown) => unknown];

/** True when `refine` (a schema's superRefine over raw values) reports nothing for `v`. */
export function refinesClean(refine: (v: unknown, ctx: z.RefinementCtx) => void, v: unknown): boolean {
  let clean = true;
  const ctx = {
    addIssue: () => {
      clean = false;
    },
  };
  refine(v, ctx as unknown as z.RefinementCtx);
  return clean;
}

/** A list of at most `maxItems`, each item checked, copied. */
export function fastList<T>(item: (v: unknown) => Fast<T>, maxItems = Infinity): (v: unknown) => Fast<T[]> {
  return (v) => {
    if (!Array.isArray(v) || v.length > maxItems) return NOT_FAST;
    const out: T[] = [];
    for (const x of v as unknown[]) {
      const y = item(x);
      if (y === NOT_FAST) return NOT_FAST;
      out.push(y);
    }
    return out;
  };
}

/**
 * An object of these fields only, the `required` ones present, each field
 * checked, then `refine` (the schema's cross-field check) clean.
 */
export function fastObject(fields: readonly Field[], refine?: (v: unknown, ctx: z.RefinementCtx) => void, required: readonly string[] = []): (v: unknown) => Fast<Record<string, unknown>> {
  const keys = new Set(fields.map(([k]) => k));
  return (v) => {
    const o = plainObject(v);
    if (o === undefined || !onlyKeys(o, keys) || required.some((k) => !(k in o))) return NOT_FAST;
    const out = inShapeOrder(o, fields);
    return out === NOT_FAST || (refine !== undefined && !refinesClean(refine, o)) ? NOT_FAST : out;
  };
}

/** One of these exact values (an enum or literal union). */
export function oneOf(values: readonly unknown[]): (v: unknown) => unknown {
  const set = new Set(values);
  return (v) => (set.has(v) ? v : NOT_FAST);
}

/** A list of strings each accepted by `ok`, copied. */
export function stringList(v: unknown, ok: (s: string) => boolean): Fast<string[]> {
  if (!Array.isArray(v)) return NOT_FAST;
  const out: string[] = [];
  for (const s of v as unknown[]) {
    if (typeof s !== 'string' || !ok(s)) return NOT_FAST;
    out.push(s);
  }
  return out;
}

/**
 * Builds an object from the present fields of `o`, in the order of `fields`
 * (the schema's shape order, which is zod's output order).
 */
export function inShapeOrder(o: Obj, fields: readonly Field[]): Fast<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, check] of fields) {
    if (!(key in o)) continue;
    const v = check(o[key]);
    if (v === NOT_FAST) return NOT_FAST;
    out[key] = v;
  }
  return out;
}

/** A string field any string satisfies. */
export const anyString = (v: unknown): Fast<string> => (typeof v === 'string' ? v : NOT_FAST);

/** A string field `ok` accepts. */
export function stringWhere(ok: (s: string) => boolean): (v: unknown) => Fast<string> {
  return (v) => (typeof v === 'string' && ok(v) ? v : NOT_FAST);
}

function stringMap(v: unknown, ok: (k: string, v: string) => boolean): Fast<Record<string, string>> {
  const o = plainObject(v);
  if (o === undefined) return NOT_FAST;
  const out: Record<string, string> = {};
  for (const k in o) {
    const x = o[k];
    // `__proto__` would be a prototype, not a key, when zod copies the map.
    if (typeof x !== 'string' || k === '__proto__' || !ok(k, x)) return NOT_FAST;
    out[k] = x;
  }
  return out;
}

const validLabel = (k: string, v: string): boolean => qualifiedNameErrors(k).length === 0 && labelValueErrors(v).length === 0;

/** labelsSchema: qualified-name keys, valid label values. */
export const fastLabels = (v: unknown): Fast<Record<string, string>> => stringMap(v, validLabel);

/** objectMetaSchema's fields in its shape order; the rarer ones (finalizers, owner references, ...) go the full way. */
function metaFields(opts: ObjectMetaOptions): readonly Field[] {
  const kindCheck = opts.nameCheck;
  const forbidden = opts.forbiddenLabels ?? [];
  const name = (n: string): boolean => n !== '' && reasonsOf(genericNameCheck(n)).length === 0 && (kindCheck === undefined || reasonsOf(kindCheck(n)).length === 0);
  const namespace = (ns: string): boolean => ns === '' || (opts.namespaced && isDns1123Label(ns));
  const labels = (v: unknown): Fast<Record<string, string>> => {
    const ls = stringMap(v, validLabel);
    return ls !== NOT_FAST && forbidden.some((k) => Object.hasOwn(ls, k)) ? NOT_FAST : ls;
  };
  const annotations = (v: unknown): Fast<Record<string, string>> => {
    let total = 0;
    const anns = stringMap(v, (k, x) => {
      total += Buffer.byteLength(k) + Buffer.byteLength(x);
      return qualifiedNameErrors(k.toLowerCase()).length === 0;
    });
    return total > TOTAL_ANNOTATION_SIZE_LIMIT ? NOT_FAST : anns;
  };
  return [
    ['name', stringWhere(name)],
    ['namespace', stringWhere(namespace)],
    ['labels', labels],
    ['annotations', annotations],
    ['resourceVersion', anyString],
    ['uid', anyString],
    ['creationTimestamp', anyString],
    ['generateName', anyString],
    ['deletionTimestamp', anyString],
  ];
}

/**
 * The fast path of resourceSchema: the envelope and metadata checked here,
 * the spec by `spec` (which sees only a plain object: a missing spec is the
 * full validation's case).
 */
export function resourceFastPath<R>(def: {
  readonly apiVersion: string;
  readonly kind: string;
  readonly meta: ObjectMetaOptions;
  readonly spec: (spec: Obj) => Fast<Record<string, unknown>>;
}): (doc: unknown) => Fast<R> {
  const fields = metaFields(def.meta);
  const metaKeys = new Set(fields.map(([k]) => k));
  const envelopeKeys = new Set(['apiVersion', 'kind', 'metadata', 'spec']);
  return (doc) => {
    const o = plainObject(doc);
    if (o === undefined || !onlyKeys(o, envelopeKeys) || o['apiVersion'] !== def.apiVersion || o['kind'] !== def.kind) return NOT_FAST;
    const m = plainObject(o['metadata']);
    const s = plainObject(o['spec']);
    if (m === undefined || s === undefined || !onlyKeys(m, metaKeys) || !('name' in m)) return NOT_FAST;
    const metadata = inShapeOrder(m, fields);
    if (metadata === NOT_FAST) return NOT_FAST;
    const spec = def.spec(s);
    if (spec === NOT_FAST) return NOT_FAST;
    return { apiVersion: def.apiVersion, kind: def.kind, metadata: metadata as unknown as ObjectMeta, spec } as R;
  };
}
