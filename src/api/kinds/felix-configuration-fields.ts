// Every field of FelixConfigurationSpec with its type and the constraints
// Calico's validator and CRD schema put on it (felixconfig.go at the
// reference revision). Unknown fields are rejected by the strict object.
import { z } from 'zod';
import {
  crdSelector,
  enumCI,
  enumOf,
  goDuration,
  ifaceFilter,
  interfaceName,
  intIn,
  looseCidr,
  patterned,
  portOrRange,
  prometheusHost,
  regexpString,
} from '../infra-schema.js';
import { parseCidr } from '../net.js';

const protoPort = z.strictObject({
  protocol: z.string().refine((p) => p === 'TCP' || p === 'UDP' || p === 'SCTP', {
    message: "protocol must be 'TCP' or 'UDP' or 'SCTP'.",
  }),
  // No omitempty in Go: a missing port reads as 0, which is accepted.
  port: intIn(0, 65535).default(0),
  net: looseCidr.optional(),
});

const healthTimeoutOverride = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_ -]+$/, { message: 'name should match regex ^[a-zA-Z0-9_ -]+$' }),
  timeout: goDuration().refine((d) => !d.startsWith('-'), { message: 'Timeout should not be negative' }),
});

/** At most 7 numeric ranges: iptables' multiport match takes 15 ports, two per range. */
const kubeNodePortRanges = z.array(portOrRange).superRefine((ports, ctx) => {
  if (ports.length > 7) ctx.addIssue({ code: 'custom', message: 'node port ranges list is too long (max 7)' });
  ports.forEach((p, i) => {
    if (typeof p === 'string' && !/^\d+(:\d+)?$/.test(p)) {
      ctx.addIssue({ code: 'custom', path: [i], message: 'node port ranges should not contain named ports' });
    }
  });
});

const externalNodeCidr = z.string().superRefine((s, ctx) => {
  const c = parseCidr(s);
  if (c === null) ctx.addIssue({ code: 'custom', message: 'has invalid CIDR(s)' });
  else if (c.family !== 4) ctx.addIssue({ code: 'custom', message: 'has invalid IPv6 CIDR' });
});

const routeTableRange = z
  .strictObject({ min: intIn(), max: intIn() })
  .refine((r) => r.min >= 1 && r.max >= r.min && r.max <= 250, {
    message: 'must be a range of route table indices within 1..250',
  });

const ROUTE_TABLE_MAX = 0xffffffff;
const ROUTE_TABLE_RANGE_MAX_TABLES = 0xffff;

const routeTableIdRange = z.strictObject({ min: intIn(), max: intIn() }).superRefine((r, ctx) => {
  if (r.min > r.max) ctx.addIssue({ code: 'custom', message: 'min value cannot be greater than max value' });
  if (r.min <= 0) ctx.addIssue({ code: 'custom', message: 'cannot target indices < 1' });
  if (r.max > ROUTE_TABLE_MAX) ctx.addIssue({ code: 'custom', message: 'max index too high' });
});

const routeTableRanges = z.array(routeTableIdRange).superRefine((ranges, ctx) => {
  const tables = ranges.reduce((n, r) => n + (r.max - r.min) + 1, 0);
  if (tables > ROUTE_TABLE_RANGE_MAX_TABLES) ctx.addIssue({ code: 'custom', message: 'targets too many tables' });
});

const bpfConntrackTimeout = patterned(/^(([0-9]*(\.[0-9]*)?(ms|s|h|m|us)+)+|Auto)$/);
const bpfConntrackTimeouts = z.strictObject({
  creationGracePeriod: bpfConntrackTimeout.optional(),
  tcpSynSent: bpfConntrackTimeout.optional(),
  tcpEstablished: bpfConntrackTimeout.optional(),
  tcpFinsSeen: bpfConntrackTimeout.optional(),
  tcpResetSeen: bpfConntrackTimeout.optional(),
  udpTimeout: bpfConntrackTimeout.optional(),
  genericTimeout: bpfConntrackTimeout.optional(),
  icmpTimeout: bpfConntrackTimeout.optional(),
});

