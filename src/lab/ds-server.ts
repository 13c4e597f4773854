// The lab's datastore seen from inside the lab network: a child process run
// with `ip netns exec <lab network namespace>` that opens the datastore
// configured in its environment and answers one JSON request per line on
// stdin (method and arguments of the Datastore interface) with one JSON line
// on stdout. This is how `calico-lab`, running in the root namespace, reaches
// an etcd that listens only inside the lab.
import { createInterface } from 'node:readline';
import { CalicoError } from '../api/errors.js';
import { loadDatastoreConfig, openDatastore } from '../datastore/index.js';
import type { Datastore } from '../datastore/types.js';

export type DsMethod = 'get' | 'list' | 'create' | 'update' | 'delete' | 'revision';

export interface DsRequest {
  readonly id: number;
  readonly method: DsMethod;
  readonly args: readonly unknown[];
}

export type DsResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

async function dispatch(ds: Datastore, req: DsRequest): Promise<DsResponse> {
  try {
    const fn = ds[req.method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn.apply(ds, [...req.args]);
    return { id: req.id, ok: true, value: value ?? null };
  } catch (err) {
    const code = err instanceof CalicoError ? err.code : 'internal';
    return { id: req.id, ok: false, code, message: err instanceof Error ? err.message : String(err) };
  }
}

async function main(): Promise<void> {
  const ds = await openDatastore(loadDatastoreConfig({ configFile: '' }));
  const lines = createInterface({ input: process.stdin });
  const pending: Promise<void>[] = [];
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const req = JSON.parse(line) as DsRequest;
    pending.push(dispatch(ds, req).then((res) => void process.stdout.write(JSON.stringify(res) + '\n')));
  }
  await Promise.all(pending);
  await ds.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
