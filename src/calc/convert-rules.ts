// Calico's update processors for policies and profiles (updateprocessors/
// rules.go, networkpolicyprocessor.go, globalnetworkpolicyprocessor.go):
// v3 rules become backend rules, and every selector is rewritten textually so
// that namespaces and service accounts become plain label matches (§1.8).
import type { EntityRule, Port, Protocol, Rule } from '../api/policy-types.js';
import { canonicalCidr, type Cidr } from '../api/net.js';
import { portFromString, protocolNumber } from '../api/rule.js';
import { parseSelector, prefixSelectorText, validateSelector } from '../selector/index.js';
import {
  LABEL_NAMESPACE,
  LABEL_SERVICE_ACCOUNT,
  NAMESPACE_LABEL_PREFIX,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  type ModelIcmp,
  type ModelPort,
  type ModelRule,
  type NamedPortProtocol,
  type ServiceRef,
} from './model.js';
import type { RuleAction } from './types.js';

const HAS_NAMESPACE = `has(${LABEL_NAMESPACE})`;
const HAS_SERVICE_ACCOUNT = `has(${LABEL_SERVICE_ACCOUNT})`;

const replaceAll = (s: string, from: string, to: string): string => s.split(from).join(to);

/** `(cur) && prefix(add)`, or just the prefixed part; an unparseable `add` is dropped. */
export function prefixAndAppendSelector(current: string, add: string | undefined, prefix: string): string {
  if (add === undefined || add === '') return current;
  const prefixed = prefixSelectorText(add, prefix);
  if (prefixed === '') return current;
  return current === '' ? prefixed : `(${current}) && ${prefixed}`;
}

/** The backend selector of a NetworkPolicy (or converted Kubernetes one) in `namespace`. */
export function namespacedPolicySelector(selector: string | undefined, namespace: string, saSelector: string | undefined): string {
  const nsSel = `${LABEL_NAMESPACE} == '${namespace}'`;
  const sel = selector === undefined || selector === '' ? nsSel : `(${selector}) && ${nsSel}`;
  return prefixAndAppendSelector(sel, saSelector, SERVICE_ACCOUNT_LABEL_PREFIX);
}

/** The backend selector of a GlobalNetworkPolicy: `all()` is replaced textually in the whole result. */
export function globalPolicySelector(selector: string | undefined, nsSelector: string | undefined, saSelector: string | undefined): string {
  let sel = selector ?? '';
  if (nsSelector !== undefined && nsSelector !== '') {
    sel = replaceAll(prefixAndAppendSelector(sel, nsSelector, NAMESPACE_LABEL_PREFIX), 'all()', HAS_NAMESPACE);
  }
  if (saSelector !== undefined && saSelector !== '') {
    sel = replaceAll(prefixAndAppendSelector(sel, saSelector, SERVICE_ACCOUNT_LABEL_PREFIX), 'all()', HAS_SERVICE_ACCOUNT);
  }
  return sel;
}

function serviceAccountSelector(er: EntityRule): string {
  const sam = er.serviceAccounts;
  if (sam === undefined) return '';
  const prefixed = sam.selector !== undefined && sam.selector !== '' ? prefixSelectorText(sam.selector, SERVICE_ACCOUNT_LABEL_PREFIX) : '';
  const names = sam.names ?? [];
  if (names.length === 0) return prefixed;
  const text = `${LABEL_SERVICE_ACCOUNT} in { '${names.join("', '")}' }`;
  if (validateSelector(text) !== undefined) return '';
  const namesSel = parseSelector(text).canonical;
  return prefixed === '' ? namesSel : `(${prefixed}) && (${namesSel})`;
}

/** GetEntityRuleSelector: one selector for the peer, namespaced as soon as any selector field is used. */
export function entityRuleSelector(er: EntityRule, namespace: string): string {
  const nsSelText = er.namespaceSelector ?? '';
  let nsSel = '';
  if (nsSelText !== '') {
    nsSel = prefixSelectorText(nsSelText, NAMESPACE_LABEL_PREFIX);
    nsSel = replaceAll(nsSel, 'all()', HAS_NAMESPACE);
    nsSel = replaceAll(nsSel, 'global()', `!${HAS_NAMESPACE}`);
  } else if (namespace !== '') {
    nsSel = `${LABEL_NAMESPACE} == '${namespace}'`;
  }
  const parts = [serviceAccountSelector(er), er.selector ?? ''].filter((s) => s !== '');
  let sel = parts.length === 0 ? '' : parts.length === 1 ? (parts[0] ?? '') : `(${parts.join(') && (')})`;
  const notSel = er.notSelector ?? '';
  if (nsSel !== '' && (sel !== '' || notSel !== '' || nsSelText !== '')) {
    sel = sel === '' ? nsSel : `(${nsSel}) && (${sel})`;
  }
  return sel;
}

