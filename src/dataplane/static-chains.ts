// The chains every host has regardless of endpoints: base chains hooked into
// netfilter, the top-level cali-* chains, dispatch and failsafes (felix/rules/static.go).
import type { IpFamily } from '../api/net.js';
import type { DataplaneSettings, FailsafePort } from './config.js';
import { CHAIN, MAP, allMarks, clearMask, hex } from './names.js';
import { nftCidr, type NftRule } from './rules.js';
import { parseCidr } from '../api/net.js';

export type BaseChainSpec =
  | { readonly type: 'filter'; readonly hook: 'prerouting' | 'input' | 'forward' | 'output'; readonly priority: 'raw' | 'mangle' | 'filter' }
  // nft names no priority for a nat output hook: Felix's srcnat+10 is written as the number.
  | { readonly type: 'nat'; readonly hook: 'prerouting' | 'output' | 'postrouting'; readonly priority: 'dstnat' | 'srcnat + 10' | 110 };

export interface StaticChain {
  readonly name: string;
  readonly base?: BaseChainSpec;
  readonly rules: readonly NftRule[];
}


function ifaceMatches(dir: 'iifname' | 'oifname', settings: DataplaneSettings): string[] {
  return settings.interfacePrefixes.map((p) => `${dir} "${p}*"`);
}

/** `remote` is the field holding the far side's address, `port` the port that identifies the failsafe. */
function failsafeRules(ports: readonly FailsafePort[], family: IpFamily, remote: 'saddr' | 'daddr', port: 'dport' | 'sport'): NftRule[] {
  const a = family === 4 ? 'ip' : 'ip6';
  const out: NftRule[] = [];
  for (const p of ports) {
    if (p.net !== undefined && p.net.family !== family) continue;
    const net = p.net === undefined ? '' : `${a} ${remote} ${p.net.cidr} `;
    out.push({ body: `${net}${p.protocol} ${port} ${p.port} counter accept` });
  }
  return out;
}

function rpfSkipRules(entries: readonly RpfSkip[], family: IpFamily): NftRule[] {
  const a = family === 4 ? 'ip' : 'ip6';
  return entries.flatMap((e) => {
    const nets = e.prefixes.filter((p) => parseCidr(p)?.family === family).map(nftCidr);
    return nets.length === 0 ? [] : [{ body: `iifname "${e.iface}" ${a} saddr ${nets.length === 1 ? nets[0] : `{ ${nets.join(', ')} }`} counter accept` }];
  });
}

export interface RpfSkip {
  readonly iface: string;
  readonly prefixes: readonly string[];
}

export interface StaticOptions {
  /** Workload interfaces allowed to send from prefixes that do not route back to them. */
  readonly rpfSkip?: readonly RpfSkip[];
  readonly family: IpFamily;
  readonly settings: DataplaneSettings;
  /** Chain names of the `*` host endpoint, when one exists; packets of unlisted interfaces go there. */
  readonly wildcardHep?: { readonly fh: string; readonly th: string; readonly fhfw: string; readonly thfw: string; readonly rawFh: string; readonly rawTh: string; readonly mangleFh: string };
}

function dispatch(name: string, map: string, dir: 'iifname' | 'oifname', fallback: NftRule[]): StaticChain {
  return { name, rules: [{ body: `counter ${dir} vmap @${map}` }, ...fallback] };
}

