// Public surface of the reference policy model: a pure function of Calico
// resources and one flow, giving Felix's verdict per direction and why.
//
// Not modelled (yet): Service matches in rules (they need EndpointSlices; such
// rules never match and are reported), DNAT (flows are post-DNAT), conntrack
// (every flow is a new connection), host-to-own-address traffic over lo,
// another node's addresses without a HostEndpoint (they count as outside
// addresses; only a workload's own node is known from its Node resource),
// which host endpoint forwarded traffic crosses (the flow names it: Flow.via),
// IPVS and BPF-dataplane specifics.
export { buildPolicyModel, PolicyModel, endpointKey, formatEndpointRef, formatPolicyId, type PolicySummary } from './model.js';
export { defaultTypes } from './compile.js';
export { namespaceProfile, serviceAccountProfile, podWorkloadEndpoint, type PodSpec } from './k8s.js';
export { protocolNumber } from './rules.js';
export { DEFAULT_FAILSAFE_INBOUND, DEFAULT_FAILSAFE_OUTBOUND, parseFailsafe } from './failsafe.js';
export { policyResourcesOf, isPolicyResource } from './resources.js';
export { explainVerdict, formatDecision, formatDirection, formatTraceStep } from './format.js';
export type * from './types.js';
