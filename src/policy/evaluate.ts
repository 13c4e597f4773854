// The per-endpoint, per-direction walk Felix's endpoint chains perform
// (policy.md §3.6, §3.7, §3.9): active tiers in order, policies in order,
// rules in order; then profiles; then the final drop.
import type { CompiledPolicy, CompiledProfile, CompiledTier, EndpointInfo } from './compile.js';
import { ruleMatches, type CompiledRule, type PacketView } from './rules.js';
import type { Decision, Direction, DirectionVerdict, TraceStep } from './types.js';

/** The policies of one active tier that select an endpoint and govern a direction, in order. */
export interface TierPlan {
  readonly tier: CompiledTier;
  readonly policies: readonly CompiledPolicy[];
}

/**
 * Groups the (already sorted) policies that apply to an endpoint into active
 * tiers. Staged policies never take part, and preDNAT/doNotTrack policies live
 * in other chains, so neither can make a tier active.
 */
export function planFor(
  endpoint: EndpointInfo,
  direction: Direction,
  policies: readonly CompiledPolicy[],
  tiers: ReadonlyMap<string, CompiledTier>,
): TierPlan[] {
  const plans: TierPlan[] = [];
  let current: { tier: CompiledTier; policies: CompiledPolicy[] } | null = null;
  for (const p of policies) {
    if (p.staged || p.doNotTrack || p.preDNAT) continue;
    if ((direction === 'ingress' ? p.ingress : p.egress) === null) continue;
    if (!p.applies(endpoint.item)) continue;
    if (current === null || current.tier.name !== p.tier) {
      const tier = tiers.get(p.tier);
      if (tier === undefined) continue;
      current = { tier, policies: [] };
      plans.push(current);
    }
    current.policies.push(p);
  }
  return plans;
}

type RuleOutcome = { readonly index: number; readonly action: 'Allow' | 'Deny' | 'Pass' } | null;

function firstTerminal(
  rules: readonly CompiledRule[],
  pkt: PacketView,
  onLog: (index: number) => void,
): RuleOutcome {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r === undefined || !ruleMatches(r, pkt)) continue;
    if (r.action === 'Log') {
      onLog(i);
      continue;
    }
    return { index: i, action: r.action };
  }
  return null;
}

export function evaluateEndpoint(
  endpoint: EndpointInfo,
  direction: Direction,
  plans: readonly TierPlan[],
  profiles: ReadonlyMap<string, CompiledProfile>,
  pkt: PacketView,
): DirectionVerdict {
  const trace: TraceStep[] = [];
  const done = (decision: Decision, allow: boolean): DirectionVerdict => ({
    direction,
    endpoint: endpoint.ref,
    action: allow ? 'allow' : 'deny',
    decision,
    trace,
  });
  for (const plan of plans) {
    const tier = plan.tier.name;
    let passed = false;
    for (const pol of plan.policies) {
      const rules = (direction === 'ingress' ? pol.ingress : pol.egress) ?? [];
      const out = firstTerminal(rules, pkt, (ruleIndex) => trace.push({ step: 'log', tier, policy: pol.id, ruleIndex }));
      if (out === null) {
        trace.push({ step: 'no-rule-matched', tier, policy: pol.id });
        continue;
      }
      if (out.action === 'Pass') {
        trace.push({ step: 'pass', tier, policy: pol.id, ruleIndex: out.index });
        passed = true;
        break;
      }
      return done({ by: 'rule', tier, policy: pol.id, ruleIndex: out.index, action: out.action }, out.action === 'Allow');
    }
    if (passed) continue;
    if (plan.tier.defaultAction === 'Pass') {
      trace.push({ step: 'tier-default-pass', tier });
      continue;
    }
    return done({ by: 'end-of-tier', tier }, false);
  }
  for (const name of endpoint.profiles) {
    const prof = profiles.get(name);
    // Felix sends a deny-all placeholder for a referenced profile it does not know.
    if (prof === undefined) return done({ by: 'missing-profile', profile: name }, false);
    const rules = direction === 'ingress' ? prof.ingress : prof.egress;
    const out = firstTerminal(rules, pkt, (ruleIndex) => trace.push({ step: 'profile-log', profile: name, ruleIndex }));
    if (out === null) {
      trace.push({ step: 'profile-no-rule-matched', profile: name });
      continue;
    }
    if (out.action === 'Pass') {
      trace.push({ step: 'profile-pass', profile: name, ruleIndex: out.index });
      continue;
    }
    return done({ by: 'profile-rule', profile: name, ruleIndex: out.index, action: out.action }, out.action === 'Allow');
  }
  return done({ by: 'no-profile-allowed', profiles: endpoint.profiles }, false);
}
