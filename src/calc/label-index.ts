// Which selectors match which labelled items, kept up to date incrementally
// (Felix's InheritIndex and the label-restriction index behind its
// SelectorAndNamedPortIndex). Items inherit labels from parents (profiles):
// own labels first, then each parent in order. Each selector is filed under
// its cheapest necessary label restriction (strategy scoring), so an item
// change only evaluates the selectors that could possibly match it, and a new
// selector only scans the items that carry its most selective label.
import type { Labels } from '../api/meta.js';
import { possibleToSatisfy, type ParsedSelector } from '../selector/index.js';

export interface MatchListener {
  onMatchStarted(selectorId: string, itemId: string): void;
  onMatchStopped(selectorId: string, itemId: string): void;
}

type Strategy =
  | { readonly kind: 'values'; readonly label: string; readonly values: readonly string[] }
  | { readonly kind: 'present'; readonly label: string }
  | { readonly kind: 'scan' }
  | { readonly kind: 'never' };

interface SelectorData {
  readonly selector: ParsedSelector;
  readonly strategy: Strategy;
  readonly matches: Set<string>;
}

interface ItemData {
  own: Labels;
  parents: readonly string[];
  effective: Labels;
  readonly matches: Set<string>;
}

interface ParentData {
  labels: Labels | undefined;
  readonly items: Set<string>;
}

