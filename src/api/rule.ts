// Schemas of the parts every policy kind and Profile share: ports,
// protocols, ICMP matches, EntityRule and Rule, with the checks Calico's
// validator and CRD rules apply to them. Checks that relate several fields run
// even when some other field of the same object is malformed, so one
// `calicoctl apply` reports every problem at once.
import { z } from 'zod';
import type { Action, EntityRule, HTTPMatch, ICMPFields, Rule, ServiceMatch } from './policy-types.js';
import { portSchema, protocolNumber, protocolSchema, protocolSupportsPorts } from './rule-ports.js';

export {
  formatPort,
  parsePort,
  portFromString,
  portNameErrors,
  portSchema,
  protocolNumber,
  protocolSchema,
  protocolSupportsPorts,
  PROTOCOL_NUMBERS,
  type ParsedPort,
} from './rule-ports.js';
import { parseCidr, parseIp } from './net.js';
import { isDns1123Subdomain, selectorString, uniqueList } from './schema.js';
import { annotationsSchema } from './metadata-schema.js';

// ---- loose access to values that may not have parsed ----

type Obj = Readonly<Record<string, unknown>>;

/** The value as an object, or undefined when it is anything else. */
export function asObj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Runs a cross-field check whether or not the object's fields parsed. */
export const ALWAYS = { when: (): boolean => true } as const;

// ---- selectors ----

export const SELECTOR_MAX_LENGTH = 1024;
export const GLOBAL_ONLY_IN_NAMESPACE_SELECTOR = 'global() can only be used in an EntityRule namespaceSelector';

/** A selector field: parses, at most 1024 characters; "" selects everything. */
export const selectorField = z
  .string()
  .max(SELECTOR_MAX_LENGTH, `must be at most ${SELECTOR_MAX_LENGTH} characters`)
  .superRefine((s, ctx) => {
    if (s === '') return;
    const r = selectorString.safeParse(s);
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message });
  });

/** A selector field in which `global()` has no meaning (everything except an EntityRule namespaceSelector). */
export const nonGlobalSelectorField = selectorField.superRefine((s, ctx) => {
  if (s.includes('global(')) ctx.addIssue({ code: 'custom', message: GLOBAL_ONLY_IN_NAMESPACE_SELECTOR });
});

// A port that failed to parse is reported on its own; only well-formed numbers count here.
function isNumericPort(p: unknown): boolean {
  return typeof p === 'number' || (typeof p === 'string' && /^\d+(:\d+)?$/.test(p));
}

// ---- ICMP ----

export const icmpSchema: z.ZodType<ICMPFields> = z
  .strictObject({
    type: z.number().int().min(0).max(254).optional(),
    code: z.number().int().min(0).max(255).optional(),
  })
  .superRefine((v, ctx) => {
    const o = asObj(v);
    if (o !== undefined && o['code'] !== undefined && o['type'] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['code'], message: 'ICMP code specified without an ICMP type' });
    }
  }, ALWAYS);

// ---- EntityRule ----

/** A rule CIDR: written with a prefix length and strictly masked. */
export const ruleNet = z.string().superRefine((n, ctx) => {
  if (!n.includes('/') || parseCidr(n) === null) ctx.addIssue({ code: 'custom', message: 'invalid CIDR' });
  else if (!isMasked(n)) ctx.addIssue({ code: 'custom', message: 'CIDR is not strictly masked (host bits must be zero)' });
});

function isMasked(n: string): boolean {
  const c = parseCidr(n);
  const ip = parseIp(n.slice(0, n.indexOf('/')));
  return c !== null && ip !== null && c.network === ip.value;
}

/** What resourceNameField accepts: empty, or a DNS-1123 subdomain. */
export function isResourceNameOrEmpty(s: string): boolean {
  return s === '' || isDns1123Subdomain(s);
}

/** A field naming another resource (`validate:"name"`): empty, or a DNS-1123 subdomain. */
export const resourceNameField = z.string().superRefine((s, ctx) => {
  if (!isResourceNameOrEmpty(s)) {
    ctx.addIssue({ code: 'custom', message: `must be a lowercase RFC 1123 subdomain (a-z, 0-9, "-" and ".", at most 253 characters)` });
  }
});

// A missing name is reported by the EntityRule check with Calico's wording.
const serviceMatchSchema = z
  .strictObject({
    name: resourceNameField.optional(),
    namespace: resourceNameField.optional(),
  })
  .transform((s): ServiceMatch => ({ ...s, name: s.name ?? '' }));

const serviceAccountMatchSchema = z.strictObject({
  names: uniqueList(z.string()).optional(),
  selector: selectorField.optional(),
});

const NAMESPACE_GLOBAL_ONLY = /^[ \t]*global\([ \t]*\)[ \t]*$/;

function nonEmptyString(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}

