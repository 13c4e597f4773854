// Selector parser: upstream's recursive-descent grammar run on an explicit
// stack of open parenthesis groups, so 100 KB of `((((…` cannot overflow the
// JS stack. Errors are raised at the same points, with the same texts, as
// upstream's parser.
import { ALL_NODE, toSortedSet, type SelectorNode } from './ast.js';
import { SelectorParseError } from './errors.js';
import { Tok, tokenString, tokenize, type Token } from './tokenizer.js';

/** One parenthesised group being parsed: `negated` applies when it closes. */
interface Group {
  readonly negated: boolean;
  ors: SelectorNode[];
  ands: SelectorNode[];
}

function list(kind: 'and' | 'or', operands: SelectorNode[]): SelectorNode {
  return operands.length === 1 ? (operands[0] as SelectorNode) : { kind, operands };
}

/** Parses selector text into a tree; the empty (or blank) selector is `all()`. */
export function parseSelectorTree(text: string): SelectorNode {
  const toks = tokenize(text);
  const at = (i: number): Token => toks[i] ?? (toks[toks.length - 1] as Token);
  if (at(0).kind === Tok.EOF) return ALL_NODE;

  const open: Group[] = [];
  let group: Group = { negated: false, ors: [], ands: [] };
  let i = 0;
  for (;;) {
    // operation := { "!" } primary — an even number of `!` cancels out.
    let negated = false;
    while (at(i).kind === Tok.Not) {
      negated = !negated;
      i++;
    }
    const t = at(i);
    let node: SelectorNode;
    switch (t.kind) {
      case Tok.Has:
        node = { kind: 'has', label: t.value };
        i++;
        break;
      case Tok.All:
        node = { kind: 'all' };
        i++;
        break;
      case Tok.Global:
        node = { kind: 'global' };
        i++;
        break;
      case Tok.Label:
        [node, i] = parseComparison(toks, i);
        break;
      case Tok.LParen:
        open.push(group);
        group = { negated, ors: [], ands: [] };
        i++;
        continue;
      default:
        throw new SelectorParseError(`unexpected token: ${tokenString(t)}`, t.pos);
    }
    if (negated) node = { kind: 'not', operand: node };

    // Attach the operation, then close as many groups as the tokens end.
    for (;;) {
      group.ands.push(node);
      if (at(i).kind === Tok.And) {
        i++;
        break;
      }
      group.ors.push(list('and', group.ands));
      group.ands = [];
      if (at(i).kind === Tok.Or) {
        i++;
        break;
      }
      const expr = list('or', group.ors);
      const parent = open.pop();
      if (parent === undefined) {
        if (at(i).kind !== Tok.EOF) {
          const rest = toks.slice(i).map(tokenString).join(' ');
          throw new SelectorParseError(`unexpected content at end of selector [${rest}]`, at(i).pos);
        }
        return expr;
      }
      if (at(i).kind !== Tok.RParen) throw new SelectorParseError('expected )', at(i).pos);
      i++;
      node = group.negated ? { kind: 'not', operand: expr } : expr;
      group = parent;
    }
  }
}

/** LABEL op STRING, or LABEL (in | not in) { STRING, … }; returns the node and the next index. */
function parseComparison(toks: readonly Token[], i: number): [SelectorNode, number] {
  const label = toks[i] as Token;
  const op = toks[i + 1];
  const arg = toks[i + 2];
  if (op === undefined || arg === undefined) {
    // Only EOF follows the label.
    const eof = toks[toks.length - 1] as Token;
    throw new SelectorParseError('unexpected end of string looking for op', eof.pos);
  }
  let kind: 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith';
  switch (op.kind) {
    case Tok.Eq:
      kind = 'eq';
      break;
    case Tok.Ne:
      kind = 'ne';
      break;
    case Tok.Contains:
      kind = 'contains';
      break;
    case Tok.StartsWith:
      kind = 'startsWith';
      break;
    case Tok.EndsWith:
      kind = 'endsWith';
      break;
    case Tok.In:
    case Tok.NotIn:
      return parseSet(toks, i, op.kind === Tok.In ? 'in' : 'notIn');
    default:
      throw new SelectorParseError(`expected == or != not: ${tokenString(op)}`, op.pos);
  }
  if (arg.kind !== Tok.StringLiteral) throw new SelectorParseError('expected string', arg.pos);
  return [{ kind, label: label.value, value: arg.value }, i + 3];
}

function parseSet(toks: readonly Token[], i: number, kind: 'in' | 'notIn'): [SelectorNode, number] {
  const label = (toks[i] as Token).value;
  const brace = toks[i + 2] as Token;
  if (brace.kind !== Tok.LBrace) throw new SelectorParseError('expected set literal', brace.pos);
  const values: string[] = [];
  let j = i + 3;
  // STRING { "," STRING } [","] — a trailing comma is allowed, a lone one is not.
  for (;;) {
    const t = toks[j] as Token;
    if (t.kind !== Tok.StringLiteral) break;
    values.push(t.value);
    j++;
    if ((toks[j] as Token).kind !== Tok.Comma) break;
    j++;
  }
  const close = toks[j] as Token;
  if (close.kind !== Tok.RBrace) throw new SelectorParseError('expected }', close.pos);
  return [{ kind, label, values: toSortedSet(values) }, j + 1];
}
