// The fast path (see fast-path.ts) of policy rules and the fields every
// policy kind shares, for the common shapes: actions with TCP/UDP/SCTP or no
// protocol, selectors, nets and ports. ICMP, HTTP, services, service accounts
// and rule annotations are left to the full validation.
import { fastList, fastObject, NOT_FAST, oneOf, stringWhere, type Fast, type Obj } from './fast-path.js';
import { parseCidr, parseIp } from './net.js';
import type { PolicyType } from './policy-types.js';
import { ACTIONS, checkRule, isResourceNameOrEmpty, SELECTOR_MAX_LENGTH } from './rule.js';
import { formatPort, parsePort } from './rule-ports.js';
import { parseSelector } from '../selector/index.js';

// Policies repeat the same few selectors; parsing one is the dearest part of checking a rule.
const selectorValidity = new Map<string, boolean>();
const SELECTOR_CACHE_MAX = 10_000;

function parses(s: string): boolean {
  let ok = selectorValidity.get(s);
  if (ok === undefined) {
    try {
      parseSelector(s);
      ok = true;
    } catch {
      ok = false;
    }
    if (selectorValidity.size >= SELECTOR_CACHE_MAX) selectorValidity.clear();
    selectorValidity.set(s, ok);
  }
  return ok;
}

/** selectorField and nonGlobalSelectorField alike: `global()` anywhere is the full validation's to judge. */
export const fastSelector = stringWhere((s) => s.length <= SELECTOR_MAX_LENGTH && !s.includes('global(') && (s === '' || parses(s)));

export const fastResourceName = stringWhere(isResourceNameOrEmpty);

export function fastOrder(v: unknown): Fast<number> {
  return typeof v === 'number' && Number.isFinite(v) ? v : NOT_FAST;
}

/** ruleNet: a CIDR with a prefix length, strictly masked. */
function isRuleNet(n: string): boolean {
  const slash = n.indexOf('/');
  if (slash < 0) return false;
  const c = parseCidr(n);
  const ip = parseIp(n.slice(0, slash));
  return c !== null && ip !== null && c.network === ip.value;
}

function fastNets(v: unknown): Fast<string[]> {
  if (!Array.isArray(v) || v.length > 256) return NOT_FAST;
  const seen = new Set<string>();
  for (const n of v as unknown[]) {
    if (typeof n !== 'string' || seen.has(n) || !isRuleNet(n)) return NOT_FAST;
    seen.add(n);
  }
  return [...seen];
}

function fastPorts(v: unknown): Fast<(number | string)[]> {
  if (!Array.isArray(v) || v.length > 50) return NOT_FAST;
  const out: (number | string)[] = [];
  for (const p of v as unknown[]) {
    if (typeof p !== 'number' && typeof p !== 'string') return NOT_FAST;
    const parsed = parsePort(p);
    if ('errors' in parsed) return NOT_FAST;
    out.push(formatPort(parsed));
  }
  return out;
}

/** entityRuleSchema's shape order; service accounts and services go the full way. */
const fastEntity = fastObject([
  ['nets', fastNets],
  ['notNets', fastNets],
  ['selector', fastSelector],
  ['notSelector', fastSelector],
  ['namespaceSelector', fastSelector],
  ['ports', fastPorts],
  ['notPorts', fastPorts],
]);

/** ruleShape's order; the protocol, when given, one that has ports (others, and ICMP matches, go the full way). */
const fastRule = fastObject(
  [
    ['action', oneOf(ACTIONS)],
    ['ipVersion', oneOf([4, 6])],
    ['protocol', oneOf(['TCP', 'UDP', 'SCTP'])],
    ['source', fastEntity],
    ['destination', fastEntity],
  ],
  (r, ctx) => checkRule(r as Obj, ctx),
  ['action'],
);

/** A list of rules (ruleListSchema or a profile's plain list); at most `maxItems` when given. */
export function fastRules(maxItems?: number): (v: unknown) => Fast<Record<string, unknown>[]> {
  return fastList(fastRule, maxItems);
}

/** typesSchema: Ingress and Egress, each at most once, at most `maxItems`. */
export function fastTypes(maxItems: number): (v: unknown) => Fast<PolicyType[]> {
  return (v) => {
    if (!Array.isArray(v) || v.length > maxItems) return NOT_FAST;
    const out: PolicyType[] = [];
    for (const t of v as unknown[]) {
      if ((t !== 'Ingress' && t !== 'Egress') || out.includes(t)) return NOT_FAST;
      out.push(t);
    }
    return out;
  };
}
