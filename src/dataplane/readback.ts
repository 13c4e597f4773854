// Reads our table back from `nft -j list table` output into KernelFamily:
// chain hashes from the first rule's comment, set and map elements in the
// same text form the renderer writes. Pure.
import { nftCidr } from './rules.js';
import { parseHashComment, type KernelChain, type KernelFamily } from './state.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function obj(v: Json | undefined): { [k: string]: Json } | null {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

/** One set element as text: `10.0.0.0/8`, `10.0.0.1`, `10.0.0.1 . tcp . 80`. */
export function elementText(e: Json): string {
  if (typeof e === 'string' || typeof e === 'number') return String(e);
  const o = obj(e);
  if (o === null) return JSON.stringify(e);
  const wrapped = obj(o.elem);
  if (wrapped !== null && wrapped.val !== undefined) return elementText(wrapped.val);
  const prefix = obj(o.prefix);
  if (prefix !== null) return nftCidr(`${String(prefix.addr)}/${String(prefix.len)}`);
  if (Array.isArray(o.range)) return o.range.map(elementText).join('-');
  if (Array.isArray(o.concat)) return o.concat.map(elementText).join(' . ');
  return JSON.stringify(e);
}

function verdictText(v: Json): string {
  const o = obj(v);
  if (o === null) return JSON.stringify(v);
  for (const kind of ['goto', 'jump']) {
    const target = obj(o[kind]);
    if (target !== null) return `${kind} ${String(target.target)}`;
  }
  const keys = Object.keys(o);
  return keys[0] ?? '';
}

/** Parses `nft -j list table <family> calico`; null output (no table) gives an empty state. */
export function parseTableJson(text: string | null): KernelFamily {
  const chains = new Map<string, KernelChain>();
  const sets = new Map<string, Set<string>>();
  const maps = new Map<string, Map<string, string>>();
  if (text === null) return { tableExists: false, chains, sets, maps };
  const doc = JSON.parse(text) as { nftables?: Json[] };
  const firstComment = new Map<string, string | undefined>();
  const counts = new Map<string, number>();
  const bases = new Set<string>();
  for (const item of doc.nftables ?? []) {
    const o = obj(item);
    if (o === null) continue;
    const chain = obj(o.chain);
    if (chain !== null) {
      const name = String(chain.name);
      counts.set(name, 0);
      if (chain.hook !== undefined) bases.add(name);
      continue;
    }
    const set = obj(o.set);
    if (set !== null) {
      const elems = Array.isArray(set.elem) ? set.elem : [];
      sets.set(String(set.name), new Set(elems.map(elementText)));
      continue;
    }
    const map = obj(o.map);
    if (map !== null) {
      const m = new Map<string, string>();
      for (const e of Array.isArray(map.elem) ? map.elem : []) {
        if (Array.isArray(e) && e.length === 2) m.set(elementText(e[0] ?? null), verdictText(e[1] ?? null));
      }
      maps.set(String(map.name), m);
      continue;
    }
    const rule = obj(o.rule);
    if (rule !== null) {
      const name = String(rule.chain);
      const n = counts.get(name) ?? 0;
      if (n === 0) firstComment.set(name, typeof rule.comment === 'string' ? rule.comment : undefined);
      counts.set(name, n + 1);
    }
  }
  for (const [name, ruleCount] of counts) {
    const parsed = parseHashComment(firstComment.get(name));
    chains.set(name, { hash: parsed === null || parsed.count !== ruleCount ? null : parsed.hash, ruleCount, base: bases.has(name) });
  }
  return { tableExists: true, chains, sets, maps };
}
