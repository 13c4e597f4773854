// calicoctl label KIND NAME key=value | key --remove [--overwrite]: one label
// set, changed or removed, written back conditionally on the version read.
import type { Command } from 'commander';
import { addGlobalFlags, fail, print, runCommand } from './common.js';
import { executeOnNamed, updateResource, type NamedResourceFlags } from './execute.js';

interface LabelFlags extends NamedResourceFlags {
  readonly overwrite?: boolean;
  readonly remove?: boolean;
}

export function registerLabelCommand(program: Command): void {
  addGlobalFlags(
    program
      .command('label')
      .description('Add or update labels of resources.')
      .argument('<KIND>', 'the kind of resource')
      .argument('<NAME>', 'the name of the resource')
      .argument('<LABEL>', 'key=value, or key with --remove')
      .option('-c, --config <file>', 'Path to the file containing connection configuration in YAML or JSON format.')
      .option('-n, --namespace <namespace>', 'Namespace of the resource.')
      .option('--overwrite', 'If true, overwrite the value when the key is already present in labels.')
      .option('--remove', 'If true, remove the specified key in labels of the resource.'),
  ).action(async (kind: string, name: string, labelArg: string, flags: LabelFlags) =>
    runCommand(async (track) => {
      let key = labelArg;
      let value = '';
      if (flags.remove !== true) {
        const eq = labelArg.indexOf('=');
        if (eq < 0) fail(`invalid label ${labelArg}`);
        key = labelArg.slice(0, eq);
        value = labelArg.slice(eq + 1);
      }
      const results = track(await executeOnNamed(kind, name, flags));
      if (results.fileInvalid) fail(`failed to execute command: ${results.err?.message ?? ''}`);
      if (results.err !== undefined) fail(`failed to get ${kind} ${name}, error ${results.err.message}`);
      const found = results.fetched[0];
      if (found === undefined || found.type !== 'item' || results.client === undefined) fail(`${kind} ${name} not found`);

      const labels: Record<string, string> = { ...found.resource.metadata.labels };
      let overwritten = false;
      if (flags.remove === true) {
        if (!(key in labels)) fail(`cannot remove label of ${kind} ${name}, key ${key} does not exist`);
        delete labels[key];
      } else if (key in labels) {
        if (flags.overwrite !== true && labels[key] !== value) {
          fail(
            `failed to update label of ${kind} ${name}, key ${key} is already present. please use '--overwrite' to set a new value`,
          );
        }
        labels[key] = value;
        overwritten = true;
      } else {
        labels[key] = value;
      }
      const resource = { ...found.resource, metadata: { ...found.resource.metadata, labels } };
      try {
        await updateResource(results.client, found.kind, resource);
      } catch {
        fail(`failed to update ${kind} ${name}, label not changed`);
      }
      if (flags.remove === true) print(`Successfully removed label ${key} from ${kind} ${name}\n`);
      else if (overwritten) print(`Successfully updated label ${key} on ${kind} ${name}\n`);
      else print(`Successfully set label ${key} on ${kind} ${name}\n`);
    }),
  );
}
