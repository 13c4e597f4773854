// Manifests as calicoctl reads them: YAML (1.1, as Go's YAML library reads
// it: `yes` is true) or JSON, several documents per stream, a document may
// be a sequence of resources or a `<Kind>List` / `List` with `items`. Each
// resource is validated by its kind; every problem is reported with the
// document's position, kind, name, field and, where known, line.
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { fieldError, formatFieldError, type ErrorCode, type FieldError } from './errors.js';
import type { KindDefinition } from './kind.js';
import { kindFor } from './kinds.js';
import type { StoredResource } from '../datastore/types.js';

/** A problem in one document, located for a person. */
export interface DocumentError extends FieldError {
  /** File name, `-` for stdin, or whatever the caller named the text. */
  readonly source: string;
  /** 0-based position of the document among the non-empty documents of the source. */
  readonly index: number;
  /** 0-based position inside a List or a sequence, when the document holds several resources. */
  readonly item?: number;
  /** 1-based line and column of the field at fault (or of the document). */
  readonly line?: number;
  readonly column?: number;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly value: StoredResource }
  | { readonly ok: false; readonly errors: readonly DocumentError[] };

export interface DecodedDocument {
  readonly source: string;
  /** 0-based position among the non-empty documents of the source (printed 1-based). */
  readonly index: number;
  readonly item?: number;
  /** 1-based line where the resource starts. */
  readonly line?: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  /** The kind's definition, when apiVersion and kind name one. */
  readonly definition?: KindDefinition;
  readonly result: DecodeResult;
}

export interface DecodeOptions {
  /** Apply each kind's defaults to valid resources (as Calico does on write). */
  readonly applyDefaults?: boolean;
}

type Path = readonly (string | number)[];

interface Located {
  readonly source: string;
  readonly index: number;
  readonly item?: number;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** Lines of the source before the chunk this document was parsed from. */
  readonly lineOffset: number;
  /** Path of this resource inside the YAML document. */
  readonly base: Path;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Splits `spec.ingress[0].action` into segments; label keys may contain dots, resolved against the YAML. */
function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      out.push(part);
      continue;
    }
    if (m[1] !== '') out.push(m[1] ?? '');
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** The child of a YAML node at a key or index, and where that field starts (its key, for mappings). */
function child(node: unknown, seg: string | number): { node: unknown; offset: number | undefined } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (key === seg || (typeof key === 'number' && String(key) === seg)) {
        return { node: pair.value, offset: isNode(pair.key) ? pair.key.range?.[0] : undefined };
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item === undefined ? undefined : { node: item, offset: isNode(item) ? item.range?.[0] : undefined };
  }
  return undefined;
}

/** The line and column of the deepest field of `path` present in the document (a key's own line). */
function locate(at: Located, path: string): { line: number; column: number } | undefined {
  let node: unknown = at.doc.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  for (const seg of at.base) {
    const c = child(node, seg);
    if (c === undefined) break;
    node = c.node;
    offset = c.offset ?? offset;
  }
  const segs = splitPath(path);
  for (let i = 0; i < segs.length; i++) {
    let found = false;
    // A key such as `projectcalico.org/tier` was split on its dots: rejoin until it matches.
    for (let j = i; j < segs.length && !found; j++) {
      const key = j === i ? segs[i] : segs.slice(i, j + 1).join('.');
      if (key === undefined) break;
      const c = child(node, key);
      if (c !== undefined) {
        node = c.node;
        offset = c.offset ?? offset;
        i = j;
        found = true;
      }
    }
    if (!found) break;
  }
  if (offset === undefined) return undefined;
  const pos = at.lines.linePos(offset);
  return { line: pos.line + at.lineOffset, column: pos.col };
}

function identity(raw: unknown): { apiVersion?: string; kind?: string; name?: string; namespace?: string } {
  if (!isObject(raw)) return {};
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  const out: { apiVersion?: string; kind?: string; name?: string; namespace?: string } = {};
  const apiVersion = str(raw.apiVersion);
  const kind = str(raw.kind);
  const name = str(meta.name);
  const namespace = str(meta.namespace);
  if (apiVersion !== undefined) out.apiVersion = apiVersion;
  if (kind !== undefined) out.kind = kind;
  if (name !== undefined && name !== '') out.name = name;
  if (namespace !== undefined && namespace !== '') out.namespace = namespace;
  return out;
}