export function staticChains(opts: StaticOptions): StaticChain[] {
  const { family, settings } = opts;
  const fromWl = ifaceMatches('iifname', settings);
  const toWl = ifaceMatches('oifname', settings);
  const wc = opts.wildcardHep;
  const notWl = (dir: 'iifname' | 'oifname'): string => settings.interfacePrefixes.map((p) => `${dir} != "${p}*" `).join('');
  const wlToHost: NftRule[] = [];
  if (family === 6) {
    // Neighbour discovery and MLD from workloads reach the host before any policy.
    wlToHost.push({ body: 'icmpv6 type { 130, 131, 132, 133, 135, 136 } counter accept' });
  }
  wlToHost.push({ body: `counter jump ${CHAIN.fromWlDispatch}` });
  wlToHost.push({ body: `counter ${settings.defaultEndpointToHostAction}`, comment: 'Configured DefaultEndpointToHostAction' });
  const MARK = settings.marks;
  const ACCEPT = hex(MARK.accept);
  const ALL_MARKS = allMarks(MARK);
  const clearAll = `counter meta mark set meta mark & ${clearMask(ALL_MARKS)}`;
  const chains: StaticChain[] = [
    { name: 'filter-FORWARD', base: { type: 'filter', hook: 'forward', priority: 'filter' }, rules: [
      { body: `counter jump ${CHAIN.forward}` },
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept`, comment: 'Policy explicitly accepted packet.' },
      { body: `counter meta mark set meta mark | ${ACCEPT}` },
    ] },
    { name: 'filter-INPUT', base: { type: 'filter', hook: 'input', priority: 'filter' }, rules: [{ body: `counter jump ${CHAIN.input}` }] },
    { name: 'filter-OUTPUT', base: { type: 'filter', hook: 'output', priority: 'filter' }, rules: [{ body: `counter jump ${CHAIN.output}` }] },
    { name: 'raw-PREROUTING', base: { type: 'filter', hook: 'prerouting', priority: 'raw' }, rules: [{ body: `counter jump ${CHAIN.rawPrerouting}` }] },
    { name: 'raw-OUTPUT', base: { type: 'filter', hook: 'output', priority: 'raw' }, rules: [{ body: `counter jump ${CHAIN.rawOutput}` }] },
    { name: 'mangle-PREROUTING', base: { type: 'filter', hook: 'prerouting', priority: 'mangle' }, rules: [{ body: `counter jump ${CHAIN.manglePrerouting}` }] },
    { name: CHAIN.forward, rules: [
      { body: `counter meta mark set meta mark & ${clearMask(ALL_MARKS & ~MARK.accept)}` },
      { body: `meta mark & ${ACCEPT} == 0 counter jump ${CHAIN.fromHepFwdDispatch}` },
      ...fromWl.map((m) => ({ body: `${m} counter jump ${CHAIN.fromWlDispatch}` })),
      ...toWl.map((m) => ({ body: `${m} counter jump ${CHAIN.toWlDispatch}` })),
      { body: `counter jump ${CHAIN.toHepFwdDispatch}` },
    ] },
    { name: CHAIN.input, rules: [
      ...fromWl.map((m) => ({ body: `${m} counter goto ${CHAIN.wlToHost}` })),
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept` },
      { body: clearAll },
      { body: `counter jump ${CHAIN.fromHepDispatch}` },
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept`, comment: 'Host endpoint policy accepted packet.' },
    ] },
    { name: CHAIN.output, rules: [
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept` },
      // Host to local workload is not policed by the workload's ingress policy.
      ...toWl.map((m) => ({ body: `${m} counter return` })),
      { body: clearAll },
      { body: `ct status & dnat == 0 counter jump ${CHAIN.toHepDispatch}` },
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept`, comment: 'Host endpoint policy accepted packet.' },
    ] },
    { name: CHAIN.wlToHost, rules: wlToHost },
    // Fail closed: an interface of ours with no programmed endpoint drops everything.
    dispatch(CHAIN.fromWlDispatch, MAP.fromWlDispatch, 'iifname', [{ body: `counter drop`, comment: 'Unknown interface' }]),
    dispatch(CHAIN.toWlDispatch, MAP.toWlDispatch, 'oifname', [{ body: `counter drop`, comment: 'Unknown interface' }]),
    dispatch(CHAIN.fromHepDispatch, MAP.fromHepDispatch, 'iifname', wc ? [{ body: `counter goto ${wc.fh}` }] : []),
    dispatch(CHAIN.toHepDispatch, MAP.toHepDispatch, 'oifname', wc ? [{ body: `counter goto ${wc.th}` }] : []),
    // The `*` host endpoint stands for host interfaces only, never for workload ones.
    dispatch(CHAIN.fromHepFwdDispatch, MAP.fromHepFwdDispatch, 'iifname', wc ? [{ body: `${notWl('iifname')}counter goto ${wc.fhfw}` }] : []),
    dispatch(CHAIN.toHepFwdDispatch, MAP.toHepFwdDispatch, 'oifname', wc ? [{ body: `${notWl('oifname')}counter goto ${wc.thfw}` }] : []),
    { name: CHAIN.failsafeIn, rules: failsafeRules(settings.failsafeInbound, family, 'saddr', 'dport') },
    { name: CHAIN.failsafeOut, rules: failsafeRules(settings.failsafeOutbound, family, 'daddr', 'dport') },
    // Untracked traffic has no conntrack to let replies back: raw failsafes also allow the other direction's replies.
    { name: CHAIN.rawFailsafeIn, rules: [...failsafeRules(settings.failsafeInbound, family, 'saddr', 'dport'), ...failsafeRules(settings.failsafeOutbound, family, 'saddr', 'sport')] },
    { name: CHAIN.rawFailsafeOut, rules: [...failsafeRules(settings.failsafeOutbound, family, 'daddr', 'dport'), ...failsafeRules(settings.failsafeInbound, family, 'daddr', 'sport')] },
    { name: CHAIN.rawPrerouting, rules: [
      { body: clearAll },
      ...fromWl.map((m) => ({ body: `${m} counter goto ${CHAIN.rawWlRpf}` })),
      { body: `counter jump ${CHAIN.rawFromHepDispatch}` },
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept` },
    ] },
    { name: CHAIN.rawOutput, rules: [
      { body: clearAll },
      { body: `counter jump ${CHAIN.rawToHepDispatch}` },
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept` },
    ] },
    // Strict reverse-path check for workloads: a source that does not route back out of the
    // interface it came in on is spoofed, unless the endpoint may use it (allowSpoofedSourcePrefixes).
    { name: CHAIN.rawWlRpf, rules: [
      ...(family === 4
        ? [{ body: 'ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 counter return', comment: 'Allow DHCP' }]
        : [{ body: 'ip6 saddr :: icmpv6 type { 133, 135, 143 } counter return', comment: 'Allow duplicate address detection' }]),
      { body: `counter jump ${CHAIN.rawRpfSkip}` },
      { body: `fib saddr . iif oif 0 counter drop`, comment: 'Drop if source does not route back to the workload' },
    ] },
    { name: CHAIN.rawRpfSkip, rules: rpfSkipRules(opts.rpfSkip ?? [], family) },
    dispatch(CHAIN.rawFromHepDispatch, MAP.rawFromHepDispatch, 'iifname', wc ? [{ body: `counter goto ${wc.rawFh}` }] : []),
    dispatch(CHAIN.rawToHepDispatch, MAP.rawToHepDispatch, 'oifname', wc ? [{ body: `counter goto ${wc.rawTh}` }] : []),
    { name: CHAIN.manglePrerouting, rules: [
      { body: 'ct state related,established counter accept' },
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept` },
      ...fromWl.map((m) => ({ body: `${m} counter return` })),
      { body: `counter jump ${CHAIN.mangleFromHepDispatch}` },
      { body: `meta mark & ${ACCEPT} == ${ACCEPT} counter accept` },
    ] },
    dispatch(CHAIN.mangleFromHepDispatch, MAP.mangleFromHepDispatch, 'iifname', wc ? [{ body: `counter goto ${wc.mangleFh}` }] : []),
  ];
  return chains;
}
