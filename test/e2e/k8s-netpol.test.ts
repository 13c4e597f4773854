// The Kubernetes network-policy e2e scenarios (test/policy/k8s-scenarios.ts)
// replayed with real packets: namespaces x, y, z and pods a, b, c in one lab,
// each pod serving TCP and UDP on 80 and 81 with the named ports upstream's
// e2e servers declare. For each scenario: apply its policies with calicoctl,
// sync, probe every pod to every pod on all four ports, compare with the
// scenario's truth tables, delete the policies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  NAMESPACES,
  PODS,
  POD_PORTS,
  PROBES,
  SCENARIOS,
  namespaceLabels,
  parseTruthTable,
  podIp,
  podLabels,
  type PodId,
  type Probe,
} from '../policy/k8s-scenarios.js';
import type { Protocol } from '../../src/lab/state.js';
import { matrixDiff, observe, startLab, type TestLab } from './harness.js';

const PORT_PROBES = PROBES.map((p) => {
  const [proto, port] = p.split('/') as [string, string];
  return { protocol: proto.toLowerCase() as Protocol, port: Number(port) };
});
const keyOf = (p: Probe): string => p.toLowerCase();

describe('Kubernetes NetworkPolicy scenarios with real packets (x, y, z × a, b, c; TCP and UDP on 80 and 81)', () => {
  let lab: TestLab | undefined;
  before(async () => {
    lab = await startLab({ pool: '10.1.0.0/16' });
    for (const ns of NAMESPACES) await lab.namespace(ns, namespaceLabels(ns));
    const serve = POD_PORTS.map((p) => ({ name: p.name, protocol: p.protocol.toLowerCase() as Protocol, port: p.port }));
    await lab.pods(PODS.map((id) => [id, { labels: podLabels(id), serve, ip: podIp(id) }] as const));
  });
  after(async () => {
    await lab?.down();
  });

  it('gives every pod the address the truth tables assume', async () => {
    const { pods } = await import('../../src/lab/pods.js');
    const got = Object.fromEntries(pods(lab!.state).map((p) => [`${p.namespace}/${p.name}`, p.ips]));
    assert.deepEqual(got, Object.fromEntries(PODS.map((id) => [id, [podIp(id)]])));
  });

  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const l = lab!;
      await l.apply(s.policies);
      try {
        await l.sync();
        const tables = new Map(PROBES.map((p) => [keyOf(p), parseTruthTable(s.expected[p] ?? s.expected['TCP/80'])]));
        const want = (key: string, from: string, to: string): boolean => tables.get(key)?.get(from as PodId)?.get(to as PodId) === true;
        const seen = await observe(l, PORT_PROBES, want);
        const diffs = PROBES.map((p) => {
          const d = matrixDiff(seen.get(keyOf(p)) ?? {}, (from, to) => want(keyOf(p), from, to));
          return d === '' ? '' : `${p}: ${d}`;
        }).filter((d) => d !== '');
        assert.equal(diffs.join('\n\n'), '', `scenario "${s.name}" with real packets`);
      } finally {
        await l.remove(s.policies);
      }
    });
  }
});
