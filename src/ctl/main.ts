// calicoctl: the command-line client. Each command group lives in its own
// module under commands/ and is registered here, so the whole surface reads at
// a glance.
import { Command } from 'commander';
import { runCli } from './run.js';
import { registerSelectorCommands } from './commands/selector.js';
import { registerVersionCommand } from './commands/version.js';
import { registerIpamCommands } from './commands/ipam.js';
import { registerResourceCommands } from './commands/resources.js';
import { registerDatastoreCommands } from './commands/datastore.js';

export function buildProgram(): Command {
  const program = new Command('calicoctl')
    .description('Manage Calico-TS resources and inspect policy')
    .showHelpAfterError()
    .allowExcessArguments(false);
  registerResourceCommands(program);
  registerDatastoreCommands(program);
  registerVersionCommand(program);
  registerSelectorCommands(program);
  registerIpamCommands(program);
  return program;
}

await runCli(buildProgram(), process.argv);
