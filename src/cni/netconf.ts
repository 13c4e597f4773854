// Calico's network configuration (cni-plugin/pkg/types NetConf): the keys the
// plugins read, with their types checked by hand — a zod schema would cost
// more start-up time than the whole check.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CniCode, CniError } from './errors.js';

export interface IpamConf {
  readonly type: string;
  readonly assignIpv4: boolean;
  readonly assignIpv6: boolean;
  readonly ipv4Pools: readonly string[];
  readonly ipv6Pools: readonly string[];
  /** host-local's custom routes (`ipam.routes[].dst`): replace Calico's default routes in the container. */
  readonly routes: readonly string[];
}

/** `feature_control`: annotations a cluster administrator must opt in to. */
export interface FeatureControl {
  /** `ip_addrs_no_ipam`: the `ipAddrsNoIpam` annotation may bypass IPAM. */
  readonly ipAddrsNoIpam: boolean;
  /** `floating_ips`: the `floatingIPs` annotation may give a pod floating IPs. */
  readonly floatingIps: boolean;
}

export interface NetConf {
  readonly name: string;
  readonly cniVersion: string;
  readonly type: string;
  readonly ipam: IpamConf;
  readonly mtu: number;
  readonly requireMtuFile: boolean;
  readonly numQueues: number;
  readonly nodename: string;
  readonly nodenameFile: string;
  readonly nodenameFileOptional: boolean;
  readonly logLevel: 'debug' | 'info' | 'error';
  readonly allowIpForwarding: boolean;
  readonly policyType: string;
  readonly includeDefaultRoutes: boolean;
  readonly featureControl: FeatureControl;
  /** Environment overrides for the datastore loader (upstream copies these keys into the environment). */
  readonly datastoreEnv: Readonly<Record<string, string>>;
  readonly raw: Readonly<Record<string, unknown>>;
}

export const NODENAME_FILE = '/var/lib/calico/nodename';
export const MTU_FILE = '/var/lib/calico/mtu';

function bad(key: string, want: string, got: unknown): never {
  throw new CniError(CniCode.invalidNetworkConfig, `invalid network config: "${key}" must be ${want}, not ${JSON.stringify(got)}`);
}

function optString(o: Record<string, unknown>, key: string, prefix = ''): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') bad(prefix + key, 'a string', v);
  return v;
}

function optBool(o: Record<string, unknown>, key: string, prefix = ''): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') bad(prefix + key, 'true or false', v);
  return v;
}

function optInt(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(key, 'a non-negative integer', v);
  return v;
}

function optObject(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = o[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) bad(key, 'an object', v);
  return v as Record<string, unknown>;
}

function stringList(o: Record<string, unknown>, key: string, prefix: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad(prefix + key, 'a list of strings', v);
  return v as string[];
}

/** Upstream's assign_ipv4/assign_ipv6 are strings; booleans are accepted too. */
function flag(o: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') bad(`ipam.${key}`, '"true" or "false"', v);
  return key === 'assign_ipv4' ? v !== 'false' : v === 'true';
}

const DATASTORE_KEYS: Readonly<Record<string, string>> = {
  datastore_type: 'DATASTORE_TYPE',
  datastore_path: 'DATASTORE_PATH',
  etcd_endpoints: 'ETCD_ENDPOINTS',
  etcd_key_file: 'ETCD_KEY_FILE',
  etcd_cert_file: 'ETCD_CERT_FILE',
  etcd_ca_cert_file: 'ETCD_CA_CERT_FILE',
  etcd_username: 'ETCD_USERNAME',
  etcd_password: 'ETCD_PASSWORD',
};

