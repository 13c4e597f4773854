// The label index and the overlap suppressor against brute-force models, on
// random operation sequences.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LabelIndex } from '../../src/calc/label-index.js';
import { OverlapSuppressor } from '../../src/calc/overlap.js';
import { parseSelector, type ParsedSelector } from '../../src/selector/index.js';
import { parseCidr, cidrContainsCidr } from '../../src/api/net.js';

const SELECTORS = ['a == "1"', 'a in {"1", "2"}', 'has(b)', 'a == "1" && b == "x"', 'a == "1" || b == "x"', '!has(a)', 'all()', 'a != "1"', 'p == "q"', 'a == "1" && a == "2"'];
const labelArb = fc.dictionary(fc.constantFrom('a', 'b', 'p'), fc.constantFrom('1', '2', 'x', 'q'), { maxKeys: 3 });

type Op =
  | { op: 'sel'; id: number; sel: number }
  | { op: 'delsel'; id: number }
  | { op: 'item'; id: number; labels: Record<string, string>; parents: number[] }
  | { op: 'delitem'; id: number }
  | { op: 'parent'; id: number; labels: Record<string, string> | undefined };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('sel' as const), id: fc.nat(4), sel: fc.nat(SELECTORS.length - 1) }),
  fc.record({ op: fc.constant('delsel' as const), id: fc.nat(4) }),
  fc.record({ op: fc.constant('item' as const), id: fc.nat(6), labels: labelArb, parents: fc.uniqueArray(fc.nat(2), { maxLength: 2 }) }),
  fc.record({ op: fc.constant('delitem' as const), id: fc.nat(6) }),
  fc.record({ op: fc.constant('parent' as const), id: fc.nat(2), labels: fc.option(labelArb, { nil: undefined }) }),
);

describe('LabelIndex', () => {
  it('reports exactly the matches a full re-evaluation finds, after any sequence of changes', () => {
    const parsed: ParsedSelector[] = SELECTORS.map((s) => parseSelector(s));
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const live = new Set<string>();
        const idx = new LabelIndex({
          onMatchStarted: (s, i) => {
            assert.equal(live.has(`${s}|${i}`), false, 'duplicate start');
            live.add(`${s}|${i}`);
          },
          onMatchStopped: (s, i) => assert.equal(live.delete(`${s}|${i}`), true, 'stop without start'),
        });
        const sels = new Map<string, ParsedSelector>();
        const items = new Map<string, { labels: Record<string, string>; parents: string[] }>();
        const parents = new Map<string, Record<string, string>>();
        for (const o of ops) {
          if (o.op === 'sel') {
            sels.set(`s${o.id}`, parsed[o.sel] as ParsedSelector);
            idx.updateSelector(`s${o.id}`, parsed[o.sel] as ParsedSelector);
          } else if (o.op === 'delsel') {
            sels.delete(`s${o.id}`);
            idx.deleteSelector(`s${o.id}`);
          } else if (o.op === 'item') {
            const ps = o.parents.map((p) => `p${p}`);
            items.set(`i${o.id}`, { labels: o.labels, parents: ps });
            idx.updateItem(`i${o.id}`, o.labels, ps);
          } else if (o.op === 'delitem') {
            items.delete(`i${o.id}`);
            idx.deleteItem(`i${o.id}`);
          } else {
            if (o.labels === undefined) parents.delete(`p${o.id}`);
            else parents.set(`p${o.id}`, o.labels);
            idx.updateParentLabels(`p${o.id}`, o.labels);
          }
        }
        const expected = new Set<string>();
        for (const [sid, sel] of sels) {
          for (const [iid, item] of items) {
            const eff: Record<string, string> = {};
            for (const p of [...item.parents].reverse()) Object.assign(eff, parents.get(p) ?? {});
            Object.assign(eff, item.labels);
            if (sel.evaluate(eff)) expected.add(`${sid}|${iid}`);
          }
        }
        assert.deepEqual([...live].sort(), [...expected].sort());
      }),
      { numRuns: 300 },
    );
  });
});

/** A parsed selector that counts its evaluations. */
function counting(text: string, counter: { n: number }): ParsedSelector {
  const sel = parseSelector(text);
  const counted = Object.create(sel) as ParsedSelector & { evaluate: ParsedSelector['evaluate'] };
  Object.defineProperty(counted, 'evaluate', { value: (l: Record<string, string>) => (counter.n++, sel.evaluate(l)) });
  return counted;
}

describe('LabelIndex incrementality', () => {
  const noop = { onMatchStarted: () => undefined, onMatchStopped: () => undefined };

  it('an item change evaluates only the selectors filed under its labels', () => {
    const counter = { n: 0 };
    const idx = new LabelIndex(noop);
    for (let i = 0; i < 100; i++) idx.updateSelector(`s${i}`, counting(`app == "a${i}" && has(x)`, counter));
    for (let i = 0; i < 1000; i++) idx.updateItem(`i${i}`, { app: `a${i % 100}`, x: '' }, []);
    counter.n = 0;
    idx.updateItem('i7', { app: 'a8', x: '' }, []);
    assert.equal(counter.n, 1);
  });

  it('a new selector scans only the items carrying its most selective label value', () => {
    const counter = { n: 0 };
    const idx = new LabelIndex(noop);
    for (let i = 0; i < 1000; i++) idx.updateItem(`i${i}`, { app: `a${i % 100}`, env: i % 2 === 0 ? 'prod' : 'dev' }, []);
    idx.updateSelector('s', counting('env == "prod" && app == "a4"', counter));
    assert.deepEqual([counter.n, idx.matchingItems('s').size], [10, 10]);
  });
});

const CIDRS = ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3/32', '10.2.0.0/16', '10.1.0.0/24', '11.0.0.0/8', 'fd00::/64', 'fd00::1/128'];

describe('OverlapSuppressor', () => {
  it('keeps exactly the members no other member covers', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom(...CIDRS)), { maxLength: 30 }), (ops) => {
        const s = new OverlapSuppressor();
        const members = new Set<string>();
        const emitted = new Set<string>();
        for (const [add, c] of ops) {
          if (add === members.has(c)) continue; // the caller reference-counts: each CIDR is added/removed once
          const change = add ? s.add(c) : s.remove(c);
          if (add) members.add(c);
          else members.delete(c);
          for (const r of change.remove) assert.equal(emitted.delete(r), true, `removed ${r} that was not there`);
          for (const a of change.add) {
            assert.equal(emitted.has(a), false, `added ${a} twice`);
            emitted.add(a);
          }
        }
        const parsed = [...members].map((m) => [m, parseCidr(m)] as const);
        const expected = parsed.filter(([m, c]) => !parsed.some(([o, oc]) => o !== m && c !== null && oc !== null && oc.family === c.family && oc.prefixLength < c.prefixLength && cidrContainsCidr(oc, c))).map(([m]) => m);
        assert.deepEqual([...emitted].sort(), expected.sort());
      }),
      { numRuns: 300 },
    );
  });
});