function nonEmptyArray(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

export const entityRuleSchema: z.ZodType<EntityRule> = z
  .strictObject({
    nets: uniqueList(ruleNet).max(256).optional(),
    notNets: uniqueList(ruleNet).max(256).optional(),
    selector: nonGlobalSelectorField.optional(),
    notSelector: selectorField.optional(),
    namespaceSelector: selectorField
      .superRefine((s, ctx) => {
        if (s.includes('global(') && !NAMESPACE_GLOBAL_ONLY.test(s)) {
          ctx.addIssue({ code: 'custom', message: 'global() cannot be combined with other selectors' });
        }
      })
      .optional(),
    serviceAccounts: serviceAccountMatchSchema.optional(),
    services: serviceMatchSchema.optional(),
    ports: z.array(portSchema).max(50).optional(),
    notPorts: z.array(portSchema).max(50).optional(),
  })
  .superRefine((v, ctx) => {
    const e = asObj(v);
    const svc = asObj(e?.['services']);
    if (e === undefined || svc === undefined) return;
    const forbid = (message: string) => ctx.addIssue({ code: 'custom', path: ['services'], message });
    if (nonEmptyString(e['namespaceSelector'])) forbid('cannot specify NamespaceSelector and Services on the same rule');
    if (e['serviceAccounts'] !== undefined) forbid('cannot specify ServiceAccounts and Services on the same rule');
    if (!nonEmptyString(svc['name'])) {
      ctx.addIssue({ code: 'custom', path: ['services', 'name'], message: 'services must specify a service name' });
    }
    if (nonEmptyString(e['selector']) || nonEmptyString(e['notSelector'])) {
      forbid('cannot specify Selector/NotSelector and Services on the same rule');
    }
    if (nonEmptyArray(e['nets']) || nonEmptyArray(e['notNets'])) forbid('cannot specify Nets/NotNets and Services on the same rule');
  }, ALWAYS);

// ---- HTTP ----

const httpPathSchema = z.strictObject({
  exact: z.string().max(1024).optional(),
  prefix: z.string().max(1024).optional(),
});

export const httpMatchSchema: z.ZodType<HTTPMatch> = z
  .strictObject({
    methods: z.array(z.string()).max(20).optional(),
    paths: z.array(httpPathSchema).max(20).optional(),
  })
  .superRefine((v, ctx) => {
    const h = asObj(v);
    if (h === undefined) return;
    const methods = asArray(h['methods']);
    if (new Set(methods).size !== methods.length) {
      ctx.addIssue({ code: 'custom', path: ['methods'], message: `Invalid methods (duplicates): [${methods.join(' ')}]` });
    }
    // Calico stops at the first bad path and reports it against the list.
    for (const p of asArray(h['paths'])) {
      const msg = httpPathError(asObj(p));
      if (msg !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['paths'], message: msg });
        break;
      }
    }
  }, ALWAYS);

