// The etcdv3 datastore: Calico's key layout (keys.ts), the resource JSON as
// value, resourceVersion = the key's mod_revision, compare-and-swap as a txn
// comparing mod_revision (create: create_revision == 0). It speaks JSON to
// etcd's gRPC gateway (etcd/transport.ts) rather than gRPC: a gRPC stack
// costs ~100 ms to load, paid by every CNI ADD and DEL.
//
// Retries are decided here, not in the transport: a write whose call failed
// may still have been applied, and only the code that sees the failure can
// tell a retried write that finds its own value from a genuine conflict.
import { readFileSync } from 'node:fs';
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
import { EtcdTransport, EtcdTransportError } from './etcd/transport.js';
import { EtcdWatch } from './etcd/watch.js';
import {
  b64,
  EtcdServerError,
  int,
  prefixRangeEnd,
  unb64,
  type KeyValue,
  type RangeResponse,
  type RequestOp,
  type TxnRequest,
  type TxnResponse,
} from './etcd/wire.js';
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
  /** Deadline of one call. */
  readonly callTimeoutMs?: number;
  /** Time an operation keeps retrying other members before failing `unavailable`. */
  readonly operationBudgetMs?: number;
  /** A watch whose stream stays down this long ends with `resync-required`. */
  readonly watchReconnectMs?: number;
}

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
  return err instanceof Error ? err.message : String(err);
}

/** Worth another try: the connection failed (maybe another member answers), or etcd said it is briefly unable. */
function isTransient(err: unknown): boolean {
  if (err instanceof EtcdTransportError) return !err.permanent;
  return err instanceof EtcdServerError && err.transient;
}

const value = (kv: KeyValue): string => unb64(kv.value);

function put(key: string, v: string): RequestOp {
  return { request_put: { key: b64(key), value: b64(v) } };
}

export class EtcdDatastore implements Datastore {
  readonly type = 'etcdv3' as const;
  readonly endpoints: readonly string[];
  private readonly transport: EtcdTransport;
  private readonly budgetMs: number;
  private readonly watchReconnectMs: number;
  private readonly watches = new Set<Watch>();

  private constructor(transport: EtcdTransport, endpoints: readonly string[], tuning: EtcdTuning) {
    this.transport = transport;
    this.endpoints = endpoints;
    this.budgetMs = tuning.operationBudgetMs ?? 4000;
    this.watchReconnectMs = tuning.watchReconnectMs ?? 5000;
  }

