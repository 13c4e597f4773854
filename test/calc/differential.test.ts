// Differential test: the calc graph's output, run through a tiny software
// dataplane, must give the reference policy model's (src/policy) per-endpoint
// tiers and verdicts, on random clusters.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StoredResource } from '../../src/datastore/types.js';
import { buildPolicyModel, type EndpointRef, type PolicyId, type PolicyResource } from '../../src/policy/index.js';
import type { TierInfo } from '../../src/calc/types.js';
import { finalStateOf, gnp, hep, HOST, knp, netset, np, nsProfile, set, tier, wep, wepId } from './helpers.js';
import { evaluate } from './interpreter.js';

const NAMESPACES = ['a', 'b'];
const HEP_IP = '10.0.9.1';
const SELECTORS = ['', 'app == "web"', 'app == "db"', 'has(app)', 'role in {"fe", "be"}', '!has(role)', 'all()'];
const PEER_SELECTORS = [undefined, 'app == "web"', 'role == "fe"', 'has(kind)', 'all()'];

const labels = fc.record({ app: fc.constantFrom('web', 'db', undefined), role: fc.constantFrom('fe', 'be', undefined) }).map((l) =>
  Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) as Record<string, string>,
);

const entity = fc.record(
  {
    selector: fc.constantFrom(...PEER_SELECTORS),
    notSelector: fc.constantFrom(undefined, undefined, 'role == "be"'),
    namespaceSelector: fc.constantFrom(undefined, undefined, 'env == "prod"', 'all()'),
    nets: fc.constantFrom(undefined, undefined, ['10.0.0.0/30'], ['10.1.0.0/16']),
    ports: fc.constantFrom(undefined, undefined, [80], ['http'], [8080, 'http']),
    notPorts: fc.constantFrom(undefined, undefined, undefined, [8080]),
  },
  { requiredKeys: [] },
);

const rule = fc.record(
  { action: fc.constantFrom('Allow', 'Deny', 'Pass', 'Log', 'Allow'), protocol: fc.constantFrom(undefined, 'TCP', 'UDP'), source: entity, destination: entity },
  { requiredKeys: ['action'] },
).map((r) => {
  // Ports need a protocol that has them (validation would reject the rule otherwise).
  const hasPorts = [r.source, r.destination].some((e) => e !== undefined && (e.ports !== undefined || e.notPorts !== undefined));
  const clean = (e: Record<string, unknown> | undefined) => (e === undefined ? undefined : Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)));
  return { ...r, protocol: hasPorts ? (r.protocol ?? 'TCP') : r.protocol, source: clean(r.source), destination: clean(r.destination) };
});

