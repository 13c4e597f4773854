// The etcdv3 datastore: Calico's key layout (keys.ts), the resource JSON as
// value, resourceVersion = the key's mod_revision, compare-and-swap as a txn
// comparing mod_revision (create: create_revision == 0).
//
// Retries are ours, not the client's: a write whose RPC failed may still have
// been applied, and only the code that sees the failure can tell a retried
// write that finds its own value from a genuine conflict. The client keeps its
// per-member circuit breaker, so a dead member is skipped while it is down.
import { readFileSync } from 'node:fs';
import { Etcd3, isRecoverableError, type IKeyValue, type IOptions, type Watcher } from 'etcd3';
import { CalicoError } from '../api/errors.js';
import {
  alreadyExists,
  conflict,
  decodeValue,
  encodeValue,
  forCreate,
  forUpdate,
  notFound,
  parseResourceVersion,
} from './codec.js';
import type { EtcdConfig, Pem } from './config.js';
import { checkListOptions, etcdKey, etcdListPrefix, keyOf, parseEtcdKey, ROOT_PREFIX } from './keys.js';
import type {
  Datastore,
  ListOptions,
  ListResult,
  ResourceKey,
  StoredResource,
  Watch,
  WatchEvent,
  WatchOptions,
} from './types.js';

export interface EtcdTuning {
  /** Deadline of one RPC. */
  readonly callTimeoutMs?: number;
  /** Time an operation keeps retrying other members before failing `unavailable`. */
  readonly operationBudgetMs?: number;
  /** A watch whose stream stays down this long ends with `resync-required`. */
  readonly watchReconnectMs?: number;
}

type GlobalPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** Runs each call once: retrying is decided in this file (see the header). */
const callOnce = {
  execute: <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> =>
    Promise.resolve().then(() => fn({ signal: signal ?? new AbortController().signal })),
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
} as unknown as GlobalPolicy;

