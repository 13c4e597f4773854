// Public surface of the reference policy model.
export { buildPolicyModel, PolicyModel, endpointKey, formatEndpointRef, formatPolicyId } from './model.js';
export { defaultTypes } from './compile.js';
export { namespaceProfile, serviceAccountProfile, podWorkloadEndpoint, type PodSpec } from './k8s.js';
export { protocolNumber } from './rules.js';
export type * from './types.js';
export { policyResourcesOf, isPolicyResource } from './resources.js';
export { explainVerdict, formatDecision, formatDirection, formatTraceStep } from './format.js';
