// The per-endpoint, per-direction walk Felix's endpoint chains perform
// (policy.md §3.6–§3.9): active tiers in order, policies in order, rules in
// order; then profiles; then the final drop. Host endpoints first pass the
// failsafe rules and the untracked (doNotTrack) and preDNAT tiers.
import type { CompiledPolicy, CompiledProfile, CompiledTier, EndpointInfo } from './compile.js';
import { LABEL_NAMESPACE } from './labels.js';
import { ruleMatches, type CompiledRule, type PacketView } from './rules.js';
import type { Decision, Direction, DirectionVerdict, FailsafePort, PolicyStage, TraceStep } from './types.js';

/** The policies of one active tier that select an endpoint and govern a direction, in order. */
export interface TierPlan {
  readonly tier: CompiledTier;
  readonly policies: readonly CompiledPolicy[];
}

function inStage(p: CompiledPolicy, stage: PolicyStage): boolean {
  if (stage === 'untracked') return p.doNotTrack;
  if (stage === 'pre-dnat') return p.preDNAT && !p.doNotTrack;
  if (stage === 'forward') return p.applyOnForward && !p.doNotTrack && !p.preDNAT;
  return !p.doNotTrack && !p.preDNAT;
}

/**
 * Groups the (already sorted) policies that apply to an endpoint into active
 * tiers, for one stage (event_sequencer.go tierInfoToProtoTierInfo). Staged
 * policies never take part, so they cannot make a tier active.
 */