function readPem(what: string, pem: Pem | undefined): Buffer | undefined {
  if (pem === undefined) return undefined;
  if ('inline' in pem) return Buffer.from(pem.inline);
  try {
    return readFileSync(pem.file);
  } catch (err) {
    throw new CalicoError(
      'invalid-value',
      `cannot read ${what} ${pem.file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*Resolution note:\s*$/, '');
}

/** The client's per-member circuit breaker refused the call (cockatiel's BrokenCircuitError). */
function isBrokenCircuit(err: unknown): boolean {
  return err instanceof Error && ('isBrokenCircuitError' in err || err.message.includes('circuit breaker is open'));
}

function rev(s: string): number {
  return Number(s);
}

export class EtcdDatastore implements Datastore {
  readonly type = 'etcdv3' as const;
  readonly endpoints: readonly string[];
  private readonly client: Etcd3;
  private readonly budgetMs: number;
  private readonly watchReconnectMs: number;
  private readonly watches = new Set<Watch>();
  /** The last error an etcd member gave, kept because an open circuit breaker hides it. */
  private lastTransportError = '';

  private constructor(config: EtcdConfig, tuning: EtcdTuning) {
    this.endpoints = config.endpoints;
    const callTimeoutMs = tuning.callTimeoutMs ?? 2000;
    this.budgetMs = tuning.operationBudgetMs ?? 4000;
    this.watchReconnectMs = tuning.watchReconnectMs ?? 5000;
    const ca = readPem('etcdCACertFile', config.caCert);
    const cert = readPem('etcdCertFile', config.cert);
    const key = readPem('etcdKeyFile', config.key);
    const options: IOptions = {
      hosts: [...config.endpoints],
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
      faultHandling: { global: callOnce },
      ...(config.username === undefined
        ? {}
        : { auth: { username: config.username, password: config.password ?? '' } }),
    };
    if (ca !== undefined || cert !== undefined) {
      // Without a CA file the system roots verify the server, as grpc's createSsl(null) does.
      options.credentials = {
        rootCertificate: ca as Buffer,
        ...(key === undefined ? {} : { privateKey: key }),
        ...(cert === undefined ? {} : { certChain: cert }),
      };
    }
    this.client = new Etcd3(options);
  }

  static async open(config: EtcdConfig, tuning: EtcdTuning = {}): Promise<EtcdDatastore> {
    return new EtcdDatastore(config, tuning);
  }

  private unavailable(err: unknown): CalicoError {
    if (err instanceof CalicoError) return err;
    const why = isBrokenCircuit(err)
      ? this.lastTransportError || 'no member is answering'
      : errorText(err);
    return new CalicoError('unavailable', `cannot reach etcd at ${this.endpoints.join(', ')}: ${why}`);
  }

  /**
   * Runs `attempt` until it returns, retrying failed RPCs within the budget.
   * `attempt` learns whether an earlier try failed after possibly reaching
   * etcd, so a write can recognise its own earlier success.
   */
  private async retrying<T>(attempt: (ambiguous: boolean) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.budgetMs;
    let ambiguous = false;
    for (let tries = 0; ; tries++) {
      try {
        return await attempt(ambiguous);
      } catch (err) {
        if (err instanceof CalicoError) throw err;
        if (!isBrokenCircuit(err)) this.lastTransportError = errorText(err);
        // An open breaker means every member failed just now: give up at once rather than wait out the budget.
        const transient = err instanceof Error && isRecoverableError(err) && !isBrokenCircuit(err);
        if (!transient || Date.now() + 50 >= deadline) throw this.unavailable(err);
        ambiguous = true;
        await sleep(Math.min(25 * 2 ** tries, 250));
      }
    }
  }

  private async range(key: string): Promise<IKeyValue | undefined> {
    const res = await this.client.get(key).exec();
    return res.kvs[0];
  }

  async get(key: ResourceKey): Promise<StoredResource | undefined> {
    const k = etcdKey(key);
    const kv = await this.retrying(() => this.range(k));
    return kv === undefined ? undefined : decodeValue(key, kv.value.toString(), rev(kv.mod_revision));
  }

  async list(options: ListOptions): Promise<ListResult> {
    checkListOptions(options);
    const prefix = etcdListPrefix(options.kind, options.namespace, options.namePrefix);
    const res = await this.retrying(() => this.client.getAll().prefix(prefix).exec());
    const items: StoredResource[] = [];
    for (const kv of res.kvs) {
      const key = parseEtcdKey(kv.key.toString());
      if (key === undefined || key.kind !== options.kind) continue;
      if (options.namespace !== undefined && options.namespace !== '' && key.namespace !== options.namespace) continue;
      if (options.namePrefix !== undefined && !key.name.startsWith(options.namePrefix)) continue;
      items.push(decodeValue(key, kv.value.toString(), rev(kv.mod_revision)));
    }
    items.sort(
      (a, b) =>
        compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compare(a.metadata.name, b.metadata.name),
    );
    return { items, revision: rev(res.header.revision) };
  }

  async create(resource: StoredResource): Promise<StoredResource> {
    const key = keyOf(resource);
    const k = etcdKey(key);
    const value = encodeValue(key.kind, forCreate(key.kind, resource));
    return this.retrying(async (ambiguous) => {
      const res = await this.client.if(k, 'Create', '==', 0).then(this.client.put(k).value(value)).else(this.client.get(k)).commit();
      if (res.succeeded) return decodeValue(key, value, rev(res.header.revision));
      const existing = res.responses[0]?.response_range.kvs[0];
      // The value carries the uid made for this create: finding it means an
      // earlier try that seemed to fail was applied.
      if (ambiguous && existing !== undefined && existing.value.toString() === value) {
        return decodeValue(key, value, rev(existing.mod_revision));
      }
      throw alreadyExists(key);
    });
  }

  async update(resource: StoredResource): Promise<StoredResource> {
    const key = keyOf(resource);
    const k = etcdKey(key);
    const rv = resource.metadata.resourceVersion;
    const expected = parseResourceVersion(key, rv);
    let written: string | undefined;
    return this.retrying(async (ambiguous) => {
      for (;;) {
        const cur = await this.range(k);
        if (cur === undefined) throw notFound(key);
        const curRev = rev(cur.mod_revision);
        if (ambiguous && written !== undefined && cur.value.toString() === written && curRev !== expected) {
          return decodeValue(key, written, curRev);
        }
        if (expected !== undefined && curRev !== expected) throw conflict(key, rv ?? '', curRev);
        const stored = decodeValue(key, cur.value.toString(), curRev);
        const value = encodeValue(key.kind, forUpdate(key.kind, resource, stored));
        written = value;
        const res = await this.client
          .if(k, 'Mod', '==', cur.mod_revision)
          .then(this.client.put(k).value(value))
          .commit();
        if (res.succeeded) return decodeValue(key, value, rev(res.header.revision));
        if (expected !== undefined) {
          const now = await this.range(k);
          if (now === undefined) throw notFound(key);
          throw conflict(key, rv ?? '', rev(now.mod_revision));
        }
        // An unconditional update lost a race with another writer: read again.
      }
    });
  }

  async delete(key: ResourceKey, resourceVersion?: string): Promise<StoredResource> {
    const k = etcdKey(key);
    const expected = parseResourceVersion(key, resourceVersion);
    let removed: StoredResource | undefined;
    return this.retrying(async (ambiguous) => {
      for (;;) {
        const cur = await this.range(k);
        if (cur === undefined) {
          if (ambiguous && removed !== undefined) return removed;
          throw notFound(key);
        }
        const curRev = rev(cur.mod_revision);
        if (expected !== undefined && curRev !== expected) throw conflict(key, resourceVersion ?? '', curRev);
        removed = decodeValue(key, cur.value.toString(), curRev);
        const res = await this.client.if(k, 'Mod', '==', cur.mod_revision).then(this.client.delete().key(k)).commit();
        if (res.succeeded) return removed;
        removed = undefined;
        if (expected !== undefined) {
          const now = await this.range(k);
          if (now === undefined) throw notFound(key);
          throw conflict(key, resourceVersion ?? '', rev(now.mod_revision));
        }
      }
    });
  }

  async revision(): Promise<number> {
    const res = await this.retrying(() => this.client.get(ROOT_PREFIX).exec());
    return rev(res.header.revision);
  }

  /** Compacts etcd's history up to `revision`; watches from before it get `resync-required`. */
  async compact(revision: number): Promise<void> {
    await this.retrying(() => this.client.kv.compact({ revision: String(revision), physical: true }));
  }

  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Watch {
    const kinds = options.kinds === undefined ? undefined : new Set(options.kinds);
    const only = options.kinds?.length === 1 ? options.kinds[0] : undefined;
    const prefix = only === undefined ? ROOT_PREFIX : etcdListPrefix(only);
    let closed = false;
    let watcher: Watcher | undefined;
    let downTimer: NodeJS.Timeout | undefined;
    const watch: Watch = {
      close: () => {
        if (closed) return;
        closed = true;
        if (downTimer !== undefined) clearTimeout(downTimer);
        this.watches.delete(watch);
        watcher?.cancel().catch(() => undefined);
      },
    };
    const resync = (reason: string): void => {
      if (closed) return;
      watch.close();
      onEvent({ type: 'resync-required', reason });
    };
    const down = (why: string): void => {
      if (downTimer === undefined && !closed) {
        downTimer = setTimeout(
          () => resync(`lost the watch stream to etcd at ${this.endpoints.join(', ')}: ${why}`),
          this.watchReconnectMs,
        );
      }
    };
    this.watches.add(watch);
    down('could not start the watch');
    this.client
      .watch()
      .prefix(prefix)
      .startRevision(String(options.afterRevision + 1))
      .withPreviousKV()
      .create()
      .then((w) => {
        watcher = w;
        if (closed) {
          w.cancel().catch(() => undefined);
          return;
        }
        clearTimeout(downTimer);
        downTimer = undefined;
        w.on('connected', () => {
          clearTimeout(downTimer);
          downTimer = undefined;
        });
        w.on('disconnected', (err: unknown) => down(errorText(err)));
        w.on('error', (err: unknown) => resync(`etcd ended the watch: ${errorText(err)}`));
        w.on('data', (res) => {
          if (res.compact_revision !== undefined && res.compact_revision !== '0' && res.events.length === 0) {
            resync(`history up to revision ${res.compact_revision} was compacted`);
            return;
          }
          for (const ev of res.events) {
            if (closed) return;
            const key = parseEtcdKey(ev.kv.key.toString());
            if (key === undefined || (kinds !== undefined && !kinds.has(key.kind))) continue;
            const revision = rev(ev.kv.mod_revision);
            if (ev.type === 'Delete') {
              const prev = ev.prev_kv;
              onEvent(
                prev === undefined || prev === null
                  ? { type: 'deleted', key, revision }
                  : { type: 'deleted', key, previous: decodeValue(key, prev.value.toString(), rev(prev.mod_revision)), revision },
              );
            } else {
              const resource = decodeValue(key, ev.kv.value.toString(), revision);
              onEvent({ type: ev.kv.version === '1' ? 'added' : 'modified', resource, revision });
            }
          }
        });
      })
      .catch((err: unknown) => resync(`cannot watch etcd at ${this.endpoints.join(', ')}: ${errorText(err)}`));
    return watch;
  }

  async close(): Promise<void> {
    for (const w of [...this.watches]) w.close();
    this.client.close();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
