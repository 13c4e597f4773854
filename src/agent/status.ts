// How calico-node tells others what it has programmed, and how they wait for it.
//
// The agent publishes one JSON document, AgentStatus, in two places:
//  - `GET /status` on its health server (FELIX_HEALTHHOST:FELIX_HEALTHPORT,
//    127.0.0.1:9099 by default — inside a host namespace that is the
//    namespace's own loopback, unreachable from outside it);
//  - a status file (`--status-file PATH` or CALICO_NODE_STATUS_FILE), rewritten
//    atomically whenever the status changes. Files cross network namespaces,
//    so this is what a lab running many agents in namespaces reads. There is
//    no default path: agents sharing a machine would overwrite each other.
//
// `programmedRevision` is the contract: every datastore change with a
// revision ≤ it is in force in the dataplane (or, for a change that did not
// concern this host, known not to need anything). To wait until a write is in
// force everywhere, read the datastore's revision after the write and wait
// until every agent's programmedRevision reaches it (waitForSync). A route
// whose interface does not exist yet does not hold the revision back: the
// policy is in force, and the route follows as soon as the interface appears.
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CalicoError } from '../api/errors.js';

export interface AgentStatus {
  readonly hostname: string;
  readonly pid: number;
  /** Liveness: false once the dataplane has failed for too long, or the agent is stopping. */
  readonly live: boolean;
  /** Readiness: in sync with the datastore and that state programmed at least once. */
  readonly ready: boolean;
  /** The datastore has been listed and the watch has caught up with the list. */
  readonly inSync: boolean;
  /** Every change with a revision ≤ this is in force here; -1 before the first programming. */
  readonly programmedRevision: number;
  /** The newest datastore revision the agent knows of (watch events and idle revision probes). */
  readonly datastoreRevision: number;
  /** Dataplane applies that failed in a row (they are retried). */
  readonly consecutiveFailures: number;
  readonly lastError?: string;
  /** Times the datastore was listed (1 at start, +1 per resync-required). */
  readonly resyncs: number;
  readonly updatedAt: string;
}

/** Writes the status atomically: a reader never sees half a document. */
export function writeStatusFile(path: string, status: AgentStatus): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(status) + '\n');
  renameSync(tmp, path);
}

/** Reads an agent's status from `http(s)://…/status` or from a status file; undefined while unavailable. */
export async function readStatus(target: string): Promise<AgentStatus | undefined> {
  try {
    if (/^https?:\/\//.test(target)) {
      const res = await fetch(target, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) return undefined;
      return (await res.json()) as AgentStatus;
    }
    return JSON.parse(readFileSync(target, 'utf8')) as AgentStatus;
  } catch {
    // Not started yet, restarting, or mid-rename: the caller polls again.
    return undefined;
  }
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Resolves with the status once the agent at `target` (a status URL or a
 * status file) has programmed `revision`; fails with `unavailable` after
 * the timeout (default 30 s), saying what the agent last reported.
 */
export async function waitForRevision(target: string, revision: number, options: WaitOptions = {}): Promise<AgentStatus> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const interval = options.intervalMs ?? 20;
  let last: AgentStatus | undefined;
  for (;;) {
    const status = await readStatus(target);
    if (status !== undefined) {
      last = status;
      if (status.programmedRevision >= revision) return status;
    }
    if (Date.now() >= deadline) {
      const seen =
        last === undefined
          ? 'no status was readable'
          : `it reported programmedRevision ${last.programmedRevision} (inSync ${String(last.inSync)}${last.lastError === undefined ? '' : `, last error: ${last.lastError}`})`;
      throw new CalicoError('unavailable', `calico-node at ${target} did not program revision ${revision} in time: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * `calico-lab sync`: waits until every agent has programmed everything the
 * datastore held when this was called.
 */
export async function waitForSync(
  datastore: { revision(): Promise<number> },
  targets: readonly string[],
  options: WaitOptions = {},
): Promise<number> {
  const revision = await datastore.revision();
  await Promise.all(targets.map((t) => waitForRevision(t, revision, options)));
  return revision;
}
