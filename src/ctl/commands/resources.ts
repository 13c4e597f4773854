// calicoctl create | apply | replace | delete | validate: the resources of a
// file (or KIND NAME... for delete), and calicoctl's exact report of what
// happened — `Successfully created 2 'GlobalNetworkPolicy' resource(s)`,
// `Partial success: …`, `failed to create 'X' resource: [...]`.
import type { Command } from 'commander';
import { addCrudFlags, addGlobalFlags, crudArgs, fail, print, runCommand, type CrudFlags } from './common.js';
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

/**
 * How every report begins: a file that could not be read fails the command,
 * and no resources at all fail with the reason or say so. True when that was
 * the whole report.
 */
function nothingToReport(r: CommandResults): boolean {
  if (r.fileInvalid) fail(`failed to execute command: ${r.err?.message ?? ''}`);
  if (r.numResources > 0) return false;
  if (r.err !== undefined) fail(r.err.message);
  print('No resources specified\n');
  return true;
}

function successLine(past: string, r: CommandResults): string {
  const what = r.singleKind !== undefined ? `'${r.singleKind}' resource(s)` : 'resource(s)';
  return `Successfully ${past} ${r.numHandled} ${what}\n`;
}

function partialLine(past: string, r: CommandResults): string {
  const what = r.singleKind !== undefined ? `'${r.singleKind}' resources` : 'resources';
  return `Partial success: ${past} the first ${r.numHandled} out of ${r.numResources} ${what}:\n`;
}

/** Not one resource written: the failure, worded by how many there were. */
function failedAll(action: 'create' | 'apply' | 'validate' | 'replace', r: CommandResults, why: string): never {
  if (r.numResources === 1) fail(`failed to ${action} '${r.singleKind ?? ''}' resource: ${why}`);
  if (r.singleKind !== undefined) fail(`failed to ${action} any '${r.singleKind}' resources: ${why}`);
  fail(`failed to ${action} any resources: ${why}`);
}

/** createOrApplyOrValidate's report: per-resource errors collected, the rest still written. */
export function reportCreateApply(r: CommandResults, action: 'create' | 'apply' | 'validate'): void {
  const past = PAST[action];
  if (nothingToReport(r)) return;
  if (r.numHandled === 0) failedAll(action, r, errorList(r.resErrs));
  if (r.resErrs.length === 0) {
    print(successLine(past, r));
    return;
  }
  // calicoctl's arithmetic, kept as it is: the banner only when more succeeded than failed.
  if (r.numHandled - r.resErrs.length > 0) {
    print(partialLine(past, r));
  }
  fail(`hit error: ${errorList(r.resErrs)}`);
}

/** reportReplaceResults: replace stops at the first failure. */
export function reportReplace(r: CommandResults): void {
  const why = r.err?.message ?? '';
  if (nothingToReport(r)) return;
  if (r.numHandled === 0) failedAll('replace', r, why);
  if (r.err === undefined) {
    print(successLine('replaced', r));
    return;
  }
  print(partialLine('replaced', r));
  fail(`hit error: ${why}`);
}

export function reportDelete(r: CommandResults): void {
  const kind = r.singleKind;
  if (nothingToReport(r)) return;
  if (r.err === undefined && r.numHandled > 0) {
    print(successLine('deleted', r));
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
  return { ...crudArgs(flags), skipExists: flags.skipExists === true, skipNotExists: flags.skipNotExists === true };
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
