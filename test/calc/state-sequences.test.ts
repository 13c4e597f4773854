// Sequences of datastore states: the dataplane the graph leaves behind depends
// only on the final datastore contents — not on event order, on where flushes
// fall, or on the intermediate states passed through.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StoredResource } from '../../src/datastore/types.js';
import { del, felixConfig, finalState, gnp, hep, knp, netset, np, nsProfile, set, tier, wep, wepId, type Step } from './helpers.js';

const STATE_A: readonly StoredResource[] = [
  tier('default', 1_000_000),
  tier('security', 100, 'Pass'),
  nsProfile('prod', { env: 'prod' }),
  nsProfile('dev', { env: 'dev' }),
  wep('prod', 'web', { labels: { app: 'web' }, ips: ['10.0.0.1/32'], nats: [{ internalIP: '10.0.0.1', externalIP: '172.16.0.1' }] }),
  wep('prod', 'db', { labels: { app: 'db' }, ips: ['10.0.0.2/32'], ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }] }),
  wep('dev', 'fe', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.1.1/32'] }),
  wep('dev', 'fe2', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.1.1/32'] }),
  hep('host1', { labels: { role: 'host' } }),
  netset(undefined, 'bad', ['1.2.3.0/24', '1.2.3.4/32'], { list: 'bad' }),
  gnp('security.deny-bad', { tier: 'security', order: 10, selector: 'all()', ingress: [{ action: 'Deny', source: { selector: 'list == "bad"' } }] }),
  np('prod', 'allow-fe', { selector: 'app == "web"', ingress: [{ action: 'Allow', protocol: 'TCP', source: { namespaceSelector: 'env == "dev"', selector: 'role == "fe"' }, destination: { ports: [80] } }] }),
  np('prod', 'db-access', { selector: 'app == "db"', ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: 'app == "web"' }, destination: { ports: ['pg'] } }] }),
  knp('prod', 'k8s-web', { podSelector: { matchLabels: { app: 'web' } }, egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }], policyTypes: ['Egress'] }),
  np('prod', 'staged', { selector: 'all()', ingress: [{ action: 'Deny' }] }, 'StagedNetworkPolicy'),
  felixConfig('default', { logSeverityScreen: 'Info' }),
  felixConfig('node.node1', { logSeverityScreen: 'Debug' }),
];

// B: labels moved, a policy and a network set gone, a policy changed, one endpoint deleted, one added.
const STATE_B: readonly StoredResource[] = [
  tier('default', 1_000_000),
  tier('security', 100, 'Pass'),
  nsProfile('prod', { env: 'prod' }),
  nsProfile('dev', { env: 'staging' }),
  wep('prod', 'web', { labels: { app: 'web2' }, ips: ['10.0.0.1/32'] }),
  wep('prod', 'db', { labels: { app: 'db' }, ips: ['10.0.0.3/32'], nats: [{ internalIP: '10.0.0.3', externalIP: '172.16.0.3' }], ports: [{ name: 'pg', protocol: 'TCP', port: 5433 }] }),
  wep('dev', 'fe', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.1.1/32'] }),
  wep('dev', 'fe3', { node: 'node1', labels: { role: 'fe' }, ips: ['10.0.1.3/32'] }),
  hep('host1', { labels: { role: 'host' } }),
  gnp('security.deny-bad', { tier: 'security', order: 5, selector: 'has(role)', ingress: [{ action: 'Deny', source: { nets: ['1.2.3.0/24'] } }] }),
  np('prod', 'db-access', { selector: 'app == "db"', ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: 'app == "web2"' }, destination: { ports: ['pg'] } }] }),
  knp('prod', 'k8s-web', { podSelector: { matchLabels: { app: 'web2' } }, egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }], policyTypes: ['Egress'] }),
  felixConfig('default', { logSeverityScreen: 'Warning' }),
];

const load = (state: readonly StoredResource[]): Step[] => state.map(set);

