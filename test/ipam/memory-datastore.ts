// A Datastore held in memory with the same revision and compare-and-swap rules
// as the real backends, so the IPAM shell's tests can run without a file.
import { CalicoError } from '../../src/api/errors.js';
import type { Datastore, ListOptions, ListResult, ResourceKey, StoredResource, Watch } from '../../src/datastore/types.js';

interface Row {
  readonly value: string;
  readonly revision: number;
}

function id(key: ResourceKey): string {
  return `${key.kind}\u0000${key.namespace ?? ''}\u0000${key.name}`;
}

export class MemoryDatastore implements Datastore {
  readonly type = 'sqlite' as const;
  private rows = new Map<string, Row>();
  private rev = 0;

  private keyOf(r: StoredResource): ResourceKey {
    return r.metadata.namespace === undefined ? { kind: r.kind, name: r.metadata.name } : { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name };
  }

  private decode(row: Row): StoredResource {
    const r = JSON.parse(row.value) as StoredResource;
    return { ...r, metadata: { ...r.metadata, resourceVersion: String(row.revision) } };
  }

  private put(key: ResourceKey, r: StoredResource): StoredResource {
    this.rev++;
    const { resourceVersion: _rv, ...metadata } = r.metadata;
    const row = { value: JSON.stringify({ ...r, metadata }), revision: this.rev };
    this.rows.set(id(key), row);
    return this.decode(row);
  }

  async get(key: ResourceKey): Promise<StoredResource | undefined> {
    const row = this.rows.get(id(key));
    return row === undefined ? undefined : this.decode(row);
  }

  async list(options: ListOptions): Promise<ListResult> {
    const items: StoredResource[] = [];
    const keys = [...this.rows.keys()].sort();
    for (const k of keys) {
      const [kind, ns, name] = k.split('\u0000');
      if (kind !== options.kind) continue;
      if (options.namespace !== undefined && ns !== options.namespace) continue;
      if (options.namePrefix !== undefined && !(name ?? '').startsWith(options.namePrefix)) continue;
      items.push(this.decode(this.rows.get(k) as Row));
    }
    return { items, revision: this.rev };
  }

  async create(r: StoredResource): Promise<StoredResource> {
    const key = this.keyOf(r);
    if (this.rows.has(id(key))) throw new CalicoError('already-exists', `${key.kind} ${key.name} already exists`);
    return this.put(key, r);
  }

  async update(r: StoredResource): Promise<StoredResource> {
    const key = this.keyOf(r);
    const row = this.rows.get(id(key));
    if (row === undefined) throw new CalicoError('not-found', `${key.kind} ${key.name} not found`);
    if (r.metadata.resourceVersion !== undefined && r.metadata.resourceVersion !== String(row.revision)) {
      throw new CalicoError('conflict', `${key.kind} ${key.name} changed`);
    }
    return this.put(key, r);
  }

  async delete(key: ResourceKey, resourceVersion?: string): Promise<StoredResource> {
    const row = this.rows.get(id(key));
    if (row === undefined) throw new CalicoError('not-found', `${key.kind} ${key.name} not found`);
    if (resourceVersion !== undefined && resourceVersion !== String(row.revision)) throw new CalicoError('conflict', `${key.kind} ${key.name} changed`);
    this.rows.delete(id(key));
    this.rev++;
    return this.decode(row);
  }

  async revision(): Promise<number> {
    return this.rev;
  }

  watch(): Watch {
    throw new CalicoError('internal', 'the in-memory test datastore does not watch');
  }

  async close(): Promise<void> {}
}
