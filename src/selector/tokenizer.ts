// Calico's selector tokenizer. Keywords are context sensitive (operators are
// only recognised straight after a label), so a label may be called `in`,
// `contains` or `has`. Error texts are upstream's, word for word, because
// users and tests compare them.
import { SelectorParseError } from './errors.js';

/** Token kinds, numbered as upstream's Go `Kind` so the names line up. */
export const Tok = {
  None: 0,
  Label: 1,
  StringLiteral: 2,
  LBrace: 3,
  RBrace: 4,
  Comma: 5,
  Eq: 6,
  Ne: 7,
  In: 8,
  Not: 9,
  NotIn: 10,
  Contains: 11,
  StartsWith: 12,
  EndsWith: 13,
  All: 14,
  Has: 15,
  LParen: 16,
  RParen: 17,
  And: 18,
  Or: 19,
  Global: 20,
  EOF: 21,
} as const;
export type TokKind = (typeof Tok)[keyof typeof Tok];

const KIND_NAMES: readonly string[] = [
  'TokNone', 'TokLabel', 'TokStringLiteral', 'TokLBrace', 'TokRBrace', 'TokComma', 'TokEq', 'TokNe',
  'TokIn', 'TokNot', 'TokNotIn', 'TokContains', 'TokStartsWith', 'TokEndsWith', 'TokAll', 'TokHas',
  'TokLParen', 'TokRParen', 'TokAnd', 'TokOr', 'TokGlobal', 'TokEOF',
];

export interface Token {
  readonly kind: TokKind;
  /** Label name, has() argument or string literal content; '' otherwise. */
  readonly value: string;
  /** 0-based offset of the token's first character (input length for EOF). */
  readonly pos: number;
}

/** Upstream's Go rendering of a token, `Kind(value)`, which appears in parser errors. */
export function tokenString(t: Token): string {
  return `${KIND_NAMES[t.kind] ?? 'TokNone'}(${t.value})`;
}

export const MAX_LABEL_LENGTH = 512;

// [A-Za-z0-9_./-], as a lookup table indexed by char code.
const IDENT = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  IDENT[c] = /[A-Za-z0-9_./-]/.test(ch) ? 1 : 0;
}

function isIdentChar(c: number): boolean {
  return c < 128 && IDENT[c] === 1;
}

/** Only space and TAB separate tokens; newlines and other whitespace are errors, as upstream. */
function skipWhitespace(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}

function isWordBoundary(s: string, i: number): boolean {
  return i >= s.length || !isIdentChar(s.charCodeAt(i));
}

/** Returns the end offset of the identifier at i; throws if empty or too long. */
function identifierEnd(s: string, i: number): number {
  let end = i;
  while (end < s.length && isIdentChar(s.charCodeAt(end))) end++;
  if (end - i > MAX_LABEL_LENGTH) {
    throw new SelectorParseError(`label too long: ${s.slice(i, end)}`, i);
  }
  if (end === i) throw new SelectorParseError('expected identifier', i);
  return end;
}

/** True when `label` is a valid label name for selectors (upstream's ValidLabel). */
export function isValidSelectorLabel(label: string): boolean {
  let i = 0;
  while (i < label.length && isIdentChar(label.charCodeAt(i))) i++;
  return i === label.length && i > 0 && i <= MAX_LABEL_LENGTH;
}

/** Single keyword followed by a word boundary; returns the offset after it or -1. */
function cutKeyword(s: string, i: number, word: string): number {
  if (!s.startsWith(word, i)) return -1;
  const end = i + word.length;
  return isWordBoundary(s, end) ? end : -1;
}

/**
 * Two-word operator (`starts with`, `not in`); any run of spaces/tabs, or none,
 * may separate the words. Only the last word needs a boundary, checked after
 * skipping whitespace (so `a starts with x` is a tokenizer error, as upstream).
 */
function cutTwoWords(s: string, i: number, first: string, second: string): number {
  if (!s.startsWith(first, i)) return -1;
  let j = skipWhitespace(s, i + first.length);
  if (!s.startsWith(second, j)) return -1;
  j = skipWhitespace(s, j + second.length);
  return isWordBoundary(s, j) ? j : -1;
}