function keyOf(r: StoredResource): string {
  return `${r.apiVersion}/${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
}

/** The steps that turn datastore state `from` into `to`. */
function transition(from: readonly StoredResource[], to: readonly StoredResource[]): Step[] {
  const inTo = new Set(to.map(keyOf));
  return [...to.map(set), ...from.filter((r) => !inTo.has(keyOf(r))).map(del)];
}

const reference = (state: readonly StoredResource[]): unknown => finalState(load(state));

/** A permutation of `steps` with random flush points and a random point where the datastore is in sync. */
const shuffled = (steps: readonly Step[]) =>
  fc.tuple(
    fc.shuffledSubarray([...steps], { minLength: steps.length, maxLength: steps.length }),
    fc.uniqueArray(fc.nat(steps.length), { maxLength: 6 }),
    fc.integer({ min: -1, max: steps.length }),
  );

describe('state sequences', () => {
  it('loads state A into the dataplane it describes', () => {
    const s = reference(STATE_A) as { weps: Record<string, { tiers: unknown }>; policies: Record<string, unknown>; config: Record<string, string> };
    assert.deepEqual(Object.keys(s.policies).sort(), ['gnp/security.deny-bad', 'knp/prod/k8s-web', 'np/prod/allow-fe', 'np/prod/db-access']);
    assert.deepEqual(s.weps[wepId('prod', 'web')]?.tiers, [
      { name: 'security', defaultAction: 'pass', ingressPolicies: ['gnp/security.deny-bad'], egressPolicies: [] },
      { name: 'default', defaultAction: 'deny', ingressPolicies: ['np/prod/allow-fe'], egressPolicies: ['knp/prod/k8s-web'] },
    ]);
    assert.equal(s.config['LogSeverityScreen'], 'Debug');
  });

  it('the floating IPs of state B replace those of A, whatever the order', () => {
    const s = reference(STATE_B) as { weps: Record<string, { ipv4Nat: unknown }> };
    assert.deepEqual(s.weps[wepId('prod', 'web')]?.ipv4Nat, []);
    assert.deepEqual(s.weps[wepId('prod', 'db')]?.ipv4Nat, [{ extIp: '172.16.0.3', intIp: '10.0.0.3' }]);
  });

  it('reversed order gives the same dataplane', () => {
    assert.deepEqual(finalState([...load(STATE_A)].reverse()), reference(STATE_A));
  });

  it('any order, any flush points and any in-sync point give the same dataplane', () => {
    const expected = reference(STATE_A);
    fc.assert(
      fc.property(shuffled(load(STATE_A)), ([steps, flushes, syncAfter]) => {
        assert.deepEqual(finalState(steps, new Set(flushes), syncAfter), expected);
      }),
      { numRuns: 60 },
    );
  });

  it('passing through state A on the way to B gives what loading B directly gives', () => {
    const expected = reference(STATE_B);
    fc.assert(
      fc.property(shuffled(transition(STATE_A, STATE_B)), ([steps, flushes]) => {
        assert.deepEqual(finalState([...load(STATE_A), ...steps], new Set([STATE_A.length - 1, ...flushes.map((f) => f + STATE_A.length)])), expected);
      }),
      { numRuns: 60 },
    );
  });

  it('squashing A → B → A returns to A', () => {
    const steps = [...load(STATE_A), ...transition(STATE_A, STATE_B), ...transition(STATE_B, STATE_A)];
    assert.deepEqual(finalState(steps), reference(STATE_A));
    assert.deepEqual(finalState(steps, new Set(steps.map((_, i) => i))), reference(STATE_A));
  });

  it('deleting everything, in any order, leaves only the config', () => {
    fc.assert(
      fc.property(shuffled(STATE_A.map(del)), ([steps, flushes]) => {
        const s = finalState([...load(STATE_A), ...steps], new Set([STATE_A.length - 1, ...flushes.map((f) => f + STATE_A.length)])) as Record<string, unknown>;
        assert.deepEqual({ ...s, config: undefined }, { config: undefined, ipSets: {}, policies: {}, profiles: {}, weps: {}, heps: {} });
      }),
      { numRuns: 40 },
    );
  });
});
