import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InheritedLabels, labelSource, parseSelector } from '../../src/selector/index.js';

type Labels = Record<string, string>;

// Upstream's parser_test.go selector table plus the spec's worked examples
// (policy.md §1.7): each selector with label sets it must and must not match.
const cases: ReadonlyArray<readonly [selector: string, matches: Labels[], nonMatches: Labels[]]> = [
  [`a == "b"`, [{ a: 'b' }, { a: 'b', c: 'd' }], [{}, { a: 'c' }, { c: 'd' }]],
  [`a == "b" && c == "d"`, [{ a: 'b', c: 'd' }], [{}, { a: 'b', c: 'e' }, { a: 'c', c: 'd' }, { c: 'd' }, { a: 'b' }]],
  [`a == "b" || c == "d"`, [{ a: 'b', c: 'd' }, { a: 'b' }, { c: 'd' }], [{}, { a: 'e', c: 'e' }, { c: 'e' }, { a: 'e' }]],
  [`a in {"'", '"', "c"}`, [{ a: 'c' }, { a: '"' }, { a: "'" }], [{}, { a: 'e' }]],
  [`a not in {"'", '"', "c"}`, [{}, { a: 'e' }], [{ a: 'c' }, { a: '"' }, { a: "'" }]],
  [`a == 'a'`, [{ a: 'a' }], [{ a: 'b' }, {}]],
  [`a == "a"`, [{ a: 'a' }], [{ a: 'A' }, { a: 'a ' }]],
  [`a != "b"`, [{ a: 'a' }, {}], [{ a: 'b' }]],
  [`a != "a"`, [{}], [{ a: 'a' }]],
  [`a != 'a'`, [{ b: 'a' }], [{ a: 'a' }]],
  [`a contains "a"`, [{ a: 'a' }, { a: 'bab' }, { a: 'aaa', b: 'c' }], [{}, { a: 'b' }, { b: 'aaa' }]],
  [`a contains ""`, [{ a: '' }, { a: 'x' }], [{}]],
  [`a starts with "a"`, [{ a: 'a' }, { a: 'abb' }, { a: 'aaa', b: 'c' }], [{}, { a: 'b' }, { a: 'baa' }, { b: 'aaa' }]],
  [`a ends with "a"`, [{ a: 'a' }, { a: 'bba' }, { a: 'aaa', b: 'c' }], [{}, { a: 'b' }, { a: 'aab' }, { b: 'aaa' }]],
  [`a startswith "x" && b endswith "y"`, [{ a: 'xz', b: 'zy' }], [{ a: 'xz' }, { a: 'zx', b: 'y' }]],
  [`a in {"a"}`, [{ a: 'a' }], [{ a: 'b' }]],
  [`!a in {"a"}`, [{ a: 'b' }, {}], [{ a: 'a' }]],
  [`a in {"a", "b"}`, [{ a: 'a' }, { a: 'b' }], [{ a: 'c' }, {}]],
  [`a in {}`, [], [{}, { a: '' }]],
  [`a not in {"d", "e"}`, [{ a: 'a' }], [{ a: 'd' }]],
  [`a not in {"a"}`, [{}], [{ a: 'a' }]],
  [`a not in {}`, [{}, { a: 'a' }], []],
  [`has(a)`, [{ a: 'b' }, { a: '' }], [{ b: 'a' }]],
  [`has(b)`, [{ b: '' }], [{ a: 'b' }]],
  [`!has(a)`, [{ b: 'b' }], [{ a: 'b' }]],
  [`! has(a)`, [], [{ a: 'b' }]],
  [`!!has(b)`, [{ b: 'x' }], [{ a: 'b' }]],
  [`!!! has(a)`, [{}], [{ a: 'b' }]],
  [`!!!has(a)`, [], [{ a: 'b' }]],
  [`!! ! has(a)`, [], [{ a: 'b' }]],
  [`! !!has(a)`, [], [{ a: 'b' }]],
  [``, [{}, { a: 'b' }], []],
  [` `, [{}], []],
  [`all()`, [{}, { a: 'b' }], []],
  [` all()`, [{}, { a: 'b' }], []],
  [`global()`, [{}], []],
  [` global()`, [{}, { a: 'b' }], []],
  [`!all()`, [], [{}, { a: 'b' }]],
  [`a == 'a1' && b == 'b1'`, [{ a: 'a1', b: 'b1' }], [{ a: 'a1' }]],
  [`a == 'a1' && b != 'b1'`, [{ a: 'a1' }], [{ a: 'a1', b: 'b1' }]],
  [`a != 'a1' && b == 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
  [`a != 'a1' && b != 'b1'`, [{}], [{ a: 'a1', b: 'b1' }]],
  [`a != 'a1' && !b == 'b1'`, [], [{ a: 'a1', b: 'b1' }]],
  [`!a == 'a1' && b == 'b1'`, [{ b: 'b1' }], [{ a: 'a1', b: 'b1' }]],
  [`has(a) && !has(b)`, [{ a: 'a' }], [{ a: 'a', b: 'b' }, {}]],
  [`!has(b) && has(a)`, [{ a: 'a' }], [{ b: 'b' }]],
  [`!(!has(a) || has(b))`, [{ a: 'a' }], [{ a: 'a', b: 'b' }]],
  [`!(has(b) || !has(a))`, [{ a: 'a' }], [{}]],
  [`a == 'a1' || b == 'b1'`, [{ a: 'a1', b: 'b1' }], [{}]],
  [`a == 'a1' || b != 'b1'`, [{ a: 'a1', b: 'b1' }, {}], [{ b: 'b1' }]],
  [`a != 'a1' || b == 'b1'`, [{ a: 'a1', b: 'b1' }], [{ a: 'a1' }]],
  [`a != 'a1' || b != 'b1'`, [{ a: 'a1' }], [{ a: 'a1', b: 'b1' }]],
  [`! a == 'a1' || ! b == 'b1'`, [{ a: 'a1' }], [{ a: 'a1', b: 'b1' }]],
  // && binds tighter than ||; parentheses override.
  [`a == "1" || b == "1" && c == "1"`, [{ a: '1' }, { b: '1', c: '1' }], [{ b: '1' }]],
  [`(a == "1" || b == "1") && c == "1"`, [{ a: '1', c: '1' }], [{ a: '1' }]],
  [`calico/k8s_ns == "kube-system" && k8s-app == "kube-dns"`, [{ 'calico/k8s_ns': 'kube-system', 'k8s-app': 'kube-dns' }], [{ 'k8s-app': 'kube-dns' }]],
  [`has(calico/k8s_NS-.1/role)`, [{ 'calico/k8s_NS-.1/role': '' }], [{ 'calico/k8s_NS-.1/role2': '' }]],
  [`contains contains "contains"`, [{ contains: 'xcontainsx' }], [{ contains: 'x' }]],
  [`in in {"in"} && has(has)`, [{ in: 'in', has: '' }], [{ in: 'in' }]],
  // Comparisons are exact, byte-wise and case-sensitive; values may hold any characters.
  [`a == "ünï cødé"`, [{ a: 'ünï cødé' }], [{ a: 'unï cødé' }]],
  [`a == "x y\tz"`, [{ a: 'x y\tz' }], [{ a: 'x y z' }]],
];

// Names of Object.prototype members are ordinary label names, absent unless set.
const prototypeCases: ReadonlyArray<readonly [selector: string, matches: Labels[], nonMatches: Labels[]]> = [
  [`has(constructor)`, [{ constructor: 'x' }], [{}]],
  [`toString != "x"`, [{}], [{ toString: 'x' }]],
  [`__proto__ not in {"x"}`, [{}], []],
  [`hasOwnProperty contains ""`, [], [{}]],
];

describe('selector evaluation against label records', () => {
  for (const [selector, matches, nonMatches] of [...cases, ...prototypeCases]) {
    it(`[${selector}] matches ${JSON.stringify(matches)} and not ${JSON.stringify(nonMatches)}`, () => {
      const sel = parseSelector(selector);
      for (const labels of matches) assert.equal(sel.evaluate(labels), true, JSON.stringify(labels));
      for (const labels of nonMatches) assert.equal(sel.evaluate(labels), false, JSON.stringify(labels));
    });
  }

  it('keeps matching the same after re-parsing its canonical form', () => {
    for (const [selector, matches, nonMatches] of cases) {
      const again = parseSelector(parseSelector(selector).canonical);
      for (const labels of matches) assert.equal(again.evaluate(labels), true, `${selector} ${JSON.stringify(labels)}`);
      for (const labels of nonMatches) assert.equal(again.evaluate(labels), false, `${selector} ${JSON.stringify(labels)}`);
    }
  });

  it('works when evaluate is called detached from the selector', () => {
    const { evaluate } = parseSelector('has(a)');
    assert.equal(evaluate({ a: '' }), true);
  });
});

describe('selector evaluation against label sources', () => {
  it('agrees with record evaluation on every worked example', () => {
    for (const [selector, matches, nonMatches] of [...cases, ...prototypeCases]) {
      const sel = parseSelector(selector);
      for (const labels of [...matches, ...nonMatches]) {
        assert.equal(sel.evaluateSource(labelSource(labels)), sel.evaluate(labels), `${selector} ${JSON.stringify(labels)}`);
        assert.equal(sel.evaluateSource(new Map(Object.entries(labels))), sel.evaluate(labels));
      }
    }
  });

  it('reads inherited profile labels when the endpoint lacks the label', () => {
    const source = new InheritedLabels({ app: 'web' }, [{ 'pcns.team': 'blue' }]);
    assert.equal(parseSelector(`app == "web" && pcns.team == "blue"`).evaluateSource(source), true);
  });

  it("lets the endpoint's own label win over a profile's", () => {
    const source = new InheritedLabels({ role: 'db' }, [{ role: 'frontend' }]);
    assert.equal(parseSelector(`role == "db"`).evaluateSource(source), true);
    assert.equal(parseSelector(`role == "frontend"`).evaluateSource(source), false);
  });

  it('lets an earlier profile win over a later one', () => {
    const source = new InheritedLabels({}, [{ env: 'prod' }, { env: 'dev', zone: 'a' }]);
    assert.equal(parseSelector(`env == "prod" && zone == "a"`).evaluateSource(source), true);
  });

  it('treats an own empty-string label as present, shadowing the profile value', () => {
    const source = new InheritedLabels({ env: '' }, [{ env: 'prod' }]);
    assert.equal(parseSelector(`has(env) && env == ""`).evaluateSource(source), true);
  });

  it('sees later changes to the underlying records (no copy is taken)', () => {
    const profile: Record<string, string> = {};
    const source = new InheritedLabels({}, [profile]);
    const sel = parseSelector('has(team)');
    assert.equal(sel.evaluateSource(source), false);
    profile.team = 'x';
    assert.equal(sel.evaluateSource(source), true);
  });

  it('does not treat prototype members of a parent record as labels', () => {
    const source = new InheritedLabels({}, [{}]);
    assert.equal(parseSelector('has(constructor)').evaluateSource(source), false);
  });
});
