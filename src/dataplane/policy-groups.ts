// Policy groups (Felix's endpoint_mgr groupPolicies and
// PolicyGroupToIptablesChains): a run of a tier's policies gets a chain of its
// own, `filter-cali-gi-/go-<hash>`, that every endpoint with the same run
// jumps to, so the rule count grows with distinct policy sequences rather
// than with endpoints.
import { hex, policyChainName, policyGroupChainName, type Direction, type Marks } from './names.js';
import type { MutableFamily, RenderScope } from './owners.js';
import type { NftRule } from './rules.js';
import { desiredChain } from './state.js';

export interface PolicyGroup {
  readonly dir: Direction;
  /** Programmed (non-staged, chain present) policies in evaluation order; two or more. */
  readonly policyIds: readonly string[];
}

/**
 * The namespace of `np/ns/x`, `knp/ns/x`; '' for global policies. Felix groups
 * consecutive policies with the same selector; the calc graph does not send
 * selectors, and a policy's namespace is the part of its selector we know.
 */
export function policyScope(idString: string): string {
  const parts = idString.split('/');
  return parts.length === 3 ? (parts[1] ?? '') : '';
}

/**
 * Splits one tier's programmed policies (in order) into runs of the same
 * scope. A run of one is jumped to directly (Felix inlines groups of one).
 */
export function groupPolicies(policyIds: readonly string[]): string[][] {
  const runs: string[][] = [];
  let scope: string | undefined;
  for (const id of policyIds) {
    const s = policyScope(id);
    const last = runs[runs.length - 1];
    if (last !== undefined && s === scope) last.push(id);
    else runs.push([id]);
    scope = s;
  }
  return runs;
}

/** Felix checks for a verdict after every fifth jump rather than after each one: fewer rules, same outcome. */
const RETURN_STRIDE = 5;

/**
 * The group's chain. The first policy is jumped to unconditionally (the
 * endpoint chain only enters with accept and pass clear); each later one only
 * while neither is set, so the first policy to accept or pass ends the group,
 * exactly as consecutive jumps in the endpoint chain would.
 */
export function renderPolicyGroupChain(group: PolicyGroup, marks: Marks): NftRule[] {
  const verdict = hex(marks.accept | marks.pass);
  const rules: NftRule[] = [];
  group.policyIds.forEach((id, i) => {
    if (i !== 0 && i % RETURN_STRIDE === 0) rules.push({ body: `meta mark & ${verdict} != 0 counter return`, comment: 'Return on verdict' });
    const guard = i % RETURN_STRIDE === 0 ? '' : `meta mark & ${verdict} == 0 `;
    rules.push({ body: `${guard}counter jump ${policyChainName(id, group.dir)}` });
  });
  const first = rules[0];
  if (first !== undefined) rules[0] = { ...first, comment: `Policy group ${group.dir}: ${group.policyIds.join(', ')}` };
  return rules;
}

interface GroupEntry {
  readonly group: PolicyGroup;
  readonly owners: Set<string>;
}

/**
 * Which endpoints reference which group chains. A chain is created in the
 * render that first references it and removed by the `sweep` at the end of
 * the render in which its last reference went, so an endpoint moving from
 * one group to another in the same render neither deletes nor rewrites a
 * chain another endpoint still uses. (The nft script creates chains before
 * the rules that jump to them and deletes chains after, in one transaction.)
 */
export class PolicyGroupChains {
  private readonly groups = new Map<string, GroupEntry>();
  private readonly byOwner = new Map<string, readonly string[]>();

  constructor(private readonly fams: readonly MutableFamily[]) {}

  /** Group chains currently in the desired state (for tests and diagnostics). */
  get size(): number {
    return this.groups.size;
  }

  /** `owner` (an endpoint) now references exactly `groups`. */
  use(owner: string, groups: readonly PolicyGroup[], marks: Marks, scope: RenderScope): void {
    const names = new Set<string>();
    for (const group of groups) {
      const name = policyGroupChainName(group.dir, group.policyIds);
      names.add(name);
      let entry = this.groups.get(name);
      if (entry === undefined) {
        entry = { group, owners: new Set() };
        this.groups.set(name, entry);
        this.write(name, group, marks, scope);
      }
      entry.owners.add(owner);
    }
    for (const old of this.byOwner.get(owner) ?? []) if (!names.has(old)) this.groups.get(old)?.owners.delete(owner);
    if (names.size === 0) this.byOwner.delete(owner);
    else this.byOwner.set(owner, [...names]);
  }

  /** Removes the chains no endpoint references any more. */
  sweep(scope: RenderScope): void {
    for (const [name, entry] of this.groups) {
      if (entry.owners.size > 0) continue;
      this.groups.delete(name);
      for (const fam of this.fams) fam.chains.delete(name);
      scope.chains.add(name);
    }
  }

  /** Rewrites every group chain (the mark bits changed). */
  rewriteAll(marks: Marks, scope: RenderScope): void {
    for (const [name, entry] of this.groups) this.write(name, entry.group, marks, scope);
  }

  private write(name: string, group: PolicyGroup, marks: Marks, scope: RenderScope): void {
    const chain = desiredChain(renderPolicyGroupChain(group, marks));
    for (const fam of this.fams) fam.chains.set(name, chain);
    scope.chains.add(name);
  }
}
