// Turns a selector tree into a predicate once, at parse time. Ordinary trees
// become nested closures (the fastest form in V8); a tree deeper than
// CLOSURE_DEPTH_LIMIT becomes a flat program of tests and jumps instead, so
// evaluating `!(!(!(…)))` 50,000 levels deep cannot overflow the stack.
import type { Labels } from '../api/meta.js';
import { foldSelector, selectorDepth, type LeafNode, type SelectorNode } from './ast.js';

/**
 * Where evaluation reads labels from when they are not a plain record, e.g.
 * an endpoint's own labels backed by its profiles' labels. `get` returns
 * undefined for an absent label; a present label always has a string value
 * (possibly ""). A `Map<string, string>` is a LabelSource.
 */
export interface LabelSource {
  get(key: string): string | undefined;
}

export type Predicate<L> = (labels: L) => boolean;

/** Builds the test for one leaf, reading labels the way L stores them. */
type LeafCompiler<L> = (node: LeafNode) => Predicate<L>;

const always = (): boolean => true;

// The two leaf compilers are written out per label representation, each
// test inline in its closure: sharing the value tests through a helper
// closure costs a megamorphic call per leaf and measured slower.
//
// In a record a label counts only as a string property: `constructor` or
// `toString` reached through the prototype are functions, not labels.
export const compileRecordLeaf: LeafCompiler<Labels> = (node) => {
  switch (node.kind) {
    case 'all':
    case 'global':
      return always;
    case 'has': {
      const k = node.label;
      return (l) => typeof l[k] === 'string';
    }
    case 'eq': {
      const { label: k, value: v } = node;
      // A non-string (absent or inherited property) is never === a string.
      return (l) => l[k] === v;
    }
    case 'ne': {
      const { label: k, value: v } = node;
      return (l) => l[k] !== v;
    }
    case 'contains': {
      const { label: k, value: v } = node;
      return (l) => {
        const x = l[k];
        return typeof x === 'string' && x.includes(v);
      };
    }
    case 'startsWith': {
      const { label: k, value: v } = node;
      return (l) => {
        const x = l[k];
        return typeof x === 'string' && x.startsWith(v);
      };
    }
    case 'endsWith': {
      const { label: k, value: v } = node;
      return (l) => {
        const x = l[k];
        return typeof x === 'string' && x.endsWith(v);
      };
    }
    case 'in': {
      const k = node.label;
      const set = new Set(node.values);
      return (l) => {
        const x = l[k];
        return typeof x === 'string' && set.has(x);
      };
    }
    case 'notIn': {
      const k = node.label;
      const set = new Set(node.values);
      return (l) => {
        const x = l[k];
        return typeof x !== 'string' || !set.has(x);
      };
    }
  }
};

export const compileSourceLeaf: LeafCompiler<LabelSource> = (node) => {
  switch (node.kind) {
    case 'all':
    case 'global':
      return always;
    case 'has': {
      const k = node.label;
      return (l) => l.get(k) !== undefined;
    }
    case 'eq': {
      const { label: k, value: v } = node;
      return (l) => l.get(k) === v;
    }
    case 'ne': {
      const { label: k, value: v } = node;
      return (l) => l.get(k) !== v;
    }
    case 'contains': {
      const { label: k, value: v } = node;
      return (l) => {
        const x = l.get(k);
        return x !== undefined && x.includes(v);
      };
    }
    case 'startsWith': {
      const { label: k, value: v } = node;
      return (l) => {
        const x = l.get(k);
        return x !== undefined && x.startsWith(v);
      };
    }
    case 'endsWith': {
      const { label: k, value: v } = node;
      return (l) => {
        const x = l.get(k);
        return x !== undefined && x.endsWith(v);
      };
    }
    case 'in': {
      const k = node.label;
      const set = new Set(node.values);
      return (l) => {
        const x = l.get(k);
        return x !== undefined && set.has(x);
      };
    }
    case 'notIn': {
      const k = node.label;
      const set = new Set(node.values);
      return (l) => {
        const x = l.get(k);
        return x === undefined || !set.has(x);
      };
    }
  }
};

