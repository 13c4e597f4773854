// The demo's manifests (examples/) are valid, and the model gives the
// verdicts the demo narrates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeManifests, documentErrors, formatDocumentError } from '../../src/api/decode.js';
import { buildPolicyModel, formatDecision, policyResourcesOf, type FlowPeer } from '../../src/policy/index.js';

const dir = join(import.meta.dirname, '../../examples');
const docs = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => decodeManifests(readFileSync(join(dir, f), 'utf8'), f, { applyDefaults: true }));
const resources = docs.flatMap((d) => (d.result.ok ? [d.result.value] : []));
const model = buildPolicyModel(policyResourcesOf(resources));

const pods: Record<string, FlowPeer> = {
  frontend: { endpoint: { kind: 'WorkloadEndpoint', namespace: 'shop', name: 'node1-k8s-frontend-eth0' } },
  cart: { endpoint: { kind: 'WorkloadEndpoint', namespace: 'shop', name: 'node1-k8s-cart-eth0' } },
  api: { endpoint: { kind: 'WorkloadEndpoint', namespace: 'payments', name: 'node2-k8s-api-eth0' } },
  db: { endpoint: { kind: 'WorkloadEndpoint', namespace: 'payments', name: 'node2-k8s-db-eth0' } },
  prometheus: { endpoint: { kind: 'WorkloadEndpoint', namespace: 'monitoring', name: 'node1-k8s-prometheus-eth0' } },
  node2: { endpoint: { kind: 'HostEndpoint', name: 'node2-eth0' } },
  threat: { ip: '198.51.100.7' },
  bank: { ip: '203.0.113.5' },
  internet: { ip: '8.8.8.8' },
};

describe('example manifests', () => {
  it('all validate', () => {
    assert.deepEqual(documentErrors(docs).map(formatDocumentError), []);
  });
  it('all compile into the model', () => {
    assert.deepEqual(model.warnings, []);
    assert.equal(model.endpoints().length, 6);
  });

  const cases: { from: string; to: string; port: number; want: string }[] = [
    { from: 'frontend', to: 'cart', port: 8080, want: 'allow: tier default, np:shop/cart rule 0: Allow' },
    { from: 'prometheus', to: 'cart', port: 8080, want: 'allow: tier security, gnp:security.allow-scrape rule 0: Allow' },
    { from: 'cart', to: 'api', port: 9000, want: 'allow: tier default, np:payments/api rule 0: Allow' },
    { from: 'frontend', to: 'api', port: 9000, want: 'deny: end of tier default: Deny' },
    { from: 'api', to: 'db', port: 5432, want: 'allow: tier default, np:payments/db rule 0: Allow' },
    { from: 'cart', to: 'db', port: 5432, want: 'deny: end of tier default: Deny' },
    { from: 'threat', to: 'frontend', port: 80, want: 'deny: tier security, gnp:security.block-threats rule 0: Deny' },
    { from: 'internet', to: 'frontend', port: 80, want: 'allow: tier default, knp:shop/allow-web rule 0: Allow' },
    { from: 'internet', to: 'frontend', port: 81, want: 'deny: end of tier default: Deny' },
    { from: 'prometheus', to: 'node2', port: 9100, want: 'allow: tier security, gnp:security.host-protect rule 0: Allow' },
    { from: 'internet', to: 'node2', port: 9100, want: 'deny: tier security, gnp:security.host-protect rule 1: Deny' },
    { from: 'internet', to: 'node2', port: 22, want: 'allow: failsafe inbound port tcp:22: Allow' },
    { from: 'api', to: 'node2', port: 9100, want: 'deny: DefaultEndpointToHostAction Drop' },
  ];
  for (const c of cases) {
    it(`${c.from} → ${c.to}:${c.port} is decided at the destination: ${c.want}`, () => {
      const src = pods[c.from];
      const dst = pods[c.to];
      assert.ok(src !== undefined && dst !== undefined);
      const v = model.evaluate({ source: src, destination: dst, protocol: 'TCP', srcPort: 40000, dstPort: c.port });
      assert.equal(`${v.ingress.action}: ${formatDecision(v.ingress.decision)}`, c.want);
    });
  }

  const egress: { from: string; to: string; want: string }[] = [
    { from: 'api', to: 'bank', want: 'allow: tier platform, gnp:platform.pci-egress rule 1: Allow' },
    { from: 'api', to: 'internet', want: 'deny: tier platform, gnp:platform.pci-egress rule 3: Deny' },
    { from: 'api', to: 'cart', want: 'allow: profile kns.payments rule 0: Allow' },
    { from: 'frontend', to: 'threat', want: 'deny: tier security, gnp:security.block-threats rule 0: Deny' },
  ];
  for (const c of egress) {
    it(`${c.from} → ${c.to} is decided at the source: ${c.want}`, () => {
      const src = pods[c.from];
      const dst = pods[c.to];
      assert.ok(src !== undefined && dst !== undefined);
      const v = model.evaluate({ source: src, destination: dst, protocol: 'TCP', srcPort: 40000, dstPort: 443 });
      assert.equal(`${v.egress.action}: ${formatDecision(v.egress.decision)}`, c.want);
    });
  }

  it('the staged policy selects the database but never decides', () => {
    const staged = model.policies().filter((p) => p.staged);
    assert.deepEqual(staged.map((p) => p.id.name), ['db-lockdown']);
    const v = model.evaluate({ source: pods['api'] ?? { ip: '' }, destination: pods['db'] ?? { ip: '' }, protocol: 'TCP', srcPort: 1, dstPort: 5432 });
    assert.equal(v.action, 'allow');
  });
});
