// calico-node's start-up step, the thin shell around the pure decisions in
// env.ts, node.ts and pools.ts: it reads the host's interfaces (`ip -j addr`)
// and the kernel's source address for can-reach (`ip -j route get`), then
// writes this node's Node (compare-and-swap, retried) and the default pools.
//
// It runs beside the agent rather than before it: the agent must start (and
// report itself not ready) while the datastore is unreachable, so datastore
// trouble is retried here in the background. Readiness waits for it — in
// upstream's calico/node, Felix does not run before startup has finished.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { CalicoError } from '../../api/errors.js';
import type { IPPool, Node } from '../../api/infra-types.js';
import { nodeKind } from '../../api/kinds/node.js';
import { canonicalIp, isIp, parseIp, type IpFamily, type ParsedIp } from '../../api/net.js';
import type { Datastore } from '../../datastore/types.js';
import { spawnCollect } from '../../exec/collect.js';
import type { AgentStatus } from '../status.js';
import { parseIpAddrJson, type HostInterface, type ReachSource } from './autodetect.js';
import { parseStartupEnv, type Env, type StartupConfig } from './env.js';
import { checkConflicts, planNode, type Note } from './node.js';
import { decidePools, ulaPrefix } from './pools.js';

const MAX_WRITE_ATTEMPTS = 5;
const MAX_RETRY_DELAY_MS = 5_000;

function ipArgs(netns: string | undefined): string[] {
  return netns === undefined ? ['ip'] : ['ip', '-n', netns];
}

/** The host's links and addresses (`ip -j addr`), in the namespace calico-node programs. */
export async function readInterfaces(netns?: string): Promise<HostInterface[]> {
  const r = await spawnCollect([...ipArgs(netns), '-j', 'addr', 'show']);
  if (r.code !== 0) throw new CalicoError('internal', `cannot list the host's interfaces (ip addr): ${r.stderr.trim()}`);
  return parseIpAddrJson(r.stdout);
}

