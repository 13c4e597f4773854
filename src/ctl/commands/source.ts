// Where the resources of a command come from: `-f FILE|DIR|-` (YAML or JSON,
// several documents, lists), or KIND and NAMEs on the command line. A file is
// checked whole before anything is written: every invalid document is
// reported with its position, kind, name and the fields at fault.
import { readFileSync } from 'node:fs';
import { decodeManifests, formatDocumentError, type DecodedDocument } from '../../api/decode.js';
import { manifestFiles } from '../../api/load.js';
import type { StoredResource } from '../../datastore/types.js';
import { CtlError } from './errors.js';
import { ctlKindByName, ctlKindForDoc, type CtlKind } from './kinds.js';

export interface LoadedResource {
  readonly kind: CtlKind;
  readonly resource: StoredResource;
  /** Where a resource from a file was read, as document errors name it: `file.yaml:12: document 2`. */
  readonly origin?: string;
}

function originOf(d: DecodedDocument): string {
  const item = d.item !== undefined ? ` item ${d.item + 1}` : '';
  return `${d.line !== undefined ? `${d.source}:${d.line}` : d.source}: document ${d.index + 1}${item}`;
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

/** A document good enough to name a resource (get, delete), even when its spec is not valid. */
function identityOnly(d: DecodedDocument): StoredResource | string {
  if (d.result.ok) return d.result.value;
  const def = d.definition;
  if (def === undefined || d.name === undefined) return d.result.errors.map(formatDocumentError).join('\n');
  return {
    apiVersion: def.apiVersion,
    kind: def.kind,
    metadata: d.namespace === undefined ? { name: d.name } : { name: d.name, namespace: d.namespace },
  };
}

/**
 * Every resource of `-f`, or FileInvalid naming each bad document with its
 * position, kind, name and fields. Nothing is partially loaded.
 */
export function loadFromFiles(path: string, opts: FileOptions): LoadedResource[] {
  const files = manifestFiles(path, opts.recursive);
  const loaded: LoadedResource[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const docs = decodeManifests(readSource(file, opts), file);
    if (docs.length === 0 && !opts.skipEmpty) throw new CtlError('other', `no resources specified in file ${file}`);
    for (const d of docs) {
      if (opts.validate) {
        if (!d.result.ok) {
          problems.push(...d.result.errors.map(formatDocumentError));
          continue;
        }
        const kind = ctlKindForDoc(d.result.value.apiVersion, d.result.value.kind);
        if (kind !== undefined) loaded.push({ kind, resource: d.result.value, origin: originOf(d) });
        continue;
      }
      const r = identityOnly(d);
      if (typeof r === 'string') {
        problems.push(r);
        continue;
      }
      const kind = ctlKindForDoc(r.apiVersion, r.kind);
      if (kind !== undefined) loaded.push({ kind, resource: r, origin: originOf(d) });
    }
  }
  if (problems.length > 0) throw new FileInvalid(problems.join('\n'));
  if (loaded.length === 0 && !opts.skipEmpty && files.length === 0) {
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
