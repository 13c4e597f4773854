// Validation of `metadata`, shared by every kind. Names, labels and
// annotations follow the Kubernetes rules Calico's validator applies; the
// fields a datastore sets (resourceVersion, uid, ...) are accepted so that a
// resource read back with `calicoctl get -o yaml` can be applied again.
import { z } from 'zod';
import type { ObjectMeta } from './meta.js';
import { isDns1123Label, isDns1123Subdomain } from './schema.js';

/** Returns why a name is unacceptable (possibly several reasons), or nothing when it is fine. */
export type NameCheck = (name: string) => string | readonly string[] | undefined;

export interface ObjectMetaOptions {
  readonly namespaced: boolean;
  /**
   * Kind-specific name rule, checked in addition to the generic DNS-1123
   * subdomain rule (Calico validates ObjectMeta for every kind, then the kind
   * itself); a reason both rules give is reported once.
   */
  readonly nameCheck?: NameCheck;
  /** Label keys users may not set on this kind (e.g. `projectcalico.org/namespace` on network sets). */
  readonly forbiddenLabels?: readonly string[];
}

const DNS1123_SUBDOMAIN_MAX = 253;
export const DNS1123_SUBDOMAIN_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

/** The name rule of most Calico kinds: a DNS-1123 subdomain of at most 253 bytes. */
export const genericNameCheck: NameCheck = (name) => {
  const reasons: string[] = [];
  if (name.length > DNS1123_SUBDOMAIN_MAX) {
    reasons.push(`name is too long by ${name.length - DNS1123_SUBDOMAIN_MAX} bytes`);
  }
  if (!DNS1123_SUBDOMAIN_RE.test(name)) {
    reasons.push(`name must consist of lower case alphanumeric characters, '-' or '.' (regex: ${DNS1123_SUBDOMAIN_FMT})`);
  }
  return reasons;
};

/**
 * A name rule from a regular expression (anchored here) with Calico's
 * wording, plus the 253-byte limit every name has.
 */
export function regexNameCheck(regex: string, message: string, maxLength = DNS1123_SUBDOMAIN_MAX): NameCheck {
  const re = new RegExp(`^(?:${regex})$`);
  return (name) => {
    const reasons: string[] = [];
    if (name.length > maxLength) reasons.push(`name is too long by ${name.length - maxLength} bytes`);
    if (!re.test(name)) reasons.push(message);
    return reasons;
  };
}

// ---- Kubernetes label and annotation rules ----

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE_FMT = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;
/** Kubernetes' limit on the total size of a resource's annotations (keys plus values). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Kubernetes IsQualifiedName: `[prefix/]name`, prefix a DNS-1123 subdomain, name ≤ 63. */
export function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else if (!isDns1123Subdomain(prefix)) {
      errs.push(
        `prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', ` +
          `and must start and end with an alphanumeric character (regex used for validation is '${DNS1123_SUBDOMAIN_FMT}')`,
      );
    }
  } else {
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an ` +
        `alphanumeric character, with an optional DNS subdomain prefix and '/' (regex used for validation is ` +
        `'(${QUALIFIED_NAME_FMT}/)?${QUALIFIED_NAME_FMT}')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > QUALIFIED_NAME_MAX) errs.push(`name part must be no more than ${QUALIFIED_NAME_MAX} characters`);
  if (name.length > 0 && !QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an ` +
        `alphanumeric character (regex used for validation is '${QUALIFIED_NAME_FMT}')`,
    );
  }
  return errs;
}

/** Kubernetes IsValidLabelValue. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LABEL_VALUE_MAX) errs.push(`must be no more than ${LABEL_VALUE_MAX} characters`);
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must ` +
        `start and end with an alphanumeric character (regex used for validation is '${LABEL_VALUE_FMT}')`,
    );
  }
  return errs;
}