export function parseNetConf(raw: Readonly<Record<string, unknown>>): NetConf {
  const o = raw as Record<string, unknown>;
  const ipamRaw = optObject(o, 'ipam');
  const ipamType = optString(ipamRaw, 'type', 'ipam.');
  const routesRaw = ipamRaw['routes'];
  const routes: string[] = [];
  if (routesRaw !== undefined && routesRaw !== null) {
    if (!Array.isArray(routesRaw)) bad('ipam.routes', 'a list of {"dst": "<cidr>"}', routesRaw);
    for (const r of routesRaw) {
      const dst = typeof r === 'object' && r !== null ? (r as Record<string, unknown>)['dst'] : undefined;
      if (typeof dst !== 'string') bad('ipam.routes[].dst', 'a CIDR string', dst);
      routes.push(dst);
    }
  }
  const ipam: IpamConf = {
    type: ipamType,
    assignIpv4: flag(ipamRaw, 'assign_ipv4', true),
    assignIpv6: flag(ipamRaw, 'assign_ipv6', false),
    ipv4Pools: stringList(ipamRaw, 'ipv4_pools', 'ipam.'),
    ipv6Pools: stringList(ipamRaw, 'ipv6_pools', 'ipam.'),
    routes,
  };
  const deviceType = optString(o, 'device_type');
  if (deviceType !== '' && deviceType !== 'veth' && deviceType !== 'netkit') {
    throw new CniError(CniCode.invalidNetworkConfig, `unknown device_type "${deviceType}" in CNI config (supported: "veth", "netkit")`);
  }
  const level = optString(o, 'log_level').toLowerCase();
  const datastoreEnv: Record<string, string> = {};
  for (const [key, env] of Object.entries(DATASTORE_KEYS)) {
    const v = optString(o, key);
    if (v !== '') datastoreEnv[env] = v;
  }
  // Upstream's "etcdv3" is our "etcdv3"; "kubernetes" has no backend here.
  const policy = optObject(o, 'policy');
  const container = optObject(o, 'container_settings');
  const features = optObject(o, 'feature_control');
  return {
    name: optString(o, 'name'),
    cniVersion: optString(o, 'cniVersion'),
    type: optString(o, 'type') || 'calico',
    ipam,
    mtu: optInt(o, 'mtu'),
    requireMtuFile: optBool(o, 'require_mtu_file'),
    numQueues: optInt(o, 'num_queues') || 1,
    nodename: optString(o, 'nodename') || optString(optObject(o, 'kubernetes'), 'node_name'),
    nodenameFile: optString(o, 'nodename_file') || NODENAME_FILE,
    nodenameFileOptional: optBool(o, 'nodename_file_optional'),
    logLevel: level === 'debug' || level === 'error' ? level : 'info',
    allowIpForwarding: optBool(container, 'allow_ip_forwarding', 'container_settings.'),
    policyType: optString(policy, 'type', 'policy.'),
    includeDefaultRoutes: optBool(o, 'include_default_routes'),
    featureControl: {
      ipAddrsNoIpam: optBool(features, 'ip_addrs_no_ipam', 'feature_control.'),
      floatingIps: optBool(features, 'floating_ips', 'feature_control.'),
    },
    datastoreEnv,
    raw,
  };
}

/**
 * The node name as upstream's DetermineNodename finds it: `nodename`, then the
 * nodename file, then the deprecated `hostname`, then the OS host name.
 */
export function determineNodename(conf: NetConf): string {
  if (conf.nodename !== '') return conf.nodename;
  try {
    const fromFile = readFileSync(conf.nodenameFile, 'utf8');
    if (fromFile !== '') return fromFile.trim();
  } catch {
    // A missing file falls through to the next source.
  }
  const h = conf.raw['hostname'];
  if (typeof h === 'string' && h !== '') return h;
  return hostname().toLowerCase();
}

/**
 * Calico refuses to run before calico/node has written the nodename file,
 * unless told it is optional (even when `nodename` names the node, as upstream).
 */
export function requireNodenameFile(conf: NetConf): void {
  if (conf.nodenameFileOptional) return;
  try {
    readFileSync(conf.nodenameFile);
  } catch (err) {
    throw new CniError(
      CniCode.tryAgainLater,
      `stat ${conf.nodenameFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}: check that the calico/node container is running and has mounted /var/lib/calico/`,
    );
  }
}

/** `mtu` when set, else Felix's MTU file, else 0 (the kernel's default). */
export function determineMtu(conf: NetConf): number {
  if (conf.mtu !== 0) return conf.mtu;
  try {
    const n = Number.parseInt(readFileSync(MTU_FILE, 'utf8').trim(), 10);
    if (!Number.isFinite(n)) throw new CniError(CniCode.invalidNetworkConfig, `failed to read MTU file ${MTU_FILE}: not a number`);
    return n;
  } catch (err) {
    if (err instanceof CniError) throw err;
    if (conf.requireMtuFile) throw new CniError(CniCode.tryAgainLater, `failed to read MTU file: ${MTU_FILE} does not exist and require_mtu_file is set`);
    return 0;
  }
}
