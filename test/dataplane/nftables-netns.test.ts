// The nftables dataplane against the real kernel, inside namespaces of its
// own: two pods on one host, real TCP connections allowed or dropped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NetnsLab } from '../helpers/netns.js';
import { NftablesDataplane } from '../../src/dataplane/nftables-dataplane.js';
import { RouteManager } from '../../src/dataplane/routes.js';
import type { DataplaneUpdate } from '../../src/calc/types.js';
import { allowAllProfile, cidr, gnp, policy, rule, setId, tier, wep } from './fixtures.js';
import { addPod, makeHost } from './pods.js';

const A_IP = '10.65.0.1';
const B_IP = '10.65.0.2';
const HOST_IP = '10.99.0.1';
const CLIENTS = setId('s:clients');

describe('nftables dataplane in a network namespace', () => {
  const lab = new NetnsLab('dpnft');
  let host = '';
  let podA = '';
  let podB = '';
  let dp: NftablesDataplane;
  let routes: RouteManager;

  const feed = (...us: DataplaneUpdate[]): void => {
    for (const u of us) {
      dp.onUpdate(u);
      routes.onUpdate(u);
    }
  };
  const program = async (): Promise<Awaited<ReturnType<NftablesDataplane['apply']>>> => {
    const s = await dp.apply();
    await routes.apply();
    return s;
  };

  before(async () => {
    host = await makeHost(lab);
    podA = await addPod(lab, host, 'podA', 'caliA', A_IP);
    podB = await addPod(lab, host, 'podB', 'caliB', B_IP);
    await lab.listen(podB, 80);
    await lab.listen(podB, 81);
    await lab.must(host, ['ip', 'addr', 'add', `${HOST_IP}/32`, 'dev', 'lo']);
    await lab.listen(host, 9000);
    dp = new NftablesDataplane({ netns: host, families: [4] });
    routes = new RouteManager({ netns: host, families: [4] });
  });
  after(async () => {
    dp.close();
    await lab.cleanup();
  });

  it('writes nothing before the first in-sync', async () => {
    feed(allowAllProfile, { type: 'workload-endpoint-update', endpoint: wep('caliA', [`${A_IP}/32`], { profileIds: ['kns.default'] }) });
    const s = await dp.apply();
    assert.equal(s.skipped, true);
    const r = await lab.exec(host, ['nft', 'list', 'table', 'ip', 'calico']);
    assert.notEqual(r.code, 0);
  });

  // The CNI plugin routes a new pod itself before the agent hears of it: only the dispatch stands in the way.
  const cniRoute = (): Promise<string> => lab.must(host, ['ip', 'route', 'replace', `${B_IP}/32`, 'dev', 'caliB', 'scope', 'link']);
  const unknownInterfaceDrops = async (): Promise<number> => {
    const doc = JSON.parse(await lab.must(host, ['nft', '-j', 'list', 'chain', 'ip', 'calico', 'filter-cali-to-wl-dispatch'])) as { nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[] };
    const rule = doc.nftables.find((i) => i.rule?.comment === 'Unknown interface')?.rule;
    return rule?.expr.reduce((n, e) => n + (e.counter?.packets ?? 0), 0) ?? -1;
  };

  it('drops traffic to a workload interface that has no programmed endpoint', async () => {
    feed({ type: 'in-sync', revision: 1 });
    await program();
    await cniRoute();
    assert.equal(await lab.canConnect(podA, B_IP, 80), false);
    assert.ok((await unknownInterfaceDrops()) > 0);
  });

  it('allows traffic once both endpoints are programmed with allowing profiles', async () => {
    feed({ type: 'workload-endpoint-update', endpoint: wep('caliB', [`${B_IP}/32`], { profileIds: ['kns.default'] }) });
    await program();
    assert.equal(await lab.canConnect(podA, B_IP, 80, 2, 3), true);
  });

  it('enforces an ingress policy: allowed port passes, others hit the end-of-tier drop', async () => {
    feed(
      { type: 'ipset-update', id: CLIENTS, setType: 'net', members: [`${A_IP}/32`] },
      { type: 'policy-update', id: gnp('web'), policy: policy({ inboundRules: [rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 80, last: 80 }], srcIpSetIds: [CLIENTS] })] }) },
      { type: 'workload-endpoint-update', endpoint: wep('caliB', [`${B_IP}/32`], { profileIds: ['kns.default'], tiers: [tier('default', ['gnp/web'], [])] }) },
    );
    await program();
    assert.equal(await lab.canConnect(podA, B_IP, 80, 2, 3), true);
    assert.equal(await lab.canConnect(podA, B_IP, 81), false);
  });

  it('applies a set membership change as one element delta, rewriting no chain', async () => {
    feed({ type: 'ipset-delta', id: CLIENTS, added: [], removed: [`${A_IP}/32`] });
    const s = await program();
    assert.deepEqual({ commands: s.commands, removed: s.elementsRemoved, chains: s.chainsWritten }, { commands: 1, removed: 1, chains: 0 });
    assert.equal(await lab.canConnect(podA, B_IP, 80), false);
    feed({ type: 'ipset-delta', id: CLIENTS, added: [`${A_IP}/32`], removed: [] });
    await program();
    assert.equal(await lab.canConnect(podA, B_IP, 80, 2, 3), true);
  });

  it('turns the set into an interval set when a prefix arrives, in one transaction, without a gap', async () => {
    feed({ type: 'ipset-delta', id: CLIENTS, added: ['10.65.0.0/24'], removed: [] });
    const s = await program();
    assert.deepEqual({ created: s.setsCreated, deleted: s.setsDeleted, chains: s.chainsWritten }, { created: 1, deleted: 1, chains: 1 });
    assert.match(await lab.must(host, ['nft', 'list', 'set', 'ip', 'calico', 'cali40s-clients']), /flags interval/);
    assert.equal(await lab.canConnect(podA, B_IP, 80, 2, 3), true);
    feed({ type: 'ipset-delta', id: CLIENTS, added: [], removed: ['10.65.0.0/24'] });
    await program();
    assert.equal(await lab.canConnect(podA, B_IP, 80, 2, 3), true);
  });

  it('repairs drift after someone flushes our table', async () => {
    await lab.must(host, ['nft', 'flush', 'table', 'ip', 'calico']);
    const s = await dp.resync();
    assert.ok(s.chainsWritten > 0);
    assert.equal(await lab.canConnect(podA, B_IP, 80, 2, 3), true);
    assert.equal(await lab.canConnect(podA, B_IP, 81), false);
    assert.equal((await dp.resync()).commands, 0);
  });

  it('restores set elements someone deleted', async () => {
    await lab.must(host, ['nft', 'flush', 'set', 'ip', 'calico', 'cali4hs-clients']);
    assert.equal(await lab.canConnect(podA, B_IP, 80), false);
    const s = await dp.resync();
    assert.deepEqual({ added: s.elementsAdded, chains: s.chainsWritten }, { added: 1, chains: 0 });
    assert.equal(await lab.canConnect(podA, B_IP, 80, 2, 3), true);
  });

  it('removes a foreign chain someone added to our table', async () => {
    await lab.must(host, ['nft', 'add', 'chain', 'ip', 'calico', 'intruder']);
    const s = await dp.resync();
    assert.equal(s.chainsDeleted, 1);
    const r = await lab.exec(host, ['nft', 'list', 'chain', 'ip', 'calico', 'intruder']);
    assert.notEqual(r.code, 0);
  });

  it('a restarted agent recognises the programmed table and writes nothing', async () => {
    const fresh = new NftablesDataplane({ netns: host, families: [4] });
    for (const u of replay()) fresh.onUpdate(u);
    const s = await fresh.apply();
    assert.deepEqual({ readBack: s.readBack, commands: s.commands }, { readBack: true, commands: 0 });
  });

  it('drops packets whose source does not route back to the workload, unless the endpoint may spoof it', async () => {
    const spoofed = '10.65.0.77';
    await lab.must(podA, ['ip', 'addr', 'add', `${spoofed}/32`, 'dev', 'eth0']);
    const sendSpoofed = () => lab.exec(podA, ['sh', '-c', `echo x | nc -u -w1 -s ${spoofed} ${B_IP} 5000`]);
    const drops = async (): Promise<number> => ruleCounter(host, 'raw-cali-wl-rpf', 'route back');
    const before = await drops();
    await sendSpoofed();
    assert.ok((await drops()) > before);
    feed({ type: 'workload-endpoint-update', endpoint: wep('caliA', [`${A_IP}/32`], { profileIds: ['kns.default'], allowSpoofedSourcePrefixes: [cidr(`${spoofed}/32`)] }) });
    await program();
    const after = await drops();
    await sendSpoofed();
    assert.equal(await drops(), after);
    assert.ok((await ruleCounter(host, 'raw-cali-rpf-skip', '')) > 0);
    feed({ type: 'workload-endpoint-update', endpoint: wep('caliA', [`${A_IP}/32`], { profileIds: ['kns.default'] }) });
    await program();
  });

  async function ruleCounter(ns: string, chain: string, commentPart: string): Promise<number> {
    const doc = JSON.parse(await lab.must(ns, ['nft', '-j', 'list', 'chain', 'ip', 'calico', chain])) as { nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[] };
    const rules = doc.nftables.flatMap((i) => (i.rule === undefined ? [] : [i.rule])).filter((r) => (r.comment ?? '').includes(commentPart));
    return rules.reduce((n, r) => n + r.expr.reduce((m, e) => m + (e.counter?.packets ?? 0), 0), 0);
  }

  it('puts a counter on every rule it writes', async () => {
    const text = await lab.must(host, ['nft', 'list', 'table', 'ip', 'calico']);
    const rules = text.split('\n').filter((l) => /^\t\t/.test(l) && !/^\t\t(type|elements|flags|policy)\b|^\t\t\s|^\t\t[0-9"]/.test(l));
    assert.ok(rules.length > 50);
    assert.deepEqual(rules.filter((l) => !l.includes('counter')), []);
  });

  it('applies DefaultEndpointToHostAction after workload egress policy: Drop by default, Accept when configured', async () => {
    assert.equal(await lab.canConnect(podA, HOST_IP, 9000), false);
    feed({ type: 'config-update', config: { DefaultEndpointToHostAction: 'Accept' } });
    await program();
    assert.equal(await lab.canConnect(podA, HOST_IP, 9000, 2, 3), true);
  });

  it('enforces egress policy on the sending workload', async () => {
    feed(
      { type: 'policy-update', id: gnp('egress-web-only'), policy: policy({ outboundRules: [rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 80, last: 80 }] })] }) },
      { type: 'workload-endpoint-update', endpoint: wep('caliA', [`${A_IP}/32`], { profileIds: ['kns.default'], tiers: [tier('default', [], ['gnp/egress-web-only'])] }) },
    );
    await program();
    assert.equal(await lab.canConnect(podA, B_IP, 80, 2, 3), true);
    assert.equal(await lab.canConnect(podA, HOST_IP, 9000), false);
  });

  it('removing an endpoint removes its route and the conntrack entries of its address', async () => {
    const entries = async (): Promise<string> => (await lab.exec(host, ['conntrack', '-L', '-d', B_IP])).stdout.trim();
    assert.notEqual(await entries(), '');
    feed({ type: 'workload-endpoint-remove', id: wep('caliB', []).id });
    await program();
    assert.equal(await entries(), '');
    assert.equal((await lab.must(host, ['ip', '-j', 'route', 'show', B_IP])).trim(), '[]');
  });

  it('fails closed for an interface whose endpoint is gone, with no agent running', async () => {
    await cniRoute();
    const before = await unknownInterfaceDrops();
    assert.equal(await lab.canConnect(podA, B_IP, 80), false);
    assert.ok((await unknownInterfaceDrops()) > before);
  });

  function replay(): DataplaneUpdate[] {
    return [
      allowAllProfile,
      { type: 'ipset-update', id: CLIENTS, setType: 'net', members: [`${A_IP}/32`] },
      { type: 'policy-update', id: gnp('web'), policy: policy({ inboundRules: [rule({ action: 'allow', protocol: 6, dstPorts: [{ first: 80, last: 80 }], srcIpSetIds: [CLIENTS] })] }) },
      { type: 'workload-endpoint-update', endpoint: wep('caliA', [`${A_IP}/32`], { profileIds: ['kns.default'] }) },
      { type: 'workload-endpoint-update', endpoint: wep('caliB', [`${B_IP}/32`], { profileIds: ['kns.default'], tiers: [tier('default', ['gnp/web'], [])] }) },
      { type: 'in-sync', revision: 1 },
    ];
  }
});
