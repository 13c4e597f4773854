// Calico's policy semantics with real packets (scenarios in calico-scenarios.ts),
// in one lab on an etcd datastore. For each scenario the policy model, given
// the lab's datastore contents, must agree with the written expectation, and
// so must the packets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Protocol } from '../../src/lab/state.js';
import { CALICO_NAMESPACES, CALICO_PODS, CALICO_POOL, CALICO_PROBES, CALICO_SCENARIOS } from './calico-scenarios.js';
import { matrixDiff, observe, startLab, type TestLab } from './harness.js';
import { labModel, modelAllows } from './model.js';

const PROBES = CALICO_PROBES.map((p) => ({ protocol: p.protocol as Protocol, port: p.port }));
const keyOf = (p: { protocol: string; port: number }): string => `${p.protocol}/${p.port}`;

describe('Calico policy scenarios with real packets (etcd datastore)', () => {
  let lab: TestLab | undefined;
  before(async () => {
    lab = await startLab({ datastore: 'etcdv3', pool: CALICO_POOL });
    for (const [ns, labels] of Object.entries(CALICO_NAMESPACES)) await lab.namespace(ns, labels);
    const serve = [{ name: 'http', protocol: 'tcp' as const, port: 80 }, { protocol: 'tcp' as const, port: 81 }, { protocol: 'udp' as const, port: 53 }];
    await lab.pods(CALICO_PODS.map((p) => [p.ref, { labels: p.labels, serve, ip: p.ip }] as const));
  });
  after(async () => {
    await lab?.down();
  });

  for (const s of CALICO_SCENARIOS) {
    it(s.name, async () => {
      const l = lab!;
      const blocked = (key: string, from: string, to: string): boolean =>
        s.blocked.some(([f, t, probes]) => f === from && t === to && (probes === undefined || (probes as readonly string[]).includes(key)));
      const want = (key: string, from: string, to: string): boolean => !blocked(key, from, to);
      await l.apply(s.resources);
      try {
        await l.sync();
        const model = await labModel(l.state);
        const modelWrong = PROBES.flatMap((p) =>
          CALICO_PODS.flatMap((f) =>
            CALICO_PODS.filter((t) => {
              const [fn, fp] = f.ref.split('/') as [string, string];
              const [tn, tp] = t.ref.split('/') as [string, string];
              return modelAllows(model, { namespace: fn, name: fp }, { namespace: tn, name: tp }, p.protocol, p.port) !== want(keyOf(p), f.ref, t.ref);
            }).map((t) => `${keyOf(p)} ${f.ref} -> ${t.ref}`),
          ),
        );
        assert.deepEqual(modelWrong, [], 'the policy model disagrees with the expectation');
        const seen = await observe(l, PROBES, want);
        const diffs = PROBES.map((p) => {
          const d = matrixDiff(seen.get(keyOf(p)) ?? {}, (from, to) => want(keyOf(p), from, to));
          return d === '' ? '' : `${keyOf(p)}: ${d}`;
        }).filter((d) => d !== '');
        assert.equal(diffs.join('\n\n'), '', `scenario "${s.name}" with real packets`);
      } finally {
        await l.remove([...s.resources].reverse());
      }
    });
  }
});