function httpPathError(p: Obj | undefined): string | undefined {
  const exact = asString(p?.['exact']) ?? '';
  const prefix = asString(p?.['prefix']) ?? '';
  if (exact !== '' && prefix !== '') return "Invalid path match. Both 'exact' and 'prefix' are set";
  const v = exact !== '' ? exact : prefix;
  if (v === '') return "Invalid path match. Either 'exact' or 'prefix' must be set";
  if (!v.startsWith('/') || /[? #]/.test(v)) return `Invalid path ${v}. (must start with \`/\` and not contain \`?\` or \`#\``;
  return undefined;
}

// ---- Rule ----

export const ACTIONS: readonly [Action, ...Action[]] = ['Allow', 'Deny', 'Log', 'Pass'];

const ruleShape = z.strictObject({
  action: z.enum(ACTIONS),
  ipVersion: z.union([z.literal(4), z.literal(6)]).optional(),
  protocol: protocolSchema.optional(),
  notProtocol: protocolSchema.optional(),
  icmp: icmpSchema.optional(),
  notICMP: icmpSchema.optional(),
  source: entityRuleSchema.optional(),
  destination: entityRuleSchema.optional(),
  http: httpMatchSchema.optional(),
  metadata: z.strictObject({ annotations: annotationsSchema.optional() }).optional(),
});

const PORT_FIELDS = [
  ['source', 'ports'],
  ['source', 'notPorts'],
  ['destination', 'ports'],
  ['destination', 'notPorts'],
] as const;

const NET_FIELDS = [
  ['source', 'nets'],
  ['source', 'notNets'],
  ['destination', 'nets'],
  ['destination', 'notNets'],
] as const;

/** The cross-field rules of one rule, over the raw rule (they run whether or not its fields parsed). */
export function checkRule(r: Obj, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const protocol = r['protocol'];
  const ipVersion = r['ipVersion'];

  for (const [side, field] of PORT_FIELDS) {
    const ports = asArray(asObj(r[side])?.[field]);
    if (protocol === undefined) {
      if (ports.some(isNumericPort)) {
        issue([side, field], 'rules with numeric port or port range must set protocol to TCP or UDP or SCTP');
      }
    } else if (ports.length > 0 && !protocolSupportsPorts(protocol)) {
      issue([side, field], 'rules that specify ports must set protocol to TCP or UDP or SCTP');
    }
  }

  if (r['http'] !== undefined) {
    if (protocol !== undefined && protocolNumber(protocol) !== 6) issue(['http'], 'rules with HTTP match must have protocol TCP or unset');
    if (r['action'] !== 'Allow') issue(['http'], 'HTTP match is only valid on Allow rules');
  }

  const dst = asObj(r['destination']);
  if (dst?.['services'] !== undefined && (nonEmptyArray(dst['ports']) || nonEmptyArray(dst['notPorts']))) {
    issue(['destination'], 'ports and notPorts cannot be specified with services');
  }

  if (r['icmp'] !== undefined) {
    const n = protocolNumber(protocol);
    if (n !== 1 && n !== 58) issue(['icmp'], 'ICMP fields require protocol to be ICMP or ICMPv6');
  }
  for (const field of ['protocol', 'notProtocol'] as const) {
    const n = protocolNumber(r[field]);
    if (n === 1 && ipVersion !== undefined && ipVersion !== 4) issue([field], 'protocol ICMP requires ipVersion 4');
    if (n === 58 && ipVersion !== undefined && ipVersion !== 6) issue([field], 'protocol ICMPv6 requires ipVersion 6');
  }

  checkRuleNets(r, ipVersion, issue);
}

// All nets of one rule must be of one family, matching ipVersion when set.
function checkRuleNets(r: Obj, ipVersion: unknown, issue: (path: PropertyKey[], message: string) => void): void {
  let seenV4 = false;
  let seenV6 = false;
  for (const [side, field] of NET_FIELDS) {
    let v4 = false;
    let v6 = false;
    asArray(asObj(r[side])?.[field]).forEach((n, i) => {
      if (typeof n !== 'string' || !n.includes('/')) return;
      const c = parseCidr(n);
      if (c === null) return;
      if (c.family === 4) v4 = true;
      else v6 = true;
      const catchAll = field === 'notNets' && ((c.family === 4 && n === '0.0.0.0/0') || (c.family === 6 && c.prefixLength === 0 && c.network === 0n));
      if (catchAll) issue([side, field, i], 'catch-all CIDR in negation creates logical contradiction (matches no traffic)');
    });
    if (ipVersion !== undefined && ((v4 && ipVersion !== 4) || (v6 && ipVersion !== 6))) {
      issue([side, field], "rule IP version doesn't match CIDR version");
    }
    if ((v4 && seenV6) || (v6 && seenV4) || (v4 && v6)) issue([side, field], 'rule contains both IPv4 and IPv6 CIDRs');
    seenV4 ||= v4;
    seenV6 ||= v6;
  }
}

export const ruleSchema: z.ZodType<Rule> = ruleShape.superRefine((v, ctx) => {
  const r = asObj(v);
  if (r !== undefined) checkRule(r, ctx);
}, ALWAYS);

export type RuleDirection = 'ingress' | 'egress';

/**
 * A policy's list of rules in one direction, with the checks that depend on
 * the direction: services only as an ingress source or egress destination,
 * HTTP matches only on ingress, and (for cluster-wide policies) a service
 * named by a rule must say its namespace.
 */
export function ruleListSchema(direction: RuleDirection, opts: { readonly global: boolean; readonly maxItems?: number }) {
  const base = z.array(ruleSchema);
  const list = opts.maxItems === undefined ? base : base.max(opts.maxItems);
  return list.superRefine((rules, ctx) => {
    asArray(rules).forEach((raw, i) => {
      const r = asObj(raw);
      if (r === undefined) return;
      const src = asObj(r['source']);
      const dst = asObj(r['destination']);
      if (direction === 'egress') {
        if (src?.['services'] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [i, 'source', 'services'], message: 'not allowed in egress rule source' });
        }
        if (r['http'] !== undefined) {
          // Calico's wording differs by kind: "rule" for namespaced policies, "rules" for global ones.
          const message = opts.global ? 'not allowed in egress rules' : 'not allowed in egress rule';
          ctx.addIssue({ code: 'custom', path: [i, 'http'], message });
        }
      } else if (dst?.['services'] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'destination', 'services'], message: 'not allowed in ingress rule destination' });
      }
      if (opts.global) {
        const side = direction === 'egress' ? 'destination' : 'source';
        const svc = asObj(asObj(r[side])?.['services']);
        if (svc !== undefined && !nonEmptyString(svc['namespace'])) {
          ctx.addIssue({ code: 'custom', path: [i, side, 'services', 'namespace'], message: 'must specify a namespace' });
        }
      }
    });
  }, ALWAYS);
}
