// Field schemas shared by the infrastructure kinds (pools, BGP, Felix and
// node configuration): Go durations, AS numbers, port ranges, Calico's
// case-insensitive enumerations, and the resource envelope.
import { z } from 'zod';
import { CALICO_API_VERSION } from './meta.js';
import { objectMetaSchema, type ObjectMetaOptions } from './metadata-schema.js';
import { isIp, parseCidr, parseIp } from './net.js';
import { selectorString } from './schema.js';
import { formatGoDuration, parseAsNumber, parseGoDuration } from './go-values.js';

export interface DurationOptions {
  /**
   * The CRD pattern on most Felix durations is `^([0-9]+(\\.[0-9]+)?(ms|s|m|h))*$`:
   * its doubled backslash makes fractions unmatchable, so only whole numbers
   * of ms/s/m/h pass. `decimal` is the correctly escaped variant.
   */
  readonly pattern?: 'whole-units' | 'decimal';
}

const WHOLE_UNITS_RE = /^([0-9]+(ms|s|m|h))*$/;
const DECIMAL_UNITS_RE = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))*$/;

/**
 * A metav1.Duration: a string Go can parse, normalised to Go's own
 * rendering as a read-back through Calico's API would show it.
 */
export function goDuration(opts: DurationOptions = {}) {
  return z
    .string()
    .superRefine((s, ctx) => {
      const ns = parseGoDuration(s);
      if (ns === null) {
        ctx.addIssue({ code: 'custom', message: `invalid duration "${s}" (expected a Go duration such as "90s" or "1m30s")` });
        return;
      }
      // The CRD pattern is checked against Go's rendering, not the text given: "0.5s" passes as "500ms".
      const re = opts.pattern === 'whole-units' ? WHOLE_UNITS_RE : opts.pattern === 'decimal' ? DECIMAL_UNITS_RE : null;
      const shown = formatGoDuration(ns);
      if (re !== null && !re.test(shown)) {
        ctx.addIssue({ code: 'custom', message: `${shown} should match '${re.source}'` });
      }
    })
    .transform((s) => formatGoDuration(parseGoDuration(s) ?? 0n));
}

// ---- numbers ----

/** An integer within optional bounds (Go int/int32/uint16… fields). */
export function intIn(min?: number, max?: number) {
  let s = z.number().int({ message: 'must be an integer' });
  if (min !== undefined) s = s.min(min, { message: `must be greater than or equal to ${min}` });
  if (max !== undefined) s = s.max(max, { message: `must be less than or equal to ${max}` });
  return s;
}

/** numorstring.ASNumber: accepted as a number or a string, stored as a number. */
export const asNumber = z
  .union([z.number(), z.string()])
  .superRefine((v, ctx) => {
    if (parseAsNumber(v) === null) ctx.addIssue({ code: 'custom', message: `invalid AS Number format (${String(v)})` });
  })
  .transform((v) => parseAsNumber(v) ?? 0);

const PORT_NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * numorstring.Port: a number, a range "min:max", or a named port; numeric
 * ports are 1–65535 with min ≤ max (Calico's validatePort).
 */
export const portOrRange = z.union([z.number(), z.string()]).superRefine((v, ctx) => {
  const bad = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 65535) bad('port range invalid, port number must be between 1 and 65535');
    else if (v < 1) bad('port range invalid, port number must be between 1 and 65535');
    return;
  }
  const range = /^(\d+)(?::(\d+))?$/.exec(v);
  if (range !== null) {
    const lo = Number(range[1]);
    const hi = range[2] === undefined ? lo : Number(range[2]);
    if (lo < 1 || hi > 65535 || lo > 65535) bad('port range invalid, port number must be between 1 and 65535');
    else if (lo > hi) bad('port range invalid');
    return;
  }
  if (v.includes(':') || !PORT_NAME_RE.test(v) || v.length > 15 || !/[a-z]/.test(v)) bad(`invalid port "${v}"`);
});

// ---- strings ----

/** An enumeration Calico matches case-insensitively (`^(?i)(A|B)?$`); empty allowed. */
export function enumCI<const T extends readonly string[]>(values: T) {
  const lower = new Set(values.map((v) => v.toLowerCase()));
  return z.string().refine((s) => s === '' || lower.has(s.toLowerCase()), {
    message: `must be one of ${values.join(', ')} (case-insensitive)`,
  });
}

