// calicoctl patch KIND NAME -p '<json>': a strategic merge patch of the stored
// resource, written back as a compare-and-swap on the version just read.
// Calico's types declare no list merge keys, so (as in upstream) maps merge
// key by key, `null` deletes a key, lists are replaced whole, and the
// `$patch: replace|delete` and `$retainKeys` directives are honoured.
import type { Command } from 'commander';
import type { StoredResource } from '../../datastore/types.js';
import { addGlobalFlags, fail, print, runCommand } from './common.js';
import { CtlError, validationErrorOf } from './errors.js';
import { executeOnNamed, type Fetched, type NamedResourceFlags } from './execute.js';
import type { CtlKind } from './kinds.js';
import type { ResourceClient } from './resource-client.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isMap(v: unknown): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strategic merge of `patch` into `original` for types without patch merge keys. */
export function strategicMerge(original: Json, patch: Json): Json | undefined {
  if (!isMap(patch)) return patch;
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  const rest: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) {
      continue;
    }
    rest[k] = v;
  }
  if (directive === 'replace') return stripDirectives(rest);
  if (directive !== undefined && directive !== 'merge') {
    throw new CtlError('other', `unknown patch type: ${String(directive)}`);
  }
  let base: { [k: string]: Json } = isMap(original) ? { ...original } : {};
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    const keep = new Set(retain.filter((x): x is string => typeof x === 'string'));
    base = Object.fromEntries(Object.entries(base).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(rest)) {
    if (v === null) {
      delete base[k];
      continue;
    }
    const merged = strategicMerge(base[k] ?? null, v);
    if (merged === undefined) delete base[k];
    else base[k] = merged;
  }
  return base;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isMap(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k, x]) => !k.startsWith('$') && x !== null)
      .map(([k, x]) => [k, stripDirectives(x)]),
  );
}

/** resourcemgr's Patch: read, merge, validate, write back conditionally on the version read. */
export async function patchResource(client: ResourceClient, k: CtlKind, target: StoredResource, patchText: string): Promise<StoredResource> {
  const current = await client.get(k, target.metadata.namespace, target.metadata.name);
  let patch: Json;
  try {
    patch = JSON.parse(patchText) as Json;
  } catch (err) {
    throw new CtlError('other', `performing strategic merge patch: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isMap(patch)) {
    throw new CtlError('other', 'performing strategic merge patch: the patch must be a JSON object');
  }
  const merged = strategicMerge(JSON.parse(JSON.stringify(current)) as Json, patch);
  const checked = k.def.validate(merged);
  if (!checked.ok) {
    throw new CtlError('other', `creating resource from patched data: ${validationErrorOf(merged, checked.errors).message}`);
  }
  try {
    return await client.update(k, checked.value);
  } catch (err) {
    throw new CtlError('other', `updating existing resource: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function registerPatchCommand(program: Command): void {
  addGlobalFlags(
    program
      .command('patch')
      .description('Patch a pre-existing resource in place.')
      .argument('<KIND>', 'the kind of resource')
      .argument('<NAME>', 'the name of the resource')
      .option('-c, --config <file>', 'Path to the file containing connection configuration in YAML or JSON format.')
      .option('-n, --namespace <namespace>', 'Namespace of the resource.')
      .option('-p, --patch <patch>', 'Spec to use to patch the resource.')
      .option('-t, --type <type>', 'Format of patch type: strategic, json, or merge (calicoctl applies a strategic merge whatever the type).', 'strategic'),
  ).action(
    async (kind: string, name: string, flags: NamedResourceFlags & { readonly patch?: string }) =>
      runCommand(async (track) => {
        if (flags.patch === undefined) fail('required flag(s) "patch" not set');
        const patchText = flags.patch;
        const results = track(
          await executeOnNamed(kind, name, flags, async (client, r): Promise<Fetched> => ({
            type: 'item',
            kind: r.kind,
            resource: await patchResource(client, r.kind, r.resource, patchText),
          })),
        );
        if (results.numResources === 0) fail(results.err?.message ?? 'no resources specified');
        if (results.err !== undefined) fail(`hit error: ${results.err.message}`);
        print(`Successfully patched ${results.numHandled} '${results.singleKind ?? ''}' resource\n`);
      }),
  );
}
