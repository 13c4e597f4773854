// The EventSequencer's coalescing: at most one pending message per object
// between flushes, and changes that cancel out send nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { del, gnp, Harness, nsProfile, set, tier, typesOf, wep } from './helpers.js';

function cluster(): Harness {
  const h = new Harness();
  h.load(
    set(tier('default', 1_000_000)),
    set(nsProfile('prod')),
    set(wep('prod', 'local', { labels: { app: 'local' } })),
    set(wep('prod', 'remote', { node: 'node2', labels: { role: 'fe' }, ips: ['10.0.0.7/32'] })),
    set(gnp('p', { selector: 'app == "local"', ingress: [{ action: 'Allow', source: { selector: 'role == "fe"' } }] })),
  );
  return h;
}

const remote = (role: string) => wep('prod', 'remote', { node: 'node2', labels: { role }, ips: ['10.0.0.7/32'] });

describe('event sequencer coalescing', () => {
  it('many changes to one policy between flushes send one update, with the last rules', () => {
    const h = cluster();
    for (let port = 1; port <= 50; port++) {
      h.feed(set(gnp('p', { selector: 'app == "local"', ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [port] } }] })));
    }
    const batch = h.flush();
    assert.deepEqual(typesOf(batch), ['policy-update', 'ipset-remove']);
    assert.deepEqual(h.state.policies.get('gnp/p')?.inboundRules[0]?.dstPorts, [{ first: 50, last: 50 }]);
  });

  it('a member that leaves and comes back between flushes sends nothing', () => {
    const h = cluster();
    for (let i = 0; i < 10; i++) h.feed(set(remote('be')), set(remote('fe')));
    assert.deepEqual(h.flush(), []);
  });

  it('a set removed and re-created between flushes is sent whole, once', () => {
    const h = cluster();
    const rule = (sel: string) => gnp('p', { selector: 'app == "local"', ingress: [{ action: 'Allow', source: { selector: sel } }] });
    h.feed(set(rule('role == "x"')), set(remote('be')), set(rule('role == "fe"')), set(remote('fe')));
    assert.deepEqual(typesOf(h.flush()), ['ipset-update', 'policy-update']);
  });

  it('an endpoint deleted and re-added between flushes is updated, not removed, and so is what it needs', () => {
    const h = cluster();
    const local = wep('prod', 'local', { labels: { app: 'local' } });
    h.feed(del(local), set(local));
    assert.deepEqual(typesOf(h.flush()), ['ipset-update', 'policy-update', 'profile-update', 'workload-endpoint-update']);
  });
});