/** Parses `name(` ws* `)` for all() / global(); returns the offset after `)`. */
function cutEmptyCall(s: string, i: number, name: string): number {
  const j = skipWhitespace(s, i + name.length + 1);
  if (s.charCodeAt(j) !== 0x29) {
    throw new SelectorParseError(`no closing ')' after ${name}(`, j);
  }
  return j + 1;
}

/** Splits a selector into tokens, always ending with an EOF token. Throws SelectorParseError. */
export function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokKind, value: string, pos: number): void => {
    tokens.push({ kind, value, pos });
  };
  for (;;) {
    i = skipWhitespace(s, i);
    if (i >= s.length) {
      push(Tok.EOF, '', s.length);
      return tokens;
    }
    const start = i;
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x28: // (
        push(Tok.LParen, '', i++);
        continue;
      case 0x29: // )
        push(Tok.RParen, '', i++);
        continue;
      case 0x7b: // {
        push(Tok.LBrace, '', i++);
        continue;
      case 0x7d: // }
        push(Tok.RBrace, '', i++);
        continue;
      case 0x2c: // ,
        push(Tok.Comma, '', i++);
        continue;
      case 0x22: // "
      case 0x27: {
        // No escapes: the literal runs to the next occurrence of the same quote.
        const close = s.indexOf(s[i] as string, i + 1);
        if (close < 0) throw new SelectorParseError('unterminated string', i);
        push(Tok.StringLiteral, s.slice(i + 1, close), start);
        i = close + 1;
        continue;
      }
      case 0x3d: // =
        if (s.charCodeAt(i + 1) !== 0x3d) throw new SelectorParseError('expected ==', i);
        push(Tok.Eq, '', start);
        i += 2;
        continue;
      case 0x21: // !
        if (s.charCodeAt(i + 1) === 0x3d) {
          push(Tok.Ne, '', start);
          i += 2;
        } else {
          push(Tok.Not, '', i++);
        }
        continue;
      case 0x26: // &
        if (s.charCodeAt(i + 1) !== 0x26) throw new SelectorParseError('expected &&', i);
        push(Tok.And, '', start);
        i += 2;
        continue;
      case 0x7c: // |
        if (s.charCodeAt(i + 1) !== 0x7c) throw new SelectorParseError('expected ||', i);
        push(Tok.Or, '', start);
        i += 2;
        continue;
    }
    if (tokens[tokens.length - 1]?.kind === Tok.Label) {
      i = operatorAfterLabel(s, i, push, tokens);
      continue;
    }
    if (s.startsWith('has(', i)) {
      const identStart = skipWhitespace(s, i + 4);
      const identEnd = identifierEnd(s, identStart);
      const close = skipWhitespace(s, identEnd);
      if (s.charCodeAt(close) !== 0x29) {
        throw new SelectorParseError("no closing ')' after has(", close);
      }
      push(Tok.Has, s.slice(identStart, identEnd), start);
      i = close + 1;
    } else if (s.startsWith('all(', i)) {
      i = cutEmptyCall(s, i, 'all');
      push(Tok.All, '', start);
    } else if (s.startsWith('global(', i)) {
      i = cutEmptyCall(s, i, 'global');
      push(Tok.Global, '', start);
    } else {
      const end = identifierEnd(s, i);
      push(Tok.Label, s.slice(i, end), start);
      i = end;
    }
  }
}

function operatorAfterLabel(
  s: string,
  i: number,
  push: (kind: TokKind, value: string, pos: number) => void,
  tokens: readonly Token[],
): number {
  let end: number;
  if ((end = cutKeyword(s, i, 'contains')) >= 0) push(Tok.Contains, '', i);
  else if ((end = cutTwoWords(s, i, 'starts', 'with')) >= 0) push(Tok.StartsWith, '', i);
  else if ((end = cutTwoWords(s, i, 'ends', 'with')) >= 0) push(Tok.EndsWith, '', i);
  else if ((end = cutTwoWords(s, i, 'not', 'in')) >= 0) push(Tok.NotIn, '', i);
  else if ((end = cutKeyword(s, i, 'in')) >= 0) push(Tok.In, '', i);
  else {
    const label = tokens[tokens.length - 1]?.value ?? '';
    throw new SelectorParseError(`expected operator after label ${goQuote(label)}`, i);
  }
  return end;
}

/** Go's %q for a label: labels are plain ASCII identifiers, so quoting is enough. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
