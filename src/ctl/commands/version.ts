// calicoctl version [--client] [--poll=<duration>]: the client's version and
// the cluster's, from ClusterInformation `default` (written by calicoctl's
// first write with an empty version; calico/node fills in calicoVersion and
// clusterType). Version mismatch is never enforced here.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { openClient } from '../client.js';
import { addGlobalFlags, fail, print, runCommand } from './common.js';
import { doesNotExist } from './errors.js';
import { clientVersion } from './version-check.js';

function gitCommit(): string {
  try {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

const UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds; undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? NaN);
    pos = re.lastIndex;
  }
  return pos === text.length && pos > 0 && Number.isFinite(total) ? total : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function registerVersionCommand(program: Command): void {
  addGlobalFlags(
    program
      .command('version')
      .description('Display the version of this binary, and of the cluster when it can be reached.')
      .option('-c, --config <file>', 'Path to the file containing connection configuration.')
      .option('--poll <duration>', 'Poll for changes to the cluster information at a frequency specified using POLL duration.')
      .option('--client', 'Display the client version only.'),
  ).action(async (flags: { config?: string; poll?: string; client?: boolean }) =>
    runCommand(async () => {
      let pollMs = 0;
      if (flags.poll !== undefined && flags.poll !== '') {
        const parsed = parseGoDuration(flags.poll);
        if (parsed === undefined) fail(`invalid poll duration specified: ${flags.poll}`);
        pollMs = parsed;
      }
      print(`Client Version:    ${clientVersion()}\n`);
      print(`Git commit:        ${gitCommit()}\n`);
      if (flags.client === true) return;

      let opened: Awaited<ReturnType<typeof openClient>>;
      try {
        opened = await openClient({ config: flags.config });
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        fail(`unable to retrieve Cluster Version or Type: ${why.replace(/^Failed to create Calico API client: /, '')}`);
      }
      const { datastore } = opened;
      let shownVersion = '';
      let shownType = '';
      try {
        for (;;) {
          let error: string | undefined;
          try {
            const ci = await datastore.get({ kind: 'ClusterInformation', name: 'default' });
            if (ci === undefined) throw doesNotExist({ kind: 'ClusterInformation', name: 'default' });
            const spec = (ci.spec ?? {}) as { calicoVersion?: unknown; clusterType?: unknown };
            const v = typeof spec.calicoVersion === 'string' && spec.calicoVersion !== '' ? spec.calicoVersion : 'unknown';
            const t = typeof spec.clusterType === 'string' && spec.clusterType !== '' ? spec.clusterType : 'unknown';
            if (v !== shownVersion) print(`Cluster Version:   ${v}\n`);
            if (t !== shownType) print(`Cluster Type:      ${t}\n`);
            shownVersion = v;
            shownType = t;
          } catch (err) {
            error = `unable to retrieve Cluster Version or Type: ${err instanceof Error ? err.message : String(err)}`;
            shownVersion = '';
            shownType = '';
          }
          if (pollMs === 0) {
            if (error !== undefined) fail(error);
            return;
          }
          if (error !== undefined) process.stderr.write(`${error}\n`);
          await sleep(pollMs);
        }
      } finally {
        await datastore.close();
      }
    }),
  );
}