const policy = fc.record({
  global: fc.boolean(),
  ns: fc.constantFrom(...NAMESPACES),
  tier: fc.constantFrom('default', 't1', 'ghost'),
  order: fc.constantFrom(undefined, 1, 2, 2),
  selector: fc.constantFrom(...SELECTORS),
  namespaceSelector: fc.constantFrom(undefined, undefined, 'env == "prod"', 'all()'),
  types: fc.constantFrom(undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']),
  ingress: fc.array(rule, { maxLength: 2 }),
  egress: fc.array(rule, { maxLength: 2 }),
});

const k8sPeer = fc.record(
  {
    podSelector: fc.constantFrom(undefined, {}, { matchLabels: { role: 'fe' } }),
    namespaceSelector: fc.constantFrom(undefined, {}, { matchLabels: { env: 'prod' } }),
    ipBlock: fc.constantFrom(undefined, undefined, undefined, { cidr: '10.0.0.0/29', except: ['10.0.0.2/32'] }),
  },
  { requiredKeys: [] },
).map((p) => {
  if (p.ipBlock !== undefined) return { ipBlock: p.ipBlock };
  const selectors = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
  // Kubernetes rejects a peer that names nothing.
  return Object.keys(selectors).length > 0 ? selectors : { podSelector: {} };
});

const k8sRule = fc.record(
  { peers: fc.constantFrom(undefined, []).chain((none) => (none === undefined ? fc.constant(undefined) : fc.array(k8sPeer, { maxLength: 2 }))), ports: fc.constantFrom(undefined, [{ port: 80 }], [{ port: 'http' }], [{ protocol: 'UDP' }]) },
  { requiredKeys: [] },
);

const k8sPolicy = fc.record({
  ns: fc.constantFrom(...NAMESPACES),
  podSelector: fc.constantFrom({}, { matchLabels: { app: 'web' } }, { matchExpressions: [{ key: 'role', operator: 'In' as const, values: ['fe', 'be'] }] }),
  ingress: fc.array(k8sRule, { maxLength: 2 }),
  egress: fc.array(k8sRule, { maxLength: 2 }),
  policyTypes: fc.constantFrom(undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']),
});

const cluster = fc.record({
  k8sPolicies: fc.array(k8sPolicy, { maxLength: 2 }),
  endpoints: fc.array(fc.record({ ns: fc.constantFrom(...NAMESPACES), local: fc.boolean(), labels, withPort: fc.boolean(), missingProfile: fc.boolean() }), { minLength: 2, maxLength: 6 }),
  policies: fc.array(policy, { maxLength: 5 }),
  t1Pass: fc.boolean(),
  hostEndpoint: fc.option(fc.record({ labels, withProfile: fc.boolean() }), { nil: undefined }),
});

type Cluster = typeof cluster extends fc.Arbitrary<infer T> ? T : never;

function build(c: Cluster): StoredResource[] {
  const out: StoredResource[] = [tier('default', 1_000_000), tier('t1', 10, c.t1Pass ? 'Pass' : 'Deny'), nsProfile('a', { env: 'prod' }), nsProfile('b', { env: 'dev' })];
  out.push(netset(undefined, 'ext', ['10.1.0.0/16'], { kind: 'ext' }));
  if (c.hostEndpoint !== undefined) {
    out.push(hep('h', { labels: c.hostEndpoint.labels, ips: [HEP_IP], profiles: c.hostEndpoint.withProfile ? ['kns.a'] : [] }));
  }
  c.endpoints.forEach((e, i) => {
    out.push(
      wep(e.ns, `p${i}`, {
        node: e.local ? HOST : 'node2',
        labels: e.labels,
        ips: [`10.0.0.${i + 1}/32`],
        profiles: e.missingProfile ? ['kns.nowhere'] : [`kns.${e.ns}`],
        ...(e.withPort ? { ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] } : {}),
      }),
    );
  });
  c.policies.forEach((p, i) => {
    const spec = {
      tier: p.tier,
      ...(p.order === undefined ? {} : { order: p.order }),
      selector: p.selector,
      ...(p.global && p.namespaceSelector !== undefined ? { namespaceSelector: p.namespaceSelector } : {}),
      ...(p.types === undefined ? {} : { types: p.types }),
      ...(p.ingress.length > 0 ? { ingress: p.ingress } : {}),
      ...(p.egress.length > 0 ? { egress: p.egress } : {}),
    };
    out.push(p.global ? gnp(`${p.tier}.g${i}`, spec) : np(p.ns, `${p.tier}.n${i}`, spec));
  });
  c.k8sPolicies.forEach((p, i) => {
    const rules = (rs: typeof p.ingress, peerKey: 'from' | 'to') =>
      rs.map((r) => ({ ...(r.peers === undefined ? {} : { [peerKey]: r.peers }), ...(r.ports === undefined ? {} : { ports: r.ports }) }));
    out.push(
      knp(p.ns, `k${i}`, {
        podSelector: p.podSelector,
        ...(p.ingress.length > 0 ? { ingress: rules(p.ingress, 'from') } : {}),
        ...(p.egress.length > 0 ? { egress: rules(p.egress, 'to') } : {}),
        ...(p.policyTypes === undefined ? {} : { policyTypes: p.policyTypes }),
      }),
    );
  });
  return out;
}

function idString(id: PolicyId): string {
  const short = id.kind === 'GlobalNetworkPolicy' ? 'gnp' : id.kind === 'KubernetesNetworkPolicy' ? 'knp' : 'np';
  return id.namespace === '' ? `${short}/${id.name}` : `${short}/${id.namespace}/${id.name}`;
}

interface Subject {
  readonly ref: EndpointRef;
  readonly ip: string;
  readonly intent: { readonly tiers: readonly TierInfo[]; readonly profileIds: readonly string[] };
  readonly name: string;
}

describe('calc graph against the reference policy model', () => {
  it('gives each local endpoint the tiers, policies and verdicts the model gives it', () => {
    let compared = 0;
    let runs = 0;
    fc.assert(
      fc.property(cluster, (c) => {
        runs++;
        const rs = build(c);
        let invalid = false;
        const state = finalStateOf(rs.map(set), { onInvalid: () => (invalid = true) });
        const model = buildPolicyModel(rs as PolicyResource[]);
        // Only clusters both accept whole are comparable (the model does not run API validation).
        if (invalid || model.warnings.length > 0) return;
        compared++;
        const wepRef = (ns: string, i: number, local: boolean): EndpointRef => ({ kind: 'WorkloadEndpoint', namespace: ns, name: `${local ? HOST : 'node2'}-k8s-p${i}-eth0` });
        const hepRef: EndpointRef = { kind: 'HostEndpoint', name: 'h' };
        const subjects: Subject[] = [];
        c.endpoints.forEach((e, i) => {
          if (!e.local) return;
          const intent = state.weps.get(wepId(e.ns, `p${i}`));
          assert.ok(intent !== undefined, 'local workload endpoint programmed');
          subjects.push({ ref: wepRef(e.ns, i, true), ip: `10.0.0.${i + 1}`, intent, name: `p${i}` });
        });
        if (c.hostEndpoint !== undefined) {
          const intent = state.heps.get(`${HOST}/h`);
          assert.ok(intent !== undefined, 'local host endpoint programmed');
          subjects.push({ ref: hepRef, ip: HEP_IP, intent, name: 'hep' });
        }
        const peers: { ref?: EndpointRef; ip: string; local: boolean }[] = [
          ...c.endpoints.map((pe, j) => ({ ref: wepRef(pe.ns, j, pe.local), ip: `10.0.0.${j + 1}`, local: pe.local })),
          ...(c.hostEndpoint === undefined ? [] : [{ ref: hepRef, ip: HEP_IP, local: true }]),
          { ip: '10.1.2.3', local: false },
          { ip: '192.0.2.1', local: false },
        ];
        for (const sub of subjects) {
          for (const dir of ['ingress', 'egress'] as const) {
            const mine: { tier: string; policies: readonly string[] }[] = sub.intent.tiers
              .map((t) => ({ tier: t.name, policies: dir === 'ingress' ? t.ingressPolicies : t.egressPolicies }))
              .filter((t) => t.policies.length > 0);
            const theirs: { tier: string; policies: readonly string[] }[] = model.policiesFor(sub.ref, dir).map((t) => ({ tier: t.tier, policies: t.policies.map(idString) }));
            assert.deepEqual(mine, theirs, `${dir} tiers of ${sub.name}`);
          }
          for (const peer of peers) {
            if (peer.ip === sub.ip) continue;
            // Host ↔ local workload traffic has its own rules (not policed, endpoint-to-host action).
            if (peer.local && (sub.ref.kind === 'HostEndpoint') !== (peer.ref?.kind === 'HostEndpoint')) continue;
            for (const [protocol, proto] of [['TCP', 6], ['UDP', 17]] as const) {
              for (const port of [80, 8080]) {
                const remote = peer.ref ? { endpoint: peer.ref } : { ip: peer.ip };
                const inFlow = { source: remote, destination: { endpoint: sub.ref }, protocol, srcPort: 4000, dstPort: port };
                const outFlow = { source: { endpoint: sub.ref }, destination: remote, protocol, srcPort: 4000, dstPort: port };
                const ingress = evaluate(state, sub.intent, 'ingress', { srcIp: peer.ip, dstIp: sub.ip, protocol: proto, srcPort: 4000, dstPort: port });
                const egress = evaluate(state, sub.intent, 'egress', { srcIp: sub.ip, dstIp: peer.ip, protocol: proto, srcPort: 4000, dstPort: port });
                assert.equal(ingress, model.evaluate(inFlow).ingress.action, `ingress ${peer.ip}→${sub.name} ${protocol}:${port}`);
                assert.equal(egress, model.evaluate(outFlow).egress.action, `egress ${sub.name}→${peer.ip} ${protocol}:${port}`);
              }
            }
          }
        }
      }),
      { numRuns: Number(process.env['CALC_DIFF_RUNS'] ?? 150) },
    );
    assert.ok(compared > runs / 2, `only ${compared} of ${runs} random clusters were valid`);
  });
});
