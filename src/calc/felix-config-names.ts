// How Calico's config update processor turns a v3 FelixConfiguration spec
// into Felix's flat config map (configurationprocessor.go): each field under
// its Go name (or its `confignamev1` tag), values as strings — durations in
// seconds (milliseconds for *Millis names), lists comma-joined, failsafe
// ports in the v1 `proto:[net:]port` syntax.

/** Fields whose Felix name is not just the JSON name with a capital first letter. */
const NAMES: Readonly<Record<string, string>> = {
  iptablesPostWriteCheckInterval: 'IptablesPostWriteCheckIntervalSecs',
  iptablesLockProbeInterval: 'IptablesLockProbeIntervalMillis',
  xdpRefreshInterval: 'XDPRefreshInterval',
  netlinkTimeout: 'NetlinkTimeoutSecs',
  ipipEnabled: 'IpInIpEnabled',
  ipipMTU: 'IpInIpMtu',
  vxlanEnabled: 'VXLANEnabled',
  vxlanMTU: 'VXLANMTU',
  vxlanMTUV6: 'VXLANMTUV6',
  vxlanPort: 'VXLANPort',
  vxlanVNI: 'VXLANVNI',
  reportingInterval: 'ReportingIntervalSecs',
  reportingTTL: 'ReportingTTLSecs',
  endpointReportingDelay: 'EndpointReportingDelaySecs',
  usageReportingInitialDelay: 'UsageReportingInitialDelaySecs',
  usageReportingInterval: 'UsageReportingIntervalSecs',
  natPortRange: 'NATPortRange',
  natOutgoingAddress: 'NATOutgoingAddress',
  natOutgoingExclusions: 'NATOutgoingExclusions',
  ipForwarding: 'IPForwarding',
  externalNodesList: 'ExternalNodesCIDRList',
  xdpEnabled: 'XDPEnabled',
  nftablesMode: 'NFTablesMode',
  nftablesFlowTableOffload: 'NFTablesFlowTableOffload',
  nftablesFlowTableDataIfacePattern: 'NFTablesFlowTableDataIfacePattern',
  bpfConntrackMode: 'BPFConntrackCleanupMode',
  bpfMapSizePerCpuConntrack: 'BPFMapSizePerCPUConntrack',
  ipv4NormalRoutePriority: 'IPv4NormalRoutePriority',
  ipv4ElevatedRoutePriority: 'IPv4ElevatedRoutePriority',
  ipv6NormalRoutePriority: 'IPv6NormalRoutePriority',
  ipv6ElevatedRoutePriority: 'IPv6ElevatedRoutePriority',
  wireguardKeepAlive: 'WireguardPersistentKeepAlive',
  awsSrcDstCheck: 'AWSSrcDstCheck',
  mtuIfacePattern: 'MTUIfacePattern',
};

/** Felix's name for a v3 FelixConfiguration field. */
export function felixConfigName(field: string): string {
  const named = NAMES[field];
  if (named !== undefined) return named;
  // Every bpf* field is BPF* in Go.
  if (field.startsWith('bpf')) return `BPF${field.slice(3)}`;
  return field.charAt(0).toUpperCase() + field.slice(1);
}

const UNIT_NS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** A Go duration string in nanoseconds, or undefined when `s` is not one. */
function durationNs(s: string): number | undefined {
  if (!DURATION.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * (UNIT_NS[m[2] ?? 's'] ?? 0);
  return total;
}

function isProtoPort(v: unknown): v is { protocol?: string; port: number; net?: string } {
  return typeof v === 'object' && v !== null && 'port' in v;
}

/** The v1 failsafe syntax: `tcp:22`, `udp:10.0.0.0/8:53`, `tcp:[fd00::/8]:22`. */
function protoPort(p: { protocol?: string; port: number; net?: string }): string {
  const proto = (p.protocol ?? 'tcp').toLowerCase();
  if (p.net === undefined || p.net === '') return `${proto}:${p.port}`;
  return p.net.includes(':') ? `${proto}:[${p.net}]:${p.port}` : `${proto}:${p.net}:${p.port}`;
}

/** A field's value as Felix's config map holds it; undefined drops the entry. */
export function felixConfigValue(name: string, v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    const ns = durationNs(v);
    if (ns === undefined) return v;
    return String(name.endsWith('Millis') ? ns / 1e6 : ns / 1e9);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.every(isProtoPort)) return v.length === 0 ? 'none' : v.map(protoPort).join(',');
    if (v.every((x) => typeof x === 'string')) return v.join(',');
    return JSON.stringify(v);
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.every(([, x]) => typeof x === 'string')) return entries.map(([k, x]) => `${k}=${String(x)},`).join('');
    return JSON.stringify(v);
  }
  return String(v);
}
