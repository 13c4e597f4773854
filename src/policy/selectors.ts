// The selector rewriting Calico's update processors do before Felix sees a
// policy (policy.md §1.8; updateprocessors/{networkpolicyprocessor,
// globalnetworkpolicyprocessor,rules,selectors}.go), done the same textual way,
// then the rule scanner's notSelector folding. The resulting backend selector
// strings are what Felix evaluates (and what IP-set IDs are derived from);
// each is parsed once here.
import { parseSelector, prefixSelectorText } from '../selector/index.js';
import type { EntityRule, ServiceAccountMatch } from '../api/policy-types.js';
import { LABEL_NAMESPACE, LABEL_SERVICE_ACCOUNT, NAMESPACE_LABEL_PREFIX, SERVICE_ACCOUNT_LABEL_PREFIX, type LabelledItem } from './labels.js';

export type Matcher = (item: LabelledItem) => boolean;

export class SelectorError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SelectorError';
  }
}

/** Bound of the memo caches below; past it they start over. */
const PARSED_LIMIT = 50_000;

/** prefix(s, p) of the update processors, remembered: the same few selectors recur in every policy. */
const prefixed = new Map<string, string>();
function prefixOf(text: string, prefix: string): string {
  const key = `${prefix}\u0000${text}`;
  let out = prefixed.get(key);
  if (out === undefined) {
    out = prefixSelectorText(text, prefix);
    if (prefixed.size >= PARSED_LIMIT) prefixed.clear();
    prefixed.set(key, out);
  }
  return out;
}

/** Go's strings.Replace(s, old, new, -1). */
const replaceAll = (s: string, from: string, to: string): string => s.split(from).join(to);

/** prefixAndAppendSelector: `(cur) && prefix(sel)`; an unparseable `sel` is dropped. */
function prefixAndAppend(current: string, sel: string | undefined, prefix: string): string {
  if (sel === undefined || sel === '') return current;
  const p = prefixOf(sel, prefix);
  if (p === '') return current;
  return current === '' ? p : `(${current}) && ${p}`;
}

export interface PolicySelectorInput {
  /** "" for global policies. */
  readonly namespace: string;
  readonly selector?: string;
  readonly namespaceSelector?: string;
  readonly serviceAccountSelector?: string;
}

/**
 * The backend selector of a policy: a NetworkPolicy's selector within its
 * namespace; a GlobalNetworkPolicy's selector with the pcns-prefixed
 * namespaceSelector appended, after which every `all()` means "is namespaced"
 * (so `namespaceSelector: all()` excludes host endpoints), and likewise "has a
 * service account" once a serviceAccountSelector is appended.
 */
export function policyBackendSelector(p: PolicySelectorInput): string {
  let sel = p.selector ?? '';
  if (p.namespace !== '') {
    const ns = `${LABEL_NAMESPACE} == '${p.namespace}'`;
    sel = sel === '' ? ns : `(${sel}) && ${ns}`;
    return prefixAndAppend(sel, p.serviceAccountSelector, SERVICE_ACCOUNT_LABEL_PREFIX);
  }
  if (p.namespaceSelector !== undefined && p.namespaceSelector !== '') {
    sel = prefixAndAppend(sel, p.namespaceSelector, NAMESPACE_LABEL_PREFIX);
    sel = replaceAll(sel, 'all()', `has(${LABEL_NAMESPACE})`);
  }
  if (p.serviceAccountSelector !== undefined && p.serviceAccountSelector !== '') {
    sel = prefixAndAppend(sel, p.serviceAccountSelector, SERVICE_ACCOUNT_LABEL_PREFIX);
    sel = replaceAll(sel, 'all()', `has(${LABEL_SERVICE_ACCOUNT})`);
  }
  return sel;
}

function serviceAccountSelector(sam: ServiceAccountMatch): string {
  const updated = sam.selector !== undefined && sam.selector !== '' ? prefixOf(sam.selector, SERVICE_ACCOUNT_LABEL_PREFIX) : '';
  const names = sam.names ?? [];
  if (names.length === 0) return updated;
  let byName: string;
  try {
    byName = parseSelector(`${LABEL_SERVICE_ACCOUNT} in { '${names.join("', '")}' }`).canonical;
  } catch {
    return '';
  }
  return updated !== '' ? `(${updated}) && (${byName})` : byName;
}

