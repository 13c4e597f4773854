// calicoctl datastore migrate export | import | lock | unlock. Upstream moves
// etcd to Kubernetes; here either backend exports everything it holds — every
// Calico kind, Kubernetes NetworkPolicies and the IPAM records — as one YAML
// stream, and import loads such a stream into an empty datastore of either
// backend, validated whole before the first write.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import type { Datastore, StoredResource } from '../../datastore/types.js';
import { KINDS, keyOf, storeKindOf } from '../../datastore/keys.js';
import { openClient } from '../client.js';
import { toYaml } from '../../api/encode.js';
import { addGlobalFlags, fail, print, runCommand } from './common.js';
import { validationErrorOf } from './errors.js';
import { ctlKindForDoc } from './kinds.js';
import { PROTECTED_TIERS, ResourceClient } from './resource-client.js';
import { checkVersionMismatch } from './version-check.js';

/**
 * Export order: what others refer to first (tiers before policies, nodes
 * before what names them, pools before blocks), ClusterInformation and the
 * IPAM records last, as upstream's export lays them out.
 */
export const EXPORT_ORDER: readonly string[] = [
  'IPPool',
  'BGPPeer',
  'Tier',
  'GlobalNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'GlobalNetworkSet',
  'HostEndpoint',
  'KubeControllersConfiguration',
  'NetworkPolicy',
  'StagedNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'KubernetesNetworkPolicy',
  'NetworkSet',
  'Node',
  'BGPConfiguration',
  'FelixConfiguration',
  'IPReservation',
  'BGPFilter',
  'Profile',
  'WorkloadEndpoint',
  'CalicoNodeStatus',
  'IPAMConfiguration',
  'ClusterInformation',
  'IPAMConfig',
  'IPAMBlock',
  'BlockAffinity',
  'IPAMHandle',
];

function allStoreKinds(): string[] {
  const rest = Object.keys(KINDS).filter((k) => !EXPORT_ORDER.includes(k));
  return [...EXPORT_ORDER.filter((k) => k in KINDS), ...rest];
}

/** What makes a resource this datastore's copy: gone on export, new ones on import. */
function forExport(r: StoredResource): StoredResource {
  const { uid: _u, resourceVersion: _rv, creationTimestamp: _c, deletionTimestamp: _d, deletionGracePeriodSeconds: _g, ...meta } =
    r.metadata;
  return { ...r, metadata: meta };
}

export async function exportAll(ds: Datastore): Promise<string> {
  const docs: string[] = [];
  for (const kind of allStoreKinds()) {
    const { items } = await ds.list({ kind });
    for (const r of items) docs.push(toYaml(forExport(r)));
  }
  return docs.map((d) => `---\n${d}`).join('');
}

/** The first stored resource that makes a datastore non-empty (the built-in tiers do not). */
async function firstExisting(ds: Datastore): Promise<StoredResource | undefined> {
  for (const kind of allStoreKinds()) {
    const { items } = await ds.list({ kind });
    const found = items.find((r) => !(kind === 'Tier' && PROTECTED_TIERS.includes(r.metadata.name)));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Go's decoder leaves a field unset for `null`, so `creationTimestamp: null`
 * (how an export prints an unset time) reads back as absent.
 */
function withoutNullKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNullKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, withoutNullKeys(x)]),
  );
}

interface ImportDoc {
  readonly resource: StoredResource;
  readonly ipam: boolean;
}

