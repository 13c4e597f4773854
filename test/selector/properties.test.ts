import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSelector, SelectorParseError, type SelectorNode } from '../../src/selector/index.js';
import { compileClosures, compileProgram, compileRecordLeaf } from '../../src/selector/compile.js';

type Labels = Record<string, string>;

/** A generated selector: its text and, independently, what it means. */
interface Gen {
  readonly text: string;
  readonly meaning: (l: Labels) => boolean;
}

const ws = fc.constantFrom('', ' ', '  ', '\t', ' \t ');
const keys = ['a', 'b', 'in', 'contains', 'has', 'x.y/z-1_', '-k'] as const;
const key = fc.constantFrom(...keys);
const value = fc.oneof(
  fc.constantFrom('', 'v', 'w', 'vw', "'", '"', 'ü', '\u{1F600}', '\uFB01', 'a b'),
  fc.string({ maxLength: 4 }),
);
const get = (l: Labels, k: string): string | undefined => (Object.hasOwn(l, k) ? l[k] : undefined);

/** A string literal in either quote style that can hold `v`; fails the run if none can. */
function literal(v: string, preferSingle: boolean): fc.Arbitrary<string> {
  const single = `'${v}'`;
  const double = `"${v}"`;
  if (v.includes("'") && v.includes('"')) return fc.constant('"x"');
  if (v.includes("'")) return fc.constant(double);
  if (v.includes('"')) return fc.constant(single);
  return fc.constant(preferSingle ? single : double);
}

const comparison: fc.Arbitrary<Gen> = fc
  .tuple(key, fc.constantFrom('==', '!=', 'contains', 'starts with', 'startswith', 'ends  with', 'endswith'), value, fc.boolean(), ws)
  .filter(([, , v]) => !(v.includes("'") && v.includes('"')))
  .chain(([k, op, v, single, space]) =>
    literal(v, single).map((lit): Gen => {
      const test: Record<string, (x: string) => boolean> = {
        '==': (x) => x === v,
        contains: (x) => x.includes(v),
        'starts with': (x) => x.startsWith(v),
        startswith: (x) => x.startsWith(v),
        'ends  with': (x) => x.endsWith(v),
        endswith: (x) => x.endsWith(v),
      };
      const meaning =
        op === '!='
          ? (l: Labels) => get(l, k) !== v
          : (l: Labels) => {
              const x = get(l, k);
              return x !== undefined && (test[op] as (x: string) => boolean)(x);
            };
      return { text: `${k} ${op}${space}${lit}`, meaning };
    }),
  );

const setOp: fc.Arbitrary<Gen> = fc
  .tuple(key, fc.constantFrom('in', 'not in', 'notin'), fc.array(fc.constantFrom<string>('', 'v', 'w', 'ü', "'", '"'), { maxLength: 4 }), fc.boolean(), ws)
  .map(([k, op, vs, trailingComma, space]): Gen => {
    const items = vs.map((v) => (v.includes('"') ? `'${v}'` : `"${v}"`));
    const body = items.join(`,${space}`) + (trailingComma && items.length > 0 ? ',' : '');
    const isIn = op === 'in';
    return {
      text: `${k} ${op}${space}{${body}}`,
      meaning: (l) => {
        const x = get(l, k);
        return isIn ? x !== undefined && vs.includes(x) : x === undefined || !vs.includes(x);
      },
    };
  });

const call: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(key, ws).map(([k, space]): Gen => ({ text: `has(${space}${k}${space})`, meaning: (l) => get(l, k) !== undefined })),
  fc.constantFrom<Gen>({ text: 'all()', meaning: () => true }, { text: 'global( )', meaning: () => true }),
);

