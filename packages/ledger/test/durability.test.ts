// SQLite durability: a request is answered only after an fsync of the write-ahead log that began
// after its commit, and a failed fsync is never acknowledged.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteWriter } from '../src/store/sqlite-writer.js';
import { type Fixture, fixture, makeEvent, post } from './helpers.js';

// The writer thread starts its WAL syncs itself; this hook has it run each one through this
// thread's node:fs, which the tests below replace.
SqliteWriter.syncOnMainForTest = true;

describe('SQLite group commit durability', () => {
  let fx: Fixture;
  // The store syncs the WAL with fdatasync (same signature as fsync).
  const realFsync = fs.fdatasync;
  const patch = (fake: typeof fs.fdatasync) => {
    (fs as { fdatasync: typeof fs.fdatasync }).fdatasync = fake;
    syncBuiltinESMExports();
  };
  beforeAll(async () => {
    fx = await fixture('sqlite');
  });
  afterEach(() => patch(realFsync));
  afterAll(async () => {
    await fx.cleanup();
  });

  it('answers only after the WAL fsync that follows the commit has finished', async () => {
    const ledger = await fx.ledger();
    const url = await ledger.listen(0);
    const log: string[] = [];
    patch(((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      log.push('fsync start');
      setTimeout(() => {
        log.push('fsync done');
        realFsync(fd, cb);
      }, 150);
    }) as typeof fs.fdatasync);
    const r = await post(url, [makeEvent()]);
    log.push('answered');
    expect(r.status).toBe(200);
    expect(log).toEqual(['fsync start', 'fsync done', 'answered']);
  });

  it('never acknowledges when the fsync fails, and refuses further writes', async () => {
    // The failure log's line is asserted here, not printed (its stderr default: http-fixes.test.ts).
    const lines: string[] = [];
    const ledger = await fx.ledger({ database: `${fx.dir}/broken.db`, log: (line) => lines.push(line) });
    const url = await ledger.listen(0);
    expect((await post(url, [makeEvent()])).status).toBe(200);
    patch(((_fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      const e = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      setImmediate(() => cb(e));
    }) as typeof fs.fdatasync);
    const failed = await post(url, [makeEvent()]);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('ERR_STORAGE_UNAVAILABLE');
    patch(realFsync);
    const after = await post(url, [makeEvent()]);
    expect(after.status).toBe(503);
    expect(await ledger.store.treeSize()).toBe(1);
    // One line for the operator, however many requests fail after.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^assent-ledger: storage broken: every write is refused until the ledger is restarted: StorageUnavailable: fsync of the write-ahead log failed/,
    );
  });

  // Two writers on one file: the second one's log is stale. Inline writes (signingThreads 0) and the
  // writer thread (1) must both refuse to write over the other's entries, then resume from the file.
  for (const signingThreads of [0, 1]) {
    it(`refuses to write over entries another process appended, then continues the log (signingThreads ${signingThreads})`, async () => {
      const database = `${fx.dir}/shared-${signingThreads}.db`;
      const a = await fx.ledger({ database, signingThreads });
      const b = await fx.ledger({ database, signingThreads });
      await a.append([makeEvent()]);
      const stale = await b
        .append([makeEvent()])
        .catch((e: { code?: string; cause?: { code?: string } }) => e);
      expect(stale).toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE', cause: { code: 'ERR_LOG_CONFLICT' } });
      const [receipt] = await b.append([makeEvent()]);
      const claims = JSON.parse(Buffer.from(receipt!.split('.')[1]!, 'base64url').toString('utf8'));
      expect(claims.seq).toBe(1);
      await a.close();
      expect(await b.store.treeSize()).toBe(2);
      expect((await b.verify()).ok).toBe(true);
    });
  }

  // More small batches than may be in flight at once (8): the ones left queued must still commit
  // when the earlier ones finish, though no new append() comes to schedule them.
  for (const signingThreads of [0, 1]) {
    it(`commits every queued item when more batches wait than may be in flight (signingThreads ${signingThreads})`, async () => {
      const ledger = await fx.ledger({
        database: `${fx.dir}/small-batches-${signingThreads}.db`,
        signingThreads,
        maxBatchItems: 1,
      });
      const receipts = await Promise.all(Array.from({ length: 40 }, () => ledger.append([makeEvent()])));
      expect(receipts.flat()).toHaveLength(40);
      expect(await ledger.store.treeSize()).toBe(40);
    });
  }
});