/** DSCP names Calico accepts for istioDSCPMark (numorstring.DSCP). */
export const DSCP_VALUES: Readonly<Record<string, number>> = {
  DF: 0,
  EF: 46,
  AF11: 10,
  AF12: 12,
  AF13: 14,
  AF21: 18,
  AF22: 20,
  AF23: 22,
  AF31: 26,
  AF32: 28,
  AF33: 30,
  AF41: 34,
  AF42: 36,
  AF43: 38,
  CS0: 0,
  CS1: 8,
  CS2: 16,
  CS3: 24,
  CS4: 32,
  CS5: 40,
  CS6: 48,
};

const dscp = z.union([intIn(0, 63), z.string()]).superRefine((v, ctx) => {
  if (typeof v === 'string' && !Object.hasOwn(DSCP_VALUES, v)) {
    ctx.addIssue({ code: 'custom', message: `invalid DSCP value "${v}"` });
  }
});

export const felixConfigurationSpecShape = {
  nodeSelector: crdSelector.optional(),
  useInternalDataplaneDriver: z.boolean().optional(),
  dataplaneDriver: z.string().optional(),
  dataplaneWatchdogTimeout: goDuration().optional(),
  ipv6Support: z.boolean().optional(),
  routeRefreshInterval: goDuration({ pattern: 'whole-units' }).optional(),
  interfaceRefreshInterval: goDuration({ pattern: 'whole-units' }).optional(),
  iptablesRefreshInterval: goDuration({ pattern: 'whole-units' }).optional(),
  iptablesPostWriteCheckInterval: goDuration({ pattern: 'whole-units' }).optional(),
  iptablesLockProbeInterval: goDuration({ pattern: 'whole-units' }).optional(),
  featureDetectOverride: patterned(/^([a-zA-Z0-9-_]+=(true|false|),)*([a-zA-Z0-9-_]+=(true|false|))?$/).optional(),
  featureGates: patterned(/^([a-zA-Z0-9-_]+=([^=]+),)*([a-zA-Z0-9-_]+=([^=]+))?$/).optional(),
  ipsetsRefreshInterval: goDuration({ pattern: 'whole-units' }).optional(),
  maxIpsetSize: intIn().optional(),
  iptablesBackend: enumOf(['Legacy', 'NFT', 'Auto']).optional(),
  xdpRefreshInterval: goDuration({ pattern: 'whole-units' }).optional(),
  netlinkTimeout: goDuration({ pattern: 'whole-units' }).optional(),
  metadataAddr: z.string().optional(),
  metadataPort: intIn().optional(),
  openstackRegion: z.string().optional(),
  interfacePrefix: z.string().optional(),
  interfaceExclude: z.string().optional(),
  chainInsertMode: enumCI(['Insert', 'Append']).optional(),
  defaultEndpointToHostAction: enumCI(['Drop', 'Accept', 'Return']).optional(),
  iptablesFilterAllowAction: enumCI(['Accept', 'Return']).optional(),
  iptablesMangleAllowAction: enumCI(['Accept', 'Return']).optional(),
  iptablesFilterDenyAction: enumCI(['Drop', 'Reject']).optional(),
  logPrefix: patterned(/^([a-zA-Z0-9%: /_-])*$/).optional(),
  logActionRateLimit: patterned(/^[1-9]\d{0,3}\/(?:second|minute|hour|day)$/).optional(),
  logActionRateLimitBurst: intIn(0, 9999).optional(),
  logFilePath: z.string().optional(),
  logSeverityFile: enumCI(['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal']).optional(),
  logSeverityScreen: enumCI(['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal']).optional(),
  logSeveritySys: enumCI(['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal']).optional(),
  logDebugFilenameRegex: regexpString.optional(),
  ipipEnabled: z.boolean().optional(),
  ipipMTU: intIn().optional(),
  vxlanEnabled: z.boolean().optional(),
  vxlanMTU: intIn().optional(),
  vxlanMTUV6: intIn().optional(),
  vxlanPort: intIn().optional(),
  vxlanVNI: intIn().optional(),
  allowVXLANPacketsFromWorkloads: z.boolean().optional(),
  allowIPIPPacketsFromWorkloads: z.boolean().optional(),
  reportingInterval: goDuration({ pattern: 'whole-units' }).optional(),
  reportingTTL: goDuration({ pattern: 'whole-units' }).optional(),
  endpointReportingEnabled: z.boolean().optional(),
  endpointReportingDelay: goDuration({ pattern: 'whole-units' }).optional(),
  endpointStatusPathPrefix: z.string().optional(),
  iptablesMarkMask: intIn(0, 4294967295).optional(),
  disableConntrackInvalidCheck: z.boolean().optional(),
  healthEnabled: z.boolean().optional(),
  healthHost: z.string().optional(),
  healthPort: intIn().optional(),
  healthTimeoutOverrides: z.array(healthTimeoutOverride).optional(),
  prometheusMetricsEnabled: z.boolean().optional(),
  prometheusMetricsHost: prometheusHost.optional(),
  prometheusMetricsPort: intIn().optional(),
  prometheusGoMetricsEnabled: z.boolean().optional(),
  prometheusProcessMetricsEnabled: z.boolean().optional(),
  prometheusWireGuardMetricsEnabled: z.boolean().optional(),
  prometheusMetricsCAFile: z.string().optional(),
  prometheusMetricsCertFile: z.string().optional(),
  prometheusMetricsKeyFile: z.string().optional(),
  prometheusMetricsClientAuth: enumOf(['RequireAndVerifyClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'NoClientCert']).optional(),
  failsafeInboundHostPorts: z.array(protoPort).optional(),
  failsafeOutboundHostPorts: z.array(protoPort).optional(),
  kubeNodePortRanges: kubeNodePortRanges.optional(),
  policySyncPathPrefix: z.string().optional(),
  usageReportingEnabled: z.boolean().optional(),
  usageReportingInitialDelay: goDuration({ pattern: 'whole-units' }).optional(),
  usageReportingInterval: goDuration({ pattern: 'whole-units' }).optional(),
  natPortRange: portOrRange.optional(),
  natOutgoingAddress: z.string().max(45, { message: 'must be at most 45 characters' }).optional(), // family checked in felix-configuration.ts
  natOutgoingExclusions: enumOf(['IPPoolsOnly', 'IPPoolsAndHostIPs']).optional(),
  deviceRouteSourceAddress: z.string().max(45, { message: 'must be at most 45 characters' }).optional(),
  deviceRouteSourceAddressIPv6: z.string().max(45, { message: 'must be at most 45 characters' }).optional(),
  deviceRouteProtocol: intIn().optional(),
  removeExternalRoutes: z.boolean().optional(),
  programClusterRoutes: enumOf(['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly']).optional(),
  ipForwarding: enumOf(['Enabled', 'Disabled']).optional(),
  externalNodesList: z.array(externalNodeCidr).optional(),
  debugMemoryProfilePath: z.string().optional(),
  debugDisableLogDropping: z.boolean().optional(),
  debugSimulateCalcGraphHangAfter: goDuration({ pattern: 'whole-units' }).optional(),
  debugSimulateDataplaneHangAfter: goDuration({ pattern: 'whole-units' }).optional(),
  debugSimulateDataplaneApplyDelay: goDuration({ pattern: 'whole-units' }).optional(),
  debugHost: z.string().optional(),
  debugPort: intIn(0, 65535).optional(),
  iptablesNATOutgoingInterfaceFilter: ifaceFilter.optional(),
  sidecarAccelerationEnabled: z.boolean().optional(),
  xdpEnabled: z.boolean().optional(),
  genericXDPEnabled: z.boolean().optional(),
  nftablesMode: enumOf(['Disabled', 'Enabled', 'Auto']).optional(),
  nftablesFlowTableOffload: enumOf(['All', 'Disabled']).optional(),
  nftablesFlowTableDataIfacePattern: regexpString.optional(),
  nftablesRefreshInterval: goDuration().optional(),
  nftablesFilterAllowAction: enumCI(['Accept', 'Return']).optional(),
  nftablesMangleAllowAction: enumCI(['Accept', 'Return']).optional(),
  nftablesFilterDenyAction: enumCI(['Drop', 'Reject']).optional(),
  nftablesMarkMask: intIn(0, 4294967295).optional(),
  bpfEnabled: z.boolean().optional(),
  bpfOverlayHostSourceIP: enumOf(['TunnelAddress', 'HostAddress']).optional(),
  bpfDisableUnprivileged: z.boolean().optional(),
  bpfJITHardening: enumOf(['Auto', 'Strict']).optional(),
  bpfLogLevel: enumCI(['Off', 'Info', 'Debug']).optional(),
  bpfConntrackLogLevel: enumOf(['Off', 'Debug']).optional(),
  bpfConntrackMode: enumOf(['Auto', 'Userspace', 'BPFProgram']).optional(),
  bpfConntrackTimeouts: bpfConntrackTimeouts.optional(),
  bpfIPFragTimeout: goDuration({ pattern: 'whole-units' }).optional(),
  bpfLogFilters: z.record(interfaceName, z.string()).optional(),
  bpfCTLBLogFilter: z.string().optional(),
  bpfDataIfacePattern: regexpString.optional(),
  bpfL3IfacePattern: regexpString.optional(),
  bpfConnectTimeLoadBalancingEnabled: z.boolean().optional(),
  bpfConnectTimeLoadBalancing: enumOf(['TCP', 'Enabled', 'Disabled']).optional(),
  bpfHostNetworkedNATWithoutCTLB: enumOf(['Enabled', 'Disabled']).optional(),
  bpfExternalServiceMode: enumCI(['Tunnel', 'DSR']).optional(),
  bpfDSROptoutCIDRs: z.array(looseCidr).optional(),
  bpfExtToServiceConnmark: intIn(0, 4294967295).optional(),
  bpfKubeProxyIptablesCleanupEnabled: z.boolean().optional(),
  bpfKubeProxyMinSyncPeriod: goDuration({ pattern: 'whole-units' }).optional(),
  bpfKubeProxyHealthzPort: intIn(0, 65535).optional(),
  bpfPSNATPorts: portOrRange.optional(),
  bpfMapSizeNATFrontend: intIn().optional(),
  bpfMapSizeNATBackend: intIn().optional(),
  bpfMapSizeNATAffinity: intIn().optional(),
  bpfMapSizeRoute: intIn().optional(),
  bpfMapSizeConntrack: intIn().optional(),
  bpfMapSizePerCpuConntrack: intIn().optional(),
  bpfMapSizeConntrackScaling: enumCI(['Disabled', 'DoubleIfFull']).optional(),
  bpfMapSizeConntrackCleanupQueue: intIn(1).optional(),
  bpfMapSizeIPSets: intIn().optional(),
  bpfMapSizeIfState: intIn().optional(),
  bpfHostConntrackBypass: z.boolean().optional(),
  bpfIPFragmentReassemblyEnabled: z.boolean().optional(),
  bpfEnforceRPF: enumCI(['Disabled', 'Strict', 'Loose']).optional(),
  bpfPolicyDebugEnabled: z.boolean().optional(),
  bpfForceTrackPacketsFromIfaces: z.array(ifaceFilter).optional(),
  bpfDisableGROForIfaces: regexpString.optional(),
  bpfExcludeCIDRsFromNAT: z.array(looseCidr).optional(),
  bpfExportBufferSizeMB: intIn().optional(),
  istioAmbientMode: enumOf(['Enabled', 'Disabled']).optional(),
  istioDSCPMark: dscp.optional(),
  cgroupV2Path: z.string().optional(),
  flowLogsPolicyEvaluationMode: enumOf(['None', 'Continuous']).optional(),
  bpfRedirectToPeer: enumOf(['Enabled', 'Disabled']).optional(),
  bpfAttachType: enumOf(['TC', 'TCX', 'Netkit']).optional(),
  flowLogsFlushInterval: goDuration({ pattern: 'whole-units' }).optional(),
  flowLogsCollectorDebugTrace: z.boolean().optional(),
  flowLogsGoldmaneServer: z.string().optional(),
  flowLogsLocalReporter: enumOf(['Disabled', 'Enabled']).optional(),
  bpfProfiling: enumOf(['Enabled', 'Disabled']).optional(),
  routeSource: enumCI(['WorkloadIPs', 'CalicoIPAM']).optional(),
  routeTableRanges: routeTableRanges.optional(),
  routeTableRange: routeTableRange.optional(),
  routeSyncDisabled: z.boolean().optional(),
  ipv4NormalRoutePriority: intIn(1, 2147483646).optional(),
  ipv4ElevatedRoutePriority: intIn(1, 2147483646).optional(),
  ipv6NormalRoutePriority: intIn(1, 2147483646).optional(),
  ipv6ElevatedRoutePriority: intIn(1, 2147483646).optional(),
  liveMigrationRouteConvergenceTime: goDuration({ pattern: 'decimal' }).optional(),
  wireguardEnabled: z.boolean().optional(),
  wireguardEnabledV6: z.boolean().optional(),
  wireguardThreadingEnabled: z.boolean().optional(),
  wireguardListeningPort: intIn(1, 65535).optional(),
  wireguardListeningPortV6: intIn(1, 65535).optional(),
  wireguardRoutingRulePriority: intIn(1, 32765).optional(),
  wireguardInterfaceName: interfaceName.optional(),
  wireguardInterfaceNameV6: interfaceName.optional(),
  wireguardMTU: intIn().optional(),
  wireguardMTUV6: intIn().optional(),
  wireguardHostEncryptionEnabled: z.boolean().optional(),
  wireguardKeepAlive: goDuration({ pattern: 'whole-units' }).optional(),
  awsSrcDstCheck: enumOf(['DoNothing', 'Enable', 'Disable']).optional(),
  serviceLoopPrevention: enumOf(['Drop', 'Reject', 'Disabled']).optional(),
  workloadSourceSpoofing: enumOf(['Disabled', 'Any']).optional(),
  mtuIfacePattern: regexpString.optional(),
  floatingIPs: enumOf(['Enabled', 'Disabled']).optional(),
  localSubnetL2Reachability: enumOf(['Disabled', 'PodsAndLoadBalancers']).optional(),
  localSubnetL2ReachabilityRefreshInterval: goDuration().optional(),
  windowsManageFirewallRules: enumOf(['Enabled', 'Disabled']).optional(),
  goGCThreshold: intIn(-1).optional(),
  goMemoryLimitMB: intIn(-1).optional(),
  goMaxProcs: intIn(-1).optional(),
  requireMTUFile: z.boolean().optional(),
  bpfMaglevMaxEndpointsPerService: intIn(1, 3000).optional(),
  bpfMaglevMaxServices: intIn(1, 3000).optional(),
};

export const felixConfigurationSpecObject = z.strictObject(felixConfigurationSpecShape);

type Mutable = z.output<typeof felixConfigurationSpecObject>;
/** FelixConfigurationSpec: every field optional; a missing field means Felix's built-in default. */
export type FelixConfigurationSpec = { readonly [K in keyof Mutable]: Mutable[K] };
