// calicoctl's ExecuteConfigCommand: load the resources (file or arguments),
// connect, then act on each resource in order, collecting per-resource errors
// for create/apply/delete/get (which carry on past a failure) and stopping at
// the first one for replace and patch. The commands turn the results into
// calicoctl's messages.
import type { StoredResource } from '../../datastore/types.js';
import { openClient } from '../client.js';
import { CtlError, alreadyExists, errorList, notSupported } from './errors.js';
import { ctlKindOf, type CtlKind } from './kinds.js';
import { identOf, isTiered, ResourceClient, tierOf } from './resource-client.js';
import { FileInvalid, loadFromFiles, resourcesFromArgs, type LoadedResource } from './source.js';
import { checkVersionMismatch } from './version-check.js';

export type Action = 'create' | 'apply' | 'replace' | 'delete' | 'get' | 'validate';

export interface ExecArgs {
  readonly filename?: string | undefined;
  readonly recursive?: boolean;
  readonly skipEmpty?: boolean;
  readonly config?: string | undefined;
  readonly namespace?: string | undefined;
  readonly allNamespaces?: boolean;
  readonly kind?: string | undefined;
  readonly names?: readonly string[];
  readonly skipExists?: boolean;
  readonly skipNotExists?: boolean;
  readonly export?: boolean;
  readonly allowVersionMismatch?: boolean;
}

/** What get returns per requested resource: one object, or the list of a kind. */
export type Fetched =
  | { readonly type: 'item'; readonly kind: CtlKind; readonly resource: StoredResource }
  | { readonly type: 'list'; readonly kind: CtlKind; readonly items: readonly StoredResource[]; readonly revision: number };

export interface CommandResults {
  readonly fileInvalid: boolean;
  readonly numResources: number;
  readonly numHandled: number;
  readonly err?: Error;
  /** The kind when only one is involved, else undefined. */
  readonly singleKind?: string;
  readonly fetched: readonly Fetched[];
  readonly resErrs: readonly Error[];
  readonly client?: ResourceClient;
}

function failed(err: Error, fileInvalid = false): CommandResults {
  return { fileInvalid, numResources: 0, numHandled: 0, err, fetched: [], resErrs: [] };
}

/** Resources to act on, or a result explaining why there are none. */
function loadResources(args: ExecArgs, action: Action): LoadedResource[] | CommandResults {
  if (args.filename !== undefined) {
    try {
      const validate = action === 'create' || action === 'apply' || action === 'replace' || action === 'validate';
      const loaded = loadFromFiles(args.filename, {
        recursive: args.recursive === true,
        validate,
        skipEmpty: args.skipEmpty === true,
      });
      if (loaded.length > 0) return loaded;
      // With --skip-empty, nothing to do is not an error.
      return args.skipEmpty === true
        ? { fileInvalid: false, numResources: 0, numHandled: 0, fetched: [], resErrs: [] }
        : failed(new CtlError('other', 'no resources specified'));
    } catch (err) {
      if (err instanceof FileInvalid) return failed(err, true);
      return failed(err instanceof Error ? err : new Error(String(err)));
    }
  }
  if (args.kind === undefined) return failed(new CtlError('other', 'no resources specified'));
  try {
    return resourcesFromArgs(args.kind, args.names ?? [], args.namespace);
  } catch (err) {
    return failed(err instanceof Error ? err : new Error(String(err)));
  }
}

