import type { Command } from 'commander';

// Placeholder wiring point for `calicoctl selector parse|eval`; the selector
// component provides the implementation.
export function registerSelectorCommands(program: Command): void {
  program.command('selector').description('Parse and evaluate Calico selectors');
}
