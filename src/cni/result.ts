// CNI results in every version a runtime may ask for. One internal shape (the
// 1.x result); reading accepts any version's JSON (a prevResult or a delegated
// IPAM plugin's output), writing converts to the configuration's cniVersion as
// libcni's types/020, 040 and 100 packages do.
import { CniCode, CniError } from './errors.js';
import { compareVersions } from './skel.js';

export interface CniInterface {
  readonly name: string;
  readonly mac?: string;
  readonly mtu?: number;
  readonly sandbox?: string;
  readonly socketPath?: string;
  readonly pciID?: string;
}

export interface CniIpConfig {
  /** CIDR notation, `10.65.0.7/26`. */
  readonly address: string;
  readonly gateway?: string;
  /** Index into `interfaces`. */
  readonly interface?: number;
}

export interface CniRoute {
  readonly dst: string;
  readonly gw?: string;
  readonly mtu?: number;
  readonly advmss?: number;
  readonly priority?: number;
  readonly table?: number;
  readonly scope?: number;
}

export interface CniDns {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

export interface CniResult {
  readonly interfaces: readonly CniInterface[];
  readonly ips: readonly CniIpConfig[];
  readonly routes: readonly CniRoute[];
  readonly dns: CniDns;
}

export const EMPTY_RESULT: CniResult = { interfaces: [], ips: [], routes: [], dns: {} };

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** Drops undefined members so the JSON has no `null`s and no empty keys. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function readRoute(r: unknown): CniRoute | undefined {
  const o = obj(r);
  const dst = str(o?.['dst']);
  if (o === undefined || dst === undefined) return undefined;
  return compact({
    dst,
    gw: str(o['gw']),
    mtu: num(o['mtu']),
    advmss: num(o['advmss']),
    priority: num(o['priority']),
    table: num(o['table']),
    scope: num(o['scope']),
  });
}

function readDns(d: unknown): CniDns {
  const o = obj(d) ?? {};
  return compact({ nameservers: strings(o['nameservers']), domain: str(o['domain']), search: strings(o['search']), options: strings(o['options']) });
}

/** Reads a result of any version (0.1.0 … 1.1.0). */
export function parseResult(raw: unknown, what = 'result'): CniResult {
  const o = obj(raw);
  if (o === undefined) throw new CniError(CniCode.decodingFailure, `${what} is not a JSON object`);
  if (o['ip4'] !== undefined || o['ip6'] !== undefined) {
    // 0.1.0/0.2.0: one address per family, routes inside it.
    const ips: CniIpConfig[] = [];
    const routes: CniRoute[] = [];
    for (const key of ['ip4', 'ip6']) {
      const f = obj(o[key]);
      const ip = str(f?.['ip']);
      if (f === undefined || ip === undefined) continue;
      ips.push(compact({ address: ip, gateway: str(f['gateway']) }));
      for (const r of Array.isArray(f['routes']) ? f['routes'] : []) {
        const route = readRoute(r);
        if (route !== undefined) routes.push(route);
      }
    }
    return { interfaces: [], ips, routes, dns: readDns(o['dns']) };
  }
  const interfaces: CniInterface[] = [];
  for (const i of Array.isArray(o['interfaces']) ? o['interfaces'] : []) {
    const io = obj(i);
    const name = str(io?.['name']);
    if (io === undefined || name === undefined) continue;
    interfaces.push(
      compact({ name, mac: str(io['mac']), mtu: num(io['mtu']), sandbox: str(io['sandbox']), socketPath: str(io['socketPath']), pciID: str(io['pciID']) }),
    );
  }
  const ips: CniIpConfig[] = [];
  for (const i of Array.isArray(o['ips']) ? o['ips'] : []) {
    const io = obj(i);
    const address = str(io?.['address']);
    if (io === undefined || address === undefined) throw new CniError(CniCode.decodingFailure, `${what}: an entry of "ips" has no address`);
    ips.push(compact({ address, gateway: str(io['gateway']), interface: num(io['interface']) }));
  }
  const routes: CniRoute[] = [];
  for (const r of Array.isArray(o['routes']) ? o['routes'] : []) {
    const route = readRoute(r);
    if (route !== undefined) routes.push(route);
  }
  return { interfaces, ips, routes, dns: readDns(o['dns']) };
}

const isV6 = (cidr: string): boolean => cidr.includes(':');

function hasDns(d: CniDns): boolean {
  return Object.keys(d).length > 0;
}

/** The result as the given cniVersion writes it. */
export function formatResult(r: CniResult, cniVersion: string): Record<string, unknown> {
  if (compareVersions(cniVersion, '0.3.0') < 0) {
    const family = (v6: boolean): Record<string, unknown> | undefined => {
      const ip = r.ips.find((i) => isV6(i.address) === v6);
      if (ip === undefined) return undefined;
      const routes = r.routes.filter((rt) => isV6(rt.dst) === v6).map((rt) => compact({ dst: rt.dst, gw: rt.gw }));
      return compact({ ip: ip.address, gateway: ip.gateway, routes: routes.length > 0 ? routes : undefined });
    };
    return compact({ cniVersion, ip4: family(false), ip6: family(true), dns: hasDns(r.dns) ? r.dns : undefined });
  }
  const v11 = compareVersions(cniVersion, '1.1.0') >= 0;
  const v1 = compareVersions(cniVersion, '1.0.0') >= 0;
  const interfaces = r.interfaces.map((i) =>
    v11 ? i : compact({ name: i.name, mac: i.mac, sandbox: i.sandbox }),
  );
  const ips = r.ips.map((i) =>
    v1 ? i : compact({ version: isV6(i.address) ? '6' : '4', interface: i.interface, address: i.address, gateway: i.gateway }),
  );
  const routes = r.routes.map((rt) => (v11 ? rt : compact({ dst: rt.dst, gw: rt.gw })));
  return compact({
    cniVersion,
    interfaces: interfaces.length > 0 ? interfaces : undefined,
    ips: ips.length > 0 ? ips : undefined,
    routes: routes.length > 0 ? routes : undefined,
    dns: hasDns(r.dns) ? r.dns : undefined,
  });
}

export function printResult(r: CniResult, cniVersion: string): string {
  return JSON.stringify(formatResult(r, cniVersion), null, 2);
}