/** GetEntityRuleSelector: the positive selector of one side of a rule in namespace `ns` ("" = global). */
export function entityRuleBackendSelector(e: EntityRule, ns: string): string {
  let nsSel = '';
  const namespaceSelector = e.namespaceSelector ?? '';
  if (namespaceSelector !== '') {
    nsSel = prefixOf(namespaceSelector, NAMESPACE_LABEL_PREFIX);
    nsSel = replaceAll(nsSel, 'all()', `has(${LABEL_NAMESPACE})`);
    nsSel = replaceAll(nsSel, 'global()', `!has(${LABEL_NAMESPACE})`);
  } else if (ns !== '') {
    nsSel = `${LABEL_NAMESPACE} == '${ns}'`;
  }
  const parts: string[] = [];
  const sa = e.serviceAccounts === undefined ? '' : serviceAccountSelector(e.serviceAccounts);
  if (sa !== '') parts.push(sa);
  if (e.selector !== undefined && e.selector !== '') parts.push(e.selector);
  let sel = parts.length === 1 ? (parts[0] ?? '') : parts.length > 1 ? `(${parts.join(') && (')})` : '';
  if (nsSel !== '' && (sel !== '' || (e.notSelector ?? '') !== '' || namespaceSelector !== '')) {
    sel = sel !== '' ? `(${nsSel}) && (${sel})` : nsSel;
  }
  return sel;
}

/**
 * Policies repeat the same rule selectors many times over; a parsed selector
 * is immutable, so one parse serves them all. Bounded: cleared when full.
 */
const parsed = new Map<string, Matcher>();

/** Parses a backend selector once; "" means no constraint (null). */
export function compileBackendSelector(text: string, field: string): Matcher | null {
  if (text === '') return null;
  const known = parsed.get(text);
  if (known !== undefined) return known;
  let sel;
  try {
    sel = parseSelector(text);
  } catch (err) {
    throw new SelectorError(field, `invalid selector ${JSON.stringify(text)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const matcher: Matcher = (item) => sel.evaluate(item.labels);
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(text, matcher);
  return matcher;
}

/** The two selector sets Felix ends up with for one side of a rule. */
export interface EntitySelectors {
  /** Backend texts, as Felix's IP sets are defined (positive, negated); "" = none. */
  readonly positiveText: string;
  readonly negativeText: string;
  /** Peer must be (an address of) a known endpoint/network set matching this; null = no constraint. */
  readonly positive: Matcher | null;
  /** Peer must not be an address of anything matching this; null = no constraint. */
  readonly negative: Matcher | null;
}

/**
 * The rule scanner's combineMatchesIfPossible: a notSelector next to a
 * positive selector is folded into it, so it only filters known endpoints;
 * alone it stays a negated set, which addresses outside Calico pass.
 */
export function compileEntitySelectors(e: EntityRule | undefined, policyNamespace: string, path: string): EntitySelectors {
  if (e === undefined) return { positiveText: '', negativeText: '', positive: null, negative: null };
  let positiveText = entityRuleBackendSelector(e, policyNamespace);
  let negativeText = e.notSelector ?? '';
  if (positiveText !== '' && negativeText !== '') {
    positiveText = `(${positiveText}) && (!(${negativeText}))`;
    negativeText = '';
  }
  return {
    positiveText,
    negativeText,
    positive: compileBackendSelector(positiveText, `${path}.selector`),
    negative: compileBackendSelector(negativeText, `${path}.notSelector`),
  };
}

/** The policy's backend selector, parsed. */
export function compilePolicySelector(p: PolicySelectorInput): { readonly text: string; readonly applies: Matcher } {
  const text = policyBackendSelector(p);
  return { text, applies: compileBackendSelector(text, 'spec.selector') ?? (() => true) };
}
