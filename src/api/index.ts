// The API layer's public surface: resource types, the kind registry,
// validation results, and reading/printing manifests.
export * from './errors.js';
export * from './meta.js';
export * from './net.js';
export type { KindDefinition } from './kind.js';
export type * from './policy-types.js';
export type * from './k8s-types.js';
export type * from './infra-types.js';

export { allKinds, kindByName, kindFor, kindNameList, kindNames } from './kinds.js';
export {
  collect,
  decodeAll,
  decodeManifests,
  documentErrors,
  formatDocumentError,
  type DecodeAllResult,
  type DecodedDocument,
  type DecodeOptions,
  type DecodeResult,
  type DocumentError,
} from './decode.js';
export { loadAll, loadManifests, manifestFiles, type LoadOptions } from './load.js';
export { encodeResources, resourceList, toJson, toYaml, type OutputFormat, type ResourceList } from './encode.js';
export { formatGoDuration, parseAsNumber, parseGoDuration } from './go-values.js';

export {
  DEFAULT_ALLOWED_USES,
  DEFAULT_BLOCK_SIZE,
  ipPoolBlockSizeErrors,
  ipPoolDefaults,
  ipPoolKind,
  ipPoolOverlapErrors,
  ipPoolUpdateErrors,
} from './kinds/ip-pool.js';
export { ipReservationKind } from './kinds/ip-reservation.js';
export { ipamConfigurationDefaults, ipamConfigurationKind } from './kinds/ipam-configuration.js';
export { BGP_BUILTIN_DEFAULTS, bgpConfigurationDefaults, bgpConfigurationKind, communityValueError } from './kinds/bgp-configuration.js';
export { bgpPeerKind, parsePeerIP } from './kinds/bgp-peer.js';
export { bgpFilterKind } from './kinds/bgp-filter.js';
export { nodeKind } from './kinds/node.js';
export { felixConfigurationDefaults, felixConfigurationKind } from './kinds/felix-configuration.js';
export { clusterInformationKind } from './kinds/cluster-information.js';
export { calicoNodeStatusKind } from './kinds/calico-node-status.js';
export { kubeControllersConfigurationKind, kubeControllersDefaults } from './kinds/kube-controllers-configuration.js';
