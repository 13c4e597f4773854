// Public surface of Calico's selector language. (Contract stub: the selector
// component replaces the implementation; the signatures stay.)
import type { Labels } from '../api/meta.js';

export interface Selector {
  /** The text as the user wrote it. */
  readonly source: string;
  /** Upstream's normalised String() form. */
  readonly canonical: string;
  /** Evaluates against a label set; no parsing happens here. */
  evaluate(labels: Labels): boolean;
}

export class SelectorParseError extends Error {
  /** 0-based character offset in the input where the problem was found. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'SelectorParseError';
    this.position = position;
  }
}

/** Parses a selector; throws SelectorParseError. */
export function parseSelector(text: string): Selector {
  throw new SelectorParseError(`selector parser not implemented: ${text}`, 0);
}
