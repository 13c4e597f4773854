// Throw-away etcd servers for tests and benchmarks: one member or a
// three-member cluster on free loopback ports, each member with its own temp
// data directory, optionally serving TLS with client-certificate auth
// (certificates made here with openssl). stop() kills every member and removes
// every file; call it from an after/t.after hook so it runs on failure too.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdMember {
  readonly name: string;
  /** Client URL, `http(s)://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** SIGKILLs this member (the cluster's stop() still cleans up). */
  kill(): Promise<void>;
}

export interface EtcdTls {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface EtcdCluster {
  readonly endpoints: readonly string[];
  readonly members: readonly EtcdMember[];
  /** Client certificate material when started with `tls: true`. */
  readonly tls?: EtcdTls;
  stop(): Promise<void>;
}

export interface EtcdStartOptions {
  readonly members?: 1 | 3;
  /** Serve clients over TLS and require a client certificate signed by the test CA. */
  readonly tls?: boolean;
}

/** Members still running, killed if the process exits without its after hooks (e.g. process.exit). */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function makeCerts(dir: string): EtcdTls & { serverCert: string; serverKey: string } {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=calico-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${who}`, '-keyout', `${who}.key`, '-out', `${who}.csr`);
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${who}.ext`, '-out', `${who}.pem`);
  }
  return {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'client.pem'),
    keyFile: join(dir, 'client.key'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
  };
}

async function healthy(endpoint: string, tls: EtcdTls | undefined): Promise<boolean> {
  if (tls === undefined) {
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    } catch {
      return false;
    }
  }
  return new Promise((resolve) => {
    const req = request(
      `${endpoint}/health`,
      { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), timeout: 1000 },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('"true"')));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startEtcd(options: EtcdStartOptions = {}): Promise<EtcdCluster> {
  const count = options.members ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'calico-etcd-'));
  dirs.add(dir);
  const certs = options.tls === true ? makeCerts(dir) : undefined;
  const tls: EtcdTls | undefined = certs && { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile };
  const scheme = certs === undefined ? 'http' : 'https';
  const ports = await Promise.all(Array.from({ length: count * 2 }, () => freePort()));
  const names = Array.from({ length: count }, (_, i) => `m${i}`);
  const peer = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1] ?? 0}`;
  const client = (i: number): string => `${scheme}://127.0.0.1:${ports[2 * i] ?? 0}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const tlsArgs =
    certs === undefined
      ? []
      : ['--cert-file', certs.serverCert, '--key-file', certs.serverKey, '--trusted-ca-file', certs.caFile, '--client-cert-auth'];
  const children = names.map((name, i) =>
    spawn(
      'etcd',
      [
        '--name', name, '--data-dir', join(dir, name),
        '--listen-client-urls', client(i), '--advertise-client-urls', client(i),
        '--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i),
        '--initial-cluster', initial, '--initial-cluster-state', 'new',
        '--initial-cluster-token', `calico-test-${process.pid}-${ports[0] ?? 0}`,
        '--logger', 'zap', '--log-level', 'error',
        ...tlsArgs,
      ],
      { stdio: 'ignore' },
    ),
  );
  for (const c of children) {
    live.add(c);
    c.once('exit', () => live.delete(c));
  }
  const members: EtcdMember[] = names.map((name, i) => ({
    name,
    endpoint: client(i),
    kill: () => stopChild(children[i] as ChildProcess, 'SIGKILL'),
  }));
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => stopChild(c, 'SIGTERM')));
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  const endpoints = members.map((m) => m.endpoint);
  try {
    for (let i = 0; i < 300; i++) {
      const exited = children.find((c) => c.exitCode !== null);
      if (exited !== undefined) throw new Error(`etcd exited with ${exited.exitCode} while starting`);
      if ((await Promise.all(endpoints.map((e) => healthy(e, tls)))).every(Boolean)) {
        return { endpoints, members, ...(tls === undefined ? {} : { tls }), stop };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd (${count} member${count > 1 ? 's' : ''}) did not become healthy in 30 s`);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A cluster of `members` plain-HTTP members: the form the IPAM tests and benchmarks ask for. */
export function startEtcdCluster(members: 1 | 3): Promise<EtcdCluster> {
  return startEtcd({ members });
}
