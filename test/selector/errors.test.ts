import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector, SelectorParseError, validateSelector } from '../../src/selector/index.js';

function parseError(text: string): SelectorParseError {
  try {
    parseSelector(text);
  } catch (err) {
    assert.ok(err instanceof SelectorParseError, `expected a SelectorParseError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('selector parse errors: message and position', () => {
  const long = 'a'.repeat(513);
  // [input, upstream's message, 0-based offset of the fault]
  const cases: ReadonlyArray<readonly [input: string, message: string, position: number]> = [
    // Tokenizer
    [`"FOO`, 'unterminated string', 0],
    [`a == 'FOO`, 'unterminated string', 5],
    [`"FOO'`, 'unterminated string', 0],
    [`label = "value"`, 'expected ==', 6],
    [`a == "b" & has(foo)`, 'expected &&', 9],
    [`a == "b" | has(foo)`, 'expected ||', 9],
    [`foo == "bar" &`, 'expected &&', 13],
    [`foo == "bar" |`, 'expected ||', 13],
    [`a b`, 'expected operator after label "a"', 2],
    [`label starts foo "value"`, 'expected operator after label "label"', 6],
    [`label inf "value"`, 'expected operator after label "label"', 6],
    [`label ends foo "value"`, 'expected operator after label "label"', 6],
    [`label ends withs "value"`, 'expected operator after label "label"', 6],
    [`label squiggles "value"`, 'expected operator after label "label"', 6],
    [`a starts with x`, 'expected operator after label "a"', 2],
    [`a has(b)`, 'expected operator after label "a"', 2],
    [`a %`, 'expected operator after label "a"', 2],
    [`has()`, 'expected identifier', 4],
    [`has(  )`, 'expected identifier', 6],
    [`has(foo`, "no closing ')' after has(", 7],
    [`has( foo `, "no closing ')' after has(", 9],
    [`has(foo bar)`, "no closing ')' after has(", 8],
    [`all(`, "no closing ')' after all(", 4],
    [`all(x)`, "no closing ')' after all(", 4],
    [`global(`, "no closing ')' after global(", 7],
    [`%`, 'expected identifier', 0],
    [`a == "b" && %`, 'expected identifier', 12],
    [`a == "b" || %`, 'expected identifier', 12],
    [`a == "b"\n`, 'expected identifier', 8],
    [`\na == "b"`, 'expected identifier', 0],
    [`\u00a0a == "b"`, 'expected identifier', 0],
    [`ä == "b"`, 'expected identifier', 0],
    [`a:b == "c"`, 'expected operator after label "a"', 1],
    [`${long} == "value"`, `label too long: ${long}`, 0],
    [`has(${long})`, `label too long: ${long}`, 4],
    // Parser
    [`b`, 'unexpected end of string looking for op', 1],
    [`a `, 'unexpected end of string looking for op', 2],
    [`b == b`, 'expected string', 5],
    [`b contains b`, 'expected string', 11],
    [`b starts with b`, 'expected operator after label "b"', 2],
    [`b ends with b`, 'expected operator after label "b"', 2],
    [`b contains (`, 'expected string', 11],
    [`foo != ||`, 'expected string', 7],
    [`a ==`, 'expected string', 4],
    [`'b1' == b`, 'unexpected token: TokStringLiteral(b1)', 0],
    [`foo in ""`, 'expected set literal', 7],
    [`foo in {"", ||`, 'expected }', 12],
    [`a in {,}`, 'expected }', 6],
    [`a in {"x" "y"}`, 'expected }', 10],
    [`a in {"x",,}`, 'expected }', 10],
    [`a (`, 'expected == or != not: TokLParen()', 2],
    [`a "x"`, 'expected == or != not: TokStringLiteral(x)', 2],
    [`has (x)`, 'expected == or != not: TokLParen()', 4],
    [`!`, 'unexpected token: TokEOF()', 1],
    [`(`, 'unexpected token: TokEOF()', 1],
    [`)`, 'unexpected token: TokRParen()', 0],
    [`()`, 'unexpected token: TokRParen()', 1],
    [`has(foo) &&`, 'unexpected token: TokEOF()', 11],
    [`&& has(a)`, 'unexpected token: TokAnd()', 0],
    [`(a == "foo"`, 'expected )', 11],
    [`((has(a))`, 'expected )', 9],
    [`a == "b")`, 'unexpected content at end of selector [TokRParen() TokEOF()]', 8],
    [`has(a) has(b)`, 'unexpected content at end of selector [TokHas(b) TokEOF()]', 7],
    [`has(a) b == "c"`, 'unexpected content at end of selector [TokLabel(b) TokEq() TokStringLiteral(c) TokEOF()]', 7],
  ];
  for (const [input, message, position] of cases) {
    it(`rejects [${input.length > 40 ? `${input.slice(0, 20)}…` : input}] with "${message.slice(0, 70)}" at ${position}`, () => {
      const err = parseError(input);
      assert.equal(err.message, message);
      assert.equal(err.position, position);
    });
  }

  it('reports the same errors from validateSelector without throwing', () => {
    for (const [input, message, position] of cases) {
      const err = validateSelector(input);
      assert.ok(err !== undefined, input);
      assert.equal(err.message, message);
      assert.equal(err.position, position);
    }
  });
});

describe('inputs the tokenizer accepts that look odd', () => {
  const accepted: ReadonlyArray<readonly [input: string, canonical: string]> = [
    ['a'.repeat(512) + ' == "value"', `${'a'.repeat(512)} == "value"`],
    [`label contains"value"`, `label contains "value"`],
    [`a in{"b"}`, `a in {"b"}`],
    [`a notin{"b"}`, `a not in {"b"}`],
    [`a  not  in  {"b"}`, `a not in {"b"}`],
    [`a not\tin {"b"}`, `a not in {"b"}`],
    [`startswith starts with "value"`, `startswith starts with "value"`],
    [`endswith ends with "value"`, `endswith ends with "value"`],
    [`a starts with"x"`, `a starts with "x"`],
    [`0.a/-_ == ""`, `0.a/-_ == ""`],
    [`-x == "y"`, `-x == "y"`],
    [`has(has) && all == "all" && global != "global()"`, `(has(has) && all == "all" && global != "global()")`],
    [`a == "b"&&c == "d"||!has(e)`, `((a == "b" && c == "d") || !has(e))`],
    [`a == "x\ny"`, `a == "x\ny"`],
  ];
  for (const [input, canonical] of accepted) {
    it(`accepts [${input.length > 40 ? `${input.slice(0, 20)}…` : input}]`, () => {
      assert.equal(validateSelector(input), undefined);
      assert.equal(parseSelector(input).canonical, canonical);
    });
  }
});
