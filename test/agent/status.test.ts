// Waiting for an agent: the status file and /status, read the same way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CalicoError } from '../../src/api/errors.js';
import { waitForRevision, waitForSync, writeStatusFile, type AgentStatus } from '../../src/agent/status.js';
import { tempSqlite, type TempSqlite } from './helpers.js';

function status(programmedRevision: number, over: Partial<AgentStatus> = {}): AgentStatus {
  return { hostname: 'n', pid: 1, live: true, ready: true, inSync: true, programmedRevision, datastoreRevision: programmedRevision, consecutiveFailures: 0, resyncs: 1, updatedAt: new Date().toISOString(), ...over };
}

describe('waiting for an agent to program a revision', () => {
  let tmp: TempSqlite;
  let file = '';
  let server: Server;
  let url = '';
  let served = status(0);

  before(async () => {
    tmp = tempSqlite();
    file = join(tmp.dir, 'run', 'status.json');
    server = createServer((_req, res) => res.end(JSON.stringify(served)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    tmp.remove();
  });

  it('waits through a missing file and lower revisions until the file reaches the revision', async () => {
    const waiting = waitForRevision(file, 7, { timeoutMs: 5000 });
    setTimeout(() => writeStatusFile(file, status(3)), 50);
    setTimeout(() => writeStatusFile(file, status(7)), 150);
    assert.equal((await waiting).programmedRevision, 7);
  });

  it('reads /status over HTTP the same way', async () => {
    served = status(4);
    setTimeout(() => (served = status(12)), 100);
    assert.equal((await waitForRevision(url, 10, { timeoutMs: 5000 })).programmedRevision, 12);
  });

  it('fails with unavailable after the timeout, quoting what the agent last said', async () => {
    writeStatusFile(file, status(2, { lastError: 'nft transaction failed' }));
    await assert.rejects(waitForRevision(file, 9, { timeoutMs: 100 }), (err: unknown) => {
      assert.ok(err instanceof CalicoError);
      assert.equal(err.code, 'unavailable');
      assert.match(err.message, /programmedRevision 2.*nft transaction failed/);
      return true;
    });
  });

  it('waitForSync waits for every agent to reach the datastore revision read at the call', async () => {
    served = status(5);
    writeStatusFile(file, status(5));
    let caughtUp = 0;
    const waiting = waitForSync({ revision: () => Promise.resolve(6) }, [file, url], { timeoutMs: 5000 });
    setTimeout(() => {
      writeStatusFile(file, status(6));
      caughtUp++;
    }, 50);
    setTimeout(() => {
      served = status(8);
      caughtUp++;
    }, 100);
    assert.equal(await waiting, 6);
    assert.equal(caughtUp, 2, 'resolved only after both agents reached revision 6');
  });
});
