// Types of Calico's networking and configuration resources
// (projectcalico.org/v3), as users write them. Validation (kinds/*.ts)
// guarantees these shapes; each kind's applyDefaults fills what Calico fills.
// Field names follow Calico's JSON exactly.
import type { ResourceOf } from './meta.js';
import type { Condition } from './policy-types.js';
import type { FelixConfigurationSpec } from './kinds/felix-configuration-fields.js';

export type { FelixConfigurationSpec } from './kinds/felix-configuration-fields.js';

/** A Go duration as Calico renders it (`90s` reads back as `1m30s`). */
export type Duration = string;
/** A 32-bit AS number (asdot `a.b` input is stored as a number). */
export type ASNumber = number;
/** numorstring.Port: a number, a range `"min:max"`, or a named port. */
export type PortOrRange = number | string;

export interface SecretKeySelector {
  readonly name?: string;
  readonly key: string;
  readonly optional?: boolean;
}

// ---- IPPool ----

export type EncapMode = 'Never' | 'Always' | 'CrossSubnet';
export type IPPoolAllowedUse = 'Workload' | 'Tunnel' | 'LoadBalancer';
export type AssignmentMode = 'Automatic' | 'Manual';

export interface IPPoolSpec {
  readonly cidr: string;
  readonly vxlanMode?: EncapMode;
  readonly ipipMode?: EncapMode;
  readonly natOutgoing?: boolean;
  readonly disabled?: boolean;
  readonly disableBGPExport?: boolean;
  /** 26 (IPv4) or 122 (IPv6) once defaulted. */
  readonly blockSize?: number;
  readonly nodeSelector?: string;
  readonly namespaceSelector?: string;
  readonly allowedUses?: readonly IPPoolAllowedUse[];
  readonly assignmentMode?: AssignmentMode;
}

export interface IPPoolStatus {
  readonly conditions?: readonly Condition[];
}

export interface IPPool extends ResourceOf<'IPPool', IPPoolSpec> {
  readonly status?: IPPoolStatus;
}

// ---- IPReservation ----

export interface IPReservationSpec {
  readonly reservedCIDRs?: readonly string[];
}

export type IPReservation = ResourceOf<'IPReservation', IPReservationSpec>;

// ---- BGPConfiguration ----

export interface CIDRBlock {
  readonly cidr?: string;
}

export interface Community {
  readonly name: string;
  /** `aa:nn` (standard) or `aa:nn:mm` (large). */
  readonly value: string;
}

export interface PrefixAdvertisement {
  readonly cidr: string;
  /** Names from `communities`, or literal community values. */
  readonly communities: readonly string[];
}

export interface BGPPassword {
  readonly secretKeyRef?: SecretKeySelector;
}

export type ProgramClusterRoutes = 'Enabled' | 'Disabled' | 'EnabledIPIPOnly' | 'EnabledNoEncapOnly';

export interface BGPConfigurationSpec {
  readonly logSeverityScreen?: string;
  readonly nodeToNodeMeshEnabled?: boolean;
  readonly asNumber?: ASNumber;
  readonly serviceLoadBalancerIPs?: readonly CIDRBlock[];
  readonly serviceExternalIPs?: readonly CIDRBlock[];
  readonly serviceClusterIPs?: readonly CIDRBlock[];
  readonly serviceLoadBalancerAggregation?: 'Enabled' | 'Disabled';
  readonly communities?: readonly Community[];
  readonly prefixAdvertisements?: readonly PrefixAdvertisement[];
  readonly listenPort?: number;
  readonly nodeMeshPassword?: BGPPassword;
  readonly nodeMeshMaxRestartTime?: Duration;
  readonly bindMode?: 'None' | 'NodeIP';
  readonly ignoredInterfaces?: readonly string[];
  readonly localWorkloadPeeringIPV4?: string;
  readonly localWorkloadPeeringIPV6?: string;
  readonly programClusterRoutes?: ProgramClusterRoutes;
  readonly ipv4NormalRoutePriority?: number;
  readonly ipv6NormalRoutePriority?: number;
}

export type BGPConfiguration = ResourceOf<'BGPConfiguration', BGPConfigurationSpec>;

// ---- BGPPeer ----