export async function executeConfigCommand(
  args: ExecArgs,
  action: Action,
  each?: (client: ResourceClient, r: LoadedResource) => Promise<Fetched>,
): Promise<CommandResults> {
  const loaded = loadResources(args, action);
  if (!Array.isArray(loaded)) return loaded;
  if ((args.names ?? []).some((n) => n === '')) return failed(new CtlError('other', 'resource name may not be empty'));

  const kinds = new Set(loaded.map((r) => r.kind.kind));
  const singleKind = kinds.size === 1 || args.filename === undefined ? loaded[loaded.length - 1]?.kind.kind : undefined;
  if (action === 'validate') {
    return { fileInvalid: false, numResources: loaded.length, numHandled: loaded.length, singleKind, fetched: [], resErrs: [] };
  }

  const { datastore } = await openClient({ config: args.config });
  const client = new ResourceClient(datastore);
  if (args.allowVersionMismatch !== true) {
    const mismatch = await checkVersionMismatch(client);
    if (mismatch !== undefined) {
      await datastore.close();
      return failed(mismatch);
    }
  }
  if (action === 'create' || action === 'apply' || action === 'replace') {
    await client.ensureInitialized();
    const tierProblem = await checkTiers(client, loaded, action);
    if (tierProblem !== undefined) return { ...failed(tierProblem, true), client };
  }

  const fetched: Fetched[] = [];
  const resErrs: Error[] = [];
  let numHandled = 0;
  let err: Error | undefined;
  // replace and patch record the error and carry on (calicoctl keeps only the last one).
  const recordsLastError = action === 'replace' || each !== undefined;
  const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
  for (const r of loaded) {
    let placed: LoadedResource;
    try {
      placed = placeNamespace(r, args);
    } catch (e) {
      // calicoctl gives up on the resource before acting: it is not counted as handled.
      if (recordsLastError) err = asError(e);
      else resErrs.push(asError(e));
      continue;
    }
    try {
      fetched.push(each !== undefined ? await each(client, placed) : await executeResourceAction(client, placed, action));
      numHandled++;
    } catch (e) {
      const error = asError(e);
      const skip =
        error instanceof CtlError &&
        ((error.kind === 'already-exists' && args.skipExists === true) ||
          (error.kind === 'not-found' && args.skipNotExists === true));
      if (skip) {
        fetched.push({ type: 'item', kind: r.kind, resource: r.resource });
        numHandled++;
      } else if (recordsLastError) {
        // As calicoctl does, a failed update still counts as handled: replace then reports
        // "Partial success" followed by the error.
        err = error;
        numHandled++;
      } else {
        resErrs.push(error);
      }
    }
  }
  return {
    fileInvalid: false,
    numResources: loaded.length,
    numHandled,
    ...(err === undefined ? {} : { err }),
    singleKind,
    fetched,
    resErrs,
    client,
  };
}

/** Flags of the commands that act on the one resource KIND NAME names (label, patch). */
export interface NamedResourceFlags {
  readonly config?: string;
  readonly namespace?: string;
  readonly allowVersionMismatch?: boolean;
}

/** Reads the resource KIND NAME names, as `get` does; `each` acts on it in the same session. */
export function executeOnNamed(
  kind: string,
  name: string,
  flags: NamedResourceFlags,
  each?: (client: ResourceClient, r: LoadedResource) => Promise<Fetched>,
): Promise<CommandResults> {
  return executeConfigCommand(
    { kind, names: [name], config: flags.config, namespace: flags.namespace, allowVersionMismatch: flags.allowVersionMismatch === true },
    'get',
    each,
  );
}

/** calicoctl's handleNamespace: the namespace a resource is acted on in, from the document, -n and -A. */
function placeNamespace(r: LoadedResource, args: ExecArgs): LoadedResource {
  const allNs = args.allNamespaces === true;
  const cliNs = args.namespace ?? '';
  const resNs = r.resource.metadata.namespace ?? '';
  const withNs = (ns: string | undefined): LoadedResource => {
    const { namespace: _drop, ...rest } = r.resource.metadata;
    return { kind: r.kind, resource: { ...r.resource, metadata: ns === undefined ? rest : { ...rest, namespace: ns } } };
  };
  if (r.kind.namespaced) {
    if (allNs && cliNs !== '') throw new CtlError('other', 'cannot use both --namespace and --all-namespaces flags at the same time');
    if (resNs === '' && cliNs !== '') return withNs(cliNs);
    if (allNs) return withNs(undefined);
    if (resNs === '' && cliNs === '') return withNs('default');
    if (cliNs === '' || resNs === cliNs) return r;
    throw new CtlError('other', `resource namespace does not match client namespace. ${resNs} != ${cliNs}`);
  }
  if (resNs !== '') {
    throw new CtlError(
      'other',
      `namespace should not be specified for a non-namespaced resource. ${r.kind.kind} is not a namespaced resource`,
    );
  }
  if (allNs || cliNs !== '') throw new CtlError('other', `${r.kind.kind} is not namespaced`);
  return r;
}

/**
 * A policy's tier must exist when it is created (Calico's client checks it);
 * checked for the whole file up front so a file is written all or nothing.
 * Tiers created earlier in the same file count.
 */
async function checkTiers(client: ResourceClient, loaded: readonly LoadedResource[], action: Action): Promise<Error | undefined> {
  if (action === 'replace') return undefined;
  const tierKind = ctlKindOf('Tier');
  const known = new Set<string>();
  for (const [index, r] of loaded.entries()) {
    if (r.kind.storeKind === 'Tier') known.add(r.resource.metadata.name);
    if (!isTiered(r.kind)) continue;
    const tier = tierOf(r.resource);
    if (known.has(tier)) continue;
    try {
      await client.get(tierKind, undefined, tier);
      known.add(tier);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return new FileInvalid(`${r.origin ?? `document ${index + 1}`} (${r.kind.kind} "${r.resource.metadata.name}"): ${why}`);
    }
  }
  return undefined;
}

