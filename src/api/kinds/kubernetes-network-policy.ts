// Kubernetes NetworkPolicy (networking.k8s.io/v1), validated as the
// Kubernetes API server does; Calico enforces it after conversion
// (src/api/k8s-convert.ts).
import { z } from 'zod';
import { K8S_NETWORKING_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type {
  IPBlock,
  K8sEgressRule,
  K8sIngressRule,
  K8sNetworkPolicyPeer,
  K8sNetworkPolicyPort,
  K8sNetworkPolicySpec,
  KubernetesNetworkPolicy,
  LabelSelector,
  LabelSelectorRequirement,
} from '../k8s-types.js';
import { labelsSchema, labelValueErrors, qualifiedNameErrors, resourceSchema } from '../metadata-schema.js';
import { ALWAYS, asArray, asObj, asString, portNameErrors } from '../rule.js';
import { cidrContainsCidr, parseCidr } from '../net.js';
import { fastLabels, fastList, fastObject, NOT_FAST, oneOf, resourceFastPath, stringWhere } from '../fast-path.js';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** In and NotIn need values, Exists and DoesNotExist take none. */
function checkRequirement(v: unknown, ctx: z.RefinementCtx): void {
  const r = asObj(v) ?? {};
  const n = asArray(r['values']).length;
  if ((r['operator'] === 'In' || r['operator'] === 'NotIn') && n === 0) {
    ctx.addIssue({ code: 'custom', path: ['values'], message: "must be specified when `operator` is 'In' or 'NotIn'" });
  }
  if ((r['operator'] === 'Exists' || r['operator'] === 'DoesNotExist') && n > 0) {
    ctx.addIssue({ code: 'custom', path: ['values'], message: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
  }
}

const requirementSchema: z.ZodType<LabelSelectorRequirement> = z
  .strictObject({
    key: z.string().superRefine((k, ctx) => {
      for (const m of qualifiedNameErrors(k)) ctx.addIssue({ code: 'custom', message: m });
    }),
    operator: z.enum(OPERATORS, { message: 'Unsupported value: supported values: "In", "NotIn", "Exists", "DoesNotExist"' }),
    values: z
      .array(z.string())
      .superRefine((vs, ctx) => {
        vs.forEach((v, i) => {
          for (const m of labelValueErrors(v)) ctx.addIssue({ code: 'custom', path: [i], message: m });
        });
      })
      .optional(),
  })
  .superRefine(checkRequirement, ALWAYS);

export const labelSelectorSchema: z.ZodType<LabelSelector> = z.strictObject({
  matchLabels: labelsSchema.optional(),
  matchExpressions: z.array(requirementSchema).optional(),
});

function cidrFormatOk(s: string): boolean {
  return s.includes('/') && parseCidr(s) !== null;
}

/** Every exception a CIDR strictly inside the block's. */
function checkIpBlock(v: unknown, ctx: z.RefinementCtx): void {
  const b = asObj(v) ?? {};
  const outer = cidrFormatOk(asString(b['cidr']) ?? '') ? parseCidr(asString(b['cidr']) ?? '') : null;
  asArray(b['except']).forEach((e, i) => {
    const s = asString(e) ?? '';
    const inner = cidrFormatOk(s) ? parseCidr(s) : null;
    if (inner === null) ctx.addIssue({ code: 'custom', path: ['except', i], message: 'not a valid CIDR' });
    else if (outer !== null && (!cidrContainsCidr(outer, inner) || inner.prefixLength <= outer.prefixLength)) {
      ctx.addIssue({ code: 'custom', path: ['except', i], message: 'must be a strict subset of `cidr`' });
    }
  });
}

const ipBlockSchema: z.ZodType<IPBlock> = z
  .strictObject({
    cidr: z.string().superRefine((c, ctx) => {
      if (c === '') ctx.addIssue({ code: 'custom', message: 'required field is missing' });
      else if (!cidrFormatOk(c)) ctx.addIssue({ code: 'custom', message: 'not a valid CIDR' });
    }),
    except: z.array(z.string()).optional(),
  })
  .superRefine(checkIpBlock, ALWAYS);

/** One kind of peer, and an IP block alone. */
function checkPeer(v: unknown, ctx: z.RefinementCtx): void {
  const p = asObj(v) ?? {};
  const n = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => p[k] !== undefined).length;
  if (n === 0) ctx.addIssue({ code: 'custom', message: 'must specify a peer' });
  else if (n > 1 && p['ipBlock'] !== undefined) ctx.addIssue({ code: 'custom', message: 'may not specify both ipBlock and another peer' });
}

const peerSchema: z.ZodType<K8sNetworkPolicyPeer> = z
  .strictObject({
    podSelector: labelSelectorSchema.optional(),
    namespaceSelector: labelSelectorSchema.optional(),
    ipBlock: ipBlockSchema.optional(),
  })
  .superRefine(checkPeer, ALWAYS);

const PORT_NUMBER_MSG = 'must be between 1 and 65535, inclusive';

/** Port numbers in range, an end port only after a numeric port and not below it, port names as Kubernetes allows. */
function checkPort(v: unknown, ctx: z.RefinementCtx): void {
  const p = asObj(v) ?? {};
  const port = p['port'];
  const endPort = p['endPort'];
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const inRange = (n: unknown) => typeof n === 'number' && n >= 1 && n <= 65535;
  if (typeof port === 'number') {
    if (!inRange(port)) issue('port', PORT_NUMBER_MSG);
    if (typeof endPort === 'number') {
      if (endPort < port) issue('endPort', 'must be greater than or equal to `port`');
      if (!inRange(endPort)) issue('endPort', PORT_NUMBER_MSG);
    }
  } else if (typeof port === 'string') {
    if (endPort !== undefined) issue('endPort', 'may not be specified when `port` is non-numeric');
    for (const m of portNameErrors(port)) issue('port', m);
  } else if (port === undefined && endPort !== undefined) {
    issue('endPort', 'may not be specified when `port` is not specified');
  }
}

const portSchema: z.ZodType<K8sNetworkPolicyPort> = z
  .strictObject({
    protocol: z.enum(['TCP', 'UDP', 'SCTP'], { message: 'Unsupported value: supported values: "SCTP", "TCP", "UDP"' }).optional(),
    port: z.union([z.number().int(), z.string()]).optional(),
    endPort: z.number().int().optional(),
  })
  .superRefine(checkPort, ALWAYS);

const ingressRuleSchema: z.ZodType<K8sIngressRule> = z.strictObject({
  from: z.array(peerSchema).optional(),
  ports: z.array(portSchema).optional(),
});

const egressRuleSchema: z.ZodType<K8sEgressRule> = z.strictObject({
  to: z.array(peerSchema).optional(),
  ports: z.array(portSchema).optional(),
});

export const policyTypesSchema = z.array(z.enum(['Ingress', 'Egress'], { message: 'Unsupported value: supported values: "Egress", "Ingress"' })).max(2, 'may not specify more than two policyTypes');

/** The fields of a k8s NetworkPolicy spec (the staged kind adds `stagedAction`). */
export const k8sPolicySpecFields = {
  podSelector: labelSelectorSchema.optional(),
  ingress: z.array(ingressRuleSchema).optional(),
  egress: z.array(egressRuleSchema).optional(),
  policyTypes: policyTypesSchema.optional(),
};

// Kubernetes decodes an absent podSelector as the empty one (every pod).
const specSchema: z.ZodType<K8sNetworkPolicySpec> = z
  .strictObject(k8sPolicySpecFields)
  .transform((s) => ({ ...s, podSelector: s.podSelector ?? {} }));

const META = { namespaced: true };

const schema: z.ZodType<KubernetesNetworkPolicy> = resourceSchema({
  apiVersion: K8S_NETWORKING_API_VERSION,
  kind: 'NetworkPolicy',
  meta: META,
  spec: specSchema,
});

// ---- the fast path (see fast-path.ts): the same checks on the common shapes, the same value ----

const anyString = stringWhere(() => true);
const safeInteger = (v: unknown): unknown => (Number.isSafeInteger(v) ? v : NOT_FAST);

const fastSelector = fastObject([
  ['matchLabels', fastLabels],
  [
    'matchExpressions',
    fastList(
      fastObject(
        [
          ['key', stringWhere((k) => qualifiedNameErrors(k).length === 0)],
          ['operator', oneOf(OPERATORS)],
          ['values', fastList(stringWhere((x) => labelValueErrors(x).length === 0))],
        ],
        checkRequirement,
        ['key', 'operator'],
      ),
    ),
  ],
]);
const fastIpBlock = fastObject(
  [
    ['cidr', stringWhere((c) => c !== '' && cidrFormatOk(c))],
    ['except', fastList(anyString)],
  ],
  checkIpBlock,
  ['cidr'],
);
const fastPeer = fastObject(
  [
    ['podSelector', fastSelector],
    ['namespaceSelector', fastSelector],
    ['ipBlock', fastIpBlock],
  ],
  checkPeer,
);
const fastPort = fastObject(
  [
    ['protocol', oneOf(['TCP', 'UDP', 'SCTP'])],
    ['port', (v) => (typeof v === 'string' ? v : safeInteger(v))],
    ['endPort', safeInteger],
  ],
  checkPort,
);
const fastSpecFields = fastObject([
  ['podSelector', fastSelector],
  ['ingress', fastList(fastObject([['from', fastList(fastPeer)], ['ports', fastList(fastPort)]]))],
  ['egress', fastList(fastObject([['to', fastList(fastPeer)], ['ports', fastList(fastPort)]]))],
  ['policyTypes', fastList(oneOf(['Ingress', 'Egress']), 2)],
]);

/** Exported for the test that it agrees with the full validation. */
export const kubernetesNetworkPolicyFastPath = resourceFastPath<KubernetesNetworkPolicy>({
  apiVersion: K8S_NETWORKING_API_VERSION,
  kind: 'NetworkPolicy',
  meta: META,
  spec: (s) => {
    const spec = fastSpecFields(s);
    // As specSchema's transform: an absent podSelector is the empty one, added last.
    return spec === NOT_FAST ? NOT_FAST : { ...spec, podSelector: spec['podSelector'] ?? {} };
  },
});

export const kubernetesNetworkPolicyKind = defineKind<KubernetesNetworkPolicy>({
  kind: 'NetworkPolicy',
  apiVersion: K8S_NETWORKING_API_VERSION,
  namespaced: true,
  plural: 'networkpolicies',
  aliases: ['kubernetesnetworkpolicy', 'kubernetesnetworkpolicies', 'knp'],
  schema,
  applyDefaults: applyKubernetesDefaults,
  fastPath: kubernetesNetworkPolicyFastPath,
});

/**
 * What the Kubernetes API server fills in: each port's protocol (TCP) and,
 * when no policyTypes are listed, Ingress plus Egress if there are egress
 * rules. (Calico's converter, given a policy without them, assumes Ingress only.)
 */
export function applyKubernetesDefaults(r: KubernetesNetworkPolicy): KubernetesNetworkPolicy {
  const withProto = <T extends { readonly ports?: readonly K8sNetworkPolicyPort[] }>(rule: T): T =>
    rule.ports === undefined ? rule : { ...rule, ports: rule.ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) };
  const spec = r.spec;
  const policyTypes: K8sNetworkPolicySpec['policyTypes'] =
    spec.policyTypes !== undefined && spec.policyTypes.length > 0
      ? spec.policyTypes
      : (spec.egress ?? []).length > 0
        ? ['Ingress', 'Egress']
        : ['Ingress'];
  return {
    ...r,
    spec: {
      ...spec,
      ...(spec.ingress === undefined ? {} : { ingress: spec.ingress.map(withProto) }),
      ...(spec.egress === undefined ? {} : { egress: spec.egress.map(withProto) }),
      policyTypes,
    },
  };
}
