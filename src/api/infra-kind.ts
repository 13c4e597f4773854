// Kind definitions: a zod schema for the fields, plus (for the
// infrastructure kinds) cross-field rules that read the raw document so they
// run even when some other field is malformed (Calico reports every problem
// at once). Every kind in src/api/kinds is built here, so none repeats the
// validate/applyDefaults plumbing.
import type { z } from 'zod';
import { NOT_FAST, type Fast } from './fast-path.js';
import { fieldError, joinPath, type FieldError, type Result } from './errors.js';
import type { KindDefinition } from './kind.js';
import { CALICO_API_VERSION } from './meta.js';
import { validateWith } from './schema.js';
import type { StoredResource } from '../datastore/types.js';

/**
 * Read-only, type-checked access to a raw (not yet validated) object. Cross-
 * field rules read through it so they still run when some other field of the
 * document is malformed: Calico reports every problem at once.
 */
export class Fields {
  private readonly o: Readonly<Record<string, unknown>>;

  constructor(value: unknown) {
    this.o = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  }

  has(key: string): boolean {
    return this.o[key] !== undefined && this.o[key] !== null;
  }

  str(key: string): string | undefined {
    const v = this.o[key];
    return typeof v === 'string' ? v : undefined;
  }

  /** A string that is set and not empty (Go's `size(x) > 0`). */
  nonEmpty(key: string): string | undefined {
    const v = this.str(key);
    return v === undefined || v === '' ? undefined : v;
  }

  bool(key: string): boolean | undefined {
    const v = this.o[key];
    return typeof v === 'boolean' ? v : undefined;
  }

  num(key: string): number | undefined {
    const v = this.o[key];
    return typeof v === 'number' ? v : undefined;
  }

  strs(key: string): readonly string[] | undefined {
    const v = this.o[key];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  }

  list(key: string): readonly Fields[] {
    const v = this.o[key];
    return Array.isArray(v) ? v.map((x) => new Fields(x)) : [];
  }

  obj(key: string): Fields {
    return new Fields(this.o[key]);
  }

  raw(key: string): unknown {
    return this.o[key];
  }
}

/** Collects cross-field problems under a base path; `at` shares the same list. */
export class Issues {
  constructor(
    private readonly base: string,
    readonly errors: FieldError[] = [],
  ) {}

  add(path: readonly (string | number)[], message: string): void {
    this.errors.push(fieldError('invalid-value', this.path(path), message));
  }

  at(path: readonly (string | number)[]): Issues {
    return new Issues(this.path(path), this.errors);
  }

  private path(path: readonly (string | number)[]): string {
    return path.reduce<string>((p, seg) => joinPath(p, seg), this.base);
  }
}

// ---- kind definitions ----

export interface InfraKindSpec<R extends StoredResource> {
  readonly kind: string;
  readonly apiVersion?: string;
  readonly namespaced?: boolean;
  readonly plural: string;
  readonly aliases: readonly string[];
  readonly schema: z.ZodType<R>;
  /** Cross-field rules over the raw document: `spec` and `metadata` as given. */
  readonly check?: (spec: Fields, out: Issues, metadata: Fields) => void;
  readonly applyDefaults?: (resource: R) => R;
  /**
   * The value `schema` would return for a common shape of document, checked
   * directly; NOT_FAST for anything else (see fast-path.ts). `check` still runs.
   */
  readonly fastPath?: (doc: unknown) => Fast<R>;
}

/** Each kind's validation without its fast path: what the fast path must agree with. */
const fullValidations = new WeakMap<KindDefinition, (doc: unknown) => Result<StoredResource>>();

/** Validates `doc` by the kind's schemas alone, never the fast path (for tests and comparisons). */
export function validateFully<R extends StoredResource>(def: KindDefinition<R>, doc: unknown): Result<R> {
  const full = fullValidations.get(def as KindDefinition) as ((doc: unknown) => Result<R>) | undefined;
  return full === undefined ? def.validate(doc) : full(doc);
}

/**
 * A KindDefinition whose validation is a zod schema over the whole document
 * plus cross-field rules that run even when some field is malformed.
 */
export function defineKind<R extends StoredResource>(spec: InfraKindSpec<R>): KindDefinition<R> {
  const { schema, check, fastPath } = spec;
  const crossFieldErrors = (doc: unknown): readonly FieldError[] => {
    if (check === undefined) return [];
    const raw = new Fields(doc);
    const out = new Issues('spec');
    check(raw.obj('spec'), out, raw.obj('metadata'));
    return out.errors;
  };
  const full = (doc: unknown): Result<R> => {
    const r = validateWith(schema, doc);
    const crossField = crossFieldErrors(doc);
    if (crossField.length === 0) return r;
    const errors = r.ok ? [] : [...r.errors];
    for (const e of crossField) {
      if (!errors.some((x) => x.path === e.path && x.message === e.message)) errors.push(e);
    }
    return { ok: false, errors };
  };
  const def: KindDefinition<R> = {
    kind: spec.kind,
    apiVersion: spec.apiVersion ?? CALICO_API_VERSION,
    namespaced: spec.namespaced ?? false,
    plural: spec.plural,
    aliases: spec.aliases,
    validate:
      fastPath === undefined
        ? full
        : (doc: unknown): Result<R> => {
            const value = fastPath(doc);
            return value !== NOT_FAST && crossFieldErrors(doc).length === 0 ? { ok: true, value } : full(doc);
          },
    applyDefaults: spec.applyDefaults ?? ((r: R) => r),
  };
  fullValidations.set(def as unknown as KindDefinition, full as (doc: unknown) => Result<StoredResource>);
  return def;
}