/** Closure nesting beyond this would risk the JS stack at evaluation time. */
export const CLOSURE_DEPTH_LIMIT = 200;

export function compilePredicate<L>(root: SelectorNode, leaf: LeafCompiler<L>): Predicate<L> {
  return selectorDepth(root) <= CLOSURE_DEPTH_LIMIT ? compileClosures(root, leaf) : compileProgram(root, leaf);
}

export function compileClosures<L>(root: SelectorNode, leaf: LeafCompiler<L>): Predicate<L> {
  return foldSelector<Predicate<L>>(
    root,
    leaf,
    (p) => (l) => !p(l),
    (ps, node) => {
      if (node.kind === 'and') {
        if (ps.length === 2) {
          const [a, b] = ps as [Predicate<L>, Predicate<L>];
          return (l) => a(l) && b(l);
        }
        return (l) => {
          for (const p of ps) if (!p(l)) return false;
          return true;
        };
      }
      if (ps.length === 2) {
        const [a, b] = ps as [Predicate<L>, Predicate<L>];
        return (l) => a(l) || b(l);
      }
      return (l) => {
        for (const p of ps) if (p(l)) return true;
        return false;
      };
    },
  );
}

const OP_TEST = 0;
const OP_JUMP_IF_FALSE = 1;
const OP_JUMP_IF_TRUE = 2;
const OP_NOT = 3;

/**
 * Flat form for very deep trees: a straight-line program over one boolean
 * register. AND emits "test child; if false jump past the list" between its
 * children (OR the same with "if true"), which is exactly short-circuiting,
 * and the register then holds the list's value.
 */
export function compileProgram<L>(root: SelectorNode, leaf: LeafCompiler<L>): Predicate<L> {
  const ops: number[] = [];
  const args: number[] = [];
  const tests: Predicate<L>[] = [];
  const emit = (op: number, arg: number): number => {
    ops.push(op);
    args.push(arg);
    return ops.length - 1;
  };
  // Work items run last-in first-out; pushing a node's steps in reverse keeps program order.
  const work: Array<() => void> = [];
  const visit = (node: SelectorNode): void => {
    switch (node.kind) {
      case 'not':
        work.push(() => emit(OP_NOT, 0));
        work.push(() => visit(node.operand));
        return;
      case 'and':
      case 'or': {
        const jumpOp = node.kind === 'and' ? OP_JUMP_IF_FALSE : OP_JUMP_IF_TRUE;
        const jumps: number[] = [];
        const steps: Array<() => void> = [];
        node.operands.forEach((operand, idx) => {
          steps.push(() => visit(operand));
          if (idx < node.operands.length - 1) steps.push(() => void jumps.push(emit(jumpOp, -1)));
        });
        steps.push(() => {
          for (const j of jumps) args[j] = ops.length;
        });
        for (let s = steps.length - 1; s >= 0; s--) work.push(steps[s] as () => void);
        return;
      }
      default:
        tests.push(leaf(node));
        emit(OP_TEST, tests.length - 1);
    }
  };
  work.push(() => visit(root));
  while (work.length > 0) (work.pop() as () => void)();

  const code = Int32Array.from(ops);
  const arg = Int32Array.from(args);
  const n = code.length;
  return (labels) => {
    let acc = true;
    let pc = 0;
    while (pc < n) {
      switch (code[pc]) {
        case OP_TEST:
          acc = (tests[arg[pc] as number] as Predicate<L>)(labels);
          pc++;
          break;
        case OP_JUMP_IF_FALSE:
          pc = acc ? pc + 1 : (arg[pc] as number);
          break;
        case OP_JUMP_IF_TRUE:
          pc = acc ? (arg[pc] as number) : pc + 1;
          break;
        default:
          acc = !acc;
          pc++;
      }
    }
    return acc;
  };
}
