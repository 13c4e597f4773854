// What a lab is made of, kept in its state directory so every later command
// (and `down` after a crash) finds it: state.json for the lab and its hosts,
// pods/<namespace>.<name>.json for each pod (one file each, so pods can be
// added in parallel).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CalicoError } from '../api/errors.js';
import type { DatastoreConfig } from '../datastore/config.js';

export const DEFAULT_STATE_ROOT = '/var/run/calico-lab';
export const DEFAULT_LAB_NAME = 'lab';

export type Protocol = 'tcp' | 'udp';

/** A port a pod serves; `name` makes it a named port of its WorkloadEndpoint. */
export interface ServePort {
  readonly name?: string;
  readonly protocol: Protocol;
  readonly port: number;
}

export interface HostState {
  readonly name: string;
  readonly netns: string;
  /** The host's address on the lab network. */
  readonly address: string;
  readonly agentPid: number;
  readonly statusFile: string;
  readonly logFile: string;
}

export interface LabState {
  readonly version: 1;
  readonly name: string;
  /** Every network namespace of the lab starts with this. */
  readonly prefix: string;
  readonly dir: string;
  readonly datastore: DatastoreConfig;
  /** etcd's pid for an etcdv3 lab. */
  readonly etcdPid?: number;
  /** The namespace holding the lab network's bridge (and etcd). */
  readonly networkNetns: string;
  readonly pool: string;
  readonly hosts: readonly HostState[];
}

export interface PodState {
  readonly namespace: string;
  readonly name: string;
  readonly netns: string;
  readonly containerId: string;
  readonly node: string;
  readonly ips: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly serve: readonly ServePort[];
  readonly listenerPid?: number;
}

export interface LabLocation {
  readonly name: string;
  readonly dir: string;
}

const LAB_NAME = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

/** `--lab`/CALICO_LAB_NAME and LAB_DIR (the state directory itself) or /var/run/calico-lab/<name>. */
export function locateLab(name: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): LabLocation {
  const labName = name ?? env['CALICO_LAB_NAME'] ?? DEFAULT_LAB_NAME;
  if (!LAB_NAME.test(labName)) {
    throw new CalicoError('invalid-value', `lab name "${labName}" must be 1 to 20 lower-case letters, digits or '-', starting and ending with a letter or digit`);
  }
  const dir = env['LAB_DIR'] !== undefined && env['LAB_DIR'] !== '' ? resolve(env['LAB_DIR']) : join(DEFAULT_STATE_ROOT, labName);
  return { name: labName, dir };
}

export function netnsPrefix(labName: string): string {
  return `cl-${labName}-`;
}

function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export function statePath(dir: string): string {
  return join(dir, 'state.json');
}

export function saveState(state: LabState): void {
  mkdirSync(state.dir, { recursive: true });
  writeJson(statePath(state.dir), state);
}

export function readState(dir: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dir), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export function requireState(loc: LabLocation): LabState {
  const state = readState(loc.dir);
  if (state === undefined) {
    throw new CalicoError('not-found', `lab "${loc.name}" is not up (no ${statePath(loc.dir)}); run "calico-lab up" first`);
  }
  return state;
}

function podsDir(dir: string): string {
  return join(dir, 'pods');
}

function podFile(dir: string, namespace: string, name: string): string {
  return join(podsDir(dir), `${namespace}.${name}.json`);
}

export function savePod(dir: string, pod: PodState): void {
  mkdirSync(podsDir(dir), { recursive: true });
  writeJson(podFile(dir, pod.namespace, pod.name), pod);
}

export function readPod(dir: string, namespace: string, name: string): PodState | undefined {
  try {
    return JSON.parse(readFileSync(podFile(dir, namespace, name), 'utf8')) as PodState;
  } catch {
    return undefined;
  }
}

export function removePod(dir: string, namespace: string, name: string): void {
  rmSync(podFile(dir, namespace, name), { force: true });
}

export function listPods(dir: string): PodState[] {
  if (!existsSync(podsDir(dir))) return [];
  const out: PodState[] = [];
  for (const f of readdirSync(podsDir(dir)).sort()) {
    if (!f.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(join(podsDir(dir), f), 'utf8')) as PodState);
    } catch {
      // A pod file half-written by a crashed command: `down` still finds its namespace by prefix.
    }
  }
  return out;
}
