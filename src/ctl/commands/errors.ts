// Errors as libcalico-go words them, because calicoctl prints them verbatim
// and scripts match on them: `resource does not exist: Tier(gold) with error:
// <nil>`, `update conflict: NetworkPolicy(ns/p)`, `error with field X = 'v' (why)`.
import { CalicoError, type ErrorCode, type FieldError } from '../../api/errors.js';

export type CtlErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'conflict'
  | 'validation'
  | 'not-supported'
  | 'unavailable'
  | 'other';

export class CtlError extends Error {
  constructor(
    readonly kind: CtlErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'CtlError';
  }
}

export interface Ident {
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** libcalico-go's ResourceKey.String(): `Kind(name)` or `Kind(namespace/name)`. */
export function identString(id: Ident): string {
  return id.namespace === undefined || id.namespace === ''
    ? `${id.kind}(${id.name})`
    : `${id.kind}(${id.namespace}/${id.name})`;
}

export function doesNotExist(id: Ident): CtlError {
  return new CtlError('not-found', `resource does not exist: ${identString(id)} with error: <nil>`);
}

export function alreadyExists(id: Ident): CtlError {
  return new CtlError('already-exists', `resource already exists: ${identString(id)} with error: <nil>`);
}

export function updateConflict(id: Ident): CtlError {
  return new CtlError('conflict', `update conflict: ${identString(id)}`);
}

export function notSupported(operation: string, identifier: string, reason?: string): CtlError {
  const base = `operation ${operation} is not supported on ${identifier}`;
  return new CtlError('not-supported', reason === undefined ? base : `${base}: ${reason}`);
}

/** One errored field as libcalico-go prints it: `Name = 'value' (reason)`. */
export function erroredField(name: string, value: unknown, reason: string): string {
  const shown = value === undefined ? '' : ` = '${goPrint(value)}'`;
  return `${name}${shown}${reason === '' ? '' : ` (${reason})`}`;
}

/** libcalico-go's ErrorValidation text for one or several fields. */
export function validationError(fields: readonly string[]): CtlError {
  if (fields.length === 1) return new CtlError('validation', `error with field ${fields[0] ?? ''}`);
  return new CtlError('validation', `error with the following fields:\n${fields.map((f) => `-  ${f}\n`).join('')}`);
}

/** FieldErrors of a document, with the offending values looked up in it. */
export function validationErrorOf(doc: unknown, errors: readonly FieldError[]): CtlError {
  return validationError(errors.map((e) => erroredField(e.path === '' ? '(document)' : e.path, valueAt(doc, e.path), e.message)));
}

function goPrint(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '<nil>';
  return JSON.stringify(v);
}

/** The value at a dotted error path (`spec.ingress[0].source.nets[1]`), if any. */
export function valueAt(doc: unknown, path: string): unknown {
  if (path === '') return undefined;
  let cur: unknown = doc;
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const idx = /^\[(\d+)\]$/.exec(part);
    cur = idx !== null ? (cur as unknown[])[Number(idx[1])] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A datastore failure in calicoctl's words, for the resource it concerned. */
export function fromDatastore(err: unknown, id: Ident): Error {
  if (err instanceof CtlError) return err;
  if (err instanceof CalicoError) {
    const byCode: Partial<Record<ErrorCode, () => CtlError>> = {
      'not-found': () => doesNotExist(id),
      'already-exists': () => alreadyExists(id),
      conflict: () => updateConflict(id),
      unavailable: () => new CtlError('unavailable', err.message),
    };
    const make = byCode[err.code];
    if (make !== undefined) return make();
    return new CtlError('other', err.message);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Go's `%v` of a []error: `[first second]`. */
export function errorList(errs: readonly Error[]): string {
  return `[${errs.map((e) => e.message).join(' ')}]`;
}
