// The agent's HTTP surface, Felix's: liveness and readiness (200/503) plus
// /status on the health port, Prometheus /metrics on the metrics port — one
// server when both ports are the same.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { AgentStatus } from './status.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

export function healthRoutes(status: () => AgentStatus): Map<string, Handler> {
  return new Map<string, Handler>([
    ['/liveness', (_q, res) => {
      const s = status();
      json(res, s.live ? 200 : 503, { live: s.live });
    }],
    ['/readiness', (_q, res) => {
      const s = status();
      json(res, s.ready ? 200 : 503, { ready: s.ready, inSync: s.inSync });
    }],
    ['/status', (_q, res) => json(res, 200, status())],
  ]);
}

/** `registry` may be a loader: the agent loads prom-client lazily (see metrics.ts). */
export function metricsRoutes(registry: Registry | (() => Promise<Registry>)): Map<string, Handler> {
  return new Map<string, Handler>([
    ['/metrics', async (_q, res) => {
      const r = typeof registry === 'function' ? await registry() : registry;
      const text = await r.metrics();
      res.writeHead(200, { 'content-type': r.contentType });
      res.end(text);
    }],
  ]);
}

/** Listens on host:port serving the given routes; resolves with the bound address (port 0 = any free one). */
export function serve(at: Endpoint, routes: ReadonlyMap<string, Handler>): Promise<{ server: Server; address: Endpoint }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = req.method === 'GET' || req.method === 'HEAD' ? routes.get(path) : undefined;
    if (handler === undefined) {
      json(res, 404, { error: `no ${req.method ?? ''} ${path} here` });
      return;
    }
    Promise.resolve(handler(req, res)).catch((err: unknown) => json(res, 500, { error: err instanceof Error ? err.message : String(err) }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve({ server, address: { host: a.address, port: a.port } });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