  static async open(config: EtcdConfig, tuning: EtcdTuning = {}): Promise<EtcdDatastore> {
    // The CNI plugin builds its EtcdConfig itself, past config.ts's checks.
    const bad = config.endpoints.filter((e) => !URL.canParse(e) || !/^https?:$/.test(new URL(e).protocol));
    if (bad.length > 0 || config.endpoints.length === 0) {
      throw new CalicoError(
        'invalid-value',
        `etcd endpoints must look like http://host:port or https://host:port, not ${bad.map((b) => `"${b}"`).join(', ') || 'none'}`,
      );
    }
    const ca = readPem('etcdCACertFile', config.caCert);
    const cert = readPem('etcdCertFile', config.cert);
    const key = readPem('etcdKeyFile', config.key);
    // Without a CA file the system roots verify the server.
    const https = config.endpoints.some((e) => e.startsWith('https:')) ? await import('node:https') : undefined;
    const transport = new EtcdTransport({
      endpoints: config.endpoints,
      callTimeoutMs: tuning.callTimeoutMs ?? 2000,
      ...(https === undefined ? {} : { https }),
      tls: { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) },
      ...(config.username === undefined ? {} : { auth: { username: config.username, password: config.password ?? '' } }),
    });
    return new EtcdDatastore(transport, config.endpoints, tuning);
  }

  private unavailable(err: unknown): CalicoError {
    if (err instanceof CalicoError) return err;
    return new CalicoError('unavailable', `cannot reach etcd at ${this.endpoints.join(', ')}: ${errorText(err)}`);
  }

  /**
   * Runs `attempt` until it returns, retrying failed calls within the budget.
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
        if (!isTransient(err) || Date.now() + 50 >= deadline) throw this.unavailable(err);
        if (!(err instanceof EtcdTransportError && err.unsent)) ambiguous = true;
        await sleep(Math.min(25 * 2 ** tries, 250));
      }
    }
  }

  private call<T>(path: string, body: unknown): Promise<T> {
    return this.transport.call<T>(path, body);
  }

  private async range(key: string): Promise<KeyValue | undefined> {
    const res = await this.call<RangeResponse>('/v3/kv/range', { key: b64(key) });
    return res.kvs?.[0];
  }

  private txn(request: TxnRequest): Promise<TxnResponse> {
    return this.call<TxnResponse>('/v3/kv/txn', request);
  }

  async get(key: ResourceKey): Promise<StoredResource | undefined> {
    const k = etcdKey(key);
    const kv = await this.retrying(() => this.range(k));
    return kv === undefined ? undefined : decodeValue(key, value(kv), int(kv.mod_revision));
  }

  async list(options: ListOptions): Promise<ListResult> {
    checkListOptions(options);
    const prefix = etcdListPrefix(options.kind, options.namespace, options.namePrefix);
    const res = await this.retrying(() =>
      this.call<RangeResponse>('/v3/kv/range', { key: b64(prefix), range_end: prefixRangeEnd(prefix) }),
    );
    const items: StoredResource[] = [];
    for (const kv of res.kvs ?? []) {
      const key = parseEtcdKey(unb64(kv.key));
      if (key === undefined || key.kind !== options.kind) continue;
      if (options.namespace !== undefined && options.namespace !== '' && key.namespace !== options.namespace) continue;
      if (options.namePrefix !== undefined && !key.name.startsWith(options.namePrefix)) continue;
      items.push(decodeValue(key, value(kv), int(kv.mod_revision)));
    }
    items.sort(
      (a, b) =>
        compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compare(a.metadata.name, b.metadata.name),
    );
    return { items, revision: int(res.header?.revision) };
  }

  async create(resource: StoredResource): Promise<StoredResource> {
    const key = keyOf(resource);
    const k = etcdKey(key);
    const v = encodeValue(key.kind, forCreate(key.kind, resource));
    return this.retrying(async (ambiguous) => {
      const res = await this.txn({
        compare: [{ target: 'CREATE', key: b64(k), result: 'EQUAL', create_revision: '0' }],
        success: [put(k, v)],
        failure: [{ request_range: { key: b64(k) } }],
      });
      if (res.succeeded === true) return decodeValue(key, v, int(res.header?.revision));
      const existing = res.responses?.[0]?.response_range?.kvs?.[0];
      // The value carries the uid made for this create: finding it means an
      // earlier try that seemed to fail was applied.
      if (ambiguous && existing !== undefined && value(existing) === v) {
        return decodeValue(key, v, int(existing.mod_revision));
      }
      throw alreadyExists(key);
    });
  }

  /** Applies `op` to `k` if its mod_revision is still `modRevision`: the new revision, or undefined if it changed. */
  private async swap(k: string, modRevision: string | undefined, op: RequestOp): Promise<number | undefined> {
    const res = await this.txn({
      compare: [{ target: 'MOD', key: b64(k), result: 'EQUAL', mod_revision: modRevision ?? '0' }],
      success: [op],
    });
    return res.succeeded === true ? int(res.header?.revision) : undefined;
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
        const curRev = int(cur.mod_revision);
        if (ambiguous && written !== undefined && value(cur) === written && curRev !== expected) {
          return decodeValue(key, written, curRev);
        }
        if (expected !== undefined && curRev !== expected) throw conflict(key, rv ?? '', curRev);
        const stored = decodeValue(key, value(cur), curRev);
        const v = encodeValue(key.kind, forUpdate(key.kind, resource, stored));
        written = v;
        const revision = await this.swap(k, cur.mod_revision, put(k, v));
        if (revision !== undefined) return decodeValue(key, v, revision);
        if (expected !== undefined) {
          const now = await this.range(k);
          if (now === undefined) throw notFound(key);
          throw conflict(key, rv ?? '', int(now.mod_revision));
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
        const curRev = int(cur.mod_revision);
        if (expected !== undefined && curRev !== expected) throw conflict(key, resourceVersion ?? '', curRev);
        removed = decodeValue(key, value(cur), curRev);
        if ((await this.swap(k, cur.mod_revision, { request_delete_range: { key: b64(k) } })) !== undefined) return removed;
        removed = undefined;
        if (expected !== undefined) {
          const now = await this.range(k);
          if (now === undefined) throw notFound(key);
          throw conflict(key, resourceVersion ?? '', int(now.mod_revision));
        }
      }
    });
  }

  async revision(): Promise<number> {
    const res = await this.retrying(() => this.call<RangeResponse>('/v3/kv/range', { key: b64(ROOT_PREFIX) }));
    return int(res.header?.revision);
  }

  /** Compacts etcd's history up to `revision`; watches from before it get `resync-required`. */
  async compact(revision: number): Promise<void> {
    await this.retrying(() => this.call('/v3/kv/compaction', { revision: String(revision), physical: true }));
  }

  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Watch {
    const kinds = options.kinds === undefined ? undefined : new Set(options.kinds);
    const only = options.kinds?.length === 1 ? options.kinds[0] : undefined;
    let closed = false;
    const watch: Watch = {
      close: () => {
        if (closed) return;
        closed = true;
        this.watches.delete(watch);
        etcdWatch.close();
      },
    };
    const etcdWatch = new EtcdWatch(
      this.transport,
      {
        prefix: only === undefined ? ROOT_PREFIX : etcdListPrefix(only),
        startRevision: options.afterRevision + 1,
        reconnectMs: this.watchReconnectMs,
      },
      {
        resync: (reason) => {
          if (closed) return;
          watch.close();
          onEvent({ type: 'resync-required', reason });
        },
        events: (events) => {
          for (const ev of events) {
            if (closed) return;
            const key = parseEtcdKey(unb64(ev.kv.key));
            if (key === undefined || (kinds !== undefined && !kinds.has(key.kind))) continue;
            const revision = int(ev.kv.mod_revision);
            if (ev.type === 'DELETE') {
              const prev = ev.prev_kv;
              onEvent(
                prev === undefined
                  ? { type: 'deleted', key, revision }
                  : { type: 'deleted', key, previous: decodeValue(key, value(prev), int(prev.mod_revision)), revision },
              );
            } else {
              const resource = decodeValue(key, value(ev.kv), revision);
              onEvent({ type: ev.kv.version === '1' ? 'added' : 'modified', resource, revision });
            }
          }
        },
      },
    );
    this.watches.add(watch);
    return watch;
  }

  async close(): Promise<void> {
    for (const w of [...this.watches]) w.close();
    this.transport.close();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
