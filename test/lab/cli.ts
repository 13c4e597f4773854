// Runs the calico-lab command line as a user would, against a lab of its own
// (temp state directory, unique lab name), and takes the lab down afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { down } from '../../src/lab/lifecycle.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'lab', 'main.ts');
let counter = 0;

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface LabCli {
  readonly name: string;
  readonly dir: string;
  run(args: readonly string[], stdin?: string): Promise<CliRun>;
  cleanup(): Promise<void>;
}

export function labCli(tag: string): LabCli {
  const name = `${tag}${process.pid.toString(36)}${(counter++).toString(36)}`;
  const root = mkdtempSync(join(tmpdir(), 'calico-lab-cli-'));
  const dir = join(root, 'lab');
  return {
    name,
    dir,
    run(args, stdin) {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { ...process.env, LAB_DIR: dir, CALICO_LAB_NAME: name },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
        child.stdin.on('error', () => undefined);
        child.stdin.end(stdin ?? '');
      });
    },
    async cleanup() {
      await down({ name, dir });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
