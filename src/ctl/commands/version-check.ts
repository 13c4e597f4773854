// The client's version, and calicoctl's refusal to work against a cluster
// running another Calico version (unless --allow-version-mismatch).
import { calicoTsVersion } from '../../api/version.js';
import { CtlError } from './errors.js';
import type { ResourceClient } from './resource-client.js';

/** `v` + package.json's version, as calicoctl's buildinfo.Version reads. */
export const clientVersion = calicoTsVersion;

/** The version without `v` and without a `-suffix`: what calicoctl compares. */
function comparable(v: string): string {
  return (v.startsWith('v') ? v.slice(1) : v).split('-')[0] ?? '';
}

/** An error when ClusterInformation names a different Calico version; nothing when it is absent or unset. */
export async function checkVersionMismatch(client: ResourceClient): Promise<Error | undefined> {
  let spec: { calicoVersion?: unknown } | undefined;
  try {
    const ci = await client.datastore.get({ kind: 'ClusterInformation', name: 'default' });
    if (ci === undefined) return undefined;
    spec = ci.spec as { calicoVersion?: unknown } | undefined;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return new CtlError(
      'other',
      `unable to get Cluster Information to verify version mismatch: ${why}\nUse --allow-version-mismatch to override`,
    );
  }
  const clusterVersion = typeof spec?.calicoVersion === 'string' ? spec.calicoVersion : '';
  if (clusterVersion === '') return undefined;
  const cluster = comparable(clusterVersion);
  if (cluster === comparable(clientVersion())) return undefined;
  return new CtlError(
    'other',
    `version mismatch.\nClient Version:   ${clientVersion()}\nCluster Version:  ${cluster}\nUse --allow-version-mismatch to override`,
  );
}
