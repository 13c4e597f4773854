// Network namespaces for tests: uniquely named, connected by veth pairs, and
// removed afterwards — by `cleanup()` from an `after` hook, and again on
// process exit or SIGINT/SIGTERM so a failing or interrupted test leaves
// nothing behind. Nothing here touches the root namespace: veths are created
// inside a test namespace with their peer placed directly in another.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { spawnCollect as run, type ExecResult } from '../../src/exec/collect.js';

export type { ExecResult };

async function must(argv: readonly string[], stdin?: string): Promise<string> {
  const r = await run(argv, stdin);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

let counter = 0;
const live = new Set<NetnsLab>();

function cleanupAllSync(): void {
  for (const lab of live) lab.cleanupSync();
}
process.once('exit', cleanupAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    cleanupAllSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

export class NetnsLab {
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly tag: string;

  /** `prefix` keeps names readable in `ip netns list`; the pid and a counter make them unique. */
  constructor(prefix = 't') {
    this.tag = `${prefix}-${process.pid.toString(36)}-${(counter++).toString(36)}`;
    live.add(this);
  }

  /** Creates a namespace named `<prefix>-<pid>-<n>-<name>` with loopback up; returns its name. */
  async netns(name: string): Promise<string> {
    const ns = `${this.tag}-${name}`;
    await must(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    await must(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /**
   * A veth pair `ifA` (in nsA) ↔ `ifB` (in nsB), both up, with optional
   * addresses (`10.0.0.1/24`). Interface names are at most 15 characters.
   */
  async veth(nsA: string, ifA: string, nsB: string, ifB: string, addrA?: string, addrB?: string): Promise<void> {
    await must(['ip', '-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
    if (addrA !== undefined) await must(['ip', '-n', nsA, 'addr', 'add', addrA, 'dev', ifA]);
    if (addrB !== undefined) await must(['ip', '-n', nsB, 'addr', 'add', addrB, 'dev', ifB]);
    await must(['ip', '-n', nsA, 'link', 'set', ifA, 'up']);
    await must(['ip', '-n', nsB, 'link', 'set', ifB, 'up']);
  }

  /** Runs a command inside `ns`; never throws for a non-zero exit. */
  exec(ns: string, argv: readonly string[], stdin?: string): Promise<ExecResult> {
    return run(['ip', 'netns', 'exec', ns, ...argv], stdin);
  }

  /** Like `exec`, but throws when the command fails. */
  must(ns: string, argv: readonly string[], stdin?: string): Promise<string> {
    return must(['ip', 'netns', 'exec', ns, ...argv], stdin);
  }

  /** Starts a long-running process in `ns`; it is killed by cleanup. */
  spawn(ns: string, argv: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /**
   * A TCP (or UDP echo) listener on `port` in `ns`, running in a child node
   * process; resolves once it is listening.
   */
  async listen(ns: string, port: number, proto: 'tcp' | 'udp' = 'tcp'): Promise<ChildProcess> {
    const script =
      proto === 'tcp'
        ? `require('net').createServer((s)=>{s.on('error',()=>{});s.end('ok\\n')}).listen(${port},'::',()=>console.log('ready'))`
        : `const s=require('dgram').createSocket('udp6');s.on('message',(m,r)=>s.send(m,r.port,r.address));s.bind(${port},'::',()=>console.log('ready'))`;
    const child = this.spawn(ns, [process.execPath, '-e', script]);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (b: Buffer) => (b.toString().includes('ready') ? resolve() : undefined));
      child.on('exit', (code) => reject(new Error(`listener in ${ns} exited with ${code}`)));
    });
    return child;
  }

  /**
   * True when a TCP connection from `ns` to ip:port completes within
   * `timeoutS`, trying up to `attempts` times (on a loaded machine a single
   * short attempt can miss a connection that is allowed).
   */
  async canConnect(ns: string, ip: string, port: number, timeoutS = 1, attempts = 1): Promise<boolean> {
    for (let i = 0; i < attempts; i++) {
      const r = await this.exec(ns, ['nc', '-z', '-w', String(timeoutS), ip, String(port)]);
      if (r.code === 0) return true;
    }
    return false;
  }

  get names(): readonly string[] {
    return this.namespaces;
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
    this.children.clear();
    for (const ns of this.namespaces.splice(0)) await run(['ip', 'netns', 'del', ns]);
    live.delete(this);
  }

  cleanupSync(): void {
    for (const c of this.children) c.kill('SIGKILL');
    this.children.clear();
    for (const ns of this.namespaces.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
    live.delete(this);
  }
}
