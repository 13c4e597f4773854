// Endpoint, policy and profile chains (felix/rules/endpoints.go, policy.go):
// pure functions from the calc graph's intent to lists of nft rules.
import type { IpFamily } from '../api/net.js';
import type { ParsedRule, TierInfo } from '../calc/types.js';
import type { DataplaneSettings } from './config.js';
import { CHAIN, clearMask, hex, policyChainName, policyGroupChainName, profileChainName, type Direction } from './names.js';
import { groupPolicies, type PolicyGroup } from './policy-groups.js';
import { renderRule, type NftRule, type RuleContext } from './rules.js';


/** Staged policies are for preview only: the dataplane never jumps to them. */
export function isStagedPolicyId(idString: string): boolean {
  return /^(snp|sgnp|sknp)\//.test(idString);
}

/** Expands Felix's LogPrefix placeholders for one policy: %t tier, %k kind, %n name, %p namespace/name. */
export function expandLogPrefix(template: string, owner: { kind: string; tier: string; namespace?: string; name: string }): string {
  return template.replace(/%([tknp])/g, (_, c: string) => {
    if (c === 't') return owner.tier;
    if (c === 'k') return owner.kind;
    if (c === 'n') return owner.name;
    return owner.namespace === undefined ? owner.name : `${owner.namespace}/${owner.name}`;
  });
}

export interface RuleOwner {
  /** `np/default/x`-style policy ID, or the profile's name. */
  readonly id: string;
  readonly isProfile: boolean;
  /** LogPrefix with placeholders expanded for this owner. */
  readonly logPrefix: string;
}

/**
 * A policy's or profile's chain for one direction and family. Log rules name
 * the owner and rule as Felix's NFLOG prefixes do: `<prefix>|<P|R><I|E><idx>|<id>: `.
 */
export function renderRuleChain(
  owner: RuleOwner,
  dir: Direction,
  rules: readonly ParsedRule[],
  family: IpFamily,
  settings: DataplaneSettings,
  setName?: RuleContext['setName'],
): NftRule[] {
  const out: NftRule[] = [];
  rules.forEach((rule, idx) => {
    const tag = `${owner.isProfile ? 'R' : 'P'}${dir === 'ingress' ? 'I' : 'E'}${idx}`;
    const rendered = renderRule(rule, {
      family,
      logPrefix: `${owner.logPrefix}|${tag}|${owner.id}: `,
      denyVerdict: settings.denyVerdict,
      marks: settings.marks,
      ...(setName === undefined ? {} : { setName }),
    });
    out.push(...rendered);
  });
  // Names the owner in the listing, as Felix's first-rule comment does.
  const first = out[0];
  if (first !== undefined && first.comment === undefined) out[0] = { ...first, comment: `${owner.isProfile ? 'Profile' : 'Policy'} ${owner.id} ${dir}` };
  return out;
}

export type EndpointChainKind =
  | 'workload' // cali-tw / cali-fw
  | 'host' // filter cali-fh / cali-th: failsafes, normal tiers, profiles
  | 'host-forward' // cali-fhfw / cali-thfw: applyOnForward tiers
  | 'host-untracked' // raw: doNotTrack tiers, stateless
  | 'host-prednat'; // mangle: preDNAT tiers (ingress only)

export interface EndpointChainInput {
  readonly kind: EndpointChainKind;
  readonly dir: Direction;
  readonly tiers: readonly TierInfo[];
  readonly profileIds: readonly string[];
  readonly settings: DataplaneSettings;
  /** Chains that exist; a jump to anything else is left out (the policy is not programmed yet). */
  readonly hasPolicyChain: (idString: string) => boolean;
  readonly hasProfileChain: (profileId: string) => boolean;
}

export interface EndpointChain {
  readonly rules: NftRule[];
  /** The policy groups the chain jumps to: their chains must exist alongside it. */
  readonly groups: PolicyGroup[];
}

