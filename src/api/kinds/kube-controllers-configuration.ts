// KubeControllersConfiguration: which kube-controllers run and how often
// they reconcile (node IPAM GC, auto host endpoints, policy name migration).
import { z } from 'zod';
import { isDns1123Subdomain } from '../schema.js';
import { annotationsSchema, labelsSchema } from '../metadata-schema.js';
import {
  crdSelector,
  enumOf,
  envelopeWithStatus,
  goDuration,
  intIn,
  looseCidr,
  regexpString,
} from '../infra-schema.js';
import { defineKind } from '../infra-kind.js';
import type { KubeControllersConfiguration, KubeControllersConfigurationSpec } from '../infra-types.js';

const mode = enumOf(['Enabled', 'Disabled']);
const reconciler = z.strictObject({ reconcilerPeriod: goDuration().optional() });

const template = z.strictObject({
  generateName: z
    .string()
    .max(253, { message: 'must be at most 253 characters' })
    .refine(isDns1123Subdomain, { message: 'must be a lowercase RFC 1123 subdomain' })
    .optional(),
  interfaceCIDRs: z.array(looseCidr).optional(),
  interfacePattern: regexpString.optional(),
  labels: labelsSchema.optional(),
  annotations: annotationsSchema.optional(),
  nodeSelector: crdSelector.optional(),
});

const specSchema = z.strictObject({
  logSeverityScreen: enumOf(['None', 'Debug', 'Info', 'Warning', 'Error', 'Fatal', 'Panic']).optional(),
  healthChecks: mode.optional(),
  etcdV3CompactionPeriod: goDuration().optional(),
  prometheusMetricsPort: intIn(0, 65535).optional(),
  controllers: z
    .strictObject({
      node: z
        .strictObject({
          reconcilerPeriod: goDuration().optional(),
          syncLabels: mode.optional(),
          hostEndpoint: z
            .strictObject({
              autoCreate: mode.optional(),
              createDefaultHostEndpoint: mode.optional(),
              templates: z.array(template).optional(),
            })
            .optional(),
          leakGracePeriod: goDuration().optional(),
        })
        .optional(),
      policy: reconciler.optional(),
      workloadEndpoint: reconciler.optional(),
      serviceAccount: reconciler.optional(),
      namespace: reconciler.optional(),
      loadBalancer: z.strictObject({ assignIPs: enumOf(['AllServices', 'RequestedServicesOnly']).optional() }).optional(),
      migration: z.strictObject({ policyNameMigrator: mode.optional() }).optional(),
    })
    .optional(),
  debugProfilePort: intIn(0, 65535).optional(),
});

const schema: z.ZodType<KubeControllersConfiguration> = envelopeWithStatus({
  kind: 'KubeControllersConfiguration',
  meta: { namespaced: false },
  spec: specSchema,
  status: z.strictObject({
    runningConfig: specSchema.optional(),
    environmentVars: z.record(z.string(), z.string()).optional(),
  }),
});

/** The CRD defaults: health checks on; present load-balancer and migration controllers get their default modes. */
export function kubeControllersDefaults(spec: KubeControllersConfigurationSpec): KubeControllersConfigurationSpec {
  const c = spec.controllers;
  return {
    ...spec,
    healthChecks: spec.healthChecks ?? 'Enabled',
    controllers:
      c === undefined
        ? {}
        : {
            ...c,
            ...(c.loadBalancer !== undefined && { loadBalancer: { ...c.loadBalancer, assignIPs: c.loadBalancer.assignIPs ?? 'AllServices' } }),
            ...(c.migration !== undefined && {
              migration: { ...c.migration, policyNameMigrator: c.migration.policyNameMigrator ?? 'Enabled' },
            }),
          },
  };
}

export const kubeControllersConfigurationKind = defineKind<KubeControllersConfiguration>({
  kind: 'KubeControllersConfiguration',
  plural: 'kubecontrollersconfigurations',
  aliases: ['kubecontrollersconfiguration', 'kubecontrollersconfig', 'kubecontrollersconfigs'],
  schema,
  applyDefaults: (r) => ({ ...r, spec: kubeControllersDefaults(r.spec) }),
});
