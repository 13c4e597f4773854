// Flags shared by the resource commands and the way they end: calicoctl
// prints an error without prefix on stderr and exits 1, except "Failed to
// create Calico API client", which it prints on stdout.
import type { Command } from 'commander';
import { CalicoError } from '../../api/errors.js';
import { ExitCode } from '../run.js';
import type { CommandResults, ExecArgs } from './execute.js';

export interface CrudFlags {
  readonly filename?: string;
  readonly recursive?: boolean;
  readonly skipEmpty?: boolean;
  readonly config?: string;
  readonly namespace?: string;
  readonly allowVersionMismatch?: boolean;
}

export function addCrudFlags(cmd: Command): Command {
  return cmd
    .option('-f, --filename <file>', "Filename to use to create/apply/replace/delete the resource. Use '-' for stdin.")
    .option('-R, --recursive', 'Process the filename specified in -f or --filename recursively.')
    .option('--skip-empty', 'Do not error if any files or directory specified using -f or --filename contain no data.')
    .option('-c, --config <file>', 'Path to the file containing connection configuration in YAML or JSON format.')
    .option('-n, --namespace <namespace>', 'Namespace of the resource.');
}

/** What the file-or-KIND flags every resource command shares ask of executeConfigCommand. */
export function crudArgs(flags: CrudFlags): ExecArgs {
  return {
    filename: flags.filename,
    recursive: flags.recursive === true,
    skipEmpty: flags.skipEmpty === true,
    config: flags.config,
    namespace: flags.namespace,
    allowVersionMismatch: flags.allowVersionMismatch === true,
  };
}

export function addGlobalFlags(cmd: Command): Command {
  return cmd
    .option('--allow-version-mismatch', 'Allow client and cluster versions mismatch.')
    .option('--context <context>', 'The name of the kubeconfig context to use (ignored: there is no Kubernetes API).')
    .option('-l, --log-level <level>', 'Set the log level (panic, fatal, error, warn, info, debug).', 'panic');
}

/** The message on stderr, exit code 1. */
export function fail(message: string): never {
  // Like Go's Fprintln: a message that already ends in a newline gets another.
  process.stderr.write(`${message}\n`);
  throw new ExitCode(1);
}

export function print(text: string): void {
  process.stdout.write(text);
}

/**
 * Runs a command body: known failures print calicoctl's way; the datastore
 * opened for the command is closed whatever happens.
 */
export async function runCommand(body: (track: (r: CommandResults) => CommandResults) => Promise<void>): Promise<void> {
  const opened: CommandResults[] = [];
  try {
    await body((r) => {
      opened.push(r);
      return r;
    });
  } catch (err) {
    if (err instanceof ExitCode) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof CalicoError && message.startsWith('Failed to create Calico API client')) {
      process.stdout.write(`${message}\n`);
      throw new ExitCode(1);
    }
    fail(message);
  } finally {
    for (const r of opened) await r.client?.datastore.close().catch(() => undefined);
  }
}
