// This node's Node resource as upstream's startup configures it: the BGP
// addresses from IP/IP6 (autodetected, given, or kept), the interface list,
// the AS number and the orchestrator reference — and the check that no other
// Node already uses the address. Pure: the shell reads the interfaces and the
// datastore, and writes what this decides.
import type { Node, NodeBGPSpec, NodeInterface, NodeSpec } from '../../api/infra-types.js';
import { CALICO_API_VERSION } from '../../api/meta.js';
import { formatIp, parseCidr, parseIp, type IpFamily, type ParsedIp } from '../../api/net.js';
import { autodetect, DEFAULT_EXCLUDE, filterInterfaces, isLocalAddress, localCidrOf, type HostInterface, type ReachSource } from './autodetect.js';
import type { StartupConfig } from './env.js';

export interface Note {
  readonly level: 'info' | 'warn';
  readonly msg: string;
}

export interface NodeInputs {
  readonly config: StartupConfig;
  readonly interfaces: readonly HostInterface[];
  readonly reach: Partial<Record<IpFamily, ReachSource>>;
  /** The stored Node, when there is one (resourceVersion set). */
  readonly existing?: Node;
}

export type NodePlan =
  | {
      readonly ok: true;
      /** The Node to write; undefined when nothing changed (upstream then writes nothing). */
      readonly write?: Node;
      /** The addresses changed: other Nodes must be checked for the same address first. */
      readonly checkConflicts: boolean;
      readonly notes: readonly Note[];
    }
  | {
      readonly ok: false;
      readonly reason: string;
      /** An existing Node with its autodetected addresses cleared, written before giving up (as upstream frees them). */
      readonly clear?: Node;
      readonly notes: readonly Note[];
    };

const BGP_ADDRESS = { 4: 'ipv4Address', 6: 'ipv6Address' } as const;
const IP_NAME: Readonly<Record<IpFamily, string>> = { 4: 'IP', 6: 'IP6' };

type MutableBgp = { -readonly [K in keyof NodeBGPSpec]: NodeBGPSpec[K] };

function addressOf(text: string | undefined): ParsedIp | null {
  if (text === undefined || text === '') return null;
  return parseIp(text.split('/')[0] ?? '');
}

/** Upstream's parseIPEnvironment: an address alone becomes a /32 or /128; the address keeps its host bits. */
function environmentCidr(text: string): string {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  const cidr = parseCidr(text);
  if (ip === null || cidr === null) return text;
  return `${addressText(ip)}/${cidr.prefixLength}`;
}

function addressText(ip: ParsedIp): string {
  return formatIp(ip.family, ip.value);
}