/** The source address the kernel picks towards `destination` (a UDP connect would pick the same). */
export async function reachSource(destination: string, family: IpFamily, netns?: string): Promise<ReachSource> {
  let address = destination;
  if (!isIp(destination)) {
    try {
      address = (await lookup(destination, { family })).address;
    } catch (err) {
      return { ok: false, reason: `cannot resolve ${destination}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const r = await spawnCollect([...ipArgs(netns), '-j', family === 4 ? '-4' : '-6', 'route', 'get', address]);
  if (r.code !== 0) return { ok: false, reason: `no route to ${destination}: ${r.stderr.trim()}` };
  const routes = JSON.parse(r.stdout) as readonly { readonly prefsrc?: string }[];
  const source = canonicalIp(routes[0]?.prefsrc ?? '');
  return source === null ? { ok: false, reason: `the route to ${destination} has no source address` } : { ok: true, source };
}

function note(log: Logger, n: Note): void {
  if (n.level === 'warn') log.warn(n.msg);
  else log.info(n.msg);
}

const retryable = (err: unknown): boolean => err instanceof CalicoError && (err.code === 'conflict' || err.code === 'already-exists');
const unavailable = (err: unknown): boolean => err instanceof CalicoError && err.code === 'unavailable';

export interface StartupShellOptions {
  readonly netns?: string;
  readonly log: Logger;
  /** True once calico-node is stopping: retries end. */
  readonly stopped?: () => boolean;
}

/**
 * calico-node's start-up: the configuration is read (and refused, with every
 * fault named) when this is made; run() does the rest.
 */
export class NodeStartup {
  private finished = false;

  private constructor(readonly config: StartupConfig) {}

  /** Reads the environment; throws a CalicoError naming every malformed variable. */
  static fromEnv(env: Env, nodeName: string): NodeStartup {
    const { config, errors } = parseStartupEnv(env, nodeName);
    if (config === undefined) throw CalicoError.fromFieldErrors('invalid calico-node start-up configuration', errors);
    return new NodeStartup(config);
  }

  get done(): boolean {
    return this.finished;
  }

  /** The agent's status with readiness held back until start-up has finished. */
  gate(status: AgentStatus): AgentStatus {
    return this.finished || !status.ready ? status : { ...status, ready: false };
  }

  /** Writes the Node and the default pools; resolves when done, rejects with the reason calico-node must exit. */
  async run(ds: Datastore, o: StartupShellOptions): Promise<void> {
    const log = o.log.child({ component: 'startup' });
    const { config } = this;
    const needInterfaces = config.backend !== 'none' || (config.pools[4] !== undefined && config.pools[4].cidr === undefined);
    const [interfaces, reach] = await Promise.all([needInterfaces ? readInterfaces(o.netns) : Promise.resolve([]), this.reach(o.netns)]);
    for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, MAX_RETRY_DELAY_MS)) {
      try {
        await this.writeNode(ds, interfaces, reach, log);
        await this.writePools(ds, interfaces, log);
        break;
      } catch (err) {
        if (!unavailable(err) || o.stopped?.() === true) throw err;
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'the datastore is not reachable yet; retrying start-up');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
    this.finished = true;
    log.info({ node: config.nodeName }, 'start-up complete');
  }

  /** The can-reach lookups autodetection may need, done before the datastore is read. */
  private async reach(netns: string | undefined): Promise<Partial<Record<IpFamily, ReachSource>>> {
    const out: Partial<Record<IpFamily, ReachSource>> = {};
    if (this.config.backend === 'none') return out;
    await Promise.all(
      ([4, 6] as const).map(async (family) => {
        const method = this.config.method[family];
        const setting = this.config.ip[family].kind;
        if (method.kind === 'can-reach' && (setting === 'autodetect' || (family === 4 && setting === 'unset'))) {
          out[family] = await reachSource(method.destination, family, netns);
        }
      }),
    );
    return out;
  }

  private async writeNode(ds: Datastore, interfaces: readonly HostInterface[], reach: Partial<Record<IpFamily, ReachSource>>, log: Logger): Promise<void> {
    const { config } = this;
    for (let attempt = 1; ; attempt++) {
      const existing = (await ds.get({ kind: 'Node', name: config.nodeName })) as Node | undefined;
      const plan = planNode({ config, interfaces, reach, ...(existing === undefined ? {} : { existing }) });
      for (const n of plan.notes) note(log, n);
      try {
        if (!plan.ok) {
          if (plan.clear !== undefined) await clearAddresses(ds, plan.clear, log);
          throw new CalicoError('invalid-value', `failed to configure IP addresses and subnets: ${plan.reason}`);
        }
        if (plan.write === undefined) return;
        if (plan.checkConflicts && !config.disableNodeIpCheck) {
          const others = (await ds.list({ kind: 'Node' })).items as Node[];
          const check = checkConflicts(plan.write, others, config, existing !== undefined);
          for (const n of check.notes) note(log, n);
          if (check.reason !== undefined) {
            if (check.clear !== undefined) await clearAddresses(ds, check.clear, log);
            throw new CalicoError('invalid-value', check.reason);
          }
        }
        const valid = nodeKind.validate(plan.write);
        if (!valid.ok) throw CalicoError.fromFieldErrors(`the Node calico-node would write for ${config.nodeName} is invalid`, valid.errors);
        if (existing === undefined) await ds.create(plan.write);
        else await ds.update(plan.write);
        log.info({ node: config.nodeName, bgp: plan.write.spec.bgp ?? null }, existing === undefined ? 'created this node' : 'updated this node');
        return;
      } catch (err) {
        // Someone else wrote the Node between our read and our write: decide again from what is there now.
        if (!retryable(err) || attempt >= MAX_WRITE_ATTEMPTS) throw err;
      }
    }
  }

  private async writePools(ds: Datastore, interfaces: readonly HostInterface[], log: Logger): Promise<void> {
    const { config } = this;
    if (config.pools[4] === undefined && config.pools[6] === undefined) {
      log.info('Skipping IP pool configuration');
      return;
    }
    const existing = (await ds.list({ kind: 'IPPool' })).items as IPPool[];
    const hostIpv4: ParsedIp[] = interfaces.flatMap((i) => i.addresses.flatMap((a) => (a.family === 4 ? [parseIp(a.address) as ParsedIp] : [])));
    const decision = decidePools({
      config,
      existing,
      hostIpv4,
      // Upstream's ipv6Supported: the Felix setting, then whether the kernel has IPv6 at all.
      ipv6Supported: config.ipv6Support && existsSync('/proc/sys/net/ipv6'),
      ulaPrefix: ulaPrefix(randomBytes(5)),
    });
    for (const n of decision.notes) note(log, n);
    for (const pool of decision.create) {
      try {
        await ds.create(pool);
        log.info({ pool: pool.metadata.name, cidr: pool.spec.cidr, natOutgoing: pool.spec.natOutgoing, ipipMode: pool.spec.ipipMode, vxlanMode: pool.spec.vxlanMode }, 'created the default IP pool');
      } catch (err) {
        // Another node may have beaten us to it.
        if (!(err instanceof CalicoError && err.code === 'already-exists')) throw err;
      }
    }
  }
}

/** Upstream frees addresses it autodetected before giving up; failing to is only a warning. */
async function clearAddresses(ds: Datastore, node: Node, log: Logger): Promise<void> {
  try {
    await ds.update(node);
    log.info({ node: node.metadata.name }, 'cleared out-of-date autodetected addresses from this node');
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Failed to clear node addresses');
  }
}
