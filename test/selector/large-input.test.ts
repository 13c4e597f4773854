// 100 KB inputs must parse (or fail cleanly) without exhausting the JS stack,
// and deep trees must still evaluate and print.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labelRestrictions, parseSelector, prefixSelector, SelectorParseError } from '../../src/selector/index.js';

const SIZE = 100_000;

describe('large selectors', () => {
  it('parses 50,000 redundant nested parentheses', () => {
    const n = SIZE / 2;
    const sel = parseSelector(`${'('.repeat(n)}has(a)${')'.repeat(n)}`);
    assert.equal(sel.canonical, 'has(a)');
    assert.equal(sel.evaluate({ a: '' }), true);
  });

  it('rejects 100,000 unclosed parentheses with a clean error', () => {
    assert.throws(
      () => parseSelector('('.repeat(SIZE)),
      (err) => err instanceof SelectorParseError && err.message === 'unexpected token: TokEOF()' && err.position === SIZE,
    );
  });

  it('rejects a missing closing parenthesis at depth 30,000 where it is missing', () => {
    const n = 30_000;
    const text = `${'('.repeat(n)}has(a)${')'.repeat(n - 1)}`;
    assert.throws(
      () => parseSelector(text),
      (err) => err instanceof SelectorParseError && err.message === 'expected )' && err.position === text.length,
    );
  });

  it('parses, prints and evaluates 25,000 nested negations of groups', () => {
    // `!(` × n builds n NOT nodes, the deepest tree the grammar allows per byte.
    const n = 25_000;
    const sel = parseSelector(`${'!('.repeat(n)}has(a)${')'.repeat(n)}`);
    assert.equal(sel.canonical, `${'!'.repeat(n)}has(a)`);
    assert.equal(sel.evaluate({ a: '' }), n % 2 === 0);
    assert.equal(sel.evaluate({}), n % 2 === 1);
    assert.equal(sel.evaluateSource(new Map()), n % 2 === 1);
    assert.equal(labelRestrictions(sel).size, 0);
    assert.equal(prefixSelector(sel, 'p.').canonical, `${'!'.repeat(n)}has(p.a)`);
  });

  it('parses and evaluates 16,000 || groups nested right-deep', () => {
    const n = 16_000;
    // k == "0" || (k == "1" || (k == "0" || (… || has(x))))
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`k == "${i % 2}" || (`);
    const text = `${parts.join('')}has(x)${')'.repeat(n)}`;
    const sel = parseSelector(text);
    assert.equal(sel.evaluate({ x: '' }), true);
    assert.equal(sel.evaluate({ k: '1' }), true);
    assert.equal(sel.evaluate({ k: '2' }), false);
    assert.equal(parseSelector(sel.canonical).canonical, sel.canonical);
  });

  it('parses a flat chain of 10,000 && terms', () => {
    const n = 10_000;
    const text = Array.from({ length: n }, (_, i) => `l${i} == "v"`).join(' && ');
    assert.ok(text.length >= SIZE);
    const sel = parseSelector(text);
    const all = Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, 'v']));
    assert.equal(sel.evaluate(all), true);
    assert.equal(sel.evaluate({ ...all, l9999: 'w' }), false);
    assert.equal(labelRestrictions(sel).size, n);
  });

  it('parses a set literal of 20,000 values', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `"${i}"`).join(',');
    const sel = parseSelector(`a in {${values}}`);
    assert.equal(sel.evaluate({ a: '19999' }), true);
    assert.equal(sel.evaluate({ a: '20000' }), false);
  });

  it('parses a 100,000-character string literal', () => {
    const v = 'x'.repeat(SIZE);
    const sel = parseSelector(`a == '${v}'`);
    assert.equal(sel.evaluate({ a: v }), true);
    assert.equal(sel.canonical, `a == "${v}"`);
  });

  it('rejects 100,000 negations with nothing after them', () => {
    assert.throws(() => parseSelector('!'.repeat(SIZE)), SelectorParseError);
  });

  it('rejects a 100,000-character label as too long', () => {
    assert.throws(
      () => parseSelector(`${'a'.repeat(SIZE)} == "b"`),
      (err) => err instanceof SelectorParseError && err.message.startsWith('label too long: aaa'),
    );
  });
});
