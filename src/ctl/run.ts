import { Command, CommanderError } from 'commander';
import { CalicoError } from '../api/errors.js';

/**
 * Runs a commander program and turns failures into calicoctl's behaviour: the
 * message on stderr, no stack trace, exit code 1.
 */
export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  program.exitOverride();
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof ExitCode) {
      process.exitCode = err.code;
      return;
    }
    if (err instanceof CommanderError) {
      // commander has already printed help or its own message.
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`${describeError(err)}\n`);
    process.exitCode = 1;
  }
}

export function describeError(err: unknown): string {
  if (err instanceof CalicoError) return err.message;
  if (err instanceof Error) return `Error: ${err.message}`;
  return `Error: ${String(err)}`;
}

/** Thrown by a command that has already printed its result and must exit non-zero. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