function toDocumentErrors(at: Located, raw: unknown, errors: readonly FieldError[]): DocumentError[] {
  const id = identity(raw);
  return errors.map((e) => {
    const pos = locate(at, e.path);
    return {
      ...e,
      source: at.source,
      index: at.index,
      ...(at.item !== undefined && { item: at.item }),
      ...(pos !== undefined && { line: pos.line, column: pos.column }),
      ...(id.kind !== undefined && { kind: id.kind }),
      ...(id.name !== undefined && { name: id.name }),
      ...(id.namespace !== undefined && { namespace: id.namespace }),
    };
  });
}

/**
 * Drops null-valued keys: Go's decoder leaves a field at its zero value for
 * `null`, so `creationTimestamp: null` (as `calicoctl get -o yaml` prints an
 * unset time) reads back as an absent field.
 */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
  return out;
}

function decodeResource(at: Located, given: unknown, opts: DecodeOptions): DecodedDocument {
  const raw = withoutNulls(given);
  const id = identity(raw);
  const start = locate(at, '');
  const head = {
    source: at.source,
    index: at.index,
    ...(at.item !== undefined && { item: at.item }),
    ...(start !== undefined && { line: start.line }),
    ...id,
  };
  const failWith = (code: ErrorCode, path: string, message: string): DecodedDocument => ({
    ...head,
    result: { ok: false, errors: toDocumentErrors(at, raw, [fieldError(code, path, message)]) },
  });
  if (!isObject(raw)) return failWith('invalid-value', '', 'a resource must be a mapping with apiVersion, kind, metadata and spec');
  if (id.apiVersion === undefined || id.apiVersion === '') return failWith('required', 'apiVersion', "Object 'apiVersion' is missing");
  if (id.kind === undefined || id.kind === '') return failWith('required', 'kind', "Object 'Kind' is missing");
  const def = kindFor(id.apiVersion, id.kind);
  if (def === undefined) {
    return failWith('unknown-kind', 'kind', `unknown resource type (${id.kind}) and/or version (${id.apiVersion})`);
  }
  const r = def.validate(raw);
  if (!r.ok) return { ...head, definition: def, result: { ok: false, errors: toDocumentErrors(at, raw, r.errors) } };
  const value = opts.applyDefaults === true ? def.applyDefaults(r.value) : r.value;
  return { ...head, definition: def, result: { ok: true, value } };
}

const LIST_ENVELOPE_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'items']);

/** A `<Kind>List` of a known kind, or a generic `List`; items inherit the list's kind when they omit it. */
function decodeList(at: Located, raw: Record<string, unknown>, opts: DecodeOptions): DecodedDocument[] | undefined {
  const kind = str(raw.kind) ?? '';
  const apiVersion = str(raw.apiVersion) ?? '';
  const generic = kind === 'List';
  const itemKind = generic ? undefined : kindFor(apiVersion, kind.slice(0, -'List'.length));
  if (!kind.endsWith('List') || (!generic && itemKind === undefined)) return undefined;
  const problems: FieldError[] = [];
  for (const key of Object.keys(raw)) {
    if (!LIST_ENVELOPE_KEYS.has(key)) problems.push(fieldError('unknown-field', key, `unknown field "${key}"`));
  }
  if (!Array.isArray(raw.items)) {
    problems.push(raw.items === undefined ? fieldError('required', 'items', 'required field is missing') : fieldError('invalid-value', 'items', 'must be a list'));
  }
  if (problems.length > 0) {
    return [{ source: at.source, index: at.index, kind, apiVersion, result: { ok: false, errors: toDocumentErrors(at, raw, problems) } }];
  }
  return (raw.items as unknown[]).map((item, i) => {
    const itemAt: Located = { ...at, item: i, base: [...at.base, 'items', i] };
    if (itemKind !== undefined && isObject(item)) {
      const filled = { apiVersion: itemKind.apiVersion, kind: itemKind.kind, ...item };
      if (filled.kind !== itemKind.kind || filled.apiVersion !== itemKind.apiVersion) {
        const msg = `${kind} items must be ${itemKind.apiVersion} ${itemKind.kind} resources`;
        return decodeResourceError(itemAt, item, 'kind', msg);
      }
      return decodeResource(itemAt, filled, opts);
    }
    return decodeResource(itemAt, item, opts);
  });
}

function decodeResourceError(at: Located, raw: unknown, path: string, message: string): DecodedDocument {
  return {
    source: at.source,
    index: at.index,
    ...(at.item !== undefined && { item: at.item }),
    ...identity(raw),
    result: { ok: false, errors: toDocumentErrors(at, raw, [fieldError('invalid-value', path, message)]) },
  };
}

interface Chunk {
  readonly text: string;
  /** Lines of the source before this chunk. */
  readonly lineOffset: number;
}