/** Upstream's interface list: every non-excluded interface with its addresses of the families given in the environment, by name. */
function nodeInterfaces(ifaces: readonly HostInterface[], families: readonly IpFamily[]): NodeInterface[] | undefined {
  if (families.length === 0) return undefined;
  const list = filterInterfaces(ifaces, undefined, DEFAULT_EXCLUDE, families).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out = list.map((i) => (i.addresses.length === 0 ? { name: i.name } : { name: i.name, addresses: i.addresses.map((a) => a.address as string) }));
  return out.length === 0 ? undefined : out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function withSpec(base: Node | undefined, name: string, spec: NodeSpec): Node {
  if (base === undefined) return { apiVersion: CALICO_API_VERSION, kind: 'Node', metadata: { name }, spec };
  return { ...base, spec };
}

function specWith(spec: NodeSpec, bgp: MutableBgp, interfaces: readonly NodeInterface[] | undefined): NodeSpec {
  const { bgp: _bgp, interfaces: _interfaces, ...rest } = spec;
  const empty = Object.values(bgp).every((v) => v === undefined || v === '');
  return { ...rest, ...(empty ? {} : { bgp: dropEmpty(bgp) }), ...(interfaces === undefined ? {} : { interfaces }) };
}

function dropEmpty(bgp: MutableBgp): NodeBGPSpec {
  return Object.fromEntries(Object.entries(bgp).filter(([, v]) => v !== undefined && v !== '')) as NodeBGPSpec;
}

/** Decides this node's Node resource (upstream's configureIPsAndSubnets, configureASNumber and configureNodeRef). */
export function planNode(inputs: NodeInputs): NodePlan {
  const { config, interfaces, existing } = inputs;
  const notes: Note[] = [];
  const spec: NodeSpec = existing?.spec ?? {};
  const bgp: MutableBgp = { ...(spec.bgp ?? {}) };
  let changed = false;
  let checkConflicts = false;
  let nextInterfaces = spec.interfaces;

  const validate = (family: IpFamily): void => {
    const ip = addressOf(bgp[BGP_ADDRESS[family]]);
    if (ip !== null && !isLocalAddress(interfaces, ip)) notes.push({ level: 'warn', msg: `Unable to confirm IPv${family} address ${addressText(ip)} is assigned to this host` });
  };

  if (config.backend !== 'none') {
    for (const family of [4, 6] as const) {
      const key = BGP_ADDRESS[family];
      const setting = config.ip[family];
      const current = bgp[key] ?? '';
      // IPv4 is autodetected whenever the Node has none; IPv6 only when asked for.
      const detect = setting.kind === 'autodetect' || (family === 4 && setting.kind === 'unset' && current === '');
      if (detect) {
        const found = autodetect(config.method[family], family, interfaces, inputs.reach[family]);
        if (found.ok) {
          bgp[key] = found.cidr;
          notes.push({ level: 'info', msg: `Using autodetected IPv${family} address on interface ${found.interface}: ${found.cidr}` });
        } else if (current === '') {
          notes.push({ level: 'warn', msg: `Unable to auto-detect an IPv${family} address: ${found.reason}` });
          const clearing = config.ip[4].kind === 'autodetect' || config.ip[6].kind === 'autodetect';
          const clear =
            existing === undefined || !clearing
              ? undefined
              : withSpec(existing, config.nodeName, specWith(spec, clearDetected(bgp, config), nextInterfaces));
          return { ok: false, reason: `failed to autodetect an IPv${family} address: ${found.reason}`, ...(clear === undefined ? {} : { clear }), notes };
        } else {
          notes.push({ level: 'warn', msg: `Autodetection of IPv${family} address failed, keeping existing value: ${current}` });
          validate(family);
        }
      } else if (setting.kind === 'none' && current !== '') {
        notes.push({ level: 'info', msg: `Autodetection for IPv${family} disabled, keeping existing value: ${current}` });
        validate(family);
      } else if (setting.kind !== 'none') {
        if (setting.kind === 'explicit') {
          // A bare IPv4 address takes its prefix length from the interface that has it.
          const ip = family === 4 && !setting.text.includes('/') ? parseIp(setting.text) : null;
          const local = ip === null ? undefined : localCidrOf(interfaces, ip);
          if (ip !== null && local === undefined) notes.push({ level: 'warn', msg: `Unable to find matching host interface for IP ${setting.text}` });
          bgp[key] = environmentCidr(local?.cidr ?? setting.text);
          notes.push({ level: 'info', msg: `Using IPv${family} address from environment: ${IP_NAME[family]}=${setting.text}` });
        }
        validate(family);
      }
    }

    const families = ([4, 6] as const).filter((f) => config.ip[f].kind === 'autodetect' || config.ip[f].kind === 'explicit');
    nextInterfaces = nodeInterfaces(interfaces, families);
    for (const family of [4, 6] as const) {
      if ((bgp[BGP_ADDRESS[family]] ?? '') !== (spec.bgp?.[BGP_ADDRESS[family]] ?? '')) {
        notes.push({ level: 'info', msg: `Node IPv${family} changed, will check for conflicts` });
        checkConflicts = true;
      }
    }
    if (!checkConflicts && !sameJson(nextInterfaces, spec.interfaces)) {
      notes.push({ level: 'info', msg: 'Node interfaces changed' });
      checkConflicts = true;
    }
    changed = checkConflicts;
    if ((bgp.ipv4Address ?? '') === '' && (bgp.ipv6Address ?? '') === '') {
      return { ok: false, reason: 'no IPv4 or IPv6 addresses configured or detected, required for Calico networking', notes };
    }
    if (config.asNumber !== undefined) {
      bgp.asNumber = config.asNumber;
      notes.push({ level: 'info', msg: `Using AS number specified in environment (AS=${config.asNumber})` });
      changed = true;
    } else {
      notes.push({ level: 'info', msg: bgp.asNumber === undefined ? 'No AS number configured on node resource, using global value' : `Using AS number ${bgp.asNumber} configured in node resource` });
    }
  }

  let next: NodeSpec = config.backend === 'none' ? spec : specWith(spec, bgp, nextInterfaces);
  if (config.k8sNodeRef !== undefined) {
    next = { ...next, orchRefs: [{ nodeName: config.k8sNodeRef, orchestrator: 'k8s' }] };
    changed = true;
  }
  if (!changed) return { ok: true, checkConflicts: false, notes };
  return { ok: true, write: withSpec(existing, config.nodeName, next), checkConflicts, notes };
}

/** Upstream clears only the addresses it was asked to autodetect. */
function clearDetected(bgp: MutableBgp, config: StartupConfig, only?: Readonly<Record<IpFamily, boolean>>): MutableBgp {
  const out = { ...bgp };
  for (const family of [4, 6] as const) {
    if (config.ip[family].kind === 'autodetect' && (only === undefined || only[family])) delete out[BGP_ADDRESS[family]];
  }
  return out;
}

export interface ConflictCheck {
  readonly conflict: Readonly<Record<IpFamily, boolean>>;
  readonly notes: readonly Note[];
  readonly reason?: string;
  /** The Node to write before giving up: the conflicting autodetected address cleared, freeing it for the other node. */
  readonly clear?: Node;
}

/** Upstream's checkConflictingNodes: another Node with the same BGP address is an error; our own with a different one a warning. */
export function checkConflicts(node: Node, others: readonly Node[], config: StartupConfig, stored: boolean): ConflictCheck {
  const notes: Note[] = [];
  const conflict = { 4: false, 6: false };
  let reason: string | undefined;
  const ours = { 4: addressOf(node.spec.bgp?.ipv4Address), 6: addressOf(node.spec.bgp?.ipv6Address) };
  for (const other of others) {
    if (other.spec.bgp === undefined) continue;
    for (const family of [4, 6] as const) {
      const mine = ours[family];
      const theirs = addressOf(other.spec.bgp[BGP_ADDRESS[family]]);
      if (mine === null || theirs === null) continue;
      if (other.metadata.name === node.metadata.name) {
        if (theirs.value !== mine.value) {
          notes.push({ level: 'warn', msg: `IPv${family} address has changed from ${addressText(theirs)} to ${addressText(mine)}. This could happen if there are multiple nodes with the same name.` });
        }
      } else if (theirs.value === mine.value) {
        notes.push({ level: 'warn', msg: `Calico node '${other.metadata.name}' is already using the IPv${family} address ${addressText(mine)}.` });
        conflict[family] = true;
        reason = `IPv${family} address conflict`;
      }
    }
  }
  if (reason === undefined) return { conflict, notes };
  const clear = stored && ([4, 6] as const).some((f) => conflict[f] && config.ip[f].kind === 'autodetect')
    ? withSpec(node, node.metadata.name, specWith(node.spec, clearDetected({ ...(node.spec.bgp ?? {}) }, config, conflict), node.spec.interfaces))
    : undefined;
  return { conflict, notes, reason: `conflicting node detected: ${reason}`, ...(clear === undefined ? {} : { clear }) };
}