export interface BGPPeerSpec {
  readonly node?: string;
  readonly nodeSelector?: string;
  /** `IPv4`, `IPv4:port`, `IPv6` or `[IPv6]:port`. */
  readonly peerIP?: string;
  readonly asNumber?: ASNumber;
  readonly localASNumber?: ASNumber;
  readonly peerSelector?: string;
  readonly keepOriginalNextHop?: boolean;
  readonly nextHopMode?: 'Auto' | 'Self' | 'Keep';
  readonly password?: BGPPassword;
  readonly sourceAddress?: 'UseNodeIP' | 'None';
  readonly maxRestartTime?: Duration;
  readonly keepaliveTime?: Duration;
  readonly numAllowedLocalASNumbers?: number;
  readonly ttlSecurity?: number;
  readonly reachableBy?: string;
  readonly filters?: readonly string[];
  readonly localWorkloadSelector?: string;
  readonly reversePeering?: 'Auto' | 'Manual';
}

export type BGPPeer = ResourceOf<'BGPPeer', BGPPeerSpec>;

// ---- BGPFilter ----

export interface BGPFilterPrefixLength {
  readonly min?: number;
  readonly max?: number;
}

export interface BGPFilterOperation {
  readonly addCommunity?: { readonly value: string };
  readonly prependASPath?: { readonly prefix: readonly ASNumber[] };
  readonly setPriority?: { readonly value: number };
}

export interface BGPFilterRule {
  readonly cidr?: string;
  readonly prefixLength?: BGPFilterPrefixLength;
  readonly source?: 'RemotePeers';
  readonly interface?: string;
  readonly matchOperator?: 'Equal' | 'NotEqual' | 'In' | 'NotIn';
  readonly peerType?: 'eBGP' | 'iBGP';
  readonly communities?: { readonly values: readonly string[] };
  readonly asPathPrefix?: readonly ASNumber[];
  readonly priority?: number;
  readonly action: 'Accept' | 'Reject';
  readonly operations?: readonly BGPFilterOperation[];
}

export interface BGPFilterSpec {
  readonly exportV4?: readonly BGPFilterRule[];
  readonly importV4?: readonly BGPFilterRule[];
  readonly exportV6?: readonly BGPFilterRule[];
  readonly importV6?: readonly BGPFilterRule[];
}

export type BGPFilter = ResourceOf<'BGPFilter', BGPFilterSpec>;

// ---- Node ----

export interface NodeBGPSpec {
  readonly asNumber?: ASNumber;
  /** The node's IPv4 address with prefix length, e.g. `10.0.0.5/24`. */
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
  readonly ipv4IPIPTunnelAddr?: string;
  readonly routeReflectorClusterID?: string;
}

export interface OrchRef {
  readonly orchestrator: string;
  readonly nodeName?: string;
}

export interface NodeAddress {
  readonly address: string;
  readonly type?: 'CalicoNodeIP' | 'InternalIP' | 'ExternalIP';
}

export interface NodeInterface {
  readonly name?: string;
  readonly addresses?: readonly string[];
}

export interface NodeWireguardSpec {
  readonly interfaceIPv4Address?: string;
  readonly interfaceIPv6Address?: string;
}

export interface NodeSpec {
  readonly bgp?: NodeBGPSpec;
  readonly ipv4VXLANTunnelAddr?: string;
  readonly vxlanTunnelMACAddr?: string;
  readonly ipv6VXLANTunnelAddr?: string;
  readonly vxlanTunnelMACAddrV6?: string;
  readonly orchRefs?: readonly OrchRef[];
  readonly wireguard?: NodeWireguardSpec;
  readonly addresses?: readonly NodeAddress[];
  readonly interfaces?: readonly NodeInterface[];
}

export interface NodeStatus {
  readonly wireguardPublicKey?: string;
  readonly wireguardPublicKeyV6?: string;
  readonly podCIDRs?: readonly string[];
}

export interface Node extends ResourceOf<'Node', NodeSpec> {
  readonly status?: NodeStatus;
}

// ---- FelixConfiguration ----

export type FelixConfiguration = ResourceOf<'FelixConfiguration', FelixConfigurationSpec>;

// ---- ClusterInformation ----

export interface ClusterInformationSpec {
  readonly clusterGUID?: string;
  readonly clusterType?: string;
  readonly calicoVersion?: string;
  readonly datastoreReady?: boolean;
  readonly variant?: string;
}

export type ClusterInformation = ResourceOf<'ClusterInformation', ClusterInformationSpec>;

// ---- KubeControllersConfiguration ----

export type ControllerMode = 'Enabled' | 'Disabled';

export interface HostEndpointTemplate {
  readonly generateName?: string;
  readonly interfaceCIDRs?: readonly string[];
  readonly interfacePattern?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly nodeSelector?: string;
}