/** The endpoint chain template of policy.md §6.3, with runs of policies jumped to through their group chain (policy-groups.ts). */
export function renderEndpointChain(input: EndpointChainInput): EndpointChain {
  const { kind, dir, settings } = input;
  const rules: NftRule[] = [];
  const groups: PolicyGroup[] = [];
  const MARK = settings.marks;
  const ACCEPT = hex(MARK.accept);
  const PASS = hex(MARK.pass);
  const untracked = kind === 'host-untracked';
  const inPrerouting = kind === 'host-untracked' || kind === 'host-prednat';
  // reject is not allowed before routing; those chains drop.
  const deny = inPrerouting ? 'drop' : settings.denyVerdict;
  if (!untracked) {
    rules.push({ body: 'ct state related,established counter accept' });
    if (!settings.disableConntrackInvalid) rules.push({ body: `ct state invalid counter ${deny}` });
  }
  if (kind === 'host' || kind === 'host-prednat') {
    rules.push({ body: `counter jump ${dir === 'ingress' ? CHAIN.failsafeIn : CHAIN.failsafeOut}` });
  } else if (untracked) {
    rules.push({ body: `counter jump ${dir === 'ingress' ? CHAIN.rawFailsafeIn : CHAIN.rawFailsafeOut}` });
  }
  rules.push({ body: `counter meta mark set meta mark & ${clearMask(MARK.accept | MARK.pass)}` });
  if (kind === 'workload' && dir === 'egress') {
    if (!settings.allowVxlanFromWorkloads) rules.push({ body: `udp dport ${settings.vxlanPort} counter ${deny}`, comment: 'Drop VXLAN encapped packets originating in workloads' });
    if (!settings.allowIpipFromWorkloads) rules.push({ body: `meta l4proto 4 counter ${deny}`, comment: 'Drop IPinIP encapped packets originating in workloads' });
  }
  let anyTier = false;
  for (const tier of input.tiers) {
    const ids = dir === 'ingress' ? tier.ingressPolicies : tier.egressPolicies;
    const active = ids.filter((id) => !isStagedPolicyId(id));
    if (active.length === 0) continue;
    anyTier = true;
    rules.push({ body: `counter meta mark set meta mark & ${clearMask(MARK.pass)}`, comment: `Start of tier ${tier.name}` });
    for (const run of groupPolicies(active.filter((id) => input.hasPolicyChain(id)))) {
      const [only] = run;
      if (run.length > 1) groups.push({ dir, policyIds: run });
      const target = run.length === 1 && only !== undefined ? policyChainName(only, dir) : policyGroupChainName(dir, run);
      rules.push({ body: `meta mark & ${PASS} == 0 counter jump ${target}` });
      rules.push({
        body: `meta mark & ${ACCEPT} == ${ACCEPT} counter ${untracked ? 'notrack ' : ''}return`,
        comment: 'Return if policy accepted',
      });
    }
    const endOfTierDrop = (kind === 'workload' || kind === 'host' || kind === 'host-forward') && tier.defaultAction !== 'pass';
    if (endOfTierDrop) {
      rules.push({ body: `meta mark & ${PASS} == 0 counter ${deny}`, comment: `End of tier ${tier.name}. Drop if no policies passed packet` });
    }
  }
  if (kind === 'host-forward' && !anyTier) {
    rules.push({ body: `counter meta mark set meta mark | ${ACCEPT} return`, comment: 'Allow forwarded traffic by default' });
  }
  if (kind === 'workload' || kind === 'host') {
    for (const p of input.profileIds) {
      // A missing profile is deny-all (DummyDropRules): its jump is replaced by a drop.
      if (!input.hasProfileChain(p)) {
        rules.push({ body: `counter ${deny}`, comment: `Unknown profile ${p}` });
        break;
      }
      rules.push({ body: `counter jump ${profileChainName(p, dir)}` });
      rules.push({ body: `meta mark & ${ACCEPT} == ${ACCEPT} counter return`, comment: 'Return if profile accepted' });
    }
    rules.push({ body: `counter ${deny}`, comment: 'Drop if no profiles matched' });
  }
  return { rules, groups };
}
