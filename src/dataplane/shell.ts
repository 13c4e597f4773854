// The thin I/O shell: every kernel command the dataplane runs goes through a
// Shell, so the pure parts are tested without a kernel and the real one runs
// each command inside a chosen network namespace.
import { CalicoError } from '../api/errors.js';
import { spawnCollect, type ExecResult } from '../exec/collect.js';
import { NftSession } from './nft-session.js';

export type { ExecResult };

export interface Shell {
  /** Runs argv (no shell interpretation), feeding `stdin` if given. Never throws for a non-zero exit. */
  exec(argv: readonly string[], stdin?: string): Promise<ExecResult>;
  /**
   * Runs an nft script (one command per line) as one transaction, answering
   * as `nft -f -` would. Optional: without it the dataplane runs `nft -f -`.
   */
  nftTransaction?(script: string): Promise<ExecResult>;
  /** Releases long-lived helpers (the nft session). */
  close?(): void;
}

/**
 * Runs commands inside network namespace `netns` (`ip netns exec`). With no
 * namespace it runs in the agent's own one — what calico-node does on a host;
 * tests and benchmarks always name a namespace of their own.
 */
export class NetnsShell implements Shell {
  private session: NftSession | undefined;

  /** `session` replaces the nft session the shell would start (tests). */
  constructor(
    readonly netns: string | undefined,
    session?: NftSession,
  ) {
    this.session = session;
  }

  exec(argv: readonly string[], stdin?: string): Promise<ExecResult> {
    return spawnCollect(this.prefixed(argv), stdin);
  }

  async nftTransaction(script: string): Promise<ExecResult> {
    this.session ??= new NftSession({ prefix: this.prefixed([]) });
    if (this.session.unusable) return this.exec(['nft', '-f', '-'], script);
    const r = await this.session.transaction(script);
    // nft that cannot hold a session (ended before its first answer): one-shot runs from now on.
    return this.session.unusable ? this.exec(['nft', '-f', '-'], script) : r;
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  private prefixed(argv: readonly string[]): string[] {
    return this.netns === undefined ? [...argv] : ['ip', 'netns', 'exec', this.netns, ...argv];
  }
}

/** Raises a CalicoError for a failed command, quoting what the tool said. */
export function check(what: string, r: ExecResult): ExecResult {
  if (r.code !== 0) throw new CalicoError('unavailable', `${what} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 2000)}`);
  return r;
}
