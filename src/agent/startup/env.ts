// calico-node's start-up settings, read from the environment as upstream's
// node startup reads them (node/pkg/lifecycle/startup). Every malformed value
// is reported at once, naming its variable, before anything is written:
// upstream finds some of them only half-way through, after the Node is
// already written.
import { fieldError, type FieldError } from '../../api/errors.js';
import { parseAsNumber } from '../../api/go-values.js';
import type { EncapMode, IPPoolSpec } from '../../api/infra-types.js';
import { ipPoolKind } from '../../api/kinds/ip-pool.js';
import { CALICO_API_VERSION } from '../../api/meta.js';
import { formatCidr, parseCidr, parseIp, type IpFamily, type ParsedCidr } from '../../api/net.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** CALICO_NETWORKING_BACKEND: `none` is policy-only, where the Node gets no BGP section. */
export type NetworkingBackend = 'bird' | 'vxlan' | 'none';

/** `IP` / `IP6`: unset (autodetect IPv4 only when the Node has no address yet), autodetect, none, or a value. */
export type AddressSetting =
  | { readonly kind: 'unset' }
  | { readonly kind: 'autodetect' }
  | { readonly kind: 'none' }
  | { readonly kind: 'explicit'; readonly text: string };

/** `IP_AUTODETECTION_METHOD` / `IP6_AUTODETECTION_METHOD`. */
export type DetectionMethod =
  | { readonly kind: 'first-found' }
  | { readonly kind: 'interface'; readonly patterns: readonly string[]; readonly match: RegExp }
  | { readonly kind: 'skip-interface'; readonly patterns: readonly string[]; readonly match: RegExp }
  | { readonly kind: 'can-reach'; readonly destination: string }
  | { readonly kind: 'cidr'; readonly cidrs: readonly ParsedCidr[] }
  | { readonly kind: 'kubernetes-internal-ip' };

/** A default pool to create when no pool of its family exists; `cidr` undefined = upstream's default choice. */
export interface PoolRequest {
  readonly family: IpFamily;
  readonly name: string;
  readonly cidr?: ParsedCidr;
  readonly blockSize: number;
  readonly ipipMode: EncapMode;
  readonly vxlanMode: EncapMode;
  readonly natOutgoing: boolean;
  readonly nodeSelector: string;
  readonly disableBGPExport: boolean;
}

export interface StartupConfig {
  readonly nodeName: string;
  readonly backend: NetworkingBackend;
  readonly ip: Readonly<Record<IpFamily, AddressSetting>>;
  readonly method: Readonly<Record<IpFamily, DetectionMethod>>;
  readonly asNumber?: number;
  /** CALICO_K8S_NODE_REF: the orchestrator's name for this node. */
  readonly k8sNodeRef?: string;
  readonly disableNodeIpCheck: boolean;
  /** Absent families get no default pool (`none`, or NO_DEFAULT_POOLS=true). */
  readonly pools: { readonly 4?: PoolRequest; readonly 6?: PoolRequest };
  /** FELIX_IPV6SUPPORT as startup reads it; the IPv6 pool also needs the kernel's IPv6. */
  readonly ipv6Support: boolean;
}

export const DEFAULT_POOL_NAME: Readonly<Record<IpFamily, string>> = { 4: 'default-ipv4-ippool', 6: 'default-ipv6-ippool' };
const IP_VAR: Readonly<Record<IpFamily, string>> = { 4: 'IP', 6: 'IP6' };
const METHOD_VAR: Readonly<Record<IpFamily, string>> = { 4: 'IP_AUTODETECTION_METHOD', 6: 'IP6_AUTODETECTION_METHOD' };

/** Upstream's evaluateENVBool: a set variable is true unless it reads false, 0, no, n or f (empty counts as set). */
export function envBool(env: Env, name: string, dflt: boolean): boolean {
  const v = env[name];
  if (v === undefined) return dflt;
  return !['false', '0', 'no', 'n', 'f'].includes(v.toLowerCase());
}

/** Upstream splits lists of regexes and CIDRs on commas with any spaces around them. */
function splitList(text: string): string[] {
  return text.split(/\s*,\s*/);
}

/** The regexes as one alternation, as upstream joins them (`(a)|(b)`). */
function alternation(variable: string, patterns: readonly string[], errors: FieldError[]): RegExp {
  try {
    return new RegExp(`(${patterns.join(')|(')})`);
  } catch (err) {
    errors.push(fieldError('invalid-value', variable, `invalid interface regex: ${err instanceof Error ? err.message : String(err)}`));
    return /$^/;
  }
}

