// The default datastore: one SQLite file shared by every process on the host
// (calicoctl, the agent, concurrent CNI invocations). WAL mode lets readers
// run beside one writer; every write is one BEGIN IMMEDIATE transaction that
// bumps a global revision, writes the row and appends to a change log, so a
// process killed at any instant leaves either all of a write or none of it.
// Watchers poll the change log from their revision; the log is trimmed, and a
// watcher that fell behind the trimmed point is told to list again.
import { mkdirSync, watch as watchFs, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import { checkKey, checkListOptions, keyOf } from './keys.js';
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

export interface SqliteOptions {
  readonly path: string;
  /** How often a watcher polls the change log. */
  readonly pollIntervalMs?: number;
  /** How long a write waits for another process's transaction before failing `unavailable`. */
  readonly busyTimeoutMs?: number;
  /** Change log entries kept; older ones are trimmed and watchers behind them must resync. */
  readonly changeLogRetention?: number;
}

interface Row {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly value: string;
  readonly mod_revision: number;
}

interface ChangeRow {
  readonly revision: number;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly type: 'added' | 'modified' | 'deleted';
  readonly value: string;
  /** For deletes: the revision at which the deleted value was written. */
  readonly prev_revision: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
  create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL,
  PRIMARY KEY (kind, namespace, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
  revision INTEGER PRIMARY KEY, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  type TEXT NOT NULL, value TEXT NOT NULL, prev_revision INTEGER NOT NULL);
`;

const COMPACT_EVERY = 1000;

function keyFromRow(row: { kind: string; namespace: string; name: string }): ResourceKey {
  return row.namespace === ''
    ? { kind: row.kind, name: row.name }
    : { kind: row.kind, namespace: row.namespace, name: row.name };
}

function sqliteCode(err: unknown): string | undefined {
  return err instanceof Database.SqliteError ? err.code : undefined;
}

export class SqliteDatastore implements Datastore {
  readonly type = 'sqlite' as const;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly pollIntervalMs: number;
  private readonly retention: number;
  /** Each open watch and how to make it poll now. */
  private readonly watches = new Map<Watch, () => void>();
  /** inotify on the file's directory: a commit by any process touches the WAL file. */
  private walWatcher: FSWatcher | undefined;
  private readonly stmt;

  private constructor(db: Database.Database, options: SqliteOptions) {
    this.db = db;
    this.path = options.path;
    this.pollIntervalMs = options.pollIntervalMs ?? 25;
    this.retention = options.changeLogRetention ?? 10_000;
    this.stmt = {
      row: db.prepare<[string, string, string], Row>(
        'SELECT kind, namespace, name, value, mod_revision FROM resources WHERE kind = ? AND namespace = ? AND name = ?',
      ),
      list: db.prepare<[string, string, string, number, string], Row>(
        `SELECT kind, namespace, name, value, mod_revision FROM resources
         WHERE kind = ? AND (? = '' OR namespace = ?) AND substr(name, 1, ?) = ? ORDER BY namespace, name`,
      ),
      meta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
      bump: db.prepare<[], { value: number }>(
        "UPDATE meta SET value = value + 1 WHERE name = 'revision' RETURNING value",
      ),
      insert: db.prepare<[string, string, string, string, number, number]>(
        'INSERT INTO resources (kind, namespace, name, value, create_revision, mod_revision) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      update: db.prepare<[string, number, string, string, string]>(
        'UPDATE resources SET value = ?, mod_revision = ? WHERE kind = ? AND namespace = ? AND name = ?',
      ),
      remove: db.prepare<[string, string, string]>('DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?'),
      change: db.prepare<[number, string, string, string, string, string, number]>(
        'INSERT INTO changes (revision, kind, namespace, name, type, value, prev_revision) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      changesAfter: db.prepare<[number], ChangeRow>(
        'SELECT revision, kind, namespace, name, type, value, prev_revision FROM changes WHERE revision > ? ORDER BY revision LIMIT 1000',
      ),
      trim: db.prepare<[number]>('DELETE FROM changes WHERE revision <= ?'),
      setCompacted: db.prepare<[number]>("UPDATE meta SET value = max(value, ?) WHERE name = 'compacted'"),
    };
  }

  static open(options: SqliteOptions): SqliteDatastore {
    const { path } = options;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
      // Several processes may create the file at the same moment; the busy
      // timeout covers the schema transaction, and WAL is a property of the file.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.transaction(() => db.exec(SCHEMA)).immediate();
      return new SqliteDatastore(db, options);
    } catch (err) {
      throw new CalicoError(
        'unavailable',
        `cannot open the sqlite datastore ${path}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Runs a write transaction; another process holding the lock past the busy timeout is `unavailable`. */
  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      if (err instanceof CalicoError) throw err;
      throw this.storageError(err);
    }
  }

  private read<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).deferred();
    } catch (err) {
      if (err instanceof CalicoError) throw err;
      throw this.storageError(err);
    }
  }

  private storageError(err: unknown): CalicoError {
    const code = sqliteCode(err);
    const why = err instanceof Error ? err.message : String(err);
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      return new CalicoError('unavailable', `the sqlite datastore ${this.path} stayed locked by another process: ${why}`);
    }
    return new CalicoError('unavailable', `the sqlite datastore ${this.path} failed: ${why}`);
  }

  private nextRevision(): number {
    const row = this.stmt.bump.get();
    if (row === undefined) throw new CalicoError('internal', `the sqlite datastore ${this.path} has no revision row`);
    if (row.value % COMPACT_EVERY === 0 && row.value > this.retention) this.compactTo(row.value - this.retention);
    return row.value;
  }

  private compactTo(revision: number): void {
    this.stmt.trim.run(revision);
    this.stmt.setCompacted.run(revision);
  }

  async get(key: ResourceKey): Promise<StoredResource | undefined> {
    checkKey(key);
    const row = this.read(() => this.stmt.row.get(key.kind, key.namespace ?? '', key.name));
    return row === undefined ? undefined : decodeValue(key, row.value, row.mod_revision);
  }

  async list(options: ListOptions): Promise<ListResult> {
    checkListOptions(options);
    const ns = options.namespace ?? '';
    const prefix = options.namePrefix ?? '';
    return this.read(() => {
      const rows = this.stmt.list.all(options.kind, ns, ns, prefix.length, prefix);
      const revision = this.stmt.meta.get('revision')?.value ?? 0;
      return { items: rows.map((r) => decodeValue(keyFromRow(r), r.value, r.mod_revision)), revision };
    });
  }

  async create(resource: StoredResource): Promise<StoredResource> {
    const key = keyOf(resource);
    const toStore = forCreate(key.kind, resource);
    const value = encodeValue(key.kind, toStore);
    const ns = key.namespace ?? '';
    const revision = this.write(() => {
      if (this.stmt.row.get(key.kind, ns, key.name) !== undefined) throw alreadyExists(key);
      const rev = this.nextRevision();
      this.stmt.insert.run(key.kind, ns, key.name, value, rev, rev);
      this.stmt.change.run(rev, key.kind, ns, key.name, 'added', value, 0);
      return rev;
    });
    return decodeValue(key, value, revision);
  }

  async update(resource: StoredResource): Promise<StoredResource> {
    const key = keyOf(resource);
    const rv = resource.metadata.resourceVersion;
    const expected = parseResourceVersion(key, rv);
    const ns = key.namespace ?? '';
    const [value, revision] = this.write(() => {
      const row = this.stmt.row.get(key.kind, ns, key.name);
      if (row === undefined) throw notFound(key);
      if (expected !== undefined && row.mod_revision !== expected) throw conflict(key, rv ?? '', row.mod_revision);
      const stored = decodeValue(key, row.value, row.mod_revision);
      const v = encodeValue(key.kind, forUpdate(key.kind, resource, stored));
      const rev = this.nextRevision();
      this.stmt.update.run(v, rev, key.kind, ns, key.name);
      this.stmt.change.run(rev, key.kind, ns, key.name, 'modified', v, row.mod_revision);
      return [v, rev] as const;
    });
    return decodeValue(key, value, revision);
  }

  async delete(key: ResourceKey, resourceVersion?: string): Promise<StoredResource> {
    checkKey(key);
    const expected = parseResourceVersion(key, resourceVersion);
    const ns = key.namespace ?? '';
    const row = this.write(() => {
      const r = this.stmt.row.get(key.kind, ns, key.name);
      if (r === undefined) throw notFound(key);
      if (expected !== undefined && r.mod_revision !== expected) throw conflict(key, resourceVersion ?? '', r.mod_revision);
      const rev = this.nextRevision();
      this.stmt.remove.run(key.kind, ns, key.name);
      this.stmt.change.run(rev, key.kind, ns, key.name, 'deleted', r.value, r.mod_revision);
      return r;
    });
    return decodeValue(key, row.value, row.mod_revision);
  }

  async revision(): Promise<number> {
    return this.read(() => this.stmt.meta.get('revision')?.value ?? 0);
  }

  /** Trims the change log up to `revision`; watchers behind it get `resync-required`. */
  async compact(revision: number): Promise<void> {
    this.write(() => this.compactTo(revision));
  }

  watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Watch {
    const kinds = options.kinds === undefined ? undefined : new Set(options.kinds);
    let last = options.afterRevision;
    let timer: NodeJS.Timeout | undefined;
    let woken = false;
    let closed = false;
    const watch: Watch = {
      close: () => {
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        this.watches.delete(watch);
        if (this.watches.size === 0) this.stopWalWatcher();
      },
    };
    const poll = (): void => {
      timer = undefined;
      woken = false;
      if (closed) return;
      let batch: { compacted: number; rows: ChangeRow[] };
      try {
        batch = this.read(() => ({
          compacted: this.stmt.meta.get('compacted')?.value ?? 0,
          rows: this.stmt.changesAfter.all(last),
        }));
      } catch (err) {
        watch.close();
        onEvent({ type: 'resync-required', reason: err instanceof Error ? err.message : String(err) });
        return;
      }
      if (last < batch.compacted) {
        watch.close();
        onEvent({
          type: 'resync-required',
          reason: `changes after revision ${last} were compacted (up to ${batch.compacted})`,
        });
        return;
      }
      for (const row of batch.rows) {
        if (closed) return;
        last = row.revision;
        if (kinds !== undefined && !kinds.has(row.kind)) continue;
        onEvent(toEvent(row));
      }
      if (!closed) timer = setTimeout(poll, batch.rows.length === 1000 ? 0 : this.pollIntervalMs);
    };
    const wake = (): void => {
      // Once a prompt poll is due, later wake-ups must not push it back (a
      // stream of writes would starve the watcher).
      if (closed || timer === undefined || woken) return;
      clearTimeout(timer);
      woken = true;
      // A moment's grace: the WAL is written before the commit is published in the WAL index.
      timer = setTimeout(poll, 2);
    };
    this.watches.set(watch, wake);
    this.startWalWatcher();
    timer = setTimeout(poll, 0);
    return watch;
  }

  /**
   * Polling alone bounds the delay by the poll interval; waking on the WAL
   * file's inotify events delivers another process's write within a
   * millisecond or so. Polling stays as the fallback (inotify can overflow,
   * and some filesystems have none).
   */
  private startWalWatcher(): void {
    if (this.walWatcher !== undefined || this.path === ':memory:') return;
    const wal = `${basename(this.path)}-wal`;
    try {
      this.walWatcher = watchFs(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file !== wal) return;
        for (const wake of this.watches.values()) wake();
      });
      this.walWatcher.on('error', () => this.stopWalWatcher());
    } catch {
      this.walWatcher = undefined;
    }
  }

  private stopWalWatcher(): void {
    this.walWatcher?.close();
    this.walWatcher = undefined;
  }

  async close(): Promise<void> {
    for (const w of [...this.watches.keys()]) w.close();
    this.stopWalWatcher();
    if (this.db.open) this.db.close();
  }
}

function toEvent(row: ChangeRow): WatchEvent {
  const key = keyFromRow(row);
  if (row.type === 'deleted') {
    return { type: 'deleted', key, previous: decodeValue(key, row.value, row.prev_revision), revision: row.revision };
  }
  return { type: row.type, resource: decodeValue(key, row.value, row.revision), revision: row.revision };
}