export interface AutoHostEndpointConfig {
  readonly autoCreate?: ControllerMode;
  readonly createDefaultHostEndpoint?: ControllerMode;
  readonly templates?: readonly HostEndpointTemplate[];
}

export interface NodeControllerConfig {
  readonly reconcilerPeriod?: Duration;
  readonly syncLabels?: ControllerMode;
  readonly hostEndpoint?: AutoHostEndpointConfig;
  readonly leakGracePeriod?: Duration;
}

export interface ReconcilerConfig {
  readonly reconcilerPeriod?: Duration;
}

export interface ControllersConfig {
  readonly node?: NodeControllerConfig;
  readonly policy?: ReconcilerConfig;
  readonly workloadEndpoint?: ReconcilerConfig;
  readonly serviceAccount?: ReconcilerConfig;
  readonly namespace?: ReconcilerConfig;
  readonly loadBalancer?: { readonly assignIPs?: 'AllServices' | 'RequestedServicesOnly' };
  readonly migration?: { readonly policyNameMigrator?: ControllerMode };
}

export interface KubeControllersConfigurationSpec {
  readonly logSeverityScreen?: string;
  readonly healthChecks?: ControllerMode;
  readonly etcdV3CompactionPeriod?: Duration;
  readonly prometheusMetricsPort?: number;
  readonly controllers?: ControllersConfig;
  readonly debugProfilePort?: number;
}

export interface KubeControllersConfigurationStatus {
  readonly runningConfig?: KubeControllersConfigurationSpec;
  readonly environmentVars?: Readonly<Record<string, string>>;
}

export interface KubeControllersConfiguration extends ResourceOf<'KubeControllersConfiguration', KubeControllersConfigurationSpec> {
  readonly status?: KubeControllersConfigurationStatus;
}

// ---- IPAMConfiguration ----

export interface IPAMConfigurationSpec {
  readonly strictAffinity?: boolean;
  /** 0 means no configured limit (the allocator still caps at 20 per host). */
  readonly maxBlocksPerHost?: number;
  readonly autoAllocateBlocks?: boolean;
  readonly kubeVirtVMAddressPersistence?: 'Enabled' | 'Disabled';
  readonly ipCooldownSeconds?: number;
}

export type IPAMConfiguration = ResourceOf<'IPAMConfiguration', IPAMConfigurationSpec>;

// ---- CalicoNodeStatus ----

export type NodeStatusClass = 'Agent' | 'BGP' | 'Routes';

export interface CalicoNodeStatusSpec {
  readonly node: string;
  readonly classes: readonly NodeStatusClass[];
  readonly updatePeriodSeconds: number;
}

export interface BGPDaemonStatus {
  readonly state?: 'Ready' | 'NotReady';
  readonly version?: string;
  readonly routerID?: string;
  readonly lastBootTime?: string;
  readonly lastReconfigurationTime?: string;
}

export interface CalicoNodePeer {
  readonly peerIP?: string;
  readonly type?: 'NodeMesh' | 'NodePeer' | 'GlobalPeer';
  readonly state?: 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established' | 'Close';
  readonly since?: string;
}

export interface CalicoNodeRoute {
  readonly type?: 'FIB' | 'RIB';
  readonly destination?: string;
  readonly gateway?: string;
  readonly interface?: string;
  readonly learnedFrom?: {
    readonly sourceType?: 'Kernel' | 'Static' | 'Direct' | 'NodeMesh' | 'BGPPeer';
    readonly peerIP?: string;
  };
}

export interface CalicoNodeStatusStatus {
  readonly lastUpdated?: string;
  readonly agent?: { readonly birdV4?: BGPDaemonStatus; readonly birdV6?: BGPDaemonStatus };
  readonly bgp?: {
    readonly numberEstablishedV4?: number;
    readonly numberNotEstablishedV4?: number;
    readonly numberEstablishedV6?: number;
    readonly numberNotEstablishedV6?: number;
    readonly peersV4?: readonly CalicoNodePeer[];
    readonly peersV6?: readonly CalicoNodePeer[];
  };
  readonly routes?: { readonly routesV4?: readonly CalicoNodeRoute[]; readonly routesV6?: readonly CalicoNodeRoute[] };
}

export interface CalicoNodeStatus extends ResourceOf<'CalicoNodeStatus', CalicoNodeStatusSpec> {
  readonly status?: CalicoNodeStatusStatus;
}
