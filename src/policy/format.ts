// Verdicts in words, for people (calicoctl explain, the demo) and for compact
// test expectations.
import { formatEndpointRef, formatPolicyId } from './model.js';
import type { Decision, DirectionVerdict, TraceStep, Verdict } from './types.js';

/** One line: `tier default, np:prod/allow-web rule 0: Allow`, `end of tier default`, … */
export function formatDecision(d: Decision): string {
  switch (d.by) {
    case 'rule': {
      const stage = d.stage === 'untracked' ? 'untracked ' : d.stage === 'pre-dnat' ? 'preDNAT ' : d.stage === 'forward' ? 'forward ' : '';
      return `${stage}tier ${d.tier}, ${formatPolicyId(d.policy)} rule ${d.ruleIndex}: ${d.action}`;
    }
    case 'failsafe':
      return `failsafe ${d.direction === 'ingress' ? 'inbound' : 'outbound'} port ${d.entry}: Allow`;
    case 'end-of-tier':
      return `end of tier ${d.tier}: Deny`;
    case 'profile-rule':
      return `profile ${d.profile} rule ${d.ruleIndex}: ${d.action}`;
    case 'missing-profile':
      return `profile ${d.profile} does not exist: Deny`;
    case 'no-profile-allowed':
      return d.profiles.length === 0 ? 'no policy and no profile: Deny' : 'no profile allowed: Deny';
    case 'not-policed':
      return `not policed (${d.reason})`;
    case 'forward-allowed':
      return d.reason === 'no-forward-policy' ? 'forwarded: no applyOnForward policy, allowed' : 'forwarded: no forward tier decided, allowed';
    case 'endpoint-to-host-action':
      return `DefaultEndpointToHostAction ${d.action}`;
  }
}

export function formatTraceStep(s: TraceStep): string {
  switch (s.step) {
    case 'log':
      return `tier ${s.tier}, ${formatPolicyId(s.policy)} rule ${s.ruleIndex}: Log`;
    case 'pass':
      return `tier ${s.tier}, ${formatPolicyId(s.policy)} rule ${s.ruleIndex}: Pass`;
    case 'no-rule-matched':
      return `tier ${s.tier}, ${formatPolicyId(s.policy)}: no rule matched`;
    case 'tier-default-pass':
      return `end of tier ${s.tier}: Pass`;
    case 'profile-log':
      return `profile ${s.profile} rule ${s.ruleIndex}: Log`;
    case 'profile-pass':
      return `profile ${s.profile} rule ${s.ruleIndex}: Pass`;
    case 'profile-no-rule-matched':
      return `profile ${s.profile}: no rule matched`;
  }
}

export function formatDirection(v: DirectionVerdict): string {
  const who = v.endpoint === null ? '(no endpoint)' : formatEndpointRef(v.endpoint);
  return `${v.direction} at ${who}: ${v.action} — ${formatDecision(v.decision)}`;
}

/** Multi-line explanation of a verdict, trace included. */
export function explainVerdict(v: Verdict): string {
  const p = v.packet;
  const ports = p.dstPort !== undefined ? ` ${p.srcPort ?? '*'} → ${p.dstPort}` : '';
  const lines = [`${p.srcIp} → ${p.dstIp} proto ${p.protocol}${ports}: ${v.action.toUpperCase()}`];
  const forward = [v.forward?.from, v.forward?.to].flatMap((d) => (d === undefined ? [] : [d]));
  for (const d of [v.egress, ...forward, v.ingress]) {
    lines.push(`  ${d === v.egress || d === v.ingress ? '' : 'forwarded, '}${formatDirection(d)}`);
    for (const s of d.trace) lines.push(`    · ${formatTraceStep(s)}`);
  }
  return lines.join('\n');
}
