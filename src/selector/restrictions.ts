// Label restrictions: per label, a necessary condition for a selector to match
// (must be present / must be absent / must have one of these values). Felix's
// label index uses them to pick candidate endpoints instead of scanning all of
// them. The merge rules follow upstream's LabelRestrictions() exactly,
// including its quirks (e.g. `a in {}` yields "present" with no value list).
import { foldSelector, type SelectorNode } from './ast.js';

export interface LabelRestriction {
  readonly mustBePresent: boolean;
  readonly mustBeAbsent: boolean;
  /**
   * When set, the label's value must be one of these. An empty list means
   * the selector cannot match anything (e.g. `a == 'x' && a == 'y'`).
   */
  readonly mustHaveOneOfValues?: readonly string[];
}

export type LabelRestrictions = ReadonlyMap<string, LabelRestriction>;

const NONE: LabelRestrictions = new Map();

export function possibleToSatisfy(r: LabelRestriction): boolean {
  if (r.mustBePresent && r.mustBeAbsent) return false;
  return r.mustHaveOneOfValues === undefined || r.mustHaveOneOfValues.length > 0;
}

function single(label: string, r: LabelRestriction): LabelRestrictions {
  return new Map([[label, r]]);
}

function intersect(a: readonly string[], b: readonly string[]): string[] {
  const inB = new Set(b);
  return a.filter((v) => inB.has(v));
}

function union(a: readonly string[], b: readonly string[]): string[] {
  const inA = new Set(a);
  return [...a, ...b.filter((v) => !inA.has(v))];
}

function andRestrictions(parts: readonly LabelRestrictions[]): LabelRestrictions {
  const out = new Map<string, LabelRestriction>();
  for (const part of parts) {
    for (const [label, r] of part) {
      const base = out.get(label);
      if (base === undefined) {
        out.set(label, r);
        continue;
      }
      let values = base.mustHaveOneOfValues;
      if (values === undefined) values = r.mustHaveOneOfValues;
      else if (r.mustHaveOneOfValues !== undefined) values = intersect(values, r.mustHaveOneOfValues);
      out.set(label, {
        mustBePresent: base.mustBePresent || r.mustBePresent,
        mustBeAbsent: base.mustBeAbsent || r.mustBeAbsent,
        ...(values === undefined ? {} : { mustHaveOneOfValues: values }),
      });
    }
  }
  return out;
}

/** A label stays restricted only if every branch restricts it. */
function orRestrictions(parts: readonly LabelRestrictions[]): LabelRestrictions {
  const out = new Map(parts[0] ?? NONE);
  for (const part of parts.slice(1)) {
    for (const [label, r] of out) {
      const other = part.get(label);
      const present = r.mustBePresent && (other?.mustBePresent ?? false);
      const absent = r.mustBeAbsent && (other?.mustBeAbsent ?? false);
      if (!present && !absent) {
        out.delete(label);
        continue;
      }
      let values: readonly string[] | undefined;
      if (present && r.mustHaveOneOfValues !== undefined && other?.mustHaveOneOfValues !== undefined) {
        values = union(r.mustHaveOneOfValues, other.mustHaveOneOfValues);
      }
      out.set(label, {
        mustBePresent: present,
        mustBeAbsent: absent,
        ...(values === undefined ? {} : { mustHaveOneOfValues: values }),
      });
    }
  }
  return out;
}

export function restrictionsOf(root: SelectorNode): LabelRestrictions {
  return foldSelector<LabelRestrictions>(
    root,
    (leaf) => {
      switch (leaf.kind) {
        case 'eq':
          return single(leaf.label, { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: [leaf.value] });
        case 'in':
          // Upstream keeps no value list for an empty set literal.
          return single(leaf.label, {
            mustBePresent: true,
            mustBeAbsent: false,
            ...(leaf.values.length === 0 ? {} : { mustHaveOneOfValues: [...leaf.values] }),
          });
        case 'has':
        case 'contains':
        case 'startsWith':
        case 'endsWith':
          return single(leaf.label, { mustBePresent: true, mustBeAbsent: false });
        default:
          return NONE;
      }
    },
    // Only !has(k) can be inverted: !(a == 'b') does not require a to be absent.
    (_operand, node) =>
      node.operand.kind === 'has' ? single(node.operand.label, { mustBePresent: false, mustBeAbsent: true }) : NONE,
    (parts, node) => (node.kind === 'and' ? andRestrictions(parts) : orRestrictions(parts)),
  );
}
