// Table of rule-rendering cases, shared by the pure test and the test that
// loads every rendered rule into a real kernel.
import type { RuleContext } from '../../src/dataplane/rules.js';
import type { ParsedRule } from '../../src/calc/types.js';
import { cidr, rule, setId } from './fixtures.js';

export const v4: RuleContext = { family: 4, logPrefix: 'calico-packet|PI0|gnp/x: ', denyVerdict: 'drop' };
export const v6: RuleContext = { ...v4, family: 6 };
const ALLOW = 'counter meta mark set meta mark | 0x10000 return';

export interface Case {
  readonly name: string;
  readonly rule: ParsedRule;
  readonly ctx?: RuleContext;
  readonly want: readonly string[];
}

export const cases: Case[] = [
  { name: 'an empty match allows everything', rule: rule({ action: 'allow' }), want: [ALLOW] },
  { name: 'protocol by number', rule: rule({ action: 'allow', protocol: 17 }), want: [`meta l4proto 17 ${ALLOW}`] },
  { name: 'negated protocol', rule: rule({ action: 'allow', notProtocol: 6 }), want: [`meta l4proto != 6 ${ALLOW}`] },
  { name: 'one destination port', rule: rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 80, last: 80 }] }), want: [`meta l4proto 6 tcp dport 80 ${ALLOW}`] },
  {
    name: 'ports and ranges as one anonymous set',
    rule: rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 80, last: 80 }, { first: 8000, last: 8080 }] }),
    want: [`meta l4proto 6 tcp dport { 80, 8000-8080 } ${ALLOW}`],
  },
  { name: 'source ports of udp', rule: rule({ action: 'allow', protocol: 17, srcPorts: [{ first: 53, last: 53 }] }), want: [`meta l4proto 17 udp sport 53 ${ALLOW}`] },
  { name: 'sctp ports use the sctp header', rule: rule({ action: 'allow', protocol: 132, dstPorts: [{ first: 9, last: 9 }] }), want: [`meta l4proto 132 sctp dport 9 ${ALLOW}`] },
  {
    name: 'notPorts',
    rule: rule({ action: 'allow', protocol: 6, notDstPorts: [{ first: 22, last: 22 }, { first: 100, last: 200 }] }),
    want: [`meta l4proto 6 tcp dport != { 22, 100-200 } ${ALLOW}`],
  },
  { name: 'one source net', rule: rule({ action: 'allow', srcNets: [cidr('10.0.0.0/8')] }), want: [`ip saddr 10.0.0.0/8 ${ALLOW}`] },
  {
    name: 'several nets are OR-ed in one set; host routes print as addresses',
    rule: rule({ action: 'allow', dstNets: [cidr('10.0.0.0/8'), cidr('192.168.1.1/32')] }),
    want: [`ip daddr { 10.0.0.0/8, 192.168.1.1 } ${ALLOW}`],
  },
  { name: 'notNets', rule: rule({ action: 'allow', notSrcNets: [cidr('10.1.0.0/16')] }), want: [`ip saddr != 10.1.0.0/16 ${ALLOW}`] },
  {
    name: 'selector sets: each must match',
    rule: rule({ action: 'allow', srcIpSetIds: [setId('s:aaa'), setId('s:bbb')] }),
    want: [`ip saddr @cali40s-aaa ip saddr @cali40s-bbb ${ALLOW}`],
  },
  { name: 'negated selector set', rule: rule({ action: 'allow', notDstIpSetIds: [setId('s:ccc')] }), want: [`ip daddr != @cali40s-ccc ${ALLOW}`] },
  {
    name: 'named port as an ip . proto . port concatenation',
    rule: rule({ action: 'allow', dstNamedPortIpSetIds: [setId('n:http')] }),
    want: [`ip daddr . meta l4proto . th dport @cali40n-http ${ALLOW}`],
  },
  {
    name: 'numeric and named ports are OR-ed: one rule each',
    rule: rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 443, last: 443 }], dstNamedPortIpSetIds: [setId('n:http')] }),
    want: [`meta l4proto 6 tcp dport 443 ${ALLOW}`, `meta l4proto 6 ip daddr . meta l4proto . th dport @cali40n-http ${ALLOW}`],
  },
  {
    name: 'negated named port',
    rule: rule({ action: 'allow', notSrcNamedPortIpSetIds: [setId('n:dns')] }),
    want: [`ip saddr . meta l4proto . th sport != @cali40n-dns ${ALLOW}`],
  },
  {
    name: 'service ip-and-port set',
    rule: rule({ action: 'allow', dstIpPortSetIds: [setId('svc:web')] }),
    want: [`ip daddr . meta l4proto . th dport @cali40svc-web ${ALLOW}`],
  },
  { name: 'icmp type and code', rule: rule({ action: 'allow', protocol: 1, icmp: { type: 8, code: 0 } }), want: [`meta l4proto 1 icmp type 8 icmp code 0 ${ALLOW}`] },
  { name: 'icmpv6 type in the v6 table', rule: rule({ action: 'allow', protocol: 58, icmp: { type: 128 } }), ctx: v6, want: [`meta l4proto 58 icmpv6 type 128 ${ALLOW}`] },
  { name: 'negated icmp type', rule: rule({ action: 'allow', notIcmp: { type: 8 } }), want: [`icmp type != 8 ${ALLOW}`] },
  {
    name: 'negated icmp type and code means not both',
    rule: rule({ action: 'allow', notIcmp: { type: 3, code: 4 } }),
    want: [`icmp type . icmp code != { 3 . 4 } ${ALLOW}`],
  },
  { name: 'ipVersion 6 is skipped in the v4 table', rule: rule({ action: 'allow', ipVersion: 6 }), want: [] },
  { name: 'positive nets only of the other family: skipped', rule: rule({ action: 'allow', srcNets: [cidr('fd00::/8')] }), want: [] },
  { name: 'mixed-family nets keep this family', rule: rule({ action: 'allow', srcNets: [cidr('fd00::/8'), cidr('10.0.0.0/8')] }), want: [`ip saddr 10.0.0.0/8 ${ALLOW}`] },
  { name: 'v6 addresses use ip6', rule: rule({ action: 'allow', srcNets: [cidr('fd00::/8')] }), ctx: v6, want: [`ip6 saddr fd00::/8 ${ALLOW}`] },
  { name: 'a negated catch-all drops the rule', rule: rule({ action: 'allow', notDstNets: [cidr('0.0.0.0/0')] }), want: [] },
  { name: 'deny drops', rule: rule({ action: 'deny', protocol: 6 }), want: ['meta l4proto 6 counter drop'] },
  { name: 'deny rejects when configured', rule: rule({ action: 'deny' }), ctx: { ...v4, denyVerdict: 'reject' }, want: ['counter reject'] },
  { name: 'pass sets the pass mark and returns', rule: rule({ action: 'pass' }), want: ['counter meta mark set meta mark | 0x20000 return'] },
  {
    name: 'log logs with the policy and rule in the prefix and continues',
    rule: rule({ action: 'log', protocol: 6 }),
    want: ['meta l4proto 6 counter log prefix "calico-packet|PI0|gnp/x: " level info'],
  },
  {
    name: 'log with alternatives collects them in scratch0 and logs once',
    rule: rule({ action: 'log', protocol: 6, dstPorts: [{ first: 1, last: 1 }], dstNamedPortIpSetIds: [setId('n:p')] }),
    want: [
      'meta l4proto 6 tcp dport 1 counter meta mark set meta mark | 0x80000',
      'meta l4proto 6 ip daddr . meta l4proto . th dport @cali40n-p counter meta mark set meta mark | 0x80000',
      'meta mark & 0x80000 == 0x80000 meta mark set meta mark & 0xfff7ffff counter log prefix "calico-packet|PI0|gnp/x: " level info',
    ],
  },
  {
    name: 'matches come in Felix order: protocol, source, destination, icmp, negations',
    rule: rule({ action: 'allow', protocol: 6, srcNets: [cidr('10.0.0.0/8')], dstPorts: [{ first: 80, last: 80 }], notSrcNets: [cidr('10.9.0.0/16')], dstIpSetIds: [setId('s:d')] }),
    want: [`meta l4proto 6 ip saddr 10.0.0.0/8 ip daddr @cali40s-d tcp dport 80 ip saddr != 10.9.0.0/16 ${ALLOW}`],
  },
];

