// The WorkloadEndpoint the plugin writes for Felix, as upstream's k8s.go and
// plugin.go fill it in, and the per-network Profile it ensures when no policy
// type is configured.
import type { StoredResource } from '../datastore/types.js';
import type { Datastore } from '../datastore/types.js';
import { CalicoError } from '../api/errors.js';
import type { IPNAT } from '../api/policy-types.js';
import { CniCode, CniError, toCniError } from './errors.js';
import { workloadEndpointName, type PodInfo, type WepIdentifiers } from './identity.js';
import type { NetConf } from './netconf.js';

const API_VERSION = 'projectcalico.org/v3';

export interface WorkloadFacts {
  readonly ids: WepIdentifiers;
  readonly conf: NetConf;
  readonly pod: PodInfo;
  /** /32 and /128 networks. */
  readonly ipNetworks: readonly string[];
  /** Floating IPs (spec.ipNATs); none when empty. */
  readonly ipNATs?: readonly IPNAT[];
  readonly interfaceName: string;
  readonly mac: string;
}

/** Labels and profiles: from the pod with policy type k8s, else the network name (upstream). */
export function buildWorkloadEndpoint(f: WorkloadFacts): StoredResource {
  const { ids, conf, pod } = f;
  const k8sPolicy = conf.policyType === 'k8s' && ids.orchestrator === 'k8s';
  const labels: Record<string, string> = {};
  let profiles: string[] = [conf.name];
  const sa = k8sPolicy ? pod.serviceAccountName : '';
  if (k8sPolicy) {
    Object.assign(labels, pod.labels);
    labels['projectcalico.org/namespace'] = ids.namespace;
    labels['projectcalico.org/orchestrator'] = 'k8s';
    // Upstream keeps the label only below the 63-character label-value limit.
    if (sa !== '' && sa.length < 63) labels['projectcalico.org/serviceaccount'] = sa;
    profiles = [`kns.${ids.namespace}`, ...(sa !== '' ? [`ksa.${ids.namespace}.${sa}`] : [])];
  }
  const spoof = k8sPolicy ? pod.annotations['cni.projectcalico.org/allowedSourcePrefixes'] : undefined;
  const spec: Record<string, unknown> = {
    orchestrator: ids.orchestrator,
    node: ids.node,
    ...(ids.orchestrator === 'k8s' ? { pod: ids.pod } : {}),
    endpoint: ids.endpoint,
    containerID: ids.containerId,
    ipNetworks: [...f.ipNetworks],
    ...(f.ipNATs !== undefined && f.ipNATs.length > 0 ? { ipNATs: f.ipNATs.map((n) => ({ ...n })) } : {}),
    profiles,
    interfaceName: f.interfaceName,
    mac: f.mac,
    ...(k8sPolicy && pod.ports.length > 0 ? { ports: pod.ports } : {}),
    ...(sa !== '' ? { serviceAccountName: sa } : {}),
    ...(spoof !== undefined ? { allowSpoofedSourcePrefixes: prefixList(spoof) } : {}),
  };
  return {
    apiVersion: API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: { name: workloadEndpointName(ids), namespace: ids.namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
    spec,
  };
}

function prefixList(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // Reported below.
  }
  throw new CniError(CniCode.invalidNetworkConfig, `error parsing cni.projectcalico.org/allowedSourcePrefixes: expected a JSON list of CIDRs, got ${text}`);
}

export function wepKey(ids: WepIdentifiers): { kind: string; namespace: string; name: string } {
  return { kind: 'WorkloadEndpoint', namespace: ids.namespace, name: workloadEndpointName(ids) };
}

/** Create, or update the endpoint a previous ADD of the same pod wrote (upstream CreateOrUpdate). */
export async function writeWorkloadEndpoint(ds: Datastore, wep: StoredResource): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await ds.get({ kind: wep.kind, namespace: wep.metadata.namespace ?? '', name: wep.metadata.name });
    try {
      if (existing === undefined) await ds.create(wep);
      else await ds.update({ ...wep, metadata: { ...wep.metadata, resourceVersion: existing.metadata.resourceVersion ?? '' } });
      return;
    } catch (err) {
      if (err instanceof CalicoError && (err.code === 'conflict' || err.code === 'already-exists' || err.code === 'not-found')) continue;
      throw toCniError(err, 'error writing WorkloadEndpoint');
    }
  }
  throw toCniError(new CalicoError('conflict', 'WorkloadEndpoint kept changing while being written'), 'error writing WorkloadEndpoint');
}

/**
 * DEL's endpoint removal: an endpoint whose containerID names another
 * container belongs to a newer sandbox of the same pod and stays.
 */
export async function deleteWorkloadEndpoint(ds: Datastore, ids: WepIdentifiers): Promise<'deleted' | 'absent' | 'kept'> {
  const key = wepKey(ids);
  for (let attempt = 0; attempt < 6; attempt++) {
    const wep = await ds.get(key);
    if (wep === undefined) return 'absent';
    const owner = (wep.spec as { containerID?: string } | undefined)?.containerID ?? '';
    if (owner !== '' && owner !== ids.containerId) return 'kept';
    try {
      await ds.delete(key, wep.metadata.resourceVersion);
      return 'deleted';
    } catch (err) {
      if (err instanceof CalicoError && err.code === 'not-found') return 'absent';
      if (err instanceof CalicoError && err.code === 'conflict') continue;
      throw toCniError(err, 'error deleting WorkloadEndpoint');
    }
  }
  throw toCniError(new CalicoError('conflict', 'WorkloadEndpoint kept changing while being deleted'), 'error deleting WorkloadEndpoint');
}

/**
 * With no policy type, the network's Profile must exist: ingress allowed from
 * everything (k8s) or from members (has(<name>)), egress allowed, and every
 * member labelled `<name>: ""`. The plugin never updates an existing one.
 */
export async function ensureNetworkProfile(ds: Datastore, conf: NetConf, orchestrator: string): Promise<void> {
  if (conf.policyType !== '') return;
  if ((await ds.get({ kind: 'Profile', name: conf.name })) !== undefined) return;
  const ingress = orchestrator === 'k8s' ? [{ action: 'Allow' }] : [{ action: 'Allow', source: { selector: `has(${conf.name})` } }];
  try {
    await ds.create({
      apiVersion: API_VERSION,
      kind: 'Profile',
      metadata: { name: conf.name },
      spec: { ingress, egress: [{ action: 'Allow' }], labelsToApply: { [conf.name]: '' } },
    });
  } catch (err) {
    if (err instanceof CalicoError && err.code === 'already-exists') return;
    throw toCniError(err, `error creating profile ${conf.name}`);
  }
}
