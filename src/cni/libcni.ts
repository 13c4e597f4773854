// The runtime's side of CNI, as libcni runs a network configuration list
// (SPEC.md section 3): each plugin found on CNI_PATH and executed with the
// attachment in its environment and its request configuration on stdin —
// cniVersion and name from the list, runtimeConfig from the capabilities it
// declares, the previous result as prevResult. ADD and CHECK go in order, DEL
// in reverse; GC runs every plugin and collects the errors. For labs and tests
// that play the container runtime; a host simulated in a network namespace is
// entered with `ip netns exec`.
import { spawnCollect } from '../exec/collect.js';
import { findPlugin } from './delegate.js';
import { CniCode, CniError } from './errors.js';

type Obj = Record<string, unknown>;

export interface NetworkList {
  readonly cniVersion: string;
  readonly name: string;
  readonly plugins: readonly Obj[];
}

export interface AttachmentParams {
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  /** CNI_ARGS, `K=V;K=V`. */
  readonly args?: string;
  /** Capability arguments (portMappings, bandwidth, pod, …), given to plugins that declare the capability. */
  readonly capabilityArgs?: Readonly<Obj>;
}

export interface RuntimeOptions {
  /** Directories searched for plugin binaries. */
  readonly cniPath: readonly string[];
  /** Run the plugins inside this named network namespace (the simulated host); the current one when omitted. */
  readonly hostNetns?: string;
  /** Extra environment for the plugins (PATH is inherited unless given). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A plain plugin configuration file (one plugin, no `plugins` list) as a list of one. */
export function asNetworkList(conf: Obj): NetworkList {
  if (Array.isArray(conf['plugins'])) return conf as unknown as NetworkList;
  const { cniVersion, name, ...plugin } = conf;
  return { cniVersion: String(cniVersion ?? ''), name: String(name ?? ''), plugins: [plugin] };
}

/** libcni's buildOneConfig. */
export function requestConfig(list: NetworkList, plugin: Obj, capabilityArgs: Readonly<Obj>, prevResult: unknown, extra: Obj = {}): string {
  const { capabilities, ...rest } = plugin as { capabilities?: Record<string, boolean> } & Obj;
  const runtimeConfig: Obj = { ...((rest['runtimeConfig'] as Obj | undefined) ?? {}) };
  for (const [cap, on] of Object.entries(capabilities ?? {})) if (on && capabilityArgs[cap] !== undefined) runtimeConfig[cap] = capabilityArgs[cap];
  return JSON.stringify({
    ...rest,
    cniVersion: list.cniVersion,
    name: list.name,
    ...(Object.keys(runtimeConfig).length > 0 ? { runtimeConfig } : {}),
    ...(prevResult === undefined ? {} : { prevResult }),
    ...extra,
  });
}

async function execOne(type: string, command: string, stdin: string, attachment: AttachmentParams | undefined, opts: RuntimeOptions): Promise<unknown> {
  const path = findPlugin(type, opts.cniPath.join(':'));
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    ...opts.env,
    CNI_COMMAND: command,
    CNI_PATH: opts.cniPath.join(':'),
    ...(attachment === undefined
      ? {}
      : { CNI_CONTAINERID: attachment.containerId, CNI_NETNS: attachment.netns, CNI_IFNAME: attachment.ifName, CNI_ARGS: attachment.args ?? '' }),
  };
  const argv = opts.hostNetns === undefined ? [path] : ['ip', 'netns', 'exec', opts.hostNetns, path];
  const { code, stdout, stderr } = await spawnCollect(argv, stdin, { env });
  let parsed: unknown;
  try {
    parsed = stdout.trim() === '' ? undefined : JSON.parse(stdout);
  } catch {
    parsed = undefined;
  }
  if (code !== 0) {
    const e = (parsed ?? {}) as { code?: unknown; msg?: unknown; details?: unknown };
    const msg = typeof e.msg === 'string' ? e.msg : (stderr.trim() || stdout.trim() || `exit code ${code}`);
    throw new CniError(typeof e.code === 'number' ? e.code : CniCode.internal, `plugin type="${type}" failed (${command.toLowerCase()}): ${msg}`, typeof e.details === 'string' ? e.details : '');
  }
  return parsed;
}

/** ADD through the list; returns the last plugin's result (what CHECK and DEL need later). */
export async function addNetworkList(list: NetworkList, att: AttachmentParams, opts: RuntimeOptions): Promise<unknown> {
  let prev: unknown;
  for (const p of list.plugins) prev = await execOne(String(p['type']), 'ADD', requestConfig(list, p, att.capabilityArgs ?? {}, prev), att, opts);
  return prev;
}

export async function checkNetworkList(list: NetworkList & { disableCheck?: boolean }, att: AttachmentParams, addResult: unknown, opts: RuntimeOptions): Promise<void> {
  if (list.disableCheck === true) return;
  for (const p of list.plugins) await execOne(String(p['type']), 'CHECK', requestConfig(list, p, att.capabilityArgs ?? {}, addResult), att, opts);
}

/** DEL in reverse order, each plugin given the ADD's result. */
export async function delNetworkList(list: NetworkList, att: AttachmentParams, addResult: unknown, opts: RuntimeOptions): Promise<void> {
  for (const p of [...list.plugins].reverse()) await execOne(String(p['type']), 'DEL', requestConfig(list, p, att.capabilityArgs ?? {}, addResult), att, opts);
}

export async function statusNetworkList(list: NetworkList, opts: RuntimeOptions): Promise<void> {
  for (const p of list.plugins) await execOne(String(p['type']), 'STATUS', requestConfig(list, p, {}, undefined), undefined, opts);
}

/** GC with the attachments still valid; every plugin runs, and all errors come back together. */
export async function gcNetworkList(list: NetworkList & { disableGC?: boolean }, valid: readonly { containerID: string; ifname: string }[], opts: RuntimeOptions): Promise<void> {
  if (list.disableGC === true) return;
  const errors: string[] = [];
  for (const p of list.plugins) {
    await execOne(String(p['type']), 'GC', requestConfig(list, p, {}, undefined, { 'cni.dev/valid-attachments': valid }), undefined, opts).catch((e: unknown) =>
      errors.push(e instanceof Error ? e.message : String(e)),
    );
  }
  if (errors.length > 0) throw new CniError(CniCode.internal, errors.join('; '));
}
