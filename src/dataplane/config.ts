// The FelixConfiguration values that shape what the dataplane programs, read
// from the string map of `config-update` with Felix's defaults.
import type { DataplaneConfig } from '../calc/types.js';
import { parseCidr, type IpFamily } from '../api/net.js';
import { MARK, allocateMarks, type Marks } from './names.js';
import { floatingIpsEnabled } from './floating-ips.js';

export type EndpointToHostAction = 'drop' | 'accept' | 'return';

export interface FailsafePort {
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** Restricts the remote side; absent = any. */
  readonly net?: { readonly family: IpFamily; readonly cidr: string };
}

export interface DataplaneSettings {
  readonly defaultEndpointToHostAction: EndpointToHostAction;
  /** Felix's LogPrefix, with `%t` tier, `%k` kind, `%n` name, `%p` namespace/name placeholders. */
  readonly logPrefix: string;
  /** nft verdict for denied packets: `drop`, or `reject` when the filter deny action is REJECT. */
  readonly denyVerdict: 'drop' | 'reject';
  /** InterfacePrefix, split on commas: workload interfaces are `<prefix>*`. */
  readonly interfacePrefixes: readonly string[];
  readonly failsafeInbound: readonly FailsafePort[];
  readonly failsafeOutbound: readonly FailsafePort[];
  readonly disableConntrackInvalid: boolean;
  readonly allowVxlanFromWorkloads: boolean;
  readonly allowIpipFromWorkloads: boolean;
  readonly vxlanPort: number;
  /** From NftablesMarkMask (or IptablesMarkMask), default 0xffff0000. */
  readonly marks: Marks;
  /** FloatingIPs `Enabled` (Felix compares case-insensitively); default Disabled. */
  readonly floatingIps: boolean;
}

// Felix's config_params.go defaults.
export const DEFAULT_FAILSAFE_INBOUND = 'tcp:22,udp:68,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667';
export const DEFAULT_FAILSAFE_OUTBOUND = 'udp:53,udp:67,tcp:179,tcp:2379,tcp:2380,tcp:5473,tcp:6443,tcp:6666,tcp:6667';

/**
 * Felix's v1 failsafe syntax `proto:[net:]port`, comma separated, IPv6 nets in
 * brackets (`tcp:[fd00::/8]:22`), or `none`. Entries that do not parse are
 * skipped, as a bad config value must not open or close the host by accident.
 */
export function parseFailsafePorts(text: string): FailsafePort[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  if (trimmed.startsWith('[')) return parseFailsafeList(trimmed);
  const out: FailsafePort[] = [];
  for (const raw of trimmed.split(',')) {
    const entry = raw.trim();
    const m = /^(tcp|udp):(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/i.exec(entry);
    if (m === null) continue;
    const port = Number(m[3]);
    if (port > 65535) continue;
    const protocol = (m[1] ?? '').toLowerCase() as 'tcp' | 'udp';
    const netText = m[2]?.replace(/^\[|\]$/g, '');
    if (netText === undefined) {
      out.push({ protocol, port });
      continue;
    }
    const net = parseCidr(netText);
    if (net === null) continue;
    out.push({ protocol, port, net: { family: net.family, cidr: netText.includes('/') ? netText : `${netText}/${net.family === 4 ? 32 : 128}` } });
  }
  return out;
}

/** The v3 form, `[{protocol, port, net?}]`, as JSON. */
function parseFailsafeList(text: string): FailsafePort[] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(items)) return [];
  const entries = items.flatMap((i: unknown) => {
    if (typeof i !== 'object' || i === null) return [];
    const o = i as { protocol?: unknown; port?: unknown; net?: unknown };
    const proto = typeof o.protocol === 'string' ? o.protocol.toLowerCase() : 'tcp';
    const net = typeof o.net === 'string' && o.net !== '' ? (o.net.includes(':') ? `[${o.net}]:` : `${o.net}:`) : '';
    return [`${proto}:${net}${String(o.port)}`];
  });
  return parseFailsafePorts(entries.length === 0 ? 'none' : entries.join(','));
}

/** A mask with too few bits for Felix's five marks falls back to the default rather than failing. */
function markMask(text: string | undefined): Marks {
  const n = text === undefined ? NaN : Number(text.trim());
  return (Number.isInteger(n) && n > 0 && n <= 0xffffffff ? allocateMarks(n) : null) ?? MARK;
}

function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return /^(true|1|yes|on)$/i.test(v.trim());
}

function pick(config: DataplaneConfig, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = config[k];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

export function dataplaneSettings(config: DataplaneConfig = {}): DataplaneSettings {
  const toHost = (pick(config, 'DefaultEndpointToHostAction') ?? 'Drop').toLowerCase();
  const deny = (pick(config, 'NftablesFilterDenyAction', 'IptablesFilterDenyAction') ?? 'Drop').toLowerCase();
  const prefixes = (pick(config, 'InterfacePrefix') ?? 'cali')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => /^[A-Za-z0-9_.-]+$/.test(p));
  const vxlanPort = Number(pick(config, 'VXLANPort') ?? '4789');
  return {
    defaultEndpointToHostAction: toHost === 'accept' ? 'accept' : toHost === 'return' ? 'return' : 'drop',
    logPrefix: pick(config, 'LogPrefix') ?? 'calico-packet',
    denyVerdict: deny === 'reject' ? 'reject' : 'drop',
    interfacePrefixes: prefixes.length > 0 ? prefixes : ['cali'],
    failsafeInbound: parseFailsafePorts(pick(config, 'FailsafeInboundHostPorts') ?? DEFAULT_FAILSAFE_INBOUND),
    failsafeOutbound: parseFailsafePorts(pick(config, 'FailsafeOutboundHostPorts') ?? DEFAULT_FAILSAFE_OUTBOUND),
    disableConntrackInvalid: bool(pick(config, 'DisableConntrackInvalidCheck'), false),
    allowVxlanFromWorkloads: bool(pick(config, 'AllowVXLANPacketsFromWorkloads'), false),
    allowIpipFromWorkloads: bool(pick(config, 'AllowIPIPPacketsFromWorkloads'), false),
    vxlanPort: Number.isInteger(vxlanPort) && vxlanPort > 0 && vxlanPort < 65536 ? vxlanPort : 4789,
    marks: markMask(pick(config, 'NftablesMarkMask', 'IptablesMarkMask')),
    floatingIps: floatingIpsEnabled(config),
  };
}
