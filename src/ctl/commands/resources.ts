// calicoctl create | apply | replace | delete | validate: the resources of a
// file (or KIND NAME... for delete), and calicoctl's exact report of what
// happened — `Successfully created 2 'GlobalNetworkPolicy' resource(s)`,
// `Partial success: …`, `failed to create 'X' resource: [...]`.
import type { Command } from 'commander';
import { addCrudFlags, addGlobalFlags, fail, print, runCommand, type CrudFlags } from './common.js';
import { errorList } from './errors.js';
import { executeConfigCommand, type Action, type CommandResults } from './execute.js';
import { registerGetCommand } from './get.js';
import { registerLabelCommand } from './label.js';
import { registerPatchCommand } from './patch.js';

const PAST: Record<'create' | 'apply' | 'validate', string> = {
  create: 'created',
  apply: 'applied',
  validate: 'validated',
};

interface WriteFlags extends CrudFlags {
  readonly skipExists?: boolean;
}

/** createOrApplyOrValidate's report: per-resource errors collected, the rest still written. */
export function reportCreateApply(r: CommandResults, action: 'create' | 'apply' | 'validate'): void {
  const past = PAST[action];
  const kind = r.singleKind;
  if (r.fileInvalid) fail(`failed to execute command: ${r.err?.message ?? ''}`);
  if (r.numResources === 0) {
    if (r.err !== undefined) fail(r.err.message);
    print('No resources specified\n');
    return;
  }
  if (r.numHandled === 0) {
    if (r.numResources === 1) fail(`failed to ${action} '${kind ?? ''}' resource: ${errorList(r.resErrs)}`);
    if (kind !== undefined) fail(`failed to ${action} any '${kind}' resources: ${errorList(r.resErrs)}`);
    fail(`failed to ${action} any resources: ${errorList(r.resErrs)}`);
  }
  if (r.resErrs.length === 0) {
    print(
      kind !== undefined
        ? `Successfully ${past} ${r.numHandled} '${kind}' resource(s)\n`
        : `Successfully ${past} ${r.numHandled} resource(s)\n`,
    );
    return;
  }
  // calicoctl's arithmetic, kept as it is: the banner only when more succeeded than failed.
  if (r.numHandled - r.resErrs.length > 0) {
    print(
      kind !== undefined
        ? `Partial success: ${past} the first ${r.numHandled} out of ${r.numResources} '${kind}' resources:\n`
        : `Partial success: ${past} the first ${r.numHandled} out of ${r.numResources} resources:\n`,
    );
  }
  fail(`hit error: ${errorList(r.resErrs)}`);
}

/** reportReplaceResults: replace stops at the first failure. */
export function reportReplace(r: CommandResults): void {
  const kind = r.singleKind;
  const why = r.err?.message ?? '';
  if (r.fileInvalid) fail(`failed to execute command: ${why}`);
  if (r.numResources === 0) {
    if (r.err !== undefined) fail(why);
    print('No resources specified\n');
    return;
  }
  if (r.numHandled === 0) {
    if (r.numResources === 1) fail(`failed to replace '${kind ?? ''}' resource: ${why}`);
    if (kind !== undefined) fail(`failed to replace any '${kind}' resources: ${why}`);
    fail(`failed to replace any resources: ${why}`);
  }
  if (r.err === undefined) {
    print(
      kind !== undefined
        ? `Successfully replaced ${r.numHandled} '${kind}' resource(s)\n`
        : `Successfully replaced ${r.numHandled} resource(s)\n`,
    );
    return;
  }
  print(
    kind !== undefined
      ? `Partial success: replaced the first ${r.numHandled} out of ${r.numResources} '${kind}' resources:\n`
      : `Partial success: replaced the first ${r.numHandled} out of ${r.numResources} resources:\n`,
  );
  fail(`hit error: ${why}`);
}

export function reportDelete(r: CommandResults): void {
  const kind = r.singleKind;
  if (r.fileInvalid) fail(`failed to execute command: ${r.err?.message ?? ''}`);
  if (r.numResources === 0) {
    if (r.err !== undefined) fail(r.err.message);
    print('No resources specified\n');
    return;
  }
  if (r.err === undefined && r.numHandled > 0) {
    print(
      kind !== undefined
        ? `Successfully deleted ${r.numHandled} '${kind}' resource(s)\n`
        : `Successfully deleted ${r.numHandled} resource(s)\n`,
    );
  } else if (r.err !== undefined) {
    fail(`hit error: ${r.err.message}`);
  }
  if (r.resErrs.length > 0) {
    // Each line ends in a newline, and the error printer adds one more, as calicoctl does.
    fail(
      r.resErrs
        .map((e) => (kind !== undefined ? `Failed to delete '${kind}' resource: ${e.message}\n` : `Failed to delete resource: ${e.message}\n`))
        .join(''),
    );
  }
}

function execArgs(flags: WriteFlags & { skipNotExists?: boolean }) {
  return {
    filename: flags.filename,
    recursive: flags.recursive === true,
    skipEmpty: flags.skipEmpty === true,
    config: flags.config,
    namespace: flags.namespace,
    skipExists: flags.skipExists === true,
    skipNotExists: flags.skipNotExists === true,
    allowVersionMismatch: flags.allowVersionMismatch === true,
  };
}

function writeCommand(program: Command, name: 'create' | 'apply' | 'replace' | 'validate', description: string): Command {
  const cmd = addGlobalFlags(addCrudFlags(program.command(name).description(description)));
  cmd.action(async (flags: WriteFlags) =>
    runCommand(async (track) => {
      if (flags.filename === undefined) fail('required flag(s) "filename" not set');
      const action: Action = name;
      const results = track(await executeConfigCommand(execArgs(flags), action));
      if (name === 'replace') reportReplace(results);
      else reportCreateApply(results, name);
    }),
  );
  return cmd;
}

export function registerResourceCommands(program: Command): void {
  writeCommand(program, 'create', 'Create a resource by file, directory or stdin.').option(
    '--skip-exists',
    'Skip over and treat as successful any attempts to create an entry that already exists.',
  );
  writeCommand(program, 'apply', 'Apply a resource by file, directory or stdin.');
  writeCommand(program, 'replace', 'Replace a resource by file, directory or stdin.');
  writeCommand(program, 'validate', 'Validate a resource by file, directory or stdin without applying it.');

  addGlobalFlags(
    addCrudFlags(
      program
        .command('delete')
        .description('Delete a resource identified by file, directory, stdin or resource type and name.')
        .argument('[KIND]', 'the kind of resource, e.g. globalnetworkpolicy, ippools, gnp')
        .argument('[NAME...]', 'the names of the resources'),
    ),
  )
    .option('-s, --skip-not-exists', 'Skip over and treat as successful, resources that don\'t exist.')
    .action(async (kind: string | undefined, names: string[], flags: WriteFlags & { skipNotExists?: boolean }) =>
      runCommand(async (track) => {
        const results = track(
          await executeConfigCommand({ ...execArgs(flags), kind: flags.filename === undefined ? kind : undefined, names }, 'delete'),
        );
        reportDelete(results);
      }),
    );

  registerGetCommand(program);
  registerPatchCommand(program);
  registerLabelCommand(program);
}
