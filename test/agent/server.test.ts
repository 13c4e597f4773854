// The agent's HTTP surface, as Felix's: 200/503 health, /status JSON, /metrics text.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { Registry, Gauge } from 'prom-client';
import { closeServer, healthRoutes, metricsRoutes, serve } from '../../src/agent/server.js';
import type { AgentStatus } from '../../src/agent/status.js';

describe('health and metrics endpoints', () => {
  let server: Server;
  let base = '';
  let current: AgentStatus = { hostname: 'n', pid: 1, live: true, ready: false, inSync: false, programmedRevision: -1, datastoreRevision: 0, consecutiveFailures: 0, resyncs: 1, updatedAt: '' };

  before(async () => {
    const registry = new Registry();
    new Gauge({ name: 'felix_active_local_endpoints', help: 'h', registers: [registry] }).set(3);
    const s = await serve({ host: '127.0.0.1', port: 0 }, new Map([...healthRoutes(() => current), ...metricsRoutes(registry)]));
    server = s.server;
    base = `http://127.0.0.1:${s.address.port}`;
  });
  after(() => closeServer(server));

  const cases: { name: string; status: Partial<AgentStatus>; path: string; code: number }[] = [
    { name: 'not ready before in-sync', status: { ready: false }, path: '/readiness', code: 503 },
    { name: 'ready after', status: { ready: true }, path: '/readiness', code: 200 },
    { name: 'live', status: { live: true }, path: '/liveness', code: 200 },
    { name: 'not live after too many failures', status: { live: false }, path: '/liveness', code: 503 },
    { name: 'status is always served', status: { ready: false, live: false }, path: '/status', code: 200 },
    { name: 'a query string is ignored', status: { ready: true }, path: '/readiness?verbose=1', code: 200 },
    { name: 'anything else is 404', status: {}, path: '/healthz', code: 404 },
  ];
  for (const c of cases) {
    it(`${c.path}: ${c.name} → ${c.code}`, async () => {
      current = { ...current, ...c.status };
      const res = await fetch(base + c.path);
      await res.text();
      assert.equal(res.status, c.code);
    });
  }

  it('/status carries the whole status document', async () => {
    current = { ...current, programmedRevision: 42 };
    const body = (await (await fetch(`${base}/status`)).json()) as AgentStatus;
    assert.equal(body.programmedRevision, 42);
  });

  it('/metrics serves the Prometheus text format', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await res.text(), /^felix_active_local_endpoints 3$/m);
  });

  it('answers only GET and HEAD', async () => {
    const res = await fetch(`${base}/readiness`, { method: 'POST' });
    await res.text();
    assert.equal(res.status, 404);
  });
});
