import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  normaliseSelector,
  parseSelector,
  prefixSelector,
  prefixSelectorText,
  selectorUniqueId,
} from '../../src/selector/index.js';

describe('canonical form', () => {
  // Upstream's canonicalisationTests and PrefixVisitor inputs (policy.md §1.4).
  const canonical: ReadonlyArray<readonly [input: string, want: string]> = [
    ['', 'all()'],
    [' ', 'all()'],
    ['\t', 'all()'],
    [' all() ', 'all()'],
    [' (all() )', 'all()'],
    ['all( )', 'all()'],
    ['global( )', 'global()'],
    ['((((has(a)))))', 'has(a)'],
    ['has( a )', 'has(a)'],
    ['! (has( b)||! has(a ))', '!(has(b) || !has(a))'],
    ['! (a == "b"&&! c != "d")', '!(a == "b" && !c != "d")'],
    [`a == "'"`, `a == "'"`],
    [`a == '"'`, `a == '"'`],
    [`a contains '"'`, `a contains '"'`],
    [`a contains "'"`, `a contains "'"`],
    [`a startswith '"'`, `a starts with '"'`],
    [`a endswith "'"`, `a ends with "'"`],
    [`a starts  with "x"`, `a starts with "x"`],
    [`a!='"'`, `a != '"'`],
    [`a=="b"`, `a == "b"`],
    [`a in {"d"}`, `a in {"d"}`],
    [`a in {"a", "b"}`, `a in {"a", "b"}`],
    [`a in {"d", "a", "b"}`, `a in {"a", "b", "d"}`],
    [`a in {"z", "x", "y", "a"}`, `a in {"a", "x", "y", "z"}`],
    [`a in {"z", "z", "x", "y", "x", "a"}`, `a in {"a", "x", "y", "z"}`],
    [`a in {"x",}`, `a in {"x"}`],
    [`a in {}`, `a in {}`],
    [`a notin{"'", '"'}`, `a not in {'"', "'"}`],
    [`a in {"b", "B", "a"}`, `a in {"B", "a", "b"}`],
    [`a in {"\u{1F600}", "\uFB01"}`, `a in {"\uFB01", "\u{1F600}"}`],
    [`!(k == 'v')`, `!k == "v"`],
    [`k == 'v' && x == 'y'`, `(k == "v" && x == "y")`],
    [`k == 'v' || has(x)`, `(k == "v" || has(x))`],
    [`a == "1" && b == "2" && c == "3"`, `(a == "1" && b == "2" && c == "3")`],
    [`a == "1" || b == "2" && c == "3"`, `(a == "1" || (b == "2" && c == "3"))`],
    [`(a == "1" || b == "2") && c == "3"`, `((a == "1" || b == "2") && c == "3")`],
    [`a == "1" && (b == "2" && c == "3")`, `(a == "1" && (b == "2" && c == "3"))`],
    [`!!(a == "1" && b == "2")`, `(a == "1" && b == "2")`],
    [`!(a == "1" && b == "2")`, `!(a == "1" && b == "2")`],
    [
      `!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))`,
      `!(!((k == "v" && has(t)) || all()) && a in {"b", "c"})`,
    ],
    // Upstream does not fold NOT nodes that meet across parentheses, so this
    // prints `!!`; re-parsing it then cancels the pair.
    [`!(!a == "b")`, `!!a == "b"`],
  ];
  for (const [input, want] of canonical) {
    it(`renders [${input}] as [${want}]`, () => {
      const sel = parseSelector(input);
      assert.equal(sel.canonical, want);
      assert.equal(sel.source, input);
    });
  }

  it('re-parses every canonical form to itself, with the same unique ID (except the `!!` case)', () => {
    for (const [input, want] of canonical) {
      if (want.startsWith('!!')) continue;
      const again = parseSelector(want);
      assert.equal(again.canonical, want);
      assert.equal(again.uniqueId, parseSelector(input).uniqueId);
    }
  });

  it('cancels a printed `!!` pair on the next parse', () => {
    assert.equal(parseSelector('!!a == "b"').canonical, 'a == "b"');
  });

  it('is what toString() returns', () => {
    assert.equal(String(parseSelector('a==\'b\'')), 'a == "b"');
  });
});

