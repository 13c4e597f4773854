// Policy-group chains against the real kernel: two servers with the same
// seven policies share one group chain, and real TCP connections get the
// verdicts the policies give — allow, deny, pass to the profile, end-of-tier
// drop — including after the fifth jump, where the group checks for a verdict.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns.js';
import { NftablesDataplane } from '../../src/dataplane/nftables-dataplane.js';
import { RouteManager } from '../../src/dataplane/routes.js';
import type { DataplaneUpdate, ParsedRule, PolicyId } from '../../src/calc/types.js';
import { allowAllProfile, policy, rule, tier, wep } from './fixtures.js';
import { addPod, makeHost } from './pods.js';

const A_IP = '10.66.0.1';
const B_IP = '10.66.0.2';
const C_IP = '10.66.0.3';
const PORTS = [80, 81, 82, 83];

const tcp = (action: ParsedRule['action'], ...ports: number[]): ParsedRule => rule({ action, protocol: 6, dstPorts: ports.map((p) => ({ first: p, last: p })) });
const np = (name: string): PolicyId => ({ kind: 'NetworkPolicy', namespace: 'ns', name });

/** p1–p4 match nothing we send; p5 passes 82; p6 allows 80; p7 denies 80 and 81, so 80 stays open only if p7 is never reached after p6. */
const POLICIES: readonly [PolicyId, ParsedRule][] = [
  [np('p1'), tcp('allow', 1001)], [np('p2'), tcp('allow', 1002)], [np('p3'), tcp('allow', 1003)], [np('p4'), tcp('allow', 1004)],
  [np('p5'), tcp('pass', 82)], [np('p6'), tcp('allow', 80)], [np('p7'), tcp('deny', 80, 81)],
];
const ALL = POLICIES.map(([id]) => `np/ns/${id.name}`);

function server(iface: string, ip: string, ingress: readonly string[]): DataplaneUpdate {
  return { type: 'workload-endpoint-update', endpoint: wep(iface, [`${ip}/32`], { profileIds: ['kns.default'], tiers: [tier('default', [...ingress], [])] }) };
}

function initial(): DataplaneUpdate[] {
  return [
    allowAllProfile,
    ...POLICIES.map(([id, r]): DataplaneUpdate => ({ type: 'policy-update', id, policy: policy({ inboundRules: [r] }) })),
    { type: 'workload-endpoint-update', endpoint: wep('caliA', [`${A_IP}/32`], { profileIds: ['kns.default'] }) },
    server('caliB', B_IP, ALL),
    server('caliC', C_IP, ALL),
    { type: 'in-sync', revision: 1 },
  ];
}

describe('policy-group chains in a network namespace', () => {
  const lab = new NetnsLab('dpgrp');
  let host = '';
  let podA = '';
  let dp: NftablesDataplane;
  let routes: RouteManager;

  const program = async (...us: DataplaneUpdate[]): Promise<Awaited<ReturnType<NftablesDataplane['apply']>>> => {
    for (const u of us) {
      dp.onUpdate(u);
      routes.onUpdate(u);
    }
    const s = await dp.apply();
    await routes.apply();
    return s;
  };
  const groupChains = async (): Promise<string[]> => {
    const doc = JSON.parse(await lab.must(host, ['nft', '-j', 'list', 'chains', 'ip'])) as { nftables: { chain?: { table: string; name: string } }[] };
    return doc.nftables.flatMap((i) => (i.chain?.table === 'calico' && /^filter-cali-g[io]-/.test(i.chain.name) ? [i.chain.name] : []));
  };
  const open = async (ip: string): Promise<number[]> => {
    const out: number[] = [];
    for (const p of PORTS) if (await lab.canConnect(podA, ip, p, 1, p === 81 || p === 83 ? 1 : 3)) out.push(p);
    return out;
  };

  before(async () => {
    host = await makeHost(lab);
    podA = await addPod(lab, host, 'podA', 'caliA', A_IP);
    const podB = await addPod(lab, host, 'podB', 'caliB', B_IP);
    const podC = await addPod(lab, host, 'podC', 'caliC', C_IP);
    for (const ns of [podB, podC]) for (const p of PORTS) await lab.listen(ns, p);
    dp = new NftablesDataplane({ netns: host, families: [4] });
    routes = new RouteManager({ netns: host, families: [4] });
  });
  after(async () => {
    dp.close();
    await lab.cleanup();
  });

  it('programs one group chain for the two servers with the same policies', async () => {
    await program(...initial());
    assert.equal((await groupChains()).length, 1);
  });

  it('gives each server the verdicts of its seven policies: allow 80, deny 81, pass 82 to the profile, drop 83 at the end of the tier', async () => {
    assert.deepEqual({ B: await open(B_IP), C: await open(C_IP) }, { B: [80, 82], C: [80, 82] });
  });

  it('a restarted agent recognises the group chain and writes nothing', async () => {
    const fresh = new NftablesDataplane({ netns: host, families: [4] });
    for (const u of initial()) fresh.onUpdate(u);
    const s = await fresh.apply();
    assert.deepEqual({ readBack: s.readBack, commands: s.commands }, { readBack: true, commands: 0 });
  });

  it('keeps the group chain while one server still uses it, and removes it with the last', async () => {
    await program({ type: 'workload-endpoint-remove', id: wep('caliC', []).id });
    assert.equal((await groupChains()).length, 1);
    const s = await program(server('caliB', B_IP, ['np/ns/p6']));
    assert.deepEqual({ groups: await groupChains(), deleted: s.chainsDeleted }, { groups: [], deleted: 1 });
    assert.deepEqual(await open(B_IP), [80]);
  });
});
