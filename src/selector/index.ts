// Public surface of Calico's selector language: parse once, evaluate many
// times against plain label records or layered label sources.
import { createHash } from 'node:crypto';
import type { Labels } from '../api/meta.js';
import { canonicalString, foldSelector, type LeafNode, type SelectorNode } from './ast.js';
import { compilePredicate, compileRecordLeaf, compileSourceLeaf, type LabelSource, type Predicate } from './compile.js';
import { SelectorParseError } from './errors.js';
import { parseSelectorTree } from './parser.js';
import { restrictionsOf, type LabelRestrictions } from './restrictions.js';

export { SelectorParseError } from './errors.js';
export type { SelectorNode, LeafNode, ComparisonKind } from './ast.js';
export type { LabelSource } from './compile.js';
export { InheritedLabels, labelSource } from './labels.js';
export { possibleToSatisfy, type LabelRestriction, type LabelRestrictions } from './restrictions.js';
export { isValidSelectorLabel, MAX_LABEL_LENGTH } from './tokenizer.js';

export interface Selector {
  /** The text as the user wrote it. */
  readonly source: string;
  /** Upstream's normalised String() form. */
  readonly canonical: string;
  /** Evaluates against a label set; no parsing happens here. */
  evaluate(labels: Labels): boolean;
}

/** What parseSelector returns: a Selector plus the tree, unique ID and label-source evaluation. */
export class ParsedSelector implements Selector {
  readonly source: string;
  readonly root: SelectorNode;
  /** Evaluates against a plain label record (a detached reference works too). */
  readonly evaluate: Predicate<Labels>;
  private canonicalText: string | undefined;
  private uid: string | undefined;
  private sourcePredicate: Predicate<LabelSource> | undefined;

  constructor(source: string, root: SelectorNode) {
    this.source = source;
    this.root = root;
    this.evaluate = compilePredicate(root, compileRecordLeaf);
  }

  get canonical(): string {
    return (this.canonicalText ??= canonicalString(this.root));
  }

  /** `"s:" + base64url(SHA-224("s:" + canonical))`; equal selectors have equal IDs. */
  get uniqueId(): string {
    return (this.uid ??= uniqueIdOf(this.canonical));
  }

  /**
   * Evaluates against a label source, e.g. an endpoint's labels backed by its
   * profiles' labels (see InheritedLabels), without merging them into a record.
   */
  evaluateSource(labels: LabelSource): boolean {
    this.sourcePredicate ??= compilePredicate(this.root, compileSourceLeaf);
    return this.sourcePredicate(labels);
  }

  /** Necessary per-label conditions for a match (upstream's LabelRestrictions). */
  labelRestrictions(): LabelRestrictions {
    return restrictionsOf(this.root);
  }

  toString(): string {
    return this.canonical;
  }
}

/** Parses a selector; throws SelectorParseError. */
export function parseSelector(text: string): ParsedSelector {
  return new ParsedSelector(text, parseSelectorTree(text));
}

/** The parse error for `text`, or undefined when it is a valid selector (upstream's Validate). */
export function validateSelector(text: string): SelectorParseError | undefined {
  try {
    parseSelectorTree(text);
    return undefined;
  } catch (err) {
    if (err instanceof SelectorParseError) return err;
    throw err;
  }
}

function uniqueIdOf(canonical: string): string {
  return `s:${createHash('sha224').update(`s:${canonical}`, 'utf8').digest('base64url')}`;
}

/** The selector's unique ID, used to name IP sets: equal iff the canonical forms are equal. */
export function selectorUniqueId(sel: Selector): string {
  return sel instanceof ParsedSelector ? sel.uniqueId : uniqueIdOf(sel.canonical);
}

// Go's strings.TrimSpace set (unicode.IsSpace); JS trim() differs (it trims
// U+FEFF and keeps U+0085).
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+';
const LEADING_SPACE = new RegExp(`^${GO_SPACE}`);
const TRAILING_SPACE = new RegExp(`${GO_SPACE}$`);

/**
 * Upstream's selector.Normalise: trims whitespace, then returns the canonical
 * form, or the trimmed text unchanged if it does not parse.
 */
export function normaliseSelector(text: string): string {
  const trimmed = text.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '');
  try {
    return canonicalString(parseSelectorTree(trimmed));
  } catch (err) {
    if (err instanceof SelectorParseError) return trimmed;
    throw err;
  }
}

/** Necessary per-label conditions for `sel` to match; see LabelRestriction. */
export function labelRestrictions(sel: Selector): LabelRestrictions {
  const parsed = sel instanceof ParsedSelector ? sel : parseSelector(sel.canonical);
  return parsed.labelRestrictions();
}

/** Upstream's PrefixVisitor: a copy of `sel` with `prefix` prepended to every label name. */
export function prefixSelector(sel: ParsedSelector, prefix: string): ParsedSelector {
  const root = foldSelector<SelectorNode>(
    sel.root,
    (leaf: LeafNode) => ('label' in leaf ? { ...leaf, label: prefix + leaf.label } : leaf),
    (operand) => ({ kind: 'not', operand }),
    (operands, node) => ({ kind: node.kind, operands }),
  );
  // There is no user-written text for the result; its source is its canonical form.
  return new ParsedSelector(canonicalString(root), root);
}

/**
 * The update processors' `prefix(s, p)`: the canonical text of `text` with
 * every label prefixed, or "" when `text` does not parse (upstream then
 * silently drops the clause).
 */
export function prefixSelectorText(text: string, prefix: string): string {
  if (validateSelector(text) !== undefined) return '';
  return prefixSelector(parseSelector(text), prefix).canonical;
}
