// Diff desired against kernel state into one nft script: applied with a
// single `nft -f -`, it is one transaction, so the ruleset is never seen half
// written. Pure.
import { TABLE_NAME, isOurName, type NftFamily } from './names.js';
import { nftSetType } from './ipsets.js';
import { hashComment, type DesiredFamily, type KernelFamily } from './state.js';

export interface ScriptStats {
  chainsWritten: number;
  chainsDeleted: number;
  rulesWritten: number;
  setsCreated: number;
  setsDeleted: number;
  elementsAdded: number;
  elementsRemoved: number;
  mapEntriesChanged: number;
}

export function emptyStats(): ScriptStats {
  return { chainsWritten: 0, chainsDeleted: 0, rulesWritten: 0, setsCreated: 0, setsDeleted: 0, elementsAdded: 0, elementsRemoved: 0, mapEntriesChanged: 0 };
}

/** Limits one `add element` line so huge sets do not make huge lines. */
const ELEMENT_CHUNK = 1000;

function chunks<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

function comment(text: string): string {
  const clean = text.replace(/["\\\n]/g, '');
  return `comment "${clean.length > 127 ? clean.slice(0, 127) : clean}"`;
}

export interface DiffScope {
  /** Names to compare; everything else is assumed in step. Undefined = compare all (after a read-back). */
  readonly chains?: ReadonlySet<string>;
  readonly sets?: ReadonlySet<string>;
  readonly maps?: ReadonlySet<string>;
}

/**
 * Lines that take the kernel from `kernel` to `desired`, in an order nft can
 * resolve inside one transaction: table, new chains (empty, so jumps resolve),
 * new sets and maps, set element deltas, changed chain bodies, map entries;
 * then removals of what we no longer want (and of foreign objects in our table).
 */
export function diffFamily(desired: DesiredFamily, kernel: KernelFamily, scope: DiffScope, stats: ScriptStats): string[] {
  const f: NftFamily = desired.family;
  const t = `${f} ${TABLE_NAME}`;
  const head: string[] = [];
  const body: string[] = [];
  const tail: string[] = [];
  if (!kernel.tableExists) head.push(`add table ${t}`);
  const inScope = (s: ReadonlySet<string> | undefined, name: string): boolean => s === undefined || s.has(name);

  for (const [name, want] of desired.sets) {
    if (!inScope(scope.sets, name)) continue;
    const have = kernel.sets.get(name);
    if (have === undefined) {
      head.push(`add set ${t} ${name} { type ${nftSetType(want.type, f === 'ip' ? 4 : 6, want.interval)}; }`);
      stats.setsCreated++;
    }
    const removed = have === undefined ? [] : [...have].filter((e) => !want.elements.has(e));
    const added = have === undefined ? [...want.elements] : [...want.elements].filter((e) => !have.has(e));
    // Deletions first: a wider CIDR replacing a narrower one must not overlap it.
    for (const c of chunks(removed, ELEMENT_CHUNK)) head.push(`delete element ${t} ${name} { ${c.join(', ')} }`);
    for (const c of chunks(added, ELEMENT_CHUNK)) head.push(`add element ${t} ${name} { ${c.join(', ')} }`);
    stats.elementsAdded += added.length;
    stats.elementsRemoved += removed.length;
  }
  for (const [name, want] of desired.chains) {
    if (!inScope(scope.chains, name)) continue;
    const have = kernel.chains.get(name);
    if (have === undefined) {
      const b = want.base;
      head.push(b === undefined ? `add chain ${t} ${name}` : `add chain ${t} ${name} { type ${b.type} hook ${b.hook} priority ${b.priority}; policy accept; }`);
    }
    if (have !== undefined && have.hash === (want.hash === '' ? null : want.hash) && have.ruleCount === want.rules.length) continue;
    if (have !== undefined && have.hash === null && have.ruleCount === 0 && want.rules.length === 0) continue;
    if (have !== undefined) body.push(`flush chain ${t} ${name}`);
    want.rules.forEach((r, i) => {
      const c = i === 0 ? `${hashComment(want.hash, want.rules.length)}${r.comment === undefined ? '' : ` ${r.comment}`}` : r.comment;
      body.push(`add rule ${t} ${name} ${r.body}${c === undefined ? '' : ` ${comment(c)}`}`);
    });
    stats.chainsWritten++;
    stats.rulesWritten += want.rules.length;
  }
  for (const [name, want] of desired.maps) {
    if (!inScope(scope.maps, name)) continue;
    const have = kernel.maps.get(name);
    if (have === undefined) head.push(`add map ${t} ${name} { type ifname : verdict; }`);
    const stale = have === undefined ? [] : [...have].filter(([k, v]) => want.get(k) !== v).map(([k]) => k);
    const fresh = [...want].filter(([k, v]) => have?.get(k) !== v);
    if (stale.length > 0) body.push(`delete element ${t} ${name} { ${stale.map((k) => `"${k}"`).join(', ')} }`);
    if (fresh.length > 0) body.push(`add element ${t} ${name} { ${fresh.map(([k, v]) => `"${k}" : ${v}`).join(', ')} }`);
    stats.mapEntriesChanged += stale.length + fresh.length;
  }
  // Removals: only a full compare sees objects we no longer want; scoped
  // compares are told about them through the scope sets.
  const gone = <V>(have: ReadonlyMap<string, V>, want: ReadonlyMap<string, unknown>, s: ReadonlySet<string> | undefined): string[] =>
    [...have.keys()].filter((n) => !want.has(n) && (s === undefined || s.has(n) || !isOurName(n)));
  const goneMaps = gone(kernel.maps, desired.maps, scope.maps);
  const goneChains = gone(kernel.chains, desired.chains, scope.chains);
  const goneSets = gone(kernel.sets, desired.sets, scope.sets);
  for (const n of goneMaps) tail.push(`delete map ${t} ${n}`);
  // Flush every doomed chain before deleting any: they may jump to each other.
  for (const n of goneChains) tail.push(`flush chain ${t} ${n}`);
  for (const n of goneChains) tail.push(`delete chain ${t} ${n}`);
  for (const n of goneSets) tail.push(`delete set ${t} ${n}`);
  stats.chainsDeleted += goneChains.length;
  stats.setsDeleted += goneSets.length;
  return [...head, ...body, ...tail];
}
