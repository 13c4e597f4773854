// Who rendered what in the desired state: every chain and verdict-map entry
// belongs to the object (policy, profile, endpoint) that rendered it last, so
// re-rendering or removing an object drops exactly what it had rendered, and
// leaves alone what a newer owner has taken over since.
import type { IpFamily } from '../api/net.js';
import type { NftFamily } from './names.js';
import type { DesiredChain, DesiredSet } from './state.js';

/** One family's desired state, as the model builds it (read as a DesiredFamily). */
export interface MutableFamily {
  readonly family: NftFamily;
  readonly chains: Map<string, DesiredChain>;
  readonly sets: Map<string, DesiredSet>;
  readonly maps: Map<string, Map<string, string>>;
}

/** The names a render touched: only these need comparing with the kernel. */
export interface RenderScope {
  readonly chains: Set<string>;
  readonly sets: Set<string>;
  readonly maps: Set<string>;
}

/** Owner of one map entry: which verdict map, which interface. */
export interface MapEntry { readonly map: string; readonly key: string }

/** A chain's name and its rules in a given family. */
export type OwnedChain = readonly [string, (f: IpFamily) => DesiredChain];
/** A map entry and its verdict. */
export type OwnedEntry = readonly [MapEntry, string];

export class Ownership {
  private readonly ownedChains = new Map<string, string[]>();
  private readonly ownedEntries = new Map<string, MapEntry[]>();
  private readonly chainOwner = new Map<string, string>();
  private readonly entryOwner = new Map<string, string>();

  constructor(private readonly fams: readonly MutableFamily[]) {}

  /** Owners holding chains, including removed ones whose chains have not been dropped yet. */
  chainOwners(): IterableIterator<string> {
    return this.ownedChains.keys();
  }

  /** Replaces what `owner` rendered before with `chains` and `entries` in every family. */
  replace(owner: string, scope: RenderScope, chains: readonly OwnedChain[], entries: readonly OwnedEntry[] = []): void {
    // Two endpoints can name the same interface for a moment (a pod recreated under a new ID):
    // whoever rendered a chain or map entry last owns it, and an earlier owner's removal leaves it.
    for (const name of this.ownedChains.get(owner) ?? []) {
      if (this.chainOwner.get(name) !== owner) continue;
      for (const fam of this.fams) fam.chains.delete(name);
      this.chainOwner.delete(name);
      scope.chains.add(name);
    }
    for (const e of this.ownedEntries.get(owner) ?? []) {
      const entryKey = `${e.map}|${e.key}`;
      if (this.entryOwner.get(entryKey) !== owner) continue;
      for (const fam of this.fams) fam.maps.get(e.map)?.delete(e.key);
      this.entryOwner.delete(entryKey);
      scope.maps.add(e.map);
    }
    for (const [name, render] of chains) {
      for (const fam of this.fams) fam.chains.set(name, render(fam.family === 'ip' ? 4 : 6));
      this.chainOwner.set(name, owner);
      scope.chains.add(name);
    }
    for (const [e, verdict] of entries) {
      for (const fam of this.fams) fam.maps.get(e.map)?.set(e.key, verdict);
      this.entryOwner.set(`${e.map}|${e.key}`, owner);
      scope.maps.add(e.map);
    }
    if (chains.length === 0) this.ownedChains.delete(owner);
    else this.ownedChains.set(owner, chains.map(([n]) => n));
    if (entries.length === 0) this.ownedEntries.delete(owner);
    else this.ownedEntries.set(owner, entries.map(([e]) => e));
  }
}