function action(a: Rule['action']): RuleAction {
  return a === 'Pass' ? 'pass' : a === 'Allow' ? 'allow' : a === 'Deny' ? 'deny' : 'log';
}

function protocol(p: Protocol | undefined): number | undefined {
  return p === undefined ? undefined : protocolNumber(p);
}

/** ipsetmember.ProtocolFrom: the protocol a named port is looked up with. */
function namedPortProtocol(p: Protocol | undefined): NamedPortProtocol {
  if (p === undefined) return 'any';
  const n = protocolNumber(p);
  return n === 17 ? 'udp' : n === 132 ? 'sctp' : 'tcp';
}

/** Felix infers the family only from the names ICMP / ICMPv6, never from numbers. */
function ipVersion(r: Rule): 4 | 6 | undefined {
  if (r.ipVersion !== undefined) return r.ipVersion;
  if (r.protocol === 'ICMP') return 4;
  if (r.protocol === 'ICMPv6') return 6;
  return undefined;
}

function nets(list: readonly string[] | undefined): Cidr[] {
  const out: Cidr[] = [];
  for (const n of list ?? []) {
    const c = canonicalCidr(n);
    if (c !== null) out.push(c);
  }
  return out;
}

function ports(list: readonly Port[] | undefined): ModelPort[] {
  const out: ModelPort[] = [];
  for (const p of list ?? []) {
    if (typeof p === 'number') {
      out.push({ kind: 'range', first: p, last: p });
      continue;
    }
    const parsed = portFromString(p);
    if ('error' in parsed) continue;
    out.push(parsed.kind === 'named' ? { kind: 'named', name: parsed.name } : { kind: 'range', first: parsed.min, last: parsed.max });
  }
  return out;
}

function icmp(f: Rule['icmp']): ModelIcmp | undefined {
  if (f?.type === undefined) return undefined;
  return f.code === undefined ? { type: f.type } : { type: f.type, code: f.code };
}

function service(er: EntityRule | undefined, namespace: string): ServiceRef | undefined {
  const s = er?.services;
  if (s === undefined) return undefined;
  return { namespace: s.namespace ?? namespace, name: s.name };
}

/** RuleAPIV3ToBackend for a rule of a policy in `namespace` ("" for global policies and profiles). */
export function convertRule(r: Rule, namespace: string): ModelRule {
  const src = r.source ?? {};
  const dst = r.destination ?? {};
  const v = ipVersion(r);
  const proto = protocol(r.protocol);
  const notProto = protocol(r.notProtocol);
  const ic = icmp(r.icmp);
  const notIc = icmp(r.notICMP);
  const srcSvc = service(r.source, namespace);
  const dstSvc = service(r.destination, namespace);
  return {
    action: action(r.action),
    ...(v === undefined ? {} : { ipVersion: v }),
    ...(proto === undefined ? {} : { protocol: proto }),
    ...(notProto === undefined ? {} : { notProtocol: notProto }),
    namedPortProtocol: namedPortProtocol(r.protocol),
    ...(ic === undefined ? {} : { icmp: ic }),
    ...(notIc === undefined ? {} : { notIcmp: notIc }),
    srcNets: nets(src.nets),
    notSrcNets: nets(src.notNets),
    dstNets: nets(dst.nets),
    notDstNets: nets(dst.notNets),
    srcPorts: ports(src.ports),
    notSrcPorts: ports(src.notPorts),
    dstPorts: ports(dst.ports),
    notDstPorts: ports(dst.notPorts),
    srcSelector: entityRuleSelector(src, namespace),
    notSrcSelector: src.notSelector ?? '',
    dstSelector: entityRuleSelector(dst, namespace),
    notDstSelector: dst.notSelector ?? '',
    ...(srcSvc === undefined ? {} : { srcService: srcSvc }),
    ...(dstSvc === undefined ? {} : { dstService: dstSvc }),
  };
}

export function convertRules(rules: readonly Rule[] | undefined, namespace: string): ModelRule[] {
  return (rules ?? []).map((r) => convertRule(r, namespace));
}