/**
 * Splits a stream as calicoctl does, on "\n---" textually: the rest of the
 * separator line is dropped, and each chunk is parsed on its own, so a
 * syntax error in one document does not spill into the next.
 */
export function splitDocuments(text: string): Chunk[] {
  const out: Chunk[] = [];
  let start = 0;
  let lineOffset = 0;
  for (;;) {
    const sep = text.indexOf('\n---', start);
    if (sep < 0) {
      out.push({ text: text.slice(start), lineOffset });
      return out;
    }
    out.push({ text: text.slice(start, sep), lineOffset });
    const eol = text.indexOf('\n', sep + 4);
    const next = eol < 0 ? text.length : eol + 1;
    for (let i = start; i < next; i++) if (text.charCodeAt(i) === 10) lineOffset++;
    if (eol < 0) return out;
    start = next;
  }
}

function parseError(e: { message: string; linePos?: readonly { line: number; col: number }[] | undefined }, chunk: Chunk, source: string, index: number): DocumentError {
  const pos = e.linePos?.[0];
  return {
    // The library appends "at line N, column M:" and a code excerpt; the position is kept separately.
    ...fieldError('parse', '', (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')),
    source,
    index,
    ...(pos !== undefined && { line: pos.line + chunk.lineOffset, column: pos.col }),
  };
}

/**
 * Decodes a YAML or JSON stream into its resources, in order. Empty
 * documents are skipped; a document with a syntax error yields one entry
 * whose error carries the line and column.
 */
export function decodeManifests(text: string, source = '<input>', opts: DecodeOptions = {}): DecodedDocument[] {
  const out: DecodedDocument[] = [];
  let index = 0;
  for (const chunk of splitDocuments(text)) {
    const lines = new LineCounter();
    const docs = parseAllDocuments(chunk.text, { version: '1.1', lineCounter: lines, uniqueKeys: true, merge: true });
    for (const doc of Array.isArray(docs) ? docs : []) {
      const at: Located = { source, index, doc, lines, lineOffset: chunk.lineOffset, base: [] };
      if (doc.errors.length > 0) {
        const errors = doc.errors.map((e) => parseError(e, chunk, source, index));
        out.push({ source, index, ...(errors[0]?.line !== undefined && { line: errors[0].line }), result: { ok: false, errors } });
        index++;
        continue;
      }
      const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
      if (raw === null || raw === undefined) continue;
      if (Array.isArray(raw)) {
        raw.forEach((item: unknown, i) => {
          const itemAt: Located = { ...at, item: i, base: [i] };
          const list = isObject(item) ? decodeList(itemAt, item, opts) : undefined;
          out.push(...(list ?? [decodeResource(itemAt, item, opts)]));
        });
      } else {
        const list = isObject(raw) ? decodeList(at, raw, opts) : undefined;
        out.push(...(list ?? [decodeResource(at, raw, opts)]));
      }
      index++;
    }
  }
  return out;
}

/** `file.yaml:14: document 2 (GlobalNetworkPolicy "foo"): spec.ingress[0].action: must be one of …` */
export function formatDocumentError(e: DocumentError): string {
  const where = e.line !== undefined ? `${e.source}:${e.line}` : e.source;
  const item = e.item !== undefined ? ` item ${e.item + 1}` : '';
  const who =
    e.kind !== undefined
      ? ` (${e.kind}${e.name !== undefined ? ` "${e.namespace !== undefined ? `${e.namespace}/` : ''}${e.name}"` : ''})`
      : '';
  return `${where}: document ${e.index + 1}${item}${who}: ${formatFieldError(e)}`;
}

export type DecodeAllResult =
  | { readonly ok: true; readonly value: readonly StoredResource[] }
  | { readonly ok: false; readonly errors: readonly DocumentError[] };

/** Every error of a set of decoded documents; empty when all are valid. */
export function documentErrors(docs: readonly DecodedDocument[]): DocumentError[] {
  return docs.flatMap((d) => (d.result.ok ? [] : d.result.errors));
}

/**
 * The whole-file check: either every resource of the stream is valid and all
 * are returned, or nothing is and every problem of every document is.
 */
export function decodeAll(text: string, source = '<input>', opts: DecodeOptions = {}): DecodeAllResult {
  return collect(decodeManifests(text, source, opts));
}

/** Turns decoded documents into all their resources, or all their errors. */
export function collect(docs: readonly DecodedDocument[]): DecodeAllResult {
  const errors = documentErrors(docs);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: docs.flatMap((d) => (d.result.ok ? [d.result.value] : [])) };
}