function parseMethod(variable: string, text: string | undefined, errors: FieldError[]): DetectionMethod {
  const m = text ?? '';
  if (m === '' || m === 'first-found') return { kind: 'first-found' };
  for (const kind of ['interface', 'skip-interface'] as const) {
    if (m.startsWith(`${kind}=`)) {
      const patterns = splitList(m.slice(kind.length + 1));
      return { kind, patterns, match: alternation(variable, patterns, errors) };
    }
  }
  if (m.startsWith('cidr=')) {
    const cidrs: ParsedCidr[] = [];
    for (const c of splitList(m.slice('cidr='.length))) {
      const parsed = c.includes('/') ? parseCidr(c) : null;
      if (parsed === null) errors.push(fieldError('invalid-value', variable, `invalid CIDR "${c}" for IP autodetection method: ${m}`));
      else cidrs.push(parsed);
    }
    return { kind: 'cidr', cidrs };
  }
  if (m.startsWith('can-reach=')) {
    const destination = m.slice('can-reach='.length).trim();
    if (destination === '') errors.push(fieldError('required', variable, 'can-reach= needs a destination address or host name'));
    return { kind: 'can-reach', destination };
  }
  if (m.startsWith('kubernetes-internal-ip')) return { kind: 'kubernetes-internal-ip' };
  errors.push(
    fieldError('invalid-value', variable, `invalid IP autodetection method "${m}": use first-found, interface=REGEX, skip-interface=REGEX, can-reach=DESTINATION, cidr=CIDR or kubernetes-internal-ip`),
  );
  return { kind: 'first-found' };
}

function parseAddress(family: IpFamily, text: string | undefined, errors: FieldError[]): AddressSetting {
  if (text === undefined || text === '') return { kind: 'unset' };
  if (text === 'autodetect') return { kind: 'autodetect' };
  if (text === 'none') return { kind: 'none' };
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  const cidr = parseCidr(text);
  if (ip === null || cidr === null || ip.family !== family) {
    errors.push(fieldError('invalid-value', IP_VAR[family], `must be autodetect, none, or an IPv${family} address or address/prefix, got "${text}"`));
  }
  return { kind: 'explicit', text };
}

function encapMode(variable: string, text: string | undefined, errors: FieldError[]): EncapMode {
  switch ((text ?? '').toLowerCase()) {
    case '':
    case 'off':
    case 'never':
      return 'Never';
    case 'crosssubnet':
    case 'cross-subnet':
      return 'CrossSubnet';
    case 'always':
      return 'Always';
    default:
      errors.push(fieldError('invalid-value', variable, `must be Never, CrossSubnet or Always, got "${text ?? ''}"`));
      return 'Never';
  }
}

/** Where a fault of the assembled pool shows up: the variable that set the field. */
function poolFieldVariable(prefix: string, path: string): string {
  if (path.includes('blockSize')) return `${prefix}_BLOCK_SIZE`;
  if (path.includes('ipipMode')) return `${prefix}_IPIP`;
  if (path.includes('vxlanMode')) return `${prefix}_VXLAN`;
  if (path.includes('nodeSelector')) return `${prefix}_NODE_SELECTOR`;
  return `${prefix}_CIDR`;
}

/** A stand-in network for validating a pool whose CIDR is chosen later (upstream's default choices are all /16 or /48). */
const PLACEHOLDER: Readonly<Record<IpFamily, ParsedCidr | null>> = { 4: parseCidr('192.168.0.0/16'), 6: parseCidr('fd00::/48') };

export function poolSpec(p: PoolRequest, cidr: string): IPPoolSpec {
  return {
    cidr,
    ipipMode: p.ipipMode,
    vxlanMode: p.vxlanMode,
    natOutgoing: p.natOutgoing,
    blockSize: p.blockSize,
    nodeSelector: p.nodeSelector,
    disableBGPExport: p.disableBGPExport,
  };
}

