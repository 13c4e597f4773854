// Shared pieces of the agent tests: resource builders, a temp sqlite
// datastore, a recording dataplane and a datastore wrapper whose list can be
// held back and whose watch can be cut.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataplaneUpdate } from '../../src/calc/types.js';
import type { AgentDataplane, ApplyResult } from '../../src/agent/agent.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import type { Datastore, ListOptions, ListResult, StoredResource, Watch, WatchEvent, WatchOptions } from '../../src/datastore/types.js';

const V3 = 'projectcalico.org/v3';

export function nsProfile(ns: string): StoredResource {
  return {
    apiVersion: V3,
    kind: 'Profile',
    metadata: { name: `kns.${ns}` },
    spec: { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply: { 'pcns.projectcalico.org/name': ns } },
  };
}

export interface WepOptions {
  readonly node: string;
  readonly pod: string;
  readonly iface: string;
  readonly ip: string;
  readonly labels?: Record<string, string>;
  readonly ns?: string;
}

export function wep(o: WepOptions): StoredResource {
  const ns = o.ns ?? 'default';
  return {
    apiVersion: V3,
    kind: 'WorkloadEndpoint',
    metadata: { name: `${o.node}-k8s-${o.pod}-eth0`, namespace: ns, labels: o.labels ?? {} },
    spec: { orchestrator: 'k8s', node: o.node, pod: o.pod, endpoint: 'eth0', interfaceName: o.iface, ipNetworks: [`${o.ip}/32`], profiles: [`kns.${ns}`] },
  };
}

export function gnp(name: string, spec: Record<string, unknown>): StoredResource {
  return { apiVersion: V3, kind: 'GlobalNetworkPolicy', metadata: { name }, spec };
}

/** A kind the calc graph does not read. */
export function ipPool(name: string, cidr: string): StoredResource {
  return { apiVersion: V3, kind: 'IPPool', metadata: { name }, spec: { cidr, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } };
}

export interface TempSqlite {
  readonly path: string;
  readonly dir: string;
  open(): SqliteDatastore;
  remove(): void;
}

export function tempSqlite(): TempSqlite {
  const dir = mkdtempSync(join(tmpdir(), 'calico-agent-'));
  const path = join(dir, 'calico.db');
  return { path, dir, open: () => SqliteDatastore.open({ path }), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Records what the agent hands it; applies can be made slow or failing. */
export class RecordingDataplane implements AgentDataplane {
  readonly updates: DataplaneUpdate[] = [];
  applies = 0;
  resyncs = 0;
  failNext = 0;
  delayMs = 0;
  routesPending = 0;
  /** Updates received before each apply or resync call. */
  readonly appliedBatches: number[] = [];

  onUpdate(u: DataplaneUpdate): void {
    this.updates.push(u);
  }

  private async run(): Promise<ApplyResult> {
    this.appliedBatches.push(this.updates.length);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('nft transaction failed (exit 1): injected');
    }
    return { routes: { routesPending: this.routesPending } };
  }

  apply(): Promise<ApplyResult> {
    this.applies++;
    return this.run();
  }

  resync(): Promise<ApplyResult> {
    this.resyncs++;
    return this.run();
  }

  has(pred: (u: DataplaneUpdate) => boolean): boolean {
    return this.updates.some(pred);
  }
}

/**
 * Delegates to a real datastore; `holdLists()` makes list() wait until
 * `release()`, `cutWatches(reason)` ends every open watch with resync-required.
 */
export class ControlledDatastore implements Datastore {
  private held: Promise<void> | undefined;
  private releaseHeld: (() => void) | undefined;
  private readonly open = new Set<{ inner: Watch; onEvent: (e: WatchEvent) => void }>();
  lists = 0;

  constructor(readonly inner: Datastore) {}

  /** Set to pose as another backend. */
  typeOverride: Datastore['type'] | undefined;

  get type(): Datastore['type'] {
    return this.typeOverride ?? this.inner.type;
  }

  holdLists(): void {
    this.held = new Promise((r) => (this.releaseHeld = r));
  }

  release(): void {
    this.releaseHeld?.();
    this.held = undefined;
  }

  cutWatches(reason: string): void {
    for (const w of [...this.open]) {
      w.inner.close();
      this.open.delete(w);
      w.onEvent({ type: 'resync-required', reason });
    }
  }

  get watchCount(): number {
    return this.open.size;
  }

  async list(options: ListOptions): Promise<ListResult> {
    this.lists++;
    if (this.held !== undefined) await this.held;
    return this.inner.list(options);
  }

  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Watch {
    const entry = { inner: this.inner.watch(options, onEvent), onEvent };
    this.open.add(entry);
    return {
      close: () => {
        entry.inner.close();
        this.open.delete(entry);
      },
    };
  }

  get: Datastore['get'] = (k) => this.inner.get(k);
  create: Datastore['create'] = (r) => this.inner.create(r);
  update: Datastore['update'] = (r) => this.inner.update(r);
  delete: Datastore['delete'] = (k, rv) => this.inner.delete(k, rv);
  revision: Datastore['revision'] = () => this.inner.revision();
  close: Datastore['close'] = () => this.inner.close();
}

/** Polls `cond` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
