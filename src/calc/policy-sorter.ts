// PolicySorter's orderings (policy_sorter.go, policy.md §3.5): tiers with a
// Tier object first, then by order (none = +∞), then by name; policies in a
// tier by order (none = +∞), then by the byte string `name/namespace/kind`.
import type { ModelPolicy, ModelTier } from './model.js';

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function orderCompare(a: number | undefined, b: number | undefined): number {
  const x = a ?? Infinity;
  const y = b ?? Infinity;
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface TierRef {
  readonly name: string;
  /** Undefined when policies name a tier that has no Tier object. */
  readonly tier: ModelTier | undefined;
}

export function compareTiers(a: TierRef, b: TierRef): number {
  const valid = Number(b.tier !== undefined) - Number(a.tier !== undefined);
  if (valid !== 0) return valid;
  return orderCompare(a.tier?.order, b.tier?.order) || byteCompare(a.name, b.name);
}

function tieBreak(p: ModelPolicy): string {
  return `${p.id.name}/${p.id.namespace ?? ''}/${p.id.kind}`;
}

export function comparePolicies(a: ModelPolicy, b: ModelPolicy): number {
  return orderCompare(a.order, b.order) || byteCompare(tieBreak(a), tieBreak(b));
}
