// Real packets between pods: the listener every pod runs, and the prober a
// source pod runs to try a set of destinations at once. Both are small
// scripts for `node -e`, run with `ip netns exec <pod netns>`, so a probe
// costs one node start per source pod, not per cell of a matrix.
import { CalicoError } from '../api/errors.js';
import { inNetns, run } from './exec.js';
import type { Protocol, ServePort } from './state.js';

/**
 * Serves every port: TCP accepts and answers "ok", UDP echoes each datagram
 * back. Binds `::` (both families) and falls back to 0.0.0.0 where the pod has
 * no IPv6. argv[1]: JSON ports; argv[2] only marks the process as the lab's.
 */
const SERVER = `
const net = require('net'), dgram = require('dgram');
const ports = JSON.parse(process.argv[1]);
let left = ports.length;
const ready = () => { if (--left === 0) console.log('ready'); };
for (const p of ports) {
  const bind = (host, fallback) => {
    if (p.protocol === 'tcp') {
      const s = net.createServer((c) => { c.on('error', () => {}); c.end('ok\\n'); });
      s.once('error', (e) => { if (fallback) bind(fallback); else { console.error(String(e)); process.exit(1); } });
      s.listen(p.port, host, ready);
    } else {
      const s = dgram.createSocket(host === '::' ? 'udp6' : 'udp4');
      s.on('message', (m, r) => s.send(m, r.port, r.address));
      s.once('error', (e) => { if (fallback) bind(fallback); else { console.error(String(e)); process.exit(1); } });
      s.bind(p.port, host, ready);
    }
  };
  bind('::', '0.0.0.0');
}
if (ports.length === 0) console.log('ready');
`;

/**
 * Tries each target and prints {id: connected}. TCP: connected once the
 * handshake completes. UDP: a datagram sent three times across the timeout,
 * connected once any echo comes back from the target's address.
 */
const PROBER = `
const net = require('net'), dgram = require('dgram');
const { timeoutMs, targets } = JSON.parse(process.argv[1]);
const one = (t) => new Promise((resolve) => {
  let done = false, timers = [];
  const finish = (ok, cleanup) => { if (done) return; done = true; timers.forEach(clearTimeout); cleanup(); resolve([t.id, ok]); };
  if (t.protocol === 'tcp') {
    const s = net.connect({ host: t.ip, port: t.port });
    s.on('connect', () => finish(true, () => s.destroy()));
    s.on('error', () => finish(false, () => s.destroy()));
    timers.push(setTimeout(() => finish(false, () => s.destroy()), timeoutMs));
  } else {
    const s = dgram.createSocket(t.ip.includes(':') ? 'udp6' : 'udp4');
    s.on('message', (m, r) => { if (r.address === t.ip) finish(true, () => s.close()); });
    s.on('error', () => {});
    const send = () => s.send('probe', t.port, t.ip, () => {});
    for (const f of [0, 1 / 3, 2 / 3]) timers.push(setTimeout(send, f * timeoutMs));
    timers.push(setTimeout(() => finish(false, () => s.close()), timeoutMs));
  }
});
Promise.all(targets.map(one)).then((r) => { console.log(JSON.stringify(Object.fromEntries(r))); });
`;

export function serverCommand(netns: string, ports: readonly ServePort[], marker: string): string[] {
  return inNetns(netns, [process.execPath, '-e', SERVER, JSON.stringify(ports.map((p) => ({ protocol: p.protocol, port: p.port }))), marker]);
}

export interface ProbeTarget {
  readonly id: string;
  readonly ip: string;
  readonly port: number;
  readonly protocol: Protocol;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 1500;

/** Probes every target from inside `netns`; resolves id → connected. */
export async function probeFrom(netns: string, targets: readonly ProbeTarget[], timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<Map<string, boolean>> {
  if (targets.length === 0) return new Map();
  const r = await run(inNetns(netns, [process.execPath, '-e', PROBER, JSON.stringify({ timeoutMs, targets })]), {
    timeoutMs: timeoutMs + 30_000,
  });
  if (r.code !== 0) throw new CalicoError('internal', `probing from ${netns} failed: ${r.stderr.trim()}`);
  const parsed = JSON.parse(r.stdout) as Record<string, boolean>;
  return new Map(Object.entries(parsed));
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
