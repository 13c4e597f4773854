import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  labelRestrictions,
  parseSelector,
  possibleToSatisfy,
  type LabelRestriction,
} from '../../src/selector/index.js';

const present = (values?: string[]): LabelRestriction =>
  values === undefined
    ? { mustBePresent: true, mustBeAbsent: false }
    : { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: values };
const absent: LabelRestriction = { mustBePresent: false, mustBeAbsent: true };

describe('label restrictions', () => {
  // Upstream's label_restriction_test.go vectors (policy.md §1.6) and the per-node rules.
  const cases: ReadonlyArray<readonly [selector: string, want: Record<string, LabelRestriction>]> = [
    ['all()', {}],
    ['global()', {}],
    ['', {}],
    [`a == 'v'`, { a: present(['v']) }],
    [`a != 'v'`, {}],
    [`a in {'v2', 'v1', 'v1'}`, { a: present(['v1', 'v2']) }],
    [`a in {}`, { a: present() }],
    [`a not in {'v'}`, {}],
    ['has(a)', { a: present() }],
    [`a contains 'x'`, { a: present() }],
    [`a starts with 'x'`, { a: present() }],
    [`a ends with 'x'`, { a: present() }],
    ['!has(a)', { a: absent }],
    ['!!has(a)', { a: present() }],
    [`!a == 'v'`, {}],
    [`!(has(a) && has(b))`, {}],
    [`a == 'v1' && a == 'v2'`, { a: present([]) }],
    [`a in {'v1','v2'} && a in {'v2','v3'}`, { a: present(['v2']) }],
    [`has(a) && a == 'v'`, { a: present(['v']) }],
    [`has(a) && !has(a)`, { a: { mustBePresent: true, mustBeAbsent: true } }],
    [`has(a) && has(b) && !has(c)`, { a: present(), b: present(), c: absent }],
    [`has(a) || a == 'v2'`, { a: present() }],
    [`a == 'v1' || a == 'v2'`, { a: present(['v1', 'v2']) }],
    [`a in {'v1', 'v2'} || a in {'v2', 'v3'}`, { a: present(['v1', 'v2', 'v3']) }],
    [`a=='v2' || has(b)`, {}],
    [`a=='v2' || (has(b) && has(a))`, { a: present() }],
    [`!has(a) || !has(a)`, { a: absent }],
    [`!has(a) || has(a)`, {}],
    [`has(a) || has(a) || has(b)`, {}],
    [`(has(a) && has(b)) || (has(b) && a == 'x')`, { a: present(), b: present() }],
  ];
  for (const [selector, want] of cases) {
    it(`derives ${JSON.stringify(want)} from [${selector}]`, () => {
      const got = Object.fromEntries(labelRestrictions(parseSelector(selector)));
      assert.deepEqual(got, want);
    });
  }

  it('flags contradictory restrictions as impossible to satisfy', () => {
    assert.equal(possibleToSatisfy(present([])), false);
    assert.equal(possibleToSatisfy({ mustBePresent: true, mustBeAbsent: true }), false);
    assert.equal(possibleToSatisfy(present(['x'])), true);
    assert.equal(possibleToSatisfy(absent), true);
  });

  it('are necessary conditions: any label set that matches satisfies them', () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const value = fc.constantFrom('v1', 'v2', 'v3');
    const leaf = fc.oneof(
      key.map((k) => `has(${k})`),
      fc.tuple(key, fc.constantFrom('==', '!=', 'contains', 'starts with'), value).map(([k, op, v]) => `${k} ${op} "${v}"`),
      fc.tuple(key, fc.constantFrom('in', 'not in'), fc.array(value, { maxLength: 3 })).map(
        ([k, op, vs]) => `${k} ${op} {${vs.map((v) => `"${v}"`).join(', ')}}`,
      ),
    );
    const expr = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        tie('e').map((e) => `!(${e})`),
        fc.tuple(tie('e'), fc.constantFrom('&&', '||'), tie('e')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
      ),
    })).e;
    const labels = fc.dictionary(key, value, { maxKeys: 3 });
    fc.assert(
      fc.property(expr, labels, (text, l) => {
        const sel = parseSelector(text);
        if (!sel.evaluate(l)) return;
        for (const [k, r] of labelRestrictions(sel)) {
          assert.ok(possibleToSatisfy(r), `${text} matched ${JSON.stringify(l)} but ${k} is unsatisfiable`);
          if (r.mustBePresent) assert.ok(k in l, `${text}: ${k} must be present`);
          if (r.mustBeAbsent) assert.ok(!(k in l), `${text}: ${k} must be absent`);
          if (r.mustHaveOneOfValues) assert.ok(r.mustHaveOneOfValues.includes(l[k] as string), `${text}: ${k} value`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
