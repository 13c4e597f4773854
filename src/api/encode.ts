// Resources printed as calicoctl prints them. YAML goes through Go's YAML
// library, which sorts every mapping's keys (so apiVersion, kind, metadata,
// spec, status) and does not indent sequences under their key. JSON keeps
// Go's struct order (kind, apiVersion, metadata, spec, status), is indented
// by two spaces and escapes <, > and & as Go's encoder does.
import { Document, isScalar, stringify, visit } from 'yaml';
import { CALICO_API_VERSION } from './meta.js';
import type { StoredResource } from '../datastore/types.js';

export type OutputFormat = 'yaml' | 'json';

/** A `<Kind>List` as `calicoctl get <kind> -o yaml|json` prints it. */
export interface ResourceList {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly resourceVersion?: string };
  readonly items: readonly StoredResource[];
}

export function resourceList(
  kind: string,
  items: readonly StoredResource[],
  resourceVersion?: string,
  apiVersion: string = CALICO_API_VERSION,
): ResourceList {
  return {
    apiVersion,
    kind: `${kind}List`,
    metadata: resourceVersion === undefined || resourceVersion === '' ? {} : { resourceVersion },
    items,
  };
}

// ObjectMeta's field order in Go (k8s.io/apimachinery metav1.ObjectMeta).
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
const TOP_ORDER = ['kind', 'apiVersion', 'metadata', 'spec', 'status', 'items'];

/**
 * Struct-valued fields Go prints even when empty (omitempty never drops a
 * struct): every spec, and the status of Node and KubeControllersConfiguration.
 * IPPool's status is a pointer, so it is dropped when unset.
 */
const ALWAYS_PRINTED: Readonly<Record<string, readonly string[]>> = {
  Node: ['spec', 'status'],
  KubeControllersConfiguration: ['spec', 'status'],
  CalicoNodeStatus: ['spec', 'status'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ordered(o: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) if (o[k] !== undefined) out[k] = o[k];
  for (const [k, v] of Object.entries(o)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

/**
 * A resource (or list) with Go's field order and Go's rendering of an unset
 * creationTimestamp (`null`: metav1.Time is a struct, so omitempty cannot drop it).
 */
function goShape(value: unknown, isList = false): unknown {
  if (Array.isArray(value)) return value.map((v) => goShape(v));
  if (!isObject(value)) return value;
  const filled: Record<string, unknown> = { ...value };
  if (!isList && typeof value.kind === 'string' && isObject(value.metadata)) {
    for (const k of ALWAYS_PRINTED[value.kind] ?? ['spec']) if (filled[k] === undefined) filled[k] = {};
  }
  const out = ordered(filled, TOP_ORDER);
  if (isObject(out.metadata) && !isList) {
    const meta = ordered(out.metadata, META_ORDER);
    if (!('creationTimestamp' in meta)) {
      const reordered: Record<string, unknown> = {};
      for (const k of META_ORDER) {
        if (k === 'creationTimestamp') reordered[k] = null;
        else if (meta[k] !== undefined) reordered[k] = meta[k];
      }
      for (const [k, v] of Object.entries(meta)) if (!(k in reordered)) reordered[k] = v;
      out.metadata = reordered;
    } else {
      out.metadata = meta;
    }
  }
  if (isObject(out.metadata)) {
    // Labels and annotations are Go maps, which encoding/json prints sorted.
    const meta: Record<string, unknown> = { ...out.metadata };
    for (const k of ['labels', 'annotations']) if (isObject(meta[k])) meta[k] = sortedMap(meta[k]);
    out.metadata = meta;
  }
  if (Array.isArray(out.items)) out.items = out.items.map((i) => goShape(i));
  return out;
}

function sortedMap(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}

function isListValue(v: unknown): boolean {
  return isObject(v) && Array.isArray(v.items) && typeof v.kind === 'string' && v.kind.endsWith('List');
}

const LETTER = /\p{L}/u;
const DIGIT = /\d/;

/**
 * Go's YAML key order: rune by rune, non-letters before letters, and runs of
 * digits compared as numbers (so `a2` sorts before `a10`).
 */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] ?? '';
    const bc = br[i] ?? '';
    if (ac === bc) continue;
    const al = LETTER.test(ac);
    const bl = LETTER.test(bc);
    if (al && bl) return ac < bc;
    if (al || bl) return bl;
    let an = 0;
    let bn = 0;
    let ai = i;
    let bi = i;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && DIGIT.test(ar[j] ?? ''); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    for (; ai < ar.length && DIGIT.test(ar[ai] ?? ''); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && DIGIT.test(br[bi] ?? ''); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ac < bc;
  }
  return ar.length < br.length;
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isObject(v)) return v;
  const keys = Object.keys(v)
    .filter((k) => v[k] !== undefined)
    .sort((a, b) => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sortKeysDeep(v[k]);
  return out;
}

// What Go's YAML 1.1 resolver reads a plain scalar as, when not a string.
const GO_NULL = /^(~|null|Null|NULL)?$/;
const GO_BOOL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const GO_INT = /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|[0-9][0-9_]*)$/;
const GO_FLOAT = /^([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;
const GO_BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const GO_TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:[Tt ]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?(?:Z|[-+]\d{1,2}(?::\d{2})?)?)?$/;

function readsAsOtherType(s: string): boolean {
  return GO_NULL.test(s) || GO_BOOL.test(s) || GO_INT.test(s) || GO_FLOAT.test(s) || GO_BASE60.test(s) || GO_TIMESTAMP.test(s) || s === '<<';
}

/**
 * The quoting Go's YAML emitter picks for a one-line string: double quotes
 * when plain text would read back as another type (`"yes"`, `"123"`, `""`,
 * timestamps), single quotes when plain text is not allowed (`'*.calico'`,
 * `'!has(x)'`, `'a: b'`), otherwise plain.
 */
function goQuoting(s: string): 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | undefined {
  if (readsAsOtherType(s)) return 'QUOTE_DOUBLE';
  // Control characters can only be written escaped, inside double quotes.
  if ([...s].some((c) => (c < ' ' && c !== '\t') || c === '\u007f')) return 'QUOTE_DOUBLE';
  const plain = stringify(s, { version: '1.1', lineWidth: 0 }).trimEnd();
  return plain === s ? undefined : 'QUOTE_SINGLE';
}

/** YAML as Go's sigs.k8s.io/yaml prints it (YAML 1.1 quoting, so `"yes"` stays a string). */
export function toYaml(value: unknown): string {
  const doc = new Document(sortKeysDeep(goShape(value, isListValue(value))), { version: '1.1' });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && !node.value.includes('\n')) {
        const type = goQuoting(node.value);
        if (type !== undefined) node.type = type;
      }
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, nullStr: 'null' });
}

/** JSON as Go's json.MarshalIndent(v, "", "  ") prints it. */
export function toJson(value: unknown): string {
  const text = JSON.stringify(goShape(value, isListValue(value)), null, 2);
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * What `calicoctl get -o yaml|json` prints for the resources it found: one
 * resource bare, several as a sequence (`get kind a b`). Pass a ResourceList
 * (see resourceList) for `get kind` without names.
 */
export function encodeResources(resources: readonly StoredResource[] | ResourceList, format: OutputFormat): string {
  const value = Array.isArray(resources) && resources.length === 1 ? resources[0] : resources;
  return format === 'json' ? toJson(value) : toYaml(value);
}
