import type { Command } from 'commander';
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  const url = new URL('../../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export function registerVersionCommand(program: Command): void {
  program
    .command('version')
    .description('Show the client version')
    .action(() => {
      process.stdout.write(`Client Version:    v${packageVersion()}\n`);
    });
}
