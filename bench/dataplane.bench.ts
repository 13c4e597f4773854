// nftables dataplane: programming 250 endpoints × 1,000 policies into a
// namespace the benchmark creates (and removes), then the cost of one set
// member change and one policy change, of a restart's read-back and of a
// resync. IPv4 table only (a v4 cluster); IPv6 would double the rule count.
import type { BenchModule, BenchResult } from './harness.js';
import { percentile, round } from './harness.js';
import { NetnsLab } from '../test/helpers/netns.js';
import { NftablesDataplane } from '../src/dataplane/nftables-dataplane.js';
import type { Cidr } from '../src/api/net.js';
import type { ActivePolicy, DataplaneUpdate, IpSetId, ParsedRule, TierInfo } from '../src/calc/types.js';

const ENDPOINTS = 250;
const POLICIES = 1000;
const POLICIES_PER_ENDPOINT = 10;
const ITERATIONS = 40;

function rule(over: Partial<ParsedRule> & Pick<ParsedRule, 'action'>): ParsedRule {
  return {
    srcNets: [], notSrcNets: [], dstNets: [], notDstNets: [], srcPorts: [], notSrcPorts: [], dstPorts: [], notDstPorts: [],
    srcIpSetIds: [], notSrcIpSetIds: [], dstIpSetIds: [], notDstIpSetIds: [],
    srcNamedPortIpSetIds: [], notSrcNamedPortIpSetIds: [], dstNamedPortIpSetIds: [], notDstNamedPortIpSetIds: [], dstIpPortSetIds: [],
    ruleId: 'bench', ...over,
  };
}

