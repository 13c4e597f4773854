// WorkloadEndpoint (namespaced, Calico's internal API): one interface of a
// pod or VM, written by the CNI plugin and read by Felix.
import { z } from 'zod';
import { CALICO_API_VERSION } from '../meta.js';
import { defineKind } from '../infra-kind.js';
import type { IPNAT, WorkloadEndpoint, WorkloadEndpointPort } from '../policy-types.js';
import { resourceSchema } from '../metadata-schema.js';
import { ALWAYS, asArray, asObj, asString, isResourceNameOrEmpty, portNameErrors, resourceNameField } from '../rule.js';
import { cidrOrIp, ipAddress } from '../schema.js';
import { cidrContainsIp, parseCidr, parseIp } from '../net.js';
import { fastList, fastObject, NOT_FAST, onlyKeys, plainObject, resourceFastPath, stringList, stringWhere, type Fast, type Field } from '../fast-path.js';
import { endpointPortProtocol, interfaceNameField, isInterfaceName } from './host-endpoint.js';

const CONTAINER_ID_RE = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
// Go's net.ParseMAC: EUI-48/EUI-64/20-octet, with ':' or '-' per octet or '.' per four digits.
const MAC_RE = /^(?:[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){7}|[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){19}|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){2}|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){3}|[0-9A-Fa-f]{4}(?:\.[0-9A-Fa-f]{4}){9})$/;

const isContainerId = (s: string): boolean => s === '' || CONTAINER_ID_RE.test(s);
const isMacOrEmpty = (s: string): boolean => s === '' || isMac(s);
const isIpv4 = (s: string): boolean => parseIp(s)?.family === 4;
const isIpv6 = (s: string): boolean => parseIp(s)?.family === 6;
/** What cidrOrIp accepts. */
const isCidrOrIp = (s: string): boolean => parseCidr(s) !== null;

/** Go's net.ParseMAC accepts mixed separators only per octet group; this keeps to one separator. */
export function isMac(s: string): boolean {
  if (!MAC_RE.test(s)) return false;
  const seps = new Set(s.replace(/[0-9A-Fa-f]/g, ''));
  return seps.size <= 1;
}

/** Why `n` is not one strictly masked host network (a bare IP is a single host), or undefined. */
function singleHostNetProblem(n: string): string | undefined {
  const c = parseCidr(n);
  const ip = parseIp(n.includes('/') ? n.slice(0, n.indexOf('/')) : n);
  if (c === null || ip === null) return 'invalid CIDR';
  if (c.network !== ip.value) return 'CIDR is not strictly masked (host bits must be zero)';
  if (c.prefixLength !== (c.family === 4 ? 32 : 128)) return 'IP network contains multiple addresses';
  return undefined;
}

const maskedNet = z.string().superRefine((n, ctx) => {
  const problem = singleHostNetProblem(n);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const workloadEndpointPortSchema: z.ZodType<WorkloadEndpointPort> = z
  .strictObject({
    // Calico decodes a missing name as "" and reports it only when there is no host port either.
    name: z
      .string()
      .superRefine((name, ctx) => {
        for (const m of name === '' ? [] : portNameErrors(name)) ctx.addIssue({ code: 'custom', message: `invalid port name: ${m}` });
      })
      .optional()
      .transform((n) => n ?? ''),
    protocol: endpointPortProtocol('WorkloadEndpointPort'),
    port: z.number().int().min(1).max(65535),
    hostPort: z.number().int().min(0).max(65535).optional(),
    hostIP: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    const p = asObj(v) ?? {};
    if ((asString(p['name']) ?? '') === '' && (p['hostPort'] ?? 0) === 0) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'WorkloadEndpointPort name must not be empty if no HostPort is specified' });
    }
    const hostIP = asString(p['hostIP']) ?? '';
    if (hostIP !== '' && !maskedOrIp(hostIP)) ctx.addIssue({ code: 'custom', path: ['hostIP'], message: 'must be an IP address' });
  }, ALWAYS);

function maskedOrIp(s: string): boolean {
  const c = parseCidr(s);
  const ip = parseIp(s.includes('/') ? s.slice(0, s.indexOf('/')) : s);
  return c !== null && ip !== null && c.network === ip.value;
}

const ipNatSchema: z.ZodType<IPNAT> = z
  .strictObject({ internalIP: ipAddress, externalIP: ipAddress })
  .superRefine((v, ctx) => {
    const o = asObj(v);
    const i = parseIp(asString(o?.['internalIP']) ?? '');
    const e = parseIp(asString(o?.['externalIP']) ?? '');
    if (i !== null && e !== null && i.family !== e.family) {
      ctx.addIssue({ code: 'custom', path: ['externalIP'], message: 'mismatched IP versions' });
    }
  }, ALWAYS);

const ipv4 = z.string().refine(isIpv4, { message: 'must be an IPv4 address' });
const ipv6 = z.string().refine(isIpv6, { message: 'must be an IPv6 address' });
const int64 = z.number().int();