function parsePool(env: Env, family: IpFamily, errors: FieldError[]): PoolRequest | undefined {
  const prefix = `CALICO_IPV${family}POOL`;
  const cidrText = env[`${prefix}_CIDR`] ?? '';
  if (cidrText === 'none') return undefined;
  const mark = errors.length;
  let cidr: ParsedCidr | undefined;
  if (cidrText !== '') {
    const parsed = cidrText.includes('/') ? parseCidr(cidrText) : null;
    if (parsed === null || parsed.family !== family) errors.push(fieldError('invalid-value', `${prefix}_CIDR`, `must be an IPv${family} CIDR or none, got "${cidrText}"`));
    else cidr = parsed;
  }
  const sizeText = env[`${prefix}_BLOCK_SIZE`] ?? '';
  let blockSize = family === 4 ? 26 : 122;
  if (sizeText !== '') {
    const [lo, hi] = family === 4 ? [20, 32] : [116, 128];
    const n = /^[+-]?\d+$/.test(sizeText) ? Number(sizeText) : NaN;
    if (!Number.isInteger(n) || n < lo || n > hi) errors.push(fieldError('invalid-value', `${prefix}_BLOCK_SIZE`, `must be an integer from ${lo} to ${hi}, got "${sizeText}"`));
    else blockSize = n;
  }
  const request: PoolRequest = {
    family,
    name: DEFAULT_POOL_NAME[family],
    ...(cidr === undefined ? {} : { cidr }),
    blockSize,
    // IPv6 pools have no IPIP: upstream passes Never whatever the environment says.
    ipipMode: family === 4 ? encapMode(`${prefix}_IPIP`, env[`${prefix}_IPIP`], errors) : 'Never',
    vxlanMode: encapMode(`${prefix}_VXLAN`, env[`${prefix}_VXLAN`], errors),
    natOutgoing: envBool(env, `${prefix}_NAT_OUTGOING`, family === 4),
    nodeSelector: env[`${prefix}_NODE_SELECTOR`] ?? '',
    disableBGPExport: envBool(env, `${prefix}_DISABLE_BGP_EXPORT`, false),
  };
  const shape = cidr ?? PLACEHOLDER[family];
  if (errors.length === mark && shape !== null) {
    // The pool as it will be written must pass IPPool validation, or its create would fail after the Node was written.
    const checked = ipPoolKind.validate({
      apiVersion: CALICO_API_VERSION,
      kind: 'IPPool',
      metadata: { name: request.name },
      spec: poolSpec(request, formatCidr(shape)),
    });
    if (!checked.ok) for (const e of checked.errors) errors.push(fieldError(e.code, poolFieldVariable(prefix, e.path), e.message));
  }
  return request;
}

function parseBackend(env: Env, errors: FieldError[]): NetworkingBackend {
  // The deprecated CALICO_NETWORKING, when set, decides (as the image's start script converts it).
  const legacy = env['CALICO_NETWORKING'];
  if (legacy !== undefined && legacy !== '') return legacy === 'false' ? 'none' : 'bird';
  const text = env['CALICO_NETWORKING_BACKEND'] ?? '';
  if (text === '' || text === 'bird') return 'bird';
  if (text === 'vxlan' || text === 'none') return text;
  errors.push(fieldError('invalid-value', 'CALICO_NETWORKING_BACKEND', `must be bird, vxlan or none, got "${text}"`));
  return 'bird';
}

/** Reads every start-up variable; all faults at once, each naming its variable. */
export function parseStartupEnv(env: Env, nodeName: string): { readonly config?: StartupConfig; readonly errors: readonly FieldError[] } {
  const errors: FieldError[] = [];
  const backend = parseBackend(env, errors);
  const ip = { 4: parseAddress(4, env['IP'], errors), 6: parseAddress(6, env['IP6'], errors) };
  const method = { 4: parseMethod(METHOD_VAR[4], env['IP_AUTODETECTION_METHOD'], errors), 6: parseMethod(METHOD_VAR[6], env['IP6_AUTODETECTION_METHOD'], errors) };
  const asText = env['AS'] ?? '';
  const asNumber = asText === '' ? undefined : parseAsNumber(asText);
  if (asNumber === null) errors.push(fieldError('invalid-value', 'AS', `must be an AS number (0-4294967295, or ASDOT n.n), got "${asText}"`));

  let pools: StartupConfig['pools'] = {};
  if ((env['NO_DEFAULT_POOLS'] ?? '').toLowerCase() === 'true') {
    for (const v of ['CALICO_IPV4POOL_CIDR', 'CALICO_IPV6POOL_CIDR']) {
      if ((env[v] ?? '') !== '') errors.push(fieldError('invalid-value', v, 'cannot be set together with NO_DEFAULT_POOLS=true'));
    }
  } else {
    const v4 = parsePool(env, 4, errors);
    const v6 = parsePool(env, 6, errors);
    pools = { ...(v4 === undefined ? {} : { 4: v4 }), ...(v6 === undefined ? {} : { 6: v6 }) };
  }
  if (errors.length > 0) return { errors };
  const nodeRef = env['CALICO_K8S_NODE_REF'] ?? '';
  return {
    errors,
    config: {
      nodeName,
      backend,
      ip,
      method,
      ...(asNumber === undefined || asNumber === null ? {} : { asNumber }),
      ...(nodeRef === '' ? {} : { k8sNodeRef: nodeRef }),
      disableNodeIpCheck: env['DISABLE_NODE_IP_CHECK'] === 'true',
      pools,
      ipv6Support: envBool(env, 'FELIX_IPV6SUPPORT', true),
    },
  };
}
