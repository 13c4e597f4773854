// The version every Calico-TS program reports (calicoctl's client version,
// calico-node's calicoVersion in ClusterInformation): `v` + package.json's.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function calicoTsVersion(): string {
  if (cached === undefined) {
    // src/api/ and dist/api/ both sit two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    cached = `v${pkg.version ?? 'unknown'}`;
  }
  return cached;
}
