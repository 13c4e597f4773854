// The lab's datastore as calico-lab uses it: a sqlite file it opens directly,
// or an etcd inside the lab network reached through a ds-server child process
// in that namespace (nothing of the lab is reachable from the root namespace).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CalicoError, type ErrorCode } from '../api/errors.js';
import { openDatastore, type DatastoreConfig } from '../datastore/index.js';
import type { Datastore, ListOptions, ListResult, ResourceKey, StoredResource } from '../datastore/types.js';
import type { DsMethod, DsResponse } from './ds-server.js';
import { inNetns, nodeModuleCommand } from './exec.js';
import type { LabState } from './state.js';

/** What calico-lab needs of a datastore: all of it but watches. */
export type LabDatastore = Omit<Datastore, 'type' | 'watch'>;

/**
 * Writes the lab's own CalicoAPIConfig and returns its path. calicoctl and
 * calico-node prefer /etc/calico/calicoctl.cfg over the environment when it
 * exists (as upstream does), so lab processes are pointed at this file
 * explicitly: a host's real Calico configuration must never receive lab writes.
 */
export function writeClientConfig(dir: string, config: DatastoreConfig): string {
  const spec =
    config.type === 'sqlite'
      ? { datastoreType: 'sqlite', datastorePath: config.path }
      : { datastoreType: 'etcdv3', etcdEndpoints: config.endpoints.join(',') };
  const file = join(dir, 'calicoctl.cfg');
  writeFileSync(file, `${JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'CalicoAPIConfig', metadata: {}, spec }, null, 2)}\n`);
  return file;
}

/** The environment that points a Calico-TS process (calicoctl, calico-node, ds-server) at the datastore. */
export function datastoreEnv(config: DatastoreConfig): Record<string, string> {
  return config.type === 'sqlite'
    ? { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: config.path }
    : { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: config.endpoints.join(',') };
}

class RemoteDatastore implements LabDatastore {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderr = '';
  private exited = false;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const res = JSON.parse(line) as DsResponse;
      const w = this.waiting.get(res.id);
      this.waiting.delete(res.id);
      if (w === undefined) return;
      if (res.ok) w.resolve(res.value);
      else w.reject(new CalicoError(res.code as ErrorCode, res.message));
    });
    child.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new CalicoError('unavailable', `the lab datastore helper exited: ${this.stderr.trim()}`));
      this.waiting.clear();
    });
  }

  private call<T>(method: DsMethod, ...args: unknown[]): Promise<T> {
    if (this.exited) return Promise.reject(new CalicoError('unavailable', `the lab datastore helper exited: ${this.stderr.trim()}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.stdin.write(JSON.stringify({ id, method, args }) + '\n');
    });
  }

  async get(key: ResourceKey): Promise<StoredResource | undefined> {
    return (await this.call<StoredResource | null>('get', key)) ?? undefined;
  }
  list(options: ListOptions): Promise<ListResult> {
    return this.call('list', options);
  }
  create(resource: StoredResource): Promise<StoredResource> {
    return this.call('create', resource);
  }
  update(resource: StoredResource): Promise<StoredResource> {
    return this.call('update', resource);
  }
  delete(key: ResourceKey, resourceVersion?: string): Promise<StoredResource> {
    return this.call('delete', key, ...(resourceVersion === undefined ? [] : [resourceVersion]));
  }
  revision(): Promise<number> {
    return this.call('revision');
  }
  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

export async function openLabDatastore(state: Pick<LabState, 'datastore' | 'networkNetns'>): Promise<LabDatastore> {
  if (state.datastore.type === 'sqlite') return openDatastore(state.datastore);
  const [cmd, ...args] = inNetns(state.networkNetns, nodeModuleCommand('lab/ds-server'));
  const child = spawn(cmd ?? 'ip', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...datastoreEnv(state.datastore) } });
  return new RemoteDatastore(child);
}

/** Opens the datastore, runs `fn`, closes it whatever happens. */
export async function withDatastore<T>(state: Pick<LabState, 'datastore' | 'networkNetns'>, fn: (ds: LabDatastore) => Promise<T>): Promise<T> {
  const ds = await openLabDatastore(state);
  try {
    return await fn(ds);
  } finally {
    await ds.close().catch(() => undefined);
  }
}