const qosControlsSchema = z.strictObject({
  ingressBandwidth: int64.optional(),
  ingressBurst: int64.optional(),
  ingressPeakrate: int64.optional(),
  ingressMinburst: int64.optional(),
  egressBandwidth: int64.optional(),
  egressBurst: int64.optional(),
  egressPeakrate: int64.optional(),
  egressMinburst: int64.optional(),
  ingressPacketRate: int64.optional(),
  ingressPacketBurst: int64.optional(),
  egressPacketRate: int64.optional(),
  egressPacketBurst: int64.optional(),
  ingressMaxConnections: int64.optional(),
  egressMaxConnections: int64.optional(),
  dscp: z.union([z.number().int().min(0).max(63), z.string()]).optional(),
});

/** Every NAT's internal IP must be one of the endpoint's own addresses. */
function checkNats(v: unknown, ctx: z.RefinementCtx): void {
  const s = asObj(v) ?? {};
  const nats = asArray(s['ipNATs']);
  if (nats.length === 0) return;
  const nets = asArray(s['ipNetworks']).map((n) => parseCidr(asString(n) ?? ''));
  for (const nat of nats) {
    const ip = parseIp(asString(asObj(nat)?.['internalIP']) ?? '');
    if (ip === null || !nets.some((c) => c !== null && cidrContainsIp(c, ip))) {
      ctx.addIssue({ code: 'custom', path: ['ipNATs'], message: 'NAT is not in the endpoint networks' });
      return;
    }
  }
}

const workloadEndpointSpecSchema = z
  .strictObject({
    orchestrator: resourceNameField.optional(),
    workload: resourceNameField.optional(),
    node: resourceNameField.optional(),
    containerID: z.string().refine(isContainerId, { message: 'invalid container ID' }).optional(),
    pod: resourceNameField.optional(),
    endpoint: resourceNameField.optional(),
    serviceAccountName: resourceNameField.optional(),
    ipNetworks: z.array(maskedNet).optional(),
    ipNATs: z.array(ipNatSchema).optional(),
    ipv4Gateway: ipv4.optional(),
    ipv6Gateway: ipv6.optional(),
    profiles: z.array(resourceNameField).optional(),
    // Calico requires an interface name on every workload endpoint (the tag has no omitempty).
    interfaceName: interfaceNameField,
    mac: z.string().refine(isMacOrEmpty, { message: 'must be a MAC address' }).optional(),
    ports: z.array(workloadEndpointPortSchema).optional(),
    allowSpoofedSourcePrefixes: z.array(cidrOrIp).optional(),
    qosControls: qosControlsSchema.optional(),
  })
  .superRefine(checkNats, ALWAYS);

const META = { namespaced: true };

const schema: z.ZodType<WorkloadEndpoint> = resourceSchema({
  apiVersion: CALICO_API_VERSION,
  kind: 'WorkloadEndpoint',
  meta: META,
  spec: workloadEndpointSpecSchema,
});

// ---- the fast path: a WorkloadEndpoint as the CNI plugin writes it ----

const FAST_PORT_KEYS = new Set(['name', 'protocol', 'port']);

/** A named port without host port or host IP (those go the full way): {name, protocol, port} as zod orders them. */
function fastPort(v: unknown): Fast<WorkloadEndpointPort> {
  const p = plainObject(v);
  if (p === undefined || !onlyKeys(p, FAST_PORT_KEYS)) return NOT_FAST;
  const { name, protocol, port } = p;
  if (typeof name !== 'string' || name === '' || portNameErrors(name).length > 0) return NOT_FAST;
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') return NOT_FAST;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return NOT_FAST;
  return { name, protocol, port };
}

const resourceName = stringWhere(isResourceNameOrEmpty);

/** workloadEndpointSpecSchema's shape order; NATs and QoS controls are left to the full validation. The interface name is required. */
const FAST_SPEC_FIELDS: readonly Field[] = [
  ['orchestrator', resourceName],
  ['workload', resourceName],
  ['node', resourceName],
  ['containerID', stringWhere(isContainerId)],
  ['pod', resourceName],
  ['endpoint', resourceName],
  ['serviceAccountName', resourceName],
  ['ipNetworks', (v) => stringList(v, (n) => singleHostNetProblem(n) === undefined)],
  ['ipv4Gateway', stringWhere(isIpv4)],
  ['ipv6Gateway', stringWhere(isIpv6)],
  ['profiles', (v) => stringList(v, isResourceNameOrEmpty)],
  ['interfaceName', stringWhere(isInterfaceName)],
  ['mac', stringWhere(isMacOrEmpty)],
  ['ports', fastList(fastPort)],
  ['allowSpoofedSourcePrefixes', (v) => stringList(v, isCidrOrIp)],
];

/** Exported for the test that it agrees with the full validation. */
export const workloadEndpointFastPath = resourceFastPath<WorkloadEndpoint>({ apiVersion: CALICO_API_VERSION, kind: 'WorkloadEndpoint', meta: META, spec: fastObject(FAST_SPEC_FIELDS, undefined, ['interfaceName']) });

export const workloadEndpointKind = defineKind<WorkloadEndpoint>({
  kind: 'WorkloadEndpoint',
  namespaced: true,
  plural: 'workloadendpoints',
  aliases: ['workloadendpoint', 'wep', 'weps'],
  schema,
  fastPath: workloadEndpointFastPath,
});