const podIp = (i: number): string => `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const setOf = (p: number): IpSetId => `s:bench${p}` as IpSetId;

function benchPolicy(p: number, port: number): ActivePolicy {
  return {
    tier: 'default', untracked: false, preDNAT: false, applyOnForward: false,
    inboundRules: [
      rule({ action: 'allow', protocol: 6, dstPorts: [{ first: port, last: port }], srcIpSetIds: [setOf(p)] }),
      rule({ action: 'allow', protocol: 17, dstPorts: [{ first: 53, last: 53 }], srcNets: [`10.${p % 200}.0.0/16` as Cidr] }),
      rule({ action: 'deny', srcIpSetIds: [setOf((p + 1) % POLICIES)] }),
    ],
    outboundRules: [rule({ action: 'allow', dstIpSetIds: [setOf(p)] })],
  };
}

function initialUpdates(): DataplaneUpdate[] {
  const out: DataplaneUpdate[] = [{ type: 'config-update', config: {} }];
  for (let p = 0; p < POLICIES; p++) {
    const members = Array.from({ length: 20 }, (_, k) => `${podIp((p * 7 + k * 13) % 60000)}/32`);
    // One set in ten holds a prefix (a NetworkSet), so it is an interval set.
    if (p % 10 === 0) members.push(`172.${16 + (p % 16)}.${p % 256}.0/24`);
    out.push({ type: 'ipset-update', id: setOf(p), setType: 'net', members });
  }
  for (let p = 0; p < POLICIES; p++) out.push({ type: 'policy-update', id: { kind: 'GlobalNetworkPolicy', name: `p${p}` }, policy: benchPolicy(p, 80) });
  out.push({ type: 'profile-update', id: 'kns.default', profile: { inboundRules: [rule({ action: 'allow' })], outboundRules: [rule({ action: 'allow' })] } });
  for (let e = 0; e < ENDPOINTS; e++) {
    const ids = Array.from({ length: POLICIES_PER_ENDPOINT }, (_, k) => `gnp/p${(e * 4 + k * 97) % POLICIES}`);
    const tiers: TierInfo[] = [{ name: 'default', defaultAction: 'deny', ingressPolicies: ids, egressPolicies: ids.slice(0, 3) }];
    out.push({
      type: 'workload-endpoint-update',
      endpoint: { id: `h/k8s/pod${e}/eth0`, interfaceName: `cali${e.toString(16).padStart(11, '0')}`, ipv4Nets: [`${podIp(e)}/32` as Cidr], ipv6Nets: [], tiers, profileIds: ['kns.default'], allowSpoofedSourcePrefixes: [], ipv4Nat: [], ipv6Nat: [] },
    });
  }
  out.push({ type: 'in-sync', revision: 1 });
  return out;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export const run: BenchModule['run'] = async (report: (r: BenchResult) => void) => {
  const lab = new NetnsLab('dpbench');
  try {
    const ns = await lab.netns('host');
    const dp = new NftablesDataplane({ netns: ns, families: [4] });
    const updates = initialUpdates();
    for (const u of updates) dp.onUpdate(u);
    let first: Awaited<ReturnType<NftablesDataplane['apply']>> | undefined;
    const initialMs = await timed(async () => {
      first = await dp.apply();
    });
    report({ name: `program ${ENDPOINTS} endpoints × ${POLICIES} policies (one transaction)`, value: round(initialMs, 0), unit: `ms (${round(first?.nftMs ?? 0, 0)} ms in nft)` });
    report({ name: 'rules written', value: first?.rulesWritten ?? 0, unit: 'rules' });
    report({ name: 'chains written', value: first?.chainsWritten ?? 0, unit: 'chains' });
    report({ name: 'sets created / elements', value: `${first?.setsCreated ?? 0} / ${first?.elementsAdded ?? 0}`, unit: '' });

    const listed = await lab.must(ns, ['nft', 'list', 'table', 'ip', 'calico']);
    report({ name: 'ruleset size (nft list table)', value: round(listed.length / 1024, 0), unit: 'KiB' });

    const setTimes: number[] = [];
    const intervalTimes: number[] = [];
    const ownTimes: number[] = [];
    const own = async (): Promise<void> => {
      const s = await dp.apply();
      ownTimes.push(s.durationMs - s.nftMs);
    };
    for (let i = 0; i < ITERATIONS; i++) {
      const ip = `${podIp(61000 + i)}/32`;
      // Sets 1-9 of every ten are hash sets; every tenth is an interval set.
      const hashSet = i * 10 + 1 + (i % 9);
      dp.onUpdate({ type: 'ipset-delta', id: setOf(hashSet), added: [ip], removed: [] });
      setTimes.push(await timed(own));
      dp.onUpdate({ type: 'ipset-delta', id: setOf(i * 10), added: [ip], removed: [] });
      intervalTimes.push(await timed(own));
    }
    report({ name: 'one set member added (hash set): apply median', value: round(percentile(setTimes, 50), 2), unit: 'ms' });
    report({ name: 'one set member added (hash set): apply p99', value: round(percentile(setTimes, 99), 2), unit: 'ms' });
    report({ name: 'one set member added (interval set): apply median', value: round(percentile(intervalTimes, 50), 2), unit: 'ms' });
    report({ name: 'one set member added (interval set): apply p99', value: round(percentile(intervalTimes, 99), 2), unit: 'ms' });
    report({ name: 'one set member added: our own render+diff median (rest is nft)', value: round(percentile(ownTimes, 50), 3), unit: 'ms' });

    const polTimes: number[] = [];
    const polOwn: number[] = [];
    let lastCommands = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      dp.onUpdate({ type: 'policy-update', id: { kind: 'GlobalNetworkPolicy', name: `p${i}` }, policy: benchPolicy(i, 8000 + i) });
      polTimes.push(
        await timed(async () => {
          const s = await dp.apply();
          lastCommands = s.commands;
          polOwn.push(s.durationMs - s.nftMs);
        }),
      );
    }
    report({ name: 'one policy changed: apply median', value: round(percentile(polTimes, 50), 2), unit: 'ms' });
    report({ name: 'one policy changed: apply p99', value: round(percentile(polTimes, 99), 2), unit: 'ms' });
    report({ name: 'one policy changed: transaction lines', value: lastCommands, unit: 'lines' });
    report({ name: 'one policy changed: our own render+diff median (rest is nft)', value: round(percentile(polOwn, 50), 3), unit: 'ms' });

    const restarted = new NftablesDataplane({ netns: ns, families: [4] });
    for (const u of updates) restarted.onUpdate(u);
    for (let i = 0; i < ITERATIONS; i++) {
      restarted.onUpdate({ type: 'ipset-delta', id: setOf(i * 10 + 1 + (i % 9)), added: [`${podIp(61000 + i)}/32`], removed: [] });
      restarted.onUpdate({ type: 'ipset-delta', id: setOf(i * 10), added: [`${podIp(61000 + i)}/32`], removed: [] });
      restarted.onUpdate({ type: 'policy-update', id: { kind: 'GlobalNetworkPolicy', name: `p${i}` }, policy: benchPolicy(i, 8000 + i) });
    }
    let restartCommands = -1;
    const restartMs = await timed(async () => {
      restartCommands = (await restarted.apply()).commands;
    });
    report({ name: 'restart: read back + diff, nothing to write', value: round(restartMs, 0), unit: `ms (${restartCommands} lines written)` });

    await lab.must(ns, ['nft', 'flush', 'chain', 'ip', 'calico', 'filter-cali-pi-gnp/p5']);
    let repaired = 0;
    const resyncMs = await timed(async () => {
      repaired = (await dp.resync()).chainsWritten;
    });
    report({ name: 'resync after one chain was flushed', value: round(resyncMs, 0), unit: `ms (${repaired} chain rewritten)` });
    dp.close();
    restarted.close();
  } finally {
    await lab.cleanup();
  }
};
