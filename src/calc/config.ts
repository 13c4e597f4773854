// FelixConfiguration merging: the cluster-wide `default` object, overridden
// field by field by this host's `node.<hostname>` object. Values are passed
// on as strings (Felix's config map), keyed by the v3 field names.
import type { DataplaneConfig } from './types.js';

type Spec = Readonly<Record<string, unknown>>;

function asString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export class ConfigCalculator {
  private global: Spec | undefined;
  private host: Spec | undefined;
  private last: string | undefined;
  private merged: DataplaneConfig = {};

  constructor(private readonly hostname: string) {}

  /** Returns the merged config when the update changed it, else undefined. */
  onUpdate(name: string, spec: Spec | undefined): DataplaneConfig | undefined {
    if (name === 'default') this.global = spec;
    else if (name === `node.${this.hostname}`) this.host = spec;
    else return undefined;
    return this.changed();
  }

  /** The merged config if it differs from what was last returned (the first call always returns it). */
  changed(): DataplaneConfig | undefined {
    const merged: Record<string, string> = {};
    for (const spec of [this.global, this.host]) {
      for (const [k, v] of Object.entries(spec ?? {})) {
        if (v !== undefined && v !== null) merged[k] = asString(v);
      }
    }
    const text = JSON.stringify(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    this.merged = merged;
    if (text === this.last) return undefined;
    this.last = text;
    return merged;
  }

  current(): DataplaneConfig {
    return this.merged;
  }
}
