// RuleScanner: turns the rules of active policies and profiles into
// ParsedRules whose selectors and named ports are IP set IDs, and reference
// counts those IP sets across everything active, so a set is created when its
// first user appears and removed when its last one goes (rule_scanner.go).
import { createHash } from 'node:crypto';
import { ALL_SELECTOR_TEXT, cachedSelector } from './selector-cache.js';
import { ipSetType, namedPortIpSet, selectorIpSet, serviceIpSet, type IpSetData } from './ipset-data.js';
import type { ModelPolicy, ModelPort, ModelProfile, ModelRule } from './model.js';
import type { ActivePolicy, ActiveProfile, IpSetId, IpSetType, ParsedRule, PolicyId, PortRange } from './types.js';
import type { ParsedSelector } from '../selector/index.js';

export interface RuleScannerListener {
  onIpSetActive(data: IpSetData, type: IpSetType): void;
  onIpSetInactive(data: IpSetData): void;
  onPolicyActive(id: PolicyId, policy: ActivePolicy): void;
  onPolicyInactive(id: PolicyId): void;
  onProfileActive(name: string, profile: ActiveProfile): void;
  onProfileInactive(name: string): void;
}

/** What a missing profile becomes: deny everything both ways (DummyDropRules). */
const DENY_ALL: ModelRule = {
  action: 'deny',
  namedPortProtocol: 'any',
  srcNets: [],
  notSrcNets: [],
  dstNets: [],
  notDstNets: [],
  srcPorts: [],
  notSrcPorts: [],
  dstPorts: [],
  notDstPorts: [],
  srcSelector: '',
  notSrcSelector: '',
  dstSelector: '',
  notDstSelector: '',
};

interface Converted {
  readonly rule: ParsedRule;
  readonly ipSets: readonly IpSetData[];
}

type Unhashed = Omit<ParsedRule, 'ruleId'>;

export class RuleScanner {
  /** Owner (`pol:<key>` / `prof:<name>`) → IP set IDs it uses. */
  private readonly ownerSets = new Map<string, ReadonlySet<IpSetId>>();
  private readonly setUsers = new Map<IpSetId, { readonly data: IpSetData; readonly owners: Set<string> }>();

  constructor(private readonly listener: RuleScannerListener) {}

  onPolicyActive(key: string, policy: ModelPolicy): void {
    const inbound = convertRules(policy.inboundRules, `pol-in-default/${policy.id.name}`);
    const outbound = convertRules(policy.outboundRules, `pol-out-default/${policy.id.name}`);
    this.updateOwner(`pol:${key}`, [...inbound, ...outbound]);
    this.listener.onPolicyActive(policy.id, {
      tier: policy.tier,
      inboundRules: inbound.map((c) => c.rule),
      outboundRules: outbound.map((c) => c.rule),
      untracked: policy.untracked,
      preDNAT: policy.preDNAT,
      applyOnForward: policy.applyOnForward,
    });
  }

  onPolicyInactive(key: string, policy: ModelPolicy): void {
    this.listener.onPolicyInactive(policy.id);
    this.updateOwner(`pol:${key}`, []);
  }

  onProfileActive(name: string, profile: ModelProfile | undefined): void {
    const inbound = convertRules(profile?.inboundRules ?? [DENY_ALL], `prof-in-${name}`);
    const outbound = convertRules(profile?.outboundRules ?? [DENY_ALL], `prof-out-${name}`);
    this.updateOwner(`prof:${name}`, [...inbound, ...outbound]);
    this.listener.onProfileActive(name, { inboundRules: inbound.map((c) => c.rule), outboundRules: outbound.map((c) => c.rule) });
  }

  onProfileInactive(name: string): void {
    this.listener.onProfileInactive(name);
    this.updateOwner(`prof:${name}`, []);
  }

  activeIpSetCount(): number {
    return this.setUsers.size;
  }

  /** New sets are announced before old ones are dropped, so a set kept by the new rules never flaps. */
  private updateOwner(owner: string, converted: readonly Converted[]): void {
    const before = this.ownerSets.get(owner) ?? new Set<IpSetId>();
    const after = new Set<IpSetId>();
    for (const c of converted) {
      for (const d of c.ipSets) {
        after.add(d.id);
        let users = this.setUsers.get(d.id);
        if (users === undefined) {
          this.setUsers.set(d.id, (users = { data: d, owners: new Set() }));
          this.listener.onIpSetActive(d, ipSetType(d));
        }
        users.owners.add(owner);
      }
    }
    for (const id of before) {
      if (after.has(id)) continue;
      const users = this.setUsers.get(id);
      if (users === undefined) continue;
      users.owners.delete(owner);
      if (users.owners.size === 0) {
        this.setUsers.delete(id);
        this.listener.onIpSetInactive(users.data);
      }
    }
    if (after.size === 0) this.ownerSets.delete(owner);
    else this.ownerSets.set(owner, after);
  }
}