/** A label map: keys are qualified names, values valid label values. */
export const labelsSchema = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [k, v] of Object.entries(labels)) {
    for (const m of qualifiedNameErrors(k)) ctx.addIssue({ code: 'custom', path: [k], message: `label key: ${m}` });
    for (const m of labelValueErrors(v)) ctx.addIssue({ code: 'custom', path: [k], message: `label value: ${m}` });
  }
});

export const annotationsSchema = z.record(z.string(), z.string()).superRefine((anns, ctx) => {
  let total = 0;
  for (const [k, v] of Object.entries(anns)) {
    // Kubernetes checks annotation keys lower-cased, so upper case is tolerated.
    for (const m of qualifiedNameErrors(k.toLowerCase())) ctx.addIssue({ code: 'custom', path: [k], message: `annotation key: ${m}` });
    total += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    ctx.addIssue({
      code: 'custom',
      message: `total size of annotations is too large by ${total - TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
});

export function reasonsOf(r: string | readonly string[] | undefined): readonly string[] {
  if (r === undefined) return [];
  return typeof r === 'string' ? [r] : r;
}

/**
 * The schema of `metadata` for one kind. `name` is required; for namespaced
 * kinds `namespace` is optional (calicoctl fills in the current namespace) but
 * must be a DNS-1123 label; cluster-scoped kinds must not name a namespace.
 * Checks sit on the fields themselves so a bad name never hides a bad label.
 */
export function objectMetaSchema(opts: ObjectMetaOptions): z.ZodType<ObjectMeta> {
  const kindCheck = opts.nameCheck;
  const nameCheck: NameCheck = (n) => {
    const reasons = [...reasonsOf(genericNameCheck(n))];
    if (kindCheck !== undefined) for (const r of reasonsOf(kindCheck(n))) if (!reasons.includes(r)) reasons.push(r);
    return reasons;
  };
  const forbidden = opts.forbiddenLabels ?? [];
  const name = z.string().superRefine((n, ctx) => {
    if (n === '') ctx.addIssue({ code: 'custom', message: 'name must be specified' });
    else for (const msg of reasonsOf(nameCheck(n))) ctx.addIssue({ code: 'custom', message: msg });
  });
  const namespace = z.string().superRefine((ns, ctx) => {
    if (ns === '') return;
    if (!opts.namespaced) {
      ctx.addIssue({ code: 'custom', message: 'namespace should not be specified for a non-namespaced resource' });
    } else if (!isDns1123Label(ns)) {
      ctx.addIssue({
        code: 'custom',
        message: 'namespace must be a lowercase RFC 1123 label (a-z, 0-9 and "-", at most 63 characters)',
      });
    }
  });
  const labels = labelsSchema.superRefine((ls, ctx) => {
    for (const key of forbidden) {
      if (Object.hasOwn(ls, key)) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is not a valid label name` });
    }
  });
  return z.strictObject({
    name,
    namespace: namespace.optional(),
    labels: labels.optional(),
    annotations: annotationsSchema.optional(),
    resourceVersion: z.string().optional(),
    uid: z.string().optional(),
    creationTimestamp: z.string().optional(),
    generateName: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    deletionGracePeriodSeconds: z.number().int().optional(),
    generation: z.number().int().optional(),
    finalizers: z.array(z.string()).optional(),
    ownerReferences: z.array(z.unknown()).optional(),
    managedFields: z.array(z.unknown()).optional(),
  });
}

/**
 * The envelope of one kind: `apiVersion` and `kind` as given, metadata as
 * above and the kind's spec. A missing `spec` is an empty one, as in Calico
 * (Go decodes an absent struct as its zero value).
 */
export function resourceSchema<A extends string, K extends string, S extends z.ZodType>(def: {
  readonly apiVersion: A;
  readonly kind: K;
  readonly meta: ObjectMetaOptions;
  readonly spec: S;
}) {
  return z.strictObject({
    apiVersion: z.literal(def.apiVersion),
    kind: z.literal(def.kind),
    metadata: objectMetaSchema(def.meta),
    spec: z.preprocess((v) => (v === undefined || v === null ? {} : v), def.spec),
  });
}
