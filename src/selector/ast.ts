// The selector syntax tree and its canonical rendering (upstream's String()).
// Trees can be arbitrarily deep (`!(!(!(…)))` nests NOT nodes), so every walk
// here uses an explicit stack instead of recursion.

export type ComparisonKind = 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith';

export type SelectorNode =
  | { readonly kind: 'all' }
  | { readonly kind: 'global' }
  | { readonly kind: 'has'; readonly label: string }
  | { readonly kind: ComparisonKind; readonly label: string; readonly value: string }
  /** `values` are sorted in byte order and free of duplicates. */
  | { readonly kind: 'in' | 'notIn'; readonly label: string; readonly values: readonly string[] }
  | { readonly kind: 'not'; readonly operand: SelectorNode }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly SelectorNode[] };

export type LeafNode = Exclude<SelectorNode, { kind: 'not' | 'and' | 'or' }>;

export const ALL_NODE: SelectorNode = { kind: 'all' };

const OPERATOR_TEXT: Readonly<Record<ComparisonKind, string>> = {
  eq: ' == ',
  ne: ' != ',
  contains: ' contains ',
  startsWith: ' starts with ',
  endsWith: ' ends with ',
};

/**
 * Orders strings as Go compares them: by UTF-8 bytes, i.e. by code point.
 * Plain `<` compares UTF-16 units, which disagrees only when a surrogate
 * meets a character in U+E000–U+FFFF.
 */
export function compareByteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && cb >= 0xd800) {
      ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
      cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    }
    return ca - cb;
  }
  return a.length - b.length;
}

/** Sorts and de-duplicates set-literal values, as upstream stores them. */
export function toSortedSet(values: readonly string[]): string[] {
  const sorted = [...values].sort(compareByteOrder);
  const out: string[] = [];
  for (const v of sorted) {
    if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

/** A value is double-quoted unless it contains `"` (literals cannot contain both quotes). */
function quote(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/**
 * Canonical text: AND/OR are always parenthesised and nothing else is; NOT is
 * `!` glued to its operand; sets are printed sorted and de-duplicated.
 */
export function canonicalString(root: SelectorNode): string {
  const out: string[] = [];
  const pending: Array<SelectorNode | string> = [root];
  while (pending.length > 0) {
    const item = pending.pop() as SelectorNode | string;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    switch (item.kind) {
      case 'all':
        out.push('all()');
        break;
      case 'global':
        out.push('global()');
        break;
      case 'has':
        out.push('has(', item.label, ')');
        break;
      case 'eq':
      case 'ne':
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        out.push(item.label, OPERATOR_TEXT[item.kind], quote(item.value));
        break;
      case 'in':
      case 'notIn':
        out.push(item.label, item.kind === 'in' ? ' in {' : ' not in {', item.values.map(quote).join(', '), '}');
        break;
      case 'not':
        out.push('!');
        pending.push(item.operand);
        break;
      case 'and':
      case 'or': {
        const sep = item.kind === 'and' ? ' && ' : ' || ';
        out.push('(');
        pending.push(')');
        for (let i = item.operands.length - 1; i >= 0; i--) {
          pending.push(item.operands[i] as SelectorNode);
          if (i > 0) pending.push(sep);
        }
        break;
      }
    }
  }
  return out.join('');
}

/**
 * Bottom-up fold over the tree without recursion: `leaf` maps leaves,
 * `not` and `list` combine already-folded children.
 */
export function foldSelector<T>(
  root: SelectorNode,
  leaf: (node: LeafNode) => T,
  not: (operand: T, node: SelectorNode & { kind: 'not' }) => T,
  list: (operands: T[], node: SelectorNode & { kind: 'and' | 'or' }) => T,
): T {
  interface Frame {
    readonly node: SelectorNode;
    readonly results: T[];
    next: number;
  }
  const done: T[] = [];
  const stack: Frame[] = [{ node: root, results: [], next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const node = frame.node;
    let result: T;
    if (node.kind === 'not') {
      if (frame.next === 0) {
        frame.next = 1;
        stack.push({ node: node.operand, results: [], next: 0 });
        continue;
      }
      result = not(frame.results[0] as T, node);
    } else if (node.kind === 'and' || node.kind === 'or') {
      if (frame.next < node.operands.length) {
        stack.push({ node: node.operands[frame.next++] as SelectorNode, results: [], next: 0 });
        continue;
      }
      result = list(frame.results, node);
    } else {
      result = leaf(node as LeafNode);
    }
    stack.pop();
    const parent = stack[stack.length - 1];
    if (parent === undefined) done.push(result);
    else parent.results.push(result);
  }
  return done[0] as T;
}

/** Length of the longest root-to-leaf path (a leaf has depth 1). */
export function selectorDepth(root: SelectorNode): number {
  return foldSelector(
    root,
    () => 1,
    (d) => d + 1,
    (ds) => 1 + ds.reduce((a, b) => (a > b ? a : b), 0),
  );
}
