// calicoctl get [KIND [NAME...]] | -f FILE: what is found is printed first,
// then the errors for what was not, one per line, and exit 1.
import { Option, type Command } from 'commander';
import type { CellContext } from '../output/columns.js';
import { buildPrinter, render } from '../output/printers.js';
import { addCrudFlags, addGlobalFlags, crudArgs, fail, print, runCommand, type CrudFlags } from './common.js';
import { executeConfigCommand, stripClusterMetadata, type Fetched } from './execute.js';
import type { ResourceClient } from './resource-client.js';

interface GetFlags extends CrudFlags {
  readonly output: string;
  readonly allNamespaces?: boolean;
  readonly allNamespacesA?: boolean;
  readonly export?: boolean;
}

/** Calico's default AS number when BGPConfiguration `default` sets none (first private ASN). */
const DEFAULT_AS_NUMBER = '64512';

/** calicoctl's `config "asnumber"`: the cluster AS number nodes without their own inherit. */
async function defaultAsNumber(client: ResourceClient | undefined): Promise<string> {
  if (client === undefined) return DEFAULT_AS_NUMBER;
  try {
    const cfg = await client.datastore.get({ kind: 'BGPConfiguration', name: 'default' });
    const asn = (cfg?.spec as { asNumber?: unknown } | undefined)?.asNumber;
    return asn === undefined || asn === null ? DEFAULT_AS_NUMBER : String(asn);
  } catch {
    return 'unknown';
  }
}

function needsAsNumber(fetched: readonly Fetched[]): boolean {
  return fetched.some((f) => f.kind.storeKind === 'Node');
}

export function registerGetCommand(program: Command): void {
  addGlobalFlags(
    addCrudFlags(
      program
        .command('get')
        .description('Get a resource identified by file, directory, stdin or resource type and name.')
        .argument('[KIND]', 'the kind of resource, e.g. globalnetworkpolicy, ippools, gnp')
        .argument('[NAME...]', 'the names of the resources'),
    ),
  )
    .option('-o, --output <format>', 'Output format: ps, wide, yaml, json, custom-columns=…', 'ps')
    .option('-A, --all-namespaces', 'If present, list the requested object(s) across all namespaces.')
    // calicoctl still takes -a (a docopt-era spelling) but does not advertise it.
    .addOption(new Option('-a, --all-namespaces-a', 'Alias of --all-namespaces.').hideHelp())
    .option('--export', 'If present, returns the requested object(s) stripped of cluster-specific information.')
    .action(async (kind: string | undefined, names: string[], flags: GetFlags) =>
      runCommand(async (track) => {
        const allNamespaces = flags.allNamespaces === true || flags.allNamespacesA === true;
        const printNamespace = allNamespaces || (flags.namespace ?? '') !== '';
        const printer = buildPrinter(flags.output, printNamespace);
        const results = track(
          await executeConfigCommand(
            {
              ...crudArgs(flags),
              allNamespaces,
              kind: flags.filename === undefined ? kind : undefined,
              names: flags.filename === undefined ? names : [],
              export: flags.export === true,
            },
            'get',
          ),
        );
        if (results.fileInvalid) fail(`failed to execute command: ${results.err?.message ?? ''}`);
        if (results.err !== undefined) fail(`failed to get resources: ${results.err.message}`);
        // --export strips single named resources only, as calicoctl does (not lists).
        const fetched =
          flags.export === true && names.length > 0
            ? results.fetched.map((f) => (f.type === 'item' ? { ...f, resource: stripClusterMetadata(f.resource) } : f))
            : results.fetched;
        const asn = needsAsNumber(fetched) ? await defaultAsNumber(results.client) : DEFAULT_AS_NUMBER;
        const ctx: CellContext = { defaultAsNumber: () => asn };
        print(render(fetched, printer, ctx));
        if (results.resErrs.length > 0) fail(results.resErrs.map((e) => e.message).join('\n'));
      }),
    );
}
