// The sqlite backend: the conformance suite, plus what only a shared file can
// get wrong (several processes, a process killed mid-write).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { CalicoError } from '../../src/api/errors.js';
import { openDatastore } from '../../src/datastore/index.js';
import { SqliteDatastore } from '../../src/datastore/sqlite.js';
import { conformance, runWorker } from './conformance.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'calico-ds-'));
}

conformance('sqlite', async () => {
  const dir = tempDir();
  const path = join(dir, 'calico.db');
  return {
    config: { type: 'sqlite', path },
    env: { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: path },
    compact: async (ds, revision) => {
      assert.ok(ds instanceof SqliteDatastore);
      await ds.compact(revision);
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite datastore file', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dbPath = (): string => {
    const d = tempDir();
    dirs.push(d);
    return join(d, 'sub', 'dir', 'calico.db');
  };

  it('is created with its directory and in WAL mode', async () => {
    const path = dbPath();
    const ds = await openDatastore({ type: 'sqlite', path });
    await ds.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('can be created by twelve processes at the same moment, each of them writing', async () => {
    const path = dbPath();
    const env = { DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: path };
    const revs = await Promise.all(Array.from({ length: 12 }, (_, i) => runWorker(env, ['create', `n${i}`])));
    assert.deepEqual(revs.map((r) => Number(r.trim())).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('that cannot be opened fails unavailable naming the path', async () => {
    const notADir = join(dirname(dbPath()), 'file');
    mkdirSync(dirname(notADir), { recursive: true });
    writeFileSync(notADir, '');
    const path = join(notADir, 'calico.db');
    await assert.rejects(openDatastore({ type: 'sqlite', path }), (err: unknown) => {
      return err instanceof CalicoError && err.code === 'unavailable' && err.message.includes(path);
    });
  });

  it('trims its change log beyond the retention, and a watcher behind the trim must resync', async () => {
    const path = dbPath();
    const ds = SqliteDatastore.open({ path, changeLogRetention: 10 });
    try {
      for (let i = 0; i < 1001; i++) {
        await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: `t${i}` }, spec: { order: i } });
      }
      const event = await new Promise((resolve) => {
        const w = ds.watch({ afterRevision: 5 }, (e) => {
          w.close();
          resolve(e);
        });
      });
      assert.deepEqual(event, { type: 'resync-required', reason: 'changes after revision 5 were compacted (up to 990)' });
    } finally {
      await ds.close();
    }
  });

  it('stays consistent when a writing process is killed at arbitrary moments', async () => {
    const path = dbPath();
    const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, 'churn', `r${round}`], {
        env: { ...process.env, DATASTORE_TYPE: 'sqlite', DATASTORE_PATH: path },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((r) => child.on('exit', r));
      try {
        // Wait until it is writing, then kill it somewhere in the middle.
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', () => resolve());
          child.on('exit', (code) => reject(new Error(`churn worker exited ${code} before writing`)));
        });
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
    }
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const revision = (db.prepare("SELECT value FROM meta WHERE name = 'revision'").get() as { value: number }).value;
      const lastChange = (db.prepare('SELECT max(revision) AS r FROM changes').get() as { r: number }).r;
      assert.equal(lastChange, revision, 'every revision has its change-log entry');
      const rows = db.prepare('SELECT name, value, mod_revision FROM resources').all() as { name: string; value: string; mod_revision: number }[];
      assert.ok(rows.length > 0);
      for (const row of rows) {
        const r = JSON.parse(row.value) as { metadata: { name: string }; spec: { nets: string[] } };
        assert.equal(r.metadata.name, row.name);
        assert.equal(r.spec.nets.length, 400);
        const change = db.prepare('SELECT value FROM changes WHERE revision = ?').get(row.mod_revision) as { value: string } | undefined;
        assert.equal(change?.value, row.value, `the change log holds ${row.name} as stored`);
      }
    } finally {
      db.close();
    }
  });
});