/** calicoctl's metadata for create: only name, namespace, labels and annotations of the document are kept. */
function forCreate(r: StoredResource): StoredResource {
  const m = r.metadata;
  return {
    ...r,
    metadata: {
      name: m.name,
      ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
      ...(m.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
      ...(m.labels === undefined ? {} : { labels: m.labels }),
      ...(m.annotations === undefined ? {} : { annotations: m.annotations }),
    },
  };
}

/** The stored metadata, but the document's labels and annotations (mergeMetadataForUpdate). */
export function mergeForUpdate(stored: StoredResource, doc: StoredResource): StoredResource {
  const { labels: _l, annotations: _a, ...kept } = stored.metadata;
  return {
    ...doc,
    metadata: {
      ...kept,
      ...(doc.metadata.labels === undefined ? {} : { labels: doc.metadata.labels }),
      ...(doc.metadata.annotations === undefined ? {} : { annotations: doc.metadata.annotations }),
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * resourcemgr's Update: with a resourceVersion in the document it must be the
 * current one (no retry); without, read-merge-write retried on conflict.
 */
export async function updateResource(client: ResourceClient, k: CtlKind, doc: StoredResource): Promise<StoredResource> {
  const rv = doc.metadata.resourceVersion ?? '';
  const ns = doc.metadata.namespace;
  if (rv !== '') {
    const current = await client.get(k, ns, doc.metadata.name);
    if (current.metadata.resourceVersion !== rv) throw updateConflictOf(k, current);
    return client.update(k, mergeForUpdate(current, doc));
  }
  let last: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await client.get(k, ns, doc.metadata.name);
    try {
      return await client.update(k, mergeForUpdate(current, doc));
    } catch (e) {
      if (!(e instanceof CtlError && e.kind === 'conflict')) throw e;
      last = e;
      await sleep(1000);
    }
  }
  throw new CtlError('other', `failed to update the resource: ${last?.message ?? ''}`);
}

function updateConflictOf(k: CtlKind, current: StoredResource): CtlError {
  return new CtlError('conflict', `update conflict: ${identString(k, current)}`);
}

function identString(k: CtlKind, r: StoredResource): string {
  const id = identOf(k, r);
  return id.namespace === undefined || id.namespace === '' ? `${id.kind}(${id.name})` : `${id.kind}(${id.namespace}/${id.name})`;
}

async function executeResourceAction(client: ResourceClient, r: LoadedResource, action: Action): Promise<Fetched> {
  const { kind: k, resource } = r;
  const item = (res: StoredResource): Fetched => ({ type: 'item', kind: k, resource: res });
  switch (action) {
    case 'create':
      return item(await client.create(k, forCreate(resource)));
    case 'apply': {
      if (k.storeKind === 'ClusterInformation') throw notSupported('apply', 'ClusterInformation', 'resource is readonly');
      const rv = resource.metadata.resourceVersion;
      const { resourceVersion: _rv, ...meta } = resource.metadata;
      try {
        return item(await client.create(k, forCreate({ ...resource, metadata: meta })));
      } catch (e) {
        if (!(e instanceof CtlError && (e.kind === 'already-exists' || e.kind === 'not-supported'))) throw e;
        // The document's own resourceVersion, if any, makes the update conditional.
        return item(await updateResource(client, k, rv === undefined ? { ...resource, metadata: meta } : resource));
      }
    }
    case 'replace':
      return item(await updateResource(client, k, resource));
    case 'delete':
      return item(await client.delete(k, resource.metadata.namespace, resource.metadata.name, resource.metadata.resourceVersion));
    case 'get': {
      const name = resource.metadata.name;
      if (name === '') {
        const listed = await client.list(k, resource.metadata.namespace);
        return { type: 'list', kind: k, items: listed.items, revision: listed.revision };
      }
      if (k.namespaced && (resource.metadata.namespace ?? '') === '') {
        throw new CtlError('other', 'cannot use --all-namespace flag for getting a single resource');
      }
      return item(await client.get(k, resource.metadata.namespace, name));
    }
    case 'validate':
      return item(resource);
  }
}

/** `--export`: what makes a resource this cluster's copy goes. */
export function stripClusterMetadata(r: StoredResource): StoredResource {
  const {
    namespace: _ns,
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _ct,
    deletionTimestamp: _dt,
    deletionGracePeriodSeconds: _dg,
    ...rest
  } = r.metadata;
  return { ...r, metadata: rest };
}

export { alreadyExists, errorList };