describe('unique IDs', () => {
  // Verified against upstream (policy.md §1.4).
  const vectors: ReadonlyArray<readonly [input: string, id: string]> = [
    ['', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
    [' all() ', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
    [' (all() )', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
    ['! (has( b)||! has(a ))', 's:Iss0uCleLYv1GSv_pNm7hAO58kE9jAx1NKyG3Q'],
    ['! (a == "b"&&! c != "d")', 's:lh3haoY1ikTRkd4UZu0nWSaIBknYLPJLX16d-w'],
  ];
  for (const [input, id] of vectors) {
    it(`gives [${input}] the ID ${id}`, () => {
      const sel = parseSelector(input);
      assert.equal(sel.uniqueId, id);
      assert.equal(selectorUniqueId(sel), id);
    });
  }

  it('computes the same ID for any Selector implementation from its canonical form', () => {
    const plain = { source: 'x', canonical: 'all()', evaluate: () => true };
    assert.equal(selectorUniqueId(plain), 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug');
  });

  it('is "s:" plus 38 base64url characters', () => {
    assert.match(parseSelector('has(x) && y in {"1"}').uniqueId, /^s:[A-Za-z0-9_-]{38}$/);
  });

  it('differs for selectors that differ in meaning', () => {
    assert.notEqual(parseSelector('a == "b"').uniqueId, parseSelector('a != "b"').uniqueId);
  });

  it('hashes non-ASCII values as UTF-8, as Go does', () => {
    // Equal canonical text gives equal IDs whichever quote style was used.
    assert.equal(parseSelector(`a == 'ü'`).uniqueId, parseSelector(`a == "ü"`).uniqueId);
  });
});

describe('normaliseSelector', () => {
  const cases: ReadonlyArray<readonly [input: string, want: string]> = [
    ['', 'all()'],
    ['  a=="b"  ', 'a == "b"'],
    ['\n\ta=="b"\r\n', 'a == "b"'],
    ['\u00a0has(x)\u3000', 'has(x)'],
    ['\u0085has(x)', 'has(x)'],
    // Not a Go space, so it stays and the selector does not parse.
    ['\ufeffhas(x)', '\ufeffhas(x)'],
    ['  a = "b" ', 'a = "b"'],
    ['  b  ', 'b'],
  ];
  for (const [input, want] of cases) {
    it(`normalises ${JSON.stringify(input)} to ${JSON.stringify(want)}`, () => {
      assert.equal(normaliseSelector(input), want);
    });
  }
});

describe('label prefixing (upstream PrefixVisitor)', () => {
  const cases: ReadonlyArray<readonly [input: string, want: string]> = [
    [`k == 'v'`, `visited/k == "v"`],
    [`k != 'v'`, `visited/k != "v"`],
    [`k contains 'v'`, `visited/k contains "v"`],
    [`k starts with 'v'`, `visited/k starts with "v"`],
    [`k ends with 'v'`, `visited/k ends with "v"`],
    [`k == 'v' && x == 'y'`, `(visited/k == "v" && visited/x == "y")`],
    [`k == 'v' || has(x)`, `(visited/k == "v" || has(visited/x))`],
    [`!(k == 'v')`, `!visited/k == "v"`],
    [`k in {'v'}`, `visited/k in {"v"}`],
    [`k not in {'v'}`, `visited/k not in {"v"}`],
    [`all() && global()`, `(all() && global())`],
    [
      `!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))`,
      `!(!((visited/k == "v" && has(visited/t)) || all()) && visited/a in {"b", "c"})`,
    ],
  ];
  for (const [input, want] of cases) {
    it(`prefixes [${input}] to [${want}]`, () => {
      assert.equal(prefixSelector(parseSelector(input), 'visited/').canonical, want);
      assert.equal(prefixSelectorText(input, 'visited/'), want);
    });
  }

  it('evaluates the prefixed selector against prefixed labels', () => {
    const sel = prefixSelector(parseSelector(`team == "blue"`), 'pcns.');
    assert.equal(sel.evaluate({ 'pcns.team': 'blue' }), true);
    assert.equal(sel.evaluate({ team: 'blue' }), false);
  });

  it('gives the prefixed selector its canonical form as source text', () => {
    assert.equal(prefixSelector(parseSelector(' has( a ) '), 'p.').source, 'has(p.a)');
  });

  it('leaves the original selector unchanged', () => {
    const sel = parseSelector('has(a)');
    prefixSelector(sel, 'p.');
    assert.equal(sel.canonical, 'has(a)');
  });

  it('turns a selector that does not parse into "" (the clause is dropped upstream)', () => {
    assert.equal(prefixSelectorText('a = b', 'pcns.'), '');
  });
});