const selectorGen: fc.Arbitrary<Gen> = fc.letrec<{ e: Gen }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    setOp,
    call,
    fc.tuple(fc.integer({ min: 1, max: 3 }), tie('e'), ws).map(([n, e, space]): Gen => ({
      text: `${'!'.repeat(n)}${space}(${e.text})`,
      meaning: n % 2 === 1 ? (l) => !e.meaning(l) : e.meaning,
    })),
    fc.tuple(tie('e'), tie('e'), ws).map(([a, b, space]): Gen => ({
      text: `(${a.text})${space}&&${space}(${b.text})`,
      meaning: (l) => a.meaning(l) && b.meaning(l),
    })),
    fc.tuple(tie('e'), tie('e'), ws).map(([a, b, space]): Gen => ({
      text: `(${a.text})${space}||${space}(${b.text})`,
      meaning: (l) => a.meaning(l) || b.meaning(l),
    })),
    // Unparenthesised chains exercise precedence: && binds tighter than ||.
    fc.tuple(comparison, call, setOp).map(([a, b, c]): Gen => ({
      text: `${a.text} || ${b.text} && ${c.text}`,
      meaning: (l) => a.meaning(l) || (b.meaning(l) && c.meaning(l)),
    })),
  ),
})).e;

const labelsGen: fc.Arbitrary<Labels> = fc.dictionary(key, value, { maxKeys: 4 });

function hasStackedNot(root: SelectorNode): boolean {
  const stack: SelectorNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop() as SelectorNode;
    if (n.kind === 'not') {
      if (n.operand.kind === 'not') return true;
      stack.push(n.operand);
    } else if (n.kind === 'and' || n.kind === 'or') stack.push(...n.operands);
  }
  return false;
}

describe('selector properties', () => {
  it('evaluates as the grammar and semantics say (against an independent model)', () => {
    fc.assert(
      fc.property(selectorGen, fc.array(labelsGen, { minLength: 1, maxLength: 5 }), (gen, labelSets) => {
        const sel = parseSelector(gen.text);
        for (const l of labelSets) assert.equal(sel.evaluate(l), gen.meaning(l), `${gen.text} on ${JSON.stringify(l)}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('re-parses the canonical form to itself (after `!!` pairs cancel) with the same meaning', () => {
    fc.assert(
      fc.property(selectorGen, labelsGen, (gen, l) => {
        const sel = parseSelector(gen.text);
        const again = parseSelector(sel.canonical);
        if (!hasStackedNot(sel.root)) assert.equal(again.canonical, sel.canonical);
        assert.equal(parseSelector(again.canonical).canonical, again.canonical);
        assert.equal(again.evaluate(l), sel.evaluate(l));
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the same answer from closures, the flat program and label sources', () => {
    fc.assert(
      fc.property(selectorGen, labelsGen, (gen, l) => {
        const sel = parseSelector(gen.text);
        const want = sel.evaluate(l);
        assert.equal(compileClosures(sel.root, compileRecordLeaf)(l), want);
        assert.equal(compileProgram(sel.root, compileRecordLeaf)(l), want);
        assert.equal(sel.evaluateSource(new Map(Object.entries(l))), want);
      }),
      { numRuns: 1000 },
    );
  });

  const selectorAlphabet = fc.constantFrom(
    ...'ab()!{},"\' \t=&|%:\n'.split(''),
    'has(', 'all(', 'global(', ' in ', ' not in ', ' contains ', ' starts with ', 'ends', '==', '!=', '&&', '||',
  );
  const noisy = fc.oneof(fc.string({ maxLength: 40 }), fc.array(selectorAlphabet, { maxLength: 30 }).map((p) => p.join('')));

  it('never fails on arbitrary input except with a positioned SelectorParseError', () => {
    fc.assert(
      fc.property(noisy, (text) => {
        try {
          const sel = parseSelector(text);
          assert.equal(typeof sel.evaluate({ a: 'b' }), 'boolean');
          assert.equal(typeof sel.canonical, 'string');
        } catch (err) {
          assert.ok(err instanceof SelectorParseError, `${JSON.stringify(text)} threw ${String(err)}`);
          assert.ok(err.position >= 0 && err.position <= text.length, `${JSON.stringify(text)}: position ${err.position}`);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts every canonical form of inputs that parse', () => {
    fc.assert(
      fc.property(noisy, (text) => {
        let canonical: string;
        try {
          canonical = parseSelector(text).canonical;
        } catch {
          return;
        }
        parseSelector(canonical);
      }),
      { numRuns: 3000 },
    );
  });
});
