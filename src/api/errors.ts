// Errors are values: a code a program can switch on, the path of the field at
// fault and a sentence for a person. Validation collects every problem of a
// document rather than stopping at the first.

export type ErrorCode =
  | 'invalid-value' // a field has a value Calico does not accept
  | 'required' // a field that must be set is missing
  | 'unknown-field' // a field Calico does not know (calicoctl rejects these too)
  | 'parse' // the document is not valid YAML/JSON, or a selector does not parse
  | 'unknown-kind' // apiVersion/kind names no resource we know
  | 'not-found'
  | 'already-exists'
  | 'conflict' // compare-and-swap lost: the resource changed since it was read
  | 'unavailable' // the datastore or a daemon cannot be reached
  | 'exhausted' // no address left, or no pool for this host
  | 'internal';

export interface FieldError {
  readonly code: ErrorCode;
  /** Dotted path of the field at fault, e.g. `spec.ingress[0].source.nets[1]`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

export function fieldError(code: ErrorCode, path: string, message: string): FieldError {
  return { code, path, message };
}

export function formatFieldError(e: FieldError): string {
  return e.path === '' ? e.message : `${e.path}: ${e.message}`;
}

/** An error that crosses an async or CLI boundary; carries the field errors behind it. */
export class CalicoError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly FieldError[];

  constructor(code: ErrorCode, message: string, details: readonly FieldError[] = []) {
    super(message);
    this.name = 'CalicoError';
    this.code = code;
    this.details = details;
  }

  static fromFieldErrors(context: string, errors: readonly FieldError[]): CalicoError {
    const first = errors[0];
    const code = first?.code ?? 'invalid-value';
    const lines = errors.map((e) => `  ${formatFieldError(e)}`).join('\n');
    return new CalicoError(code, `${context}:\n${lines}`, errors);
  }
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(errors: readonly FieldError[]): Result<T> {
  return { ok: false, errors };
}

/** Joins path segments the way error paths are written: `a.b[2].c`. */
export function joinPath(base: string, segment: string | number): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  return base === '' ? segment : `${base}.${segment}`;
}