/** An exact enumeration. */
export function enumOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { message: `must be one of ${values.join(', ')}` });
}

export const regexpString = z.string().superRefine((s, ctx) => {
  try {
    new RegExp(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression "${s}"` });
  }
});

export function patterned(re: RegExp) {
  return z.string().regex(re, { message: `should match '${re.source}'` });
}

const INTERFACE_RE = /^[a-zA-Z0-9_.-]{1,15}$/;
export const interfaceName = z.string().regex(INTERFACE_RE, { message: `invalid interface name (must match ${INTERFACE_RE.source})` });

const IFACE_FILTER_RE = /^[a-zA-Z0-9:._+-]{1,15}$/;
export const ifaceFilter = z.string().regex(IFACE_FILTER_RE, { message: `invalid interface filter (must match ${IFACE_FILTER_RE.source})` });

const PROMETHEUS_HOST_RE = /^[a-zA-Z0-9:._+-]{1,64}$/;
export const prometheusHost = z.string().regex(PROMETHEUS_HOST_RE, { message: `invalid host (must match ${PROMETHEUS_HOST_RE.source})` });

/** A selector field: it must parse, and the CRD caps it at 1024 characters. */
export const crdSelector = z
  .string()
  .max(1024, { message: 'must be at most 1024 characters' })
  .pipe(selectorString);

/** A Calico "net": a CIDR or IP, strictly masked. */
export const strictNet = z.string().superRefine((s, ctx) => {
  const c = parseCidr(s);
  const slash = s.indexOf('/');
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (c === null || ip === null) ctx.addIssue({ code: 'custom', message: `invalid CIDR "${s}"` });
  else if (ip.value !== c.network) ctx.addIssue({ code: 'custom', message: `CIDR "${s}" is not strictly masked` });
});

/** Calico's "cidr": a CIDR or IP, host bits allowed. */
export const looseCidr = z.string().refine((s) => parseCidr(s) !== null, { message: 'must be a CIDR or an IP address' });

export function anyIpOfFamily(family: 4 | 6) {
  return z.string().refine((s) => parseIp(s)?.family === family, { message: `must be an IPv${family} address` });
}

export function cidrOfFamily(family: 4 | 6) {
  return z.string().refine((s) => parseCidr(s)?.family === family, { message: `must be an IPv${family} CIDR or address` });
}

export const anyIp = z.string().refine(isIp, { message: 'must be an IP address' });

/** A Kubernetes Secret key reference (BGP passwords). */
export const secretKeySelector = z.strictObject({
  name: z.string().optional(),
  key: z.string(),
  optional: z.boolean().optional(),
});

/** A Kubernetes Condition (status.conditions). */
export const conditionSchema = z.strictObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  observedGeneration: z.number().int().optional(),
});

// ---- the envelope ----

export interface EnvelopeOptions<K extends string, S extends z.ZodType> {
  readonly kind: K;
  readonly meta: ObjectMetaOptions;
  readonly spec: S;
}

function envelopeShape<K extends string, S extends z.ZodType>(opts: EnvelopeOptions<K, S>) {
  return {
    apiVersion: z.literal(CALICO_API_VERSION, { message: `apiVersion must be ${CALICO_API_VERSION}` }),
    kind: z.literal(opts.kind, { message: `kind must be ${opts.kind}` }),
    metadata: objectMetaSchema(opts.meta),
    // A missing or null spec unmarshals to the zero spec in Go; its required fields are then reported.
    spec: z.preprocess((v) => (v === undefined || v === null ? {} : v), opts.spec),
  };
}

/** `{apiVersion, kind, metadata, spec}` with strict keys. */
export function envelope<K extends string, S extends z.ZodType>(opts: EnvelopeOptions<K, S>) {
  return z.strictObject(envelopeShape(opts));
}

/** The envelope of kinds that also carry a `status`. */
export function envelopeWithStatus<K extends string, S extends z.ZodType, St extends z.ZodType>(
  opts: EnvelopeOptions<K, S> & { readonly status: St },
) {
  return z.strictObject({ ...envelopeShape(opts), status: opts.status.optional() });
}
