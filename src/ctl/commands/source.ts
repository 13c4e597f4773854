// Where the resources of a command come from: `-f FILE|DIR|-` (YAML or JSON,
// several documents, lists), or KIND and NAMEs on the command line. A file is
// checked whole before anything is written: every invalid document is
// reported with its position, kind, name and the fields at fault.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { StoredResource } from '../../datastore/types.js';
import { CtlError, validationErrorOf } from './errors.js';
import { ctlKindByName, ctlKindForDoc, type CtlKind } from './kinds.js';

export interface LoadedResource {
  readonly kind: CtlKind;
  readonly resource: StoredResource;
}

/** Thrown when a file cannot be read or a document in it is not acceptable. */
export class FileInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileInvalid';
  }
}

export interface FileOptions {
  readonly recursive: boolean;
  /** Validate every field (writes) or only the identity (get, delete). */
  readonly validate: boolean;
  readonly skipEmpty: boolean;
  /** stdin, for `-f -`. */
  readonly stdin?: () => string;
}

/** calicoctl's file.Iter: a directory yields its .yaml/.yml/.json files, sub-directories only with -R. */
export function manifestFiles(path: string, recursive: boolean): string[] {
  if (path === '-') return [path];
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return [path];
  }
  if (!isDir) return [path];
  const out: string[] = [];
  // Go's filepath.Walk from the root: sub-directories only when recursive.
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const p = join(dir, entry);
      if (statSync(p).isDirectory()) {
        if (recursive) walk(p);
      } else if (['.yaml', '.yml', '.json'].includes(extname(p).toLowerCase())) out.push(p);
    }
  };
  walk(path);
  return out;
}

function readSource(file: string, opts: FileOptions): string {
  if (file === '-') return opts.stdin !== undefined ? opts.stdin() : readFileSync(0, 'utf8');
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new FileInvalid(`open ${file}: ${why}`);
  }
}

/** The resource objects of one file's text: documents, YAML/JSON sequences and `…List` objects flattened. */
export function documentsOf(text: string, file: string): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      throw new FileInvalid(`${file}: ${e?.message.split('\n')[0] ?? 'invalid YAML'}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const flatten = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(flatten);
      else if (isList(v)) (v as { items: unknown[] }).items.forEach(flatten);
      else out.push(v);
    };
    flatten(value);
  }
  return out;
}

function isList(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['kind'] === 'string' && o['kind'].endsWith('List') && Array.isArray(o['items']);
}

function describeDoc(file: string, index: number, doc: unknown): string {
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const meta = (typeof o['metadata'] === 'object' && o['metadata'] !== null ? o['metadata'] : {}) as Record<string, unknown>;
  const kind = typeof o['kind'] === 'string' ? o['kind'] : '<no kind>';
  const name = typeof meta['name'] === 'string' ? ` "${meta['name']}"` : '';
  return `${file === '-' ? 'stdin' : file}: document ${index + 1} (${kind}${name})`;
}

/** Identity checks only: enough to get or delete a resource a file names. */
function identityErrors(doc: Record<string, unknown>): string | undefined {
  const meta = doc['metadata'];
  if (typeof meta !== 'object' || meta === null) return 'error with field metadata (metadata is required)';
  const name = (meta as Record<string, unknown>)['name'];
  if (typeof name !== 'string') return 'error with field metadata.name (name must be specified)';
  const ns = (meta as Record<string, unknown>)['namespace'];
  if (ns !== undefined && typeof ns !== 'string') return 'error with field metadata.namespace (must be a string)';
  return undefined;
}

/** Every resource of `-f`, or FileInvalid naming each bad document. Nothing is partially loaded. */
export function loadFromFiles(path: string, opts: FileOptions): LoadedResource[] {
  const files = manifestFiles(path, opts.recursive);
  const loaded: LoadedResource[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const docs = documentsOf(readSource(file, opts), file);
    if (docs.length === 0 && !opts.skipEmpty) throw new CtlError('other', `no resources specified in file ${file}`);
    docs.forEach((doc, index) => {
      const where = describeDoc(file, index, doc);
      if (typeof doc !== 'object' || doc === null) {
        problems.push(`${where}: a resource must be a mapping with apiVersion, kind, metadata and spec`);
        return;
      }
      const o = doc as Record<string, unknown>;
      const kind = ctlKindForDoc(String(o['apiVersion'] ?? ''), String(o['kind'] ?? ''));
      if (kind === undefined) {
        problems.push(
          `${where}: unknown resource type (${String(o['kind'] ?? '')}) and/or version (${String(o['apiVersion'] ?? '')})`,
        );
        return;
      }
      if (opts.validate) {
        const checked = kind.def.validate(doc);
        if (!checked.ok) {
          problems.push(`${where}: ${validationErrorOf(doc, checked.errors).message.trimEnd()}`);
          return;
        }
        loaded.push({ kind, resource: checked.value });
      } else {
        const bad = identityErrors(o);
        if (bad !== undefined) problems.push(`${where}: ${bad}`);
        else loaded.push({ kind, resource: doc as StoredResource });
      }
    });
  }
  if (problems.length > 0) throw new FileInvalid(problems.join('\n'));
  if (loaded.length === 0 && !opts.skipEmpty) {
    throw new CtlError('other', `no resources specified in directory ${path}`);
  }
  return loaded;
}

/** `KIND [NAME...]`: one resource per name, or one nameless resource meaning "list". */
export function resourcesFromArgs(kindArg: string, names: readonly string[], namespace: string | undefined): LoadedResource[] {
  const kind = ctlKindByName(kindArg);
  if (kind === undefined) throw new CtlError('other', `resource type '${kindArg}' is not supported`);
  const list = names.length === 0 ? [''] : names;
  return list.map((name) => ({
    kind,
    resource: {
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      metadata: kind.namespaced && namespace !== undefined ? { name, namespace } : { name },
    },
  }));
}
