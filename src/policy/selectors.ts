// The selector rewriting Calico's update processors do before Felix sees a
// policy (policy.md §1.8), expressed as predicates over LabelledItem instead of
// spliced selector text. Parsing happens here, once per selector.
import { parseSelector } from '../selector/index.js';
import type { EntityRule } from '../api/policy-types.js';
import {
  LABEL_NAMESPACE,
  LABEL_SERVICE_ACCOUNT,
  SENTINEL_HAS_NAMESPACE,
  SENTINEL_HAS_SERVICE_ACCOUNT,
  type LabelledItem,
} from './labels.js';

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

const ALL_CALL = /all\([ \t]*\)/g;
const GLOBAL_CALL = /global\([ \t]*\)/g;

type View = 'labels' | 'namespaceView' | 'serviceAccountView';

/** One selector text, evaluated against one view of the item's labels. */
function compileOn(text: string, view: View, field: string): Matcher {
  let sel;
  try {
    sel = parseSelector(text);
  } catch (err) {
    throw new SelectorError(field, `invalid selector ${JSON.stringify(text)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return (item) => sel.evaluate(item[view]);
}

/** Like compileOn, but a selector that does not parse yields null (upstream's prefix() returns ""). */
function tryCompileOn(text: string, view: View): Matcher | null {
  try {
    return compileOn(text, view, '');
  } catch {
    return null;
  }
}

function and(parts: readonly Matcher[]): Matcher | null {
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0] ?? null;
  return (item) => {
    for (const p of parts) if (!p(item)) return false;
    return true;
  };
}

const isEmpty = (s: string | undefined): s is undefined | '' => s === undefined || s === '';

export interface PolicySelectorInput {
  /** "" for global policies. */
  readonly namespace: string;
  readonly selector?: string;
  readonly namespaceSelector?: string;
  readonly serviceAccountSelector?: string;
}

/**
 * Which endpoints a policy applies to. NetworkPolicy: its selector within its
 * namespace. GlobalNetworkPolicy: selector ∧ pcns-prefixed namespaceSelector,
 * where every `all()` then means "is namespaced" (so `namespaceSelector: all()`
 * excludes host endpoints), and likewise "has a service account" once a
 * serviceAccountSelector is appended. An unparseable serviceAccountSelector is
 * dropped, widening the policy, as upstream does.
 */
export function compilePolicySelector(p: PolicySelectorInput): Matcher {
  const sel = isEmpty(p.selector) ? '' : p.selector;
  const saSel = isEmpty(p.serviceAccountSelector) ? '' : p.serviceAccountSelector;
  if (p.namespace !== '') {
    const ns = p.namespace;
    const parts: Matcher[] = [(item) => item.labels[LABEL_NAMESPACE] === ns];
    if (sel !== '') parts.push(compileOn(sel, 'labels', 'spec.selector'));
    if (saSel !== '') {
      const sa = tryCompileOn(saSel, 'serviceAccountView');
      if (sa !== null) parts.push(sa);
    }
    return and(parts) ?? (() => true);
  }
  const nsSel = isEmpty(p.namespaceSelector) ? '' : p.namespaceSelector;
  let selText = sel;
  let nsText = nsSel;
  if (nsSel !== '') {
    selText = selText.replace(ALL_CALL, `has(${LABEL_NAMESPACE})`);
    nsText = nsText.replace(ALL_CALL, `has(${SENTINEL_HAS_NAMESPACE})`);
  }
  let saText = '';
  if (saSel !== '' && tryCompileOn(saSel, 'serviceAccountView') !== null) {
    selText = selText.replace(ALL_CALL, `has(${LABEL_SERVICE_ACCOUNT})`);
    nsText = nsText.replace(ALL_CALL, `has(${SENTINEL_HAS_SERVICE_ACCOUNT})`);
    saText = saSel.replace(ALL_CALL, `has(${SENTINEL_HAS_SERVICE_ACCOUNT})`);
  }
  const parts: Matcher[] = [];
  if (selText !== '') parts.push(compileOn(selText, 'labels', 'spec.selector'));
  if (nsText !== '') parts.push(compileOn(nsText, 'namespaceView', 'spec.namespaceSelector'));
  if (saText !== '') parts.push(compileOn(saText, 'serviceAccountView', 'spec.serviceAccountSelector'));
  return and(parts) ?? (() => true);
}

/** The two selector predicates Felix ends up with for one side of a rule. */
export interface EntitySelectors {
  /** Peer must be (an IP of) a known endpoint/network set matching this; null = no constraint. */
  readonly positive: Matcher | null;
  /** Peer must not be an IP of anything matching this; null = no constraint. */
  readonly negative: Matcher | null;
}

/**
 * GetEntityRuleSelector (updateprocessors/rules.go) followed by the rule
 * scanner's combineMatchesIfPossible: a notSelector next to a positive
 * selector is folded into it, so it only filters known endpoints; alone it
 * stays a negated set that non-Calico IPs pass.
 */
export function compileEntitySelectors(e: EntityRule | undefined, policyNamespace: string, path: string): EntitySelectors {
  if (e === undefined) return { positive: null, negative: null };
  const saParts: Matcher[] = [];
  if (e.serviceAccounts !== undefined) {
    const saSelector = e.serviceAccounts.selector;
    if (!isEmpty(saSelector)) {
      const m = tryCompileOn(saSelector, 'serviceAccountView');
      if (m !== null) saParts.push(m);
    }
    const names = e.serviceAccounts.names ?? [];
    if (names.length > 0) {
      const set = new Set(names);
      saParts.push((item) => {
        const sa = item.labels[LABEL_SERVICE_ACCOUNT];
        return sa !== undefined && set.has(sa);
      });
    }
  }
  let nsMatcher: Matcher | null = null;
  if (!isEmpty(e.namespaceSelector)) {
    // prefix() of an unparseable selector is "", which drops the clause entirely.
    if (tryCompileOn(e.namespaceSelector, 'namespaceView') !== null) {
      const text = e.namespaceSelector
        .replace(ALL_CALL, `has(${SENTINEL_HAS_NAMESPACE})`)
        .replace(GLOBAL_CALL, `!has(${SENTINEL_HAS_NAMESPACE})`);
      nsMatcher = compileOn(text, 'namespaceView', `${path}.namespaceSelector`);
    }
  } else if (policyNamespace !== '') {
    nsMatcher = (item) => item.labels[LABEL_NAMESPACE] === policyNamespace;
  }
  const selParts = [...saParts];
  if (!isEmpty(e.selector)) selParts.push(compileOn(e.selector, 'labels', `${path}.selector`));
  const sel = and(selParts);
  const hasNot = !isEmpty(e.notSelector);
  let positive: Matcher | null = sel;
  if (nsMatcher !== null && (sel !== null || hasNot || !isEmpty(e.namespaceSelector))) {
    positive = sel === null ? nsMatcher : and([nsMatcher, sel]);
  }
  if (!hasNot) return { positive, negative: null };
  const not = compileOn(e.notSelector, 'labels', `${path}.notSelector`);
  if (positive === null) return { positive: null, negative: not };
  const pos = positive;
  return { positive: (item) => pos(item) && !not(item), negative: null };
}