const EMPTY: Labels = Object.freeze({});

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (s === undefined) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (s === undefined) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class LabelIndex {
  private readonly selectors = new Map<string, SelectorData>();
  private readonly items = new Map<string, ItemData>();
  private readonly parents = new Map<string, ParentData>();
  /** Effective label → value → items carrying it. */
  private readonly itemsByValue = new Map<string, Map<string, Set<string>>>();
  private readonly itemsWithLabel = new Map<string, number>();
  /** Selectors filed by strategy, for the item-side lookup. */
  private readonly selByValue = new Map<string, Map<string, Set<string>>>();
  private readonly selByLabel = new Map<string, Set<string>>();
  private readonly selScan = new Set<string>();

  constructor(private readonly listener: MatchListener) {}

  // ---- selectors ----

  updateSelector(id: string, selector: ParsedSelector): void {
    const old = this.selectors.get(id);
    if (old !== undefined && old.selector.canonical === selector.canonical) return;
    const previous = old?.matches ?? new Set<string>();
    if (old !== undefined) this.unfile(id, old.strategy);
    const strategy = this.chooseStrategy(selector);
    const data: SelectorData = { selector, strategy, matches: new Set() };
    this.selectors.set(id, data);
    this.file(id, strategy);
    for (const itemId of this.candidateItems(strategy)) {
      const item = this.items.get(itemId);
      if (item !== undefined && selector.evaluate(item.effective)) data.matches.add(itemId);
    }
    for (const itemId of previous) {
      if (!data.matches.has(itemId)) this.stop(id, itemId);
    }
    for (const itemId of data.matches) {
      if (!previous.has(itemId)) this.start(id, itemId);
    }
  }

  deleteSelector(id: string): void {
    const data = this.selectors.get(id);
    if (data === undefined) return;
    this.unfile(id, data.strategy);
    this.selectors.delete(id);
    for (const itemId of data.matches) {
      this.items.get(itemId)?.matches.delete(id);
      this.listener.onMatchStopped(id, itemId);
    }
  }

  matchingItems(selectorId: string): ReadonlySet<string> {
    return this.selectors.get(selectorId)?.matches ?? new Set();
  }

  // ---- items ----

  updateItem(id: string, own: Labels, parentIds: readonly string[]): void {
    const item = this.items.get(id);
    if (item === undefined) {
      const fresh: ItemData = { own, parents: parentIds, effective: EMPTY, matches: new Set() };
      this.items.set(id, fresh);
      for (const p of parentIds) this.parent(p).items.add(id);
      this.relabel(id, fresh);
      return;
    }
    if (!sameList(item.parents, parentIds)) {
      for (const p of item.parents) this.releaseParent(p, id);
      for (const p of parentIds) this.parent(p).items.add(id);
      item.parents = parentIds;
    }
    item.own = own;
    this.relabel(id, item);
  }

  deleteItem(id: string): void {
    const item = this.items.get(id);
    if (item === undefined) return;
    this.unindexItem(id, item.effective);
    for (const p of item.parents) this.releaseParent(p, id);
    this.items.delete(id);
    for (const selId of item.matches) {
      this.selectors.get(selId)?.matches.delete(id);
      this.listener.onMatchStopped(selId, id);
    }
  }

  hasItem(id: string): boolean {
    return this.items.has(id);
  }

  matchingSelectors(itemId: string): ReadonlySet<string> {
    return this.items.get(itemId)?.matches ?? new Set();
  }

  // ---- parents ----

  updateParentLabels(id: string, labels: Labels | undefined): void {
    const p = this.parent(id);
    if (p.labels !== undefined && labels !== undefined && sameLabels(p.labels, labels)) return;
    p.labels = labels;
    for (const itemId of p.items) {
      const item = this.items.get(itemId);
      if (item !== undefined) this.relabel(itemId, item);
    }
    if (labels === undefined && p.items.size === 0) this.parents.delete(id);
  }

  // ---- internals ----

  private parent(id: string): ParentData {
    let p = this.parents.get(id);
    if (p === undefined) this.parents.set(id, (p = { labels: undefined, items: new Set() }));
    return p;
  }

  private releaseParent(parentId: string, itemId: string): void {
    const p = this.parents.get(parentId);
    if (p === undefined) return;
    p.items.delete(itemId);
    if (p.items.size === 0 && p.labels === undefined) this.parents.delete(parentId);
  }

  private effectiveLabels(item: ItemData): Labels {
    if (item.parents.length === 0) return item.own;
    const out: Record<string, string> = {};
    for (let i = item.parents.length - 1; i >= 0; i--) {
      const pl = this.parents.get(item.parents[i] ?? '')?.labels;
      if (pl !== undefined) Object.assign(out, pl);
    }
    return Object.assign(out, item.own);
  }

  /** Recomputes an item's effective labels and, if they changed, its matches. */
  private relabel(id: string, item: ItemData): void {
    const effective = this.effectiveLabels(item);
    const isNew = item.effective === EMPTY && item.matches.size === 0;
    if (!isNew && sameLabels(effective, item.effective)) {
      item.effective = effective;
      return;
    }
    this.unindexItem(id, item.effective);
    item.effective = effective;
    this.indexItem(id, effective);
    const now = new Set<string>();
    for (const selId of this.candidateSelectors(effective)) {
      const sel = this.selectors.get(selId);
      if (sel !== undefined && sel.selector.evaluate(effective)) now.add(selId);
    }
    for (const selId of [...item.matches]) {
      if (!now.has(selId)) this.stop(selId, id);
    }
    for (const selId of now) {
      if (!item.matches.has(selId)) this.start(selId, id);
    }
  }

  private start(selId: string, itemId: string): void {
    this.selectors.get(selId)?.matches.add(itemId);
    this.items.get(itemId)?.matches.add(selId);
    this.listener.onMatchStarted(selId, itemId);
  }

  private stop(selId: string, itemId: string): void {
    this.selectors.get(selId)?.matches.delete(itemId);
    this.items.get(itemId)?.matches.delete(selId);
    this.listener.onMatchStopped(selId, itemId);
  }

  private indexItem(id: string, labels: Labels): void {
    for (const [k, v] of Object.entries(labels)) {
      let byValue = this.itemsByValue.get(k);
      if (byValue === undefined) this.itemsByValue.set(k, (byValue = new Map()));
      addTo(byValue, v, id);
      this.itemsWithLabel.set(k, (this.itemsWithLabel.get(k) ?? 0) + 1);
    }
  }

  private unindexItem(id: string, labels: Labels): void {
    for (const [k, v] of Object.entries(labels)) {
      const byValue = this.itemsByValue.get(k);
      if (byValue === undefined) continue;
      removeFrom(byValue, v, id);
      if (byValue.size === 0) this.itemsByValue.delete(k);
      const n = (this.itemsWithLabel.get(k) ?? 1) - 1;
      if (n === 0) this.itemsWithLabel.delete(k);
      else this.itemsWithLabel.set(k, n);
    }
  }

  /** The cheapest way to find a selector's candidate items, scored by how many items each would scan. */
  private chooseStrategy(selector: ParsedSelector): Strategy {
    let best: Strategy = { kind: 'scan' };
    let bestCost = this.items.size + 1;
    for (const [label, r] of selector.labelRestrictions()) {
      if (!possibleToSatisfy(r)) return { kind: 'never' };
      if (r.mustHaveOneOfValues !== undefined) {
        const byValue = this.itemsByValue.get(label);
        let cost = 0;
        for (const v of r.mustHaveOneOfValues) cost += byValue?.get(v)?.size ?? 0;
        if (cost < bestCost) [best, bestCost] = [{ kind: 'values', label, values: r.mustHaveOneOfValues }, cost];
      } else if (r.mustBePresent) {
        const cost = this.itemsWithLabel.get(label) ?? 0;
        if (cost < bestCost) [best, bestCost] = [{ kind: 'present', label }, cost];
      }
    }
    return best;
  }

  private file(id: string, s: Strategy): void {
    if (s.kind === 'values') {
      let byValue = this.selByValue.get(s.label);
      if (byValue === undefined) this.selByValue.set(s.label, (byValue = new Map()));
      for (const v of s.values) addTo(byValue, v, id);
    } else if (s.kind === 'present') addTo(this.selByLabel, s.label, id);
    else if (s.kind === 'scan') this.selScan.add(id);
  }

  private unfile(id: string, s: Strategy): void {
    if (s.kind === 'values') {
      const byValue = this.selByValue.get(s.label);
      if (byValue === undefined) return;
      for (const v of s.values) removeFrom(byValue, v, id);
      if (byValue.size === 0) this.selByValue.delete(s.label);
    } else if (s.kind === 'present') removeFrom(this.selByLabel, s.label, id);
    else if (s.kind === 'scan') this.selScan.delete(id);
  }

  private *candidateItems(s: Strategy): Iterable<string> {
    if (s.kind === 'never') return;
    if (s.kind === 'scan') {
      yield* this.items.keys();
      return;
    }
    const byValue = this.itemsByValue.get(s.label);
    if (byValue === undefined) return;
    if (s.kind === 'present') {
      for (const set of byValue.values()) yield* set;
      return;
    }
    for (const v of s.values) yield* byValue.get(v) ?? [];
  }

  private candidateSelectors(labels: Labels): Set<string> {
    const out = new Set<string>(this.selScan);
    for (const [k, v] of Object.entries(labels)) {
      const byValue = this.selByValue.get(k);
      if (byValue !== undefined) for (const id of byValue.get(v) ?? []) out.add(id);
      for (const id of this.selByLabel.get(k) ?? []) out.add(id);
    }
    return out;
  }
}
