// Real packets to a lab host rather than to a pod: the lab has no listener in
// a host's namespace and no prober in the lab network's, so these start them
// with `ip netns exec` through src/lab's own listener and prober scripts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, sleep, spawnDaemon } from '../../src/lab/exec.js';
import { probeFrom, serverCommand, type ProbeTarget } from '../../src/lab/probe.js';
import type { HostState, LabState } from '../../src/lab/state.js';

export interface HostListener {
  readonly pid: number;
  stop(): void;
}

/**
 * TCP listeners on `ports` in the host's namespace. The state directory is
 * the marker on the command line, so the lab's `down` finds it even when
 * `stop` never runs.
 */
export async function listenOnHost(state: LabState, host: HostState, ports: readonly number[]): Promise<HostListener> {
  const log = join(state.dir, `${host.name}.host-listener.log`);
  const pid = spawnDaemon(serverCommand(host.netns, ports.map((port) => ({ protocol: 'tcp' as const, port })), state.dir), log);
  const stop = (): void => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  for (let waited = 0; waited < 20_000; waited += 100) {
    const out = readFileSync(log, 'utf8');
    if (out.includes('ready')) return { pid, stop };
    if (!processAlive(pid)) throw new Error(`listener in ${host.netns} exited:\n${out}`);
    await sleep(100);
  }
  stop();
  throw new Error(`listener in ${host.netns} not ready after 20s`);
}

/**
 * TCP connects from `netns` to `ip` on each port; a port that did not connect
 * is tried again with a long timeout when `expected` says it should (a loaded
 * machine can miss a short timeout, a dropped SYN never connects by accident).
 */
export async function probePorts(netns: string, ip: string, ports: readonly number[], expected: (port: number) => boolean): Promise<Map<number, boolean>> {
  const targets = (only: readonly number[]): ProbeTarget[] => only.map((port) => ({ id: String(port), ip, port, protocol: 'tcp' }));
  const seen = await probeFrom(netns, targets(ports), 1000);
  const out = new Map(ports.map((p) => [p, seen.get(String(p)) === true] as const));
  const again = ports.filter((p) => !out.get(p) && expected(p));
  if (again.length > 0) {
    for (const [id, ok] of await probeFrom(netns, targets(again), 5000)) if (ok) out.set(Number(id), true);
  }
  return out;
}