export function planFor(
  endpoint: EndpointInfo,
  direction: Direction,
  stage: PolicyStage,
  policies: readonly CompiledPolicy[],
  tiers: ReadonlyMap<string, CompiledTier>,
): TierPlan[] {
  const plans: TierPlan[] = [];
  // preDNAT policies only ever contribute ingress.
  if (stage === 'pre-dnat' && direction === 'egress') return plans;
  let current: { tier: CompiledTier; policies: CompiledPolicy[] } | null = null;
  // A namespaced policy's selector includes its namespace; checking that first skips most of them.
  const ns = endpoint.item.labels[LABEL_NAMESPACE];
  for (const p of policies) {
    if (p.id.namespace !== '' && p.id.namespace !== ns) continue;
    if (p.staged || !inStage(p, stage)) continue;
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

/** Index of the first rule at or after `from` that matches the packet, or -1. */
function nextMatch(rules: readonly CompiledRule[], pkt: PacketView, from: number): number {
  for (let i = from; i < rules.length; i++) {
    const r = rules[i];
    if (r !== undefined && ruleMatches(r, pkt)) return i;
  }
  return -1;
}

interface Outcome {
  readonly decision: Decision;
  readonly allow: boolean;
}

/**
 * Walks the tiers of one stage. Untracked and preDNAT tiers always end in
 * Pass (never an end-of-tier drop); null means nothing decided.
 */
function walkTiers(
  plans: readonly TierPlan[],
  direction: Direction,
  stage: PolicyStage,
  pkt: PacketView,
  trace: TraceStep[],
): Outcome | null {
  const forcedPass = stage === 'untracked' || stage === 'pre-dnat';
  for (const plan of plans) {
    const tier = plan.tier.name;
    let passed = false;
    policies: for (const pol of plan.policies) {
      const rules = (direction === 'ingress' ? pol.ingress : pol.egress) ?? [];
      for (let i = nextMatch(rules, pkt, 0); i >= 0; i = nextMatch(rules, pkt, i + 1)) {
        const action = rules[i]?.action;
        if (action === 'Log') {
          trace.push({ step: 'log', tier, policy: pol.id, ruleIndex: i });
          continue;
        }
        if (action === 'Pass') {
          trace.push({ step: 'pass', tier, policy: pol.id, ruleIndex: i });
          passed = true;
          break policies;
        }
        if (action === 'Allow' || action === 'Deny') {
          const decision: Decision = { by: 'rule', tier, policy: pol.id, ruleIndex: i, action, ...(stage !== 'normal' ? { stage } : {}) };
          return { decision, allow: action === 'Allow' };
        }
      }
      trace.push({ step: 'no-rule-matched', tier, policy: pol.id });
    }
    if (passed) continue;
    if (forcedPass || plan.tier.defaultAction === 'Pass') {
      trace.push({ step: 'tier-default-pass', tier });
      continue;
    }
    return { decision: { by: 'end-of-tier', tier }, allow: false };
  }
  return null;
}

function walkProfiles(
  endpoint: EndpointInfo,
  direction: Direction,
  profiles: ReadonlyMap<string, CompiledProfile>,
  pkt: PacketView,
  trace: TraceStep[],
): Outcome {
  profiles: for (const name of endpoint.profiles) {
    const prof = profiles.get(name);
    // Felix sends a deny-all placeholder for a referenced profile it does not know.
    if (prof === undefined) return { decision: { by: 'missing-profile', profile: name }, allow: false };
    const rules = direction === 'ingress' ? prof.ingress : prof.egress;
    for (let i = nextMatch(rules, pkt, 0); i >= 0; i = nextMatch(rules, pkt, i + 1)) {
      const action = rules[i]?.action;
      if (action === 'Log') {
        trace.push({ step: 'profile-log', profile: name, ruleIndex: i });
        continue;
      }
      if (action === 'Pass') {
        trace.push({ step: 'profile-pass', profile: name, ruleIndex: i });
        continue profiles;
      }
      if (action === 'Allow' || action === 'Deny') {
        return { decision: { by: 'profile-rule', profile: name, ruleIndex: i, action }, allow: action === 'Allow' };
      }
    }
    trace.push({ step: 'profile-no-rule-matched', profile: name });
  }
  return { decision: { by: 'no-profile-allowed', profiles: endpoint.profiles }, allow: false };
}

/** A failsafe entry matching the packet: protocol, the port (destination port), and the net if any. */
function failsafeFor(list: readonly FailsafePort[], pkt: PacketView, peer: PacketView['src']): FailsafePort | null {
  for (const f of list) {
    if ((f.protocol === 'tcp' ? 6 : 17) !== pkt.protocol || f.port !== pkt.dstPort) continue;
    if (f.net !== undefined && !f.net.contains(peer)) continue;
    return f;
  }
  return null;
}

export interface EndpointPlans {
  /** Only for host endpoints; empty otherwise. */
  readonly untracked: readonly TierPlan[];
  readonly preDnat: readonly TierPlan[];
  readonly forward: readonly TierPlan[];
  readonly normal: readonly TierPlan[];
}

export interface HostFailsafes {
  readonly inbound: readonly FailsafePort[];
  readonly outbound: readonly FailsafePort[];
}

export function evaluateEndpoint(
  endpoint: EndpointInfo,
  direction: Direction,
  plans: EndpointPlans,
  profiles: ReadonlyMap<string, CompiledProfile>,
  pkt: PacketView,
  failsafes: HostFailsafes,
): DirectionVerdict {
  const trace: TraceStep[] = [];
  let outcome: Outcome | null = null;
  if (endpoint.ref.kind === 'HostEndpoint') {
    const fs =
      direction === 'ingress' ? failsafeFor(failsafes.inbound, pkt, pkt.src) : failsafeFor(failsafes.outbound, pkt, pkt.dst);
    if (fs !== null) outcome = { decision: { by: 'failsafe', direction, entry: fs.text }, allow: true };
    outcome ??= walkTiers(plans.untracked, direction, 'untracked', pkt, trace) ?? walkTiers(plans.preDnat, direction, 'pre-dnat', pkt, trace);
  }
  outcome ??= walkTiers(plans.normal, direction, 'normal', pkt, trace) ?? walkProfiles(endpoint, direction, profiles, pkt, trace);
  return { direction, endpoint: endpoint.ref, action: outcome.allow ? 'allow' : 'deny', decision: outcome.decision, trace };
}

/**
 * A packet routed through host endpoint `hep` (arriving on it: `ingress`;
 * leaving on it: `egress`). Arriving packets meet the untracked and preDNAT
 * tiers first; an Allow there skips the forward policy. Forward tiers end in
 * the tier's own default action, but a host endpoint without any forward
 * tiers lets forwarded traffic through, and so does a walk no tier decided
 * (felix/rules/endpoints.go; no failsafes and no profiles on this path).
 */
export function evaluateForward(
  hep: EndpointInfo,
  direction: Direction,
  plans: EndpointPlans,
  hasForwardTiers: boolean,
  pkt: PacketView,
): DirectionVerdict {
  const trace: TraceStep[] = [];
  let outcome: Outcome | null = null;
  if (direction === 'ingress') {
    outcome = walkTiers(plans.untracked, direction, 'untracked', pkt, trace) ?? walkTiers(plans.preDnat, direction, 'pre-dnat', pkt, trace);
  }
  if (outcome === null && !hasForwardTiers) outcome = { decision: { by: 'forward-allowed', reason: 'no-forward-policy' }, allow: true };
  outcome ??= walkTiers(plans.forward, direction, 'forward', pkt, trace) ?? {
    decision: { by: 'forward-allowed', reason: 'passed-through' },
    allow: true,
  };
  return { direction, endpoint: hep.ref, action: outcome.allow ? 'allow' : 'deny', decision: outcome.decision, trace };
}