/** Felix's rule IDs: a SHA-224 chain seeded per policy direction, 16 base64url characters each. */
function convertRules(rules: readonly ModelRule[], seed: string): Converted[] {
  let hash = createHash('sha224').update(seed, 'utf8').digest();
  const out: Converted[] = [];
  for (const r of rules) {
    const c = toParsedRule(r);
    if (c === undefined) continue;
    // Upstream hashes the protobuf encoding; any stable encoding gives IDs with the same properties.
    hash = createHash('sha224').update(hash).update(JSON.stringify(c.rule), 'utf8').digest();
    out.push({ rule: { ...c.rule, ruleId: hash.toString('base64url').slice(0, 16) }, ipSets: c.ipSets });
  }
  return out;
}

/**
 * combineMatchesIfPossible: with a positive selector the rule only matches known
 * endpoints, so the negated selector can filter it instead of needing a set of its own.
 */
function combine(positive: string, negated: string): [string, string] {
  if (positive === '' || negated === '') return [positive, negated];
  return [`(${positive}) && (!(${negated}))`, ''];
}

function splitPorts(ports: readonly ModelPort[]): [PortRange[], string[]] {
  const numeric: PortRange[] = [];
  const named: string[] = [];
  for (const p of ports) {
    if (p.kind === 'named') named.push(p.name);
    else numeric.push({ first: p.first, last: p.last });
  }
  return [numeric, named];
}

function ids(sets: readonly IpSetData[]): IpSetId[] {
  return sets.map((s) => s.id);
}

/** ruleToParsedRule; undefined when a spliced selector does not parse (the rule is dropped). */
function toParsedRule(r: ModelRule): { readonly rule: Unhashed; readonly ipSets: readonly IpSetData[] } | undefined {
  const [srcText, notSrcText] = combine(r.srcSelector, r.notSrcSelector);
  const [dstText, notDstText] = combine(r.dstSelector, r.notDstSelector);
  const parse = (t: string): ParsedSelector | null | undefined => (t === '' ? null : cachedSelector(t));
  const src = parse(srcText);
  const dst = parse(dstText);
  const notSrc = parse(notSrcText);
  const notDst = parse(notDstText);
  if (src === undefined || dst === undefined || notSrc === undefined || notDst === undefined) return undefined;
  const [srcPorts, srcNamed] = splitPorts(r.srcPorts);
  const [dstPorts, dstNamed] = splitPorts(r.dstPorts);
  const [notSrcPorts, notSrcNamed] = splitPorts(r.notSrcPorts);
  const [notDstPorts, notDstNamed] = splitPorts(r.notDstPorts);
  // Named ports are filtered by the positive selector of their side, even when negated.
  const all = cachedSelector(ALL_SELECTOR_TEXT) as ParsedSelector;
  const named = (names: readonly string[], sel: ParsedSelector | null) =>
    names.map((n) => namedPortIpSet(sel ?? all, n, r.namedPortProtocol));
  const srcNamedSets = named(srcNamed, src);
  const dstNamedSets = named(dstNamed, dst);
  const notSrcNamedSets = named(notSrcNamed, src);
  const notDstNamedSets = named(notDstNamed, dst);
  // With only named ports, the named-port sets already encode the selector.
  const srcSets = src !== null && (srcPorts.length > 0 || srcNamed.length === 0) ? [selectorIpSet(src)] : [];
  const dstSets = dst !== null && (dstPorts.length > 0 || dstNamed.length === 0) ? [selectorIpSet(dst)] : [];
  if (r.srcService !== undefined) srcSets.push(serviceIpSet(`${r.srcService.namespace}/${r.srcService.name}`, false));
  const dstIpPortSets = r.dstService === undefined ? [] : [serviceIpSet(`${r.dstService.namespace}/${r.dstService.name}`, true)];
  const notSrcSets = notSrc === null ? [] : [selectorIpSet(notSrc)];
  const notDstSets = notDst === null ? [] : [selectorIpSet(notDst)];
  const rule: Unhashed = {
    action: r.action,
    ...(r.ipVersion === undefined ? {} : { ipVersion: r.ipVersion }),
    ...(r.protocol === undefined ? {} : { protocol: r.protocol }),
    ...(r.notProtocol === undefined ? {} : { notProtocol: r.notProtocol }),
    srcNets: r.srcNets,
    notSrcNets: r.notSrcNets,
    dstNets: r.dstNets,
    notDstNets: r.notDstNets,
    srcPorts,
    notSrcPorts,
    dstPorts,
    notDstPorts,
    srcIpSetIds: ids(srcSets),
    notSrcIpSetIds: ids(notSrcSets),
    dstIpSetIds: ids(dstSets),
    notDstIpSetIds: ids(notDstSets),
    srcNamedPortIpSetIds: ids(srcNamedSets),
    notSrcNamedPortIpSetIds: ids(notSrcNamedSets),
    dstNamedPortIpSetIds: ids(dstNamedSets),
    notDstNamedPortIpSetIds: ids(notDstNamedSets),
    dstIpPortSetIds: ids(dstIpPortSets),
    ...(r.icmp === undefined ? {} : { icmp: r.icmp }),
    ...(r.notIcmp === undefined ? {} : { notIcmp: r.notIcmp }),
  };
  const ipSets = [...srcNamedSets, ...dstNamedSets, ...notSrcNamedSets, ...notDstNamedSets, ...srcSets, ...dstSets, ...dstIpPortSets, ...notSrcSets, ...notDstSets];
  return { rule, ipSets };
}