/** Every document of an export, checked; all problems reported together, none written. */
function parseImport(text: string, file: string): ImportDoc[] {
  const out: ImportDoc[] = [];
  const problems: string[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length > 0) {
      problems.push(`${where}: ${doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML'}`);
      return;
    }
    const value = withoutNullKeys(doc.toJS());
    if (value === null || value === undefined) return;
    const o = (typeof value === 'object' ? value : {}) as Record<string, unknown>;
    const apiVersion = String(o['apiVersion'] ?? '');
    const kindName = String(o['kind'] ?? '');
    const meta = (typeof o['metadata'] === 'object' && o['metadata'] !== null ? o['metadata'] : {}) as Record<string, unknown>;
    const label = `${where} (${kindName} "${String(meta['name'] ?? '')}")`;
    const storeKind = storeKindOf({ apiVersion, kind: kindName });
    if (KINDS[storeKind]?.ipam === true) {
      try {
        // An IPAM record's spec is Calico's model object, whose nulls mean something: taken as written.
        const r = { ...(doc.toJS() as StoredResource), metadata: meta as unknown as StoredResource['metadata'] };
        keyOf(r);
        out.push({ resource: r, ipam: true });
      } catch (err) {
        problems.push(`${label}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return;
    }
    const k = ctlKindForDoc(apiVersion, kindName);
    if (k === undefined) {
      problems.push(`${label}: unknown resource type (${kindName}) and/or version (${apiVersion})`);
      return;
    }
    const checked = k.def.validate(value);
    if (!checked.ok) {
      problems.push(`${label}: ${validationErrorOf(value, checked.errors).message.trimEnd()}`);
      return;
    }
    out.push({ resource: k.def.applyDefaults(checked.value), ipam: false });
  });
  if (problems.length > 0) fail(`failed to import resources:\n${problems.join('\n')}`);
  return out;
}

async function setDatastoreReady(client: ResourceClient, ready: boolean, verb: 'locking' | 'unlocking'): Promise<void> {
  const current = await client.datastore.get({ kind: 'ClusterInformation', name: 'default' });
  if (current === undefined) {
    fail(`error retrieving ClusterInformation for ${verb}: resource does not exist: ClusterInformation(default) with error: <nil>`);
  }
  try {
    await client.datastore.update({ ...current, spec: { ...(current.spec as object), datastoreReady: ready } });
  } catch (err) {
    fail(`error updating ClusterInformation for ${verb}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function isLocked(ds: Datastore): Promise<boolean> {
  const ci = await ds.get({ kind: 'ClusterInformation', name: 'default' });
  return (ci?.spec as { datastoreReady?: unknown } | undefined)?.datastoreReady === false;
}

type Flags = { config?: string; allowVersionMismatch?: boolean; filename?: string };

async function withClient(flags: Flags, body: (client: ResourceClient) => Promise<void>): Promise<void> {
  const { datastore } = await openClient({ config: flags.config });
  try {
    const client = new ResourceClient(datastore);
    if (flags.allowVersionMismatch !== true) {
      const mismatch = await checkVersionMismatch(client);
      if (mismatch !== undefined) fail(mismatch.message);
    }
    await body(client);
  } finally {
    await datastore.close();
  }
}

export function registerDatastoreCommands(program: Command): void {
  const migrate = program
    .command('datastore')
    .description('Calico datastore management.')
    .command('migrate')
    .description('Move the contents of a datastore to another, of either backend.');
  const sub = (name: string, description: string) =>
    addGlobalFlags(migrate.command(name).description(description)).option(
      '-c, --config <file>',
      'Path to the file containing connection configuration in YAML or JSON format.',
    );

  sub('export', 'Export the contents of the datastore as YAML.').action(async (flags: Flags) =>
    runCommand(() =>
      withClient(flags, async (client) => {
        if (!(await isLocked(client.datastore))) {
          process.stderr.write(
            'WARNING: datastore is not locked. Run the `calicoctl datastore migrate lock` command so nothing changes during the export\n',
          );
        }
        print(await exportAll(client.datastore));
      }),
    ),
  );

  sub('import', 'Load an export into an empty datastore.')
    .option('-f, --filename <file>', "Filename to use to import resources. If set to '-' loads from stdin.")
    .action(async (flags: Flags) =>
      runCommand(async () => {
        if (flags.filename === undefined) fail('required flag(s) "filename" not set');
        const file = flags.filename;
        let text: string;
        try {
          text = readFileSync(file === '-' ? 0 : file, 'utf8');
        } catch (err) {
          fail(`error while reading migration file: ${err instanceof Error ? err.message : String(err)}`);
        }
        const docs = parseImport(text, file);
        await withClient(flags, async (client) => {
          const existing = await firstExisting(client.datastore);
          if (existing !== undefined) {
            fail(
              `datastore already has Calico resources: found existing Calico ${storeKindOf(existing)} resource. Import needs an empty datastore`,
            );
          }
          let v3 = 0;
          let ipam = 0;
          for (const d of docs) {
            await importOne(client.datastore, d.resource);
            if (d.ipam) ipam++;
            else v3++;
          }
          print(`Successfully applied ${v3} resource(s)\n`);
          print(`Successfully applied ${ipam} IPAM resource(s)\n`);
          print('Datastore information successfully imported.\n');
        });
      }),
    );

  sub('lock', 'Lock the datastore to prevent changes during migration.').action(async (flags: Flags) =>
    runCommand(() =>
      withClient(flags, async (client) => {
        await client.ensureInitialized();
        await setDatastoreReady(client, false, 'locking');
        print('Datastore locked.\n');
      }),
    ),
  );

  sub('unlock', 'Unlock the datastore to allow changes after migration.').action(async (flags: Flags) =>
    runCommand(() =>
      withClient(flags, async (client) => {
        await setDatastoreReady(client, true, 'unlocking');
        print('Datastore unlocked.\n');
      }),
    ),
  );
}

/** Created as exported; a built-in tier the target already has is overwritten with the exported one. */
async function importOne(ds: Datastore, r: StoredResource): Promise<void> {
  const existing = await ds.get(keyOf(r));
  if (existing === undefined) {
    await ds.create(r);
    return;
  }
  const { resourceVersion: _rv, ...meta } = r.metadata;
  await ds.update({ ...r, metadata: { ...meta, ...(existing.metadata.resourceVersion === undefined ? {} : { resourceVersion: existing.metadata.resourceVersion }) } });
}
