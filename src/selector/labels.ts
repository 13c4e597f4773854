// Label sources for ParsedSelector.evaluateSource: views over label records
// that answer lookups without copying them into one record.
import type { Labels } from '../api/meta.js';
import type { LabelSource } from './compile.js';

function own(labels: Labels, key: string): string | undefined {
  const v = labels[key];
  // Prototype members such as `constructor` are not labels.
  return typeof v === 'string' ? v : undefined;
}

/** A plain label record as a LabelSource. */
export function labelSource(labels: Labels): LabelSource {
  return { get: (key) => own(labels, key) };
}

/**
 * Felix's label inheritance: an endpoint's own labels first, then each of
 * its profiles' labels in profile order; the first that has the key wins.
 * Holds references, so later changes to the records are seen.
 */
export class InheritedLabels implements LabelSource {
  constructor(
    readonly own: Labels,
    readonly parents: readonly Labels[],
  ) {}

  get(key: string): string | undefined {
    const v = own(this.own, key);
    if (v !== undefined) return v;
    for (const parent of this.parents) {
      const pv = own(parent, key);
      if (pv !== undefined) return pv;
    }
    return undefined;
  }
}
