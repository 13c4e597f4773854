// HostEndpoint (cluster-scoped): one interface (or all, `*`) of a host, which
// policy can then select like a workload.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { EndpointPort, HostEndpoint } from '../policy-types.js';
import { resourceSchema } from '../metadata-schema.js';
import { ALWAYS, asArray, asObj, asString, portNameErrors, protocolNumber, protocolSchema, protocolSupportsPorts, resourceNameField } from '../rule.js';
import { ipAddress } from '../schema.js';

const INTERFACE_RE = /^[a-zA-Z0-9_.-]{1,15}$/;

/** `*` (every interface of the host), or a Linux interface name. */
export function isInterfaceName(s: string): boolean {
  return s === '*' || INTERFACE_RE.test(s);
}

export const interfaceNameField = z.string().refine(isInterfaceName, {
  message: 'must be "*" or an interface name matching ^[a-zA-Z0-9_.-]{1,15}$',
});

export const portNameField = z.string().superRefine((name, ctx) => {
  if (name === '') ctx.addIssue({ code: 'custom', message: 'port name must be specified' });
  for (const m of name === '' ? [] : portNameErrors(name)) ctx.addIssue({ code: 'custom', message: `invalid port name: ${m}` });
});

const PORT_PROTOCOL_NAMES: Readonly<Record<number, 'TCP' | 'UDP' | 'SCTP'>> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

/**
 * The protocol of a named port: TCP, UDP or SCTP (by name or number; stored
 * by name). `what` is Calico's name for the port type in its message.
 */
export function endpointPortProtocol(what: string) {
  return protocolSchema.transform((p, ctx): 'TCP' | 'UDP' | 'SCTP' => {
    const name = PORT_PROTOCOL_NAMES[protocolNumber(p) ?? -1];
    if (name === undefined || !protocolSupportsPorts(p)) {
      ctx.addIssue({ code: 'custom', message: `${what} protocol does not support ports.` });
      return z.NEVER;
    }
    return name;
  });
}

export const endpointPortSchema: z.ZodType<EndpointPort> = z.strictObject({
  name: portNameField,
  protocol: endpointPortProtocol('EndpointPort'),
  port: z.number().int().min(1).max(65535),
});

const hostEndpointSpecSchema = z
  .strictObject({
    node: resourceNameField.optional(),
    interfaceName: interfaceNameField.optional(),
    expectedIPs: z.array(ipAddress).optional(),
    profiles: z.array(resourceNameField).optional(),
    ports: z.array(endpointPortSchema).optional(),
  })
  .superRefine((v, ctx) => {
    const s = asObj(v) ?? {};
    if ((asString(s['node']) ?? '') === '') ctx.addIssue({ code: 'custom', path: ['node'], message: 'node must be specified' });
    if ((asString(s['interfaceName']) ?? '') === '' && asArray(s['expectedIPs']).length === 0) {
      ctx.addIssue({ code: 'custom', message: 'at least one of interfaceName or expectedIPs must be specified' });
    }
  }, ALWAYS);

const schema: z.ZodType<HostEndpoint> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'HostEndpoint',
  meta: { namespaced: false },
  spec: hostEndpointSpecSchema,
});

export const hostEndpointKind = defineKind<HostEndpoint>({
  kind: 'HostEndpoint',
  plural: 'hostendpoints',
  aliases: ['hostendpoint', 'hep', 'heps'],
  schema,
});
