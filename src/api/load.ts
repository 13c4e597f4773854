// Reading manifests the way `calicoctl -f` does: a file, a directory (its
// *.yaml, *.yml and *.json files in lexical order, subdirectories only with
// --recursive), or `-` for stdin.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fieldError } from './errors.js';
import { collect, decodeManifests, type DecodeAllResult, type DecodedDocument, type DecodeOptions } from './decode.js';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface LoadOptions extends DecodeOptions {
  /** Descend into subdirectories of a directory argument (calicoctl -R). */
  readonly recursive?: boolean;
  /** Reads stdin for `-`; defaults to reading file descriptor 0. */
  readonly readStdin?: () => string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The files `-f <path>` stands for, in the order calicoctl visits them
 * (Go's filepath.Walk: entries sorted by name, directories entered where
 * they sort). A non-directory path stands for itself, whatever its extension.
 */
export function manifestFiles(path: string, recursive = false): string[] {
  if (path === '-' || !isDirectory(path)) return [path];
  const out: string[] = [];
  const walk = (dir: string, top: boolean): void => {
    if (!top && !recursive) return;
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (isDirectory(full)) walk(full, false);
      else if (MANIFEST_EXTENSIONS.has(extname(name).toLowerCase())) out.push(full);
    }
  };
  walk(path, true);
  return out;
}

function readSource(file: string, opts: LoadOptions): string {
  if (file === '-') return opts.readStdin !== undefined ? opts.readStdin() : readFileSync(0, 'utf8');
  return readFileSync(file, 'utf8');
}

/**
 * Decodes every manifest `-f <path>` names. A file that cannot be read
 * yields one document carrying the error (code `not-found` when missing).
 */
export function loadManifests(path: string, opts: LoadOptions = {}): DecodedDocument[] {
  const out: DecodedDocument[] = [];
  for (const file of manifestFiles(path, opts.recursive === true)) {
    let text: string;
    try {
      text = readSource(file, opts);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      const message = missing ? `open ${file}: no such file or directory` : `reading ${file}: ${(err as Error).message}`;
      out.push({
        source: file,
        index: 0,
        result: { ok: false, errors: [{ ...fieldError(missing ? 'not-found' : 'unavailable', '', message), source: file, index: 0 }] },
      });
      continue;
    }
    out.push(...decodeManifests(text, file, opts));
  }
  return out;
}

/** The whole-input check over everything `-f <path>` names: all resources, or all errors. */
export function loadAll(path: string, opts: LoadOptions = {}): DecodeAllResult {
  return collect(loadManifests(path, opts));
}
