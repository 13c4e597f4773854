// The nftables dataplane: the desired-state model plus the kernel shell.
// `apply` diffs against what it knows the kernel holds (read back once, then
// tracked) and writes the minimal change as one nft transaction; `resync`
// reads our tables back and repairs drift.
import { canonicalIp, type IpFamily } from '../api/net.js';
import type { DataplaneUpdate } from '../calc/types.js';
import type { DataplaneSettings } from './config.js';
import { DesiredModel, type RenderScope } from './desired.js';
import { TABLE_NAME, nftFamily } from './names.js';
import { parseTableJson } from './readback.js';
import { diffFamily, emptyStats, type DiffScope, type ScriptStats } from './script.js';
import { NetnsShell, check, type Shell } from './shell.js';
import type { DesiredFamily, KernelChain, KernelFamily } from './state.js';

export interface NftablesDataplaneOptions {
  /** Network namespace to program; undefined = the agent's own (tests always give one). */
  readonly netns?: string;
  /** Replaces the real command runner (unit tests). */
  readonly shell?: Shell;
  /** Address families to program; default both. */
  readonly families?: readonly IpFamily[];
}

export interface ApplyStats extends ScriptStats {
  /** True when nothing was done because the first `in-sync` has not been seen. */
  readonly skipped: boolean;
  /** True when the kernel state was read back first (first apply, resync, or after a failure). */
  readonly readBack: boolean;
  /** Lines of the nft transaction (0 = nothing written). */
  readonly commands: number;
  readonly durationMs: number;
  /** Of durationMs, the time spent waiting for nft (read-back and transaction). */
  readonly nftMs: number;
}

interface KernelCache {
  chains: Map<string, KernelChain>;
  sets: Map<string, ReadonlySet<string>>;
  maps: Map<string, ReadonlyMap<string, string>>;
  tableExists: boolean;
}

export class NftablesDataplane {
  private readonly model: DesiredModel;
  private readonly shell: Shell;
  private readonly families: readonly IpFamily[];
  /** What the kernel holds, per family, as of our last read-back plus our own successful writes; null = unknown. */
  private kernel: KernelCache[] | null = null;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(opts: NftablesDataplaneOptions = {}) {
    this.families = opts.families ?? [4, 6];
    this.model = new DesiredModel(this.families);
    this.shell = opts.shell ?? new NetnsShell(opts.netns);
  }

  /** Records intent only; never touches the kernel. */
  onUpdate(u: DataplaneUpdate): void {
    this.model.onUpdate(u);
  }

  get inSync(): boolean {
    return this.model.inSync;
  }

  get settings(): DataplaneSettings {
    return this.model.currentSettings;
  }

  /** The desired state (for tests and diagnostics). */
  desired(): readonly DesiredFamily[] {
    return this.model.desired();
  }

  /**
   * Writes pending changes as one transaction. A no-op until the first
   * `in-sync`: a starting agent keeps whatever its predecessor programmed
   * rather than opening or closing the dataplane on partial data.
   */
  apply(): Promise<ApplyStats> {
    return this.serialised(() => this.applyNow(false));
  }

  /** Reads our tables back and repairs anything that differs (flushed, edited, foreign additions). */
  resync(): Promise<ApplyStats> {
    return this.serialised(() => this.applyNow(true));
  }

  /** Ends the long-lived nft session; the programmed state stays as it is. */
  close(): void {
    this.shell.close?.();
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.then(fn, fn);
    this.busy = next.catch(() => undefined);
    return next;
  }

  /** Addresses of every interface (`ip -j addr show`), for host endpoints bound by expected IPs. */
  private async interfaceAddresses(): Promise<Map<string, Set<string>>> {
    const r = check('ip addr show', await this.shell.exec(['ip', '-j', 'addr', 'show']));
    const out = new Map<string, Set<string>>();
    for (const link of JSON.parse(r.stdout || '[]') as { ifname?: string; addr_info?: { local?: string }[] }[]) {
      if (link.ifname === undefined) continue;
      out.set(link.ifname, new Set((link.addr_info ?? []).flatMap((a) => (a.local === undefined ? [] : [canonicalIp(a.local) ?? a.local]))));
    }
    return out;
  }

  private async readBack(): Promise<KernelCache[]> {
    const out: KernelCache[] = [];
    for (const f of this.families) {
      const r = await this.shell.exec(['nft', '-j', 'list', 'table', nftFamily(f), TABLE_NAME]);
      // A missing table is "nothing programmed yet", not an error.
      const text = r.code === 0 ? r.stdout : /No such file or directory/.test(r.stderr) ? null : check(`nft list table ${nftFamily(f)} ${TABLE_NAME}`, r).stdout;
      const k: KernelFamily = parseTableJson(text);
      out.push({ tableExists: k.tableExists, chains: new Map(k.chains), sets: new Map(k.sets), maps: new Map(k.maps) });
    }
    return out;
  }

  private async applyNow(forceReadBack: boolean): Promise<ApplyStats> {
    const start = performance.now();
    const stats = emptyStats();
    if (!this.model.inSync) return { ...stats, skipped: true, readBack: false, commands: 0, durationMs: 0, nftMs: 0 };
    let nftMs = 0;
    if (this.model.wantsInterfaceAddresses) this.model.setInterfaceAddresses(await this.interfaceAddresses());
    const renderScope = this.model.render();
    const readBack = forceReadBack || this.kernel === null;
    if (readBack) {
      const t = performance.now();
      this.kernel = await this.readBack();
      nftMs += performance.now() - t;
    }
    const kernel = this.kernel ?? [];
    const scope: DiffScope = readBack ? {} : renderScope;
    const desired = this.model.desired();
    const lines: string[] = [];
    desired.forEach((d, i) => {
      const k = kernel[i];
      if (k !== undefined) lines.push(...diffFamily(d, k, scope, stats));
    });
    if (lines.length > 0) {
      const t = performance.now();
      const script = lines.join('\n') + '\n';
      const r = await (this.shell.nftTransaction?.(script) ?? this.shell.exec(['nft', '-f', '-'], script));
      nftMs += performance.now() - t;
      if (r.code !== 0) {
        // Unknown kernel state from here: the next apply reads back and diffs everything.
        this.kernel = null;
        check('nft transaction', r);
      }
      desired.forEach((d, i) => {
        const k = kernel[i];
        if (k !== undefined) recordWritten(k, d, readBack ? undefined : renderScope);
      });
    }
    return { ...stats, skipped: false, readBack, commands: lines.length, durationMs: performance.now() - start, nftMs };
  }
}

/** After a successful transaction the kernel holds exactly the desired state for the names compared. */
function recordWritten(k: KernelCache, d: DesiredFamily, scope: RenderScope | undefined): void {
  k.tableExists = true;
  const sync = <V, K>(have: Map<string, K>, want: ReadonlyMap<string, V>, names: Iterable<string>, conv: (v: V) => K): void => {
    for (const n of names) {
      const v = want.get(n);
      if (v === undefined) have.delete(n);
      else have.set(n, conv(v));
    }
  };
  const all = <V>(have: Map<string, unknown>, want: ReadonlyMap<string, V>): string[] => [...new Set([...have.keys(), ...want.keys()])];
  sync(k.chains, d.chains, scope?.chains ?? all(k.chains, d.chains), (c) => ({ hash: c.hash === '' ? null : c.hash, ruleCount: c.rules.length, base: c.base !== undefined }));
  sync(k.sets, d.sets, scope?.sets ?? all(k.sets, d.sets), (s) => s.elements);
  sync(k.maps, d.maps, scope?.maps ?? all(k.maps, d.maps), (m) => new Map(m));
}
