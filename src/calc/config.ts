// FelixConfiguration merging: the cluster-wide `default` object, overridden
// field by field by this host's `node.<hostname>` object. Values are passed
// on as Felix's config map: Felix's parameter names, string values.
import { felixConfigName, felixConfigValue } from './felix-config-names.js';
import type { DataplaneConfig } from './types.js';

type Spec = Readonly<Record<string, unknown>>;

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
      for (const [field, v] of Object.entries(spec ?? {})) {
        const name = felixConfigName(field);
        const value = felixConfigValue(name, v);
        if (value !== undefined) merged[name] = value;
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
