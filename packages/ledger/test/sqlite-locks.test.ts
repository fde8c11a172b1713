// Another process on the database file while the ledger serves: the documented online backup
// (`sqlite3 … ".backup"`, better-sqlite3's db.backup()) or a plain query. When that process closes
// its connection, SQLite checks with a POSIX lock whether it was the last one; if it was, it
// checkpoints and deletes -wal and -shm. That check is only right while the ledger process still
// holds its locks, and POSIX drops all of a process's locks on a file when the process closes ANY
// descriptor of it. These tests fail if the ledger ever closes a descriptor of the database file
// while its connections are open.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingStored, type Fixture, fixture, get, makeEvent, post } from './helpers.js';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** Runs `body` in a separate Node process with `db` open on `file`, then closes it. */
function inOtherProcess(file: string, body: string): string {
  const script = `
    const Database = require(${JSON.stringify(driver)});
    const db = new Database(${JSON.stringify(file)});
    db.pragma('busy_timeout = 5000');
    (async () => {
      const out = await (async () => { ${body} })();
      db.close();
      process.stdout.write(JSON.stringify(out ?? null));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
}

const COUNT = `return db.prepare('SELECT COUNT(*) AS n FROM entries').get().n;`;
const onLinux = process.platform === 'linux';
// The sqlite3 shell, where installed: the exact backup command docs/ledger.md gives.
const sqlite3Shell = ['/usr/bin/sqlite3', '/usr/local/bin/sqlite3'].find((p) => existsSync(p));

/** POSIX locks this process holds on the file (Linux /proc/locks). */
function locksHeld(file: string): number {
  const ino = statSync(file).ino;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((l) => l.includes(`:${ino} `) && l.includes(` ${process.pid} `)).length;
}

describe('SQLite: other processes on the database file while the ledger serves', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture('sqlite');
  });
  afterAll(async () => {
    await fx.cleanup();
  });

  // With the writer thread (signingThreads 1) and with inline commits (0).
  for (const signingThreads of [0, 1]) {
    it(`keeps its locks, its WAL and its writes through a reader and an online backup (signingThreads ${signingThreads})`, async () => {
      const database = `${fx.dir}/locks-${signingThreads}.db`;
      const ledger = await fx.ledger({ database, signingThreads });
      const url = await ledger.listen(0);
      expect((await post(url, [makeEvent(), makeEvent()])).status).toBe(200);
      expect(existsSync(`${database}-wal`)).toBe(true);

      // A plain reader in another process, opened and closed.
      expect(JSON.parse(inOtherProcess(database, COUNT))).toBe(2);
      expect(existsSync(`${database}-wal`)).toBe(true);
      expect(existsSync(`${database}-shm`)).toBe(true);
      const second = await post(url, [makeEvent()]);
      expect(second.status).toBe(200);

      // The online backup docs/ledger.md recommends.
      const copy = `${fx.dir}/backup-${signingThreads}.db`;
      inOtherProcess(database, `await db.backup(${JSON.stringify(copy)}); return null;`);
      expect(existsSync(`${database}-wal`)).toBe(true);
      expect(existsSync(`${database}-shm`)).toBe(true);
      const third = await post(url, [makeEvent()]);
      expect(third.status).toBe(200);
      if (sqlite3Shell) {
        // The shell, unlike better-sqlite3, checkpoints and deletes the WAL on close when it finds
        // no other lock on the file: the failure the audit saw (every write 503 until a restart).
        execFileSync(sqlite3Shell, [database, `.backup ${fx.dir}/shell-backup-${signingThreads}.db`]);
        expect(existsSync(`${database}-wal`)).toBe(true);
        expect((await post(url, [makeEvent()])).status).toBe(200);
      }
      expect(ledger.store.broken).toBeUndefined();
      expect((await get(`${url}/healthz`)).status).toBe(200);
      const size = sqlite3Shell ? 5 : 4;
      expect(await ledger.store.treeSize()).toBe(size);
      // The backup holds what was acknowledged before it.
      expect(JSON.parse(inOtherProcess(copy, COUNT))).toBe(3);
      // And the commits after it are in the live file, where another process sees them.
      expect(JSON.parse(inOtherProcess(database, COUNT))).toBe(size);
      expect(existsSync(`${database}-wal`)).toBe(true);
      // The cause, checked directly: the ledger process still holds its shared lock on the file
      // (better-sqlite3 in the other process would not have shown the missing lock above).
      if (onLinux) expect(locksHeld(database)).toBeGreaterThan(0);
      expect((await ledger.verify()).ok).toBe(true);
      await ledger.close();
    });
  }

  // Two serving stores on one file in one process (as in the durability tests): the second one's
  // open, and the first one's close, must leave the other's locks in place.
  it.runIf(onLinux)(
    'a second store on the same file in this process leaves the first one its locks',
    async () => {
      const database = `${fx.dir}/twice.db`;
      const a = await fx.ledger({ database });
      await a.append([makeEvent()]);
      const locks = locksHeld(database);
      expect(locks).toBeGreaterThan(0);
      const b = await fx.ledger({ database });
      expect(locksHeld(database)).toBe(locks);
      await a.close();
      expect(locksHeld(database)).toBeGreaterThan(0);
      await b.append([makeEvent()]);
      expect(existsSync(`${database}-wal`)).toBe(true);
      expect(await b.store.treeSize()).toBe(2);
    },
  );

  // The tests' own look at the raw files ("this never appears at rest") must not be the process
  // that drops the locks.
  it.runIf(onLinux)("everythingStored() reads the files without taking the ledger's locks", async () => {
    const ledger = await fx.ledger();
    const database = fx.storage().database!;
    const e = makeEvent();
    await ledger.append([e]);
    const locks = locksHeld(database);
    expect(locks).toBeGreaterThan(0);
    const stored = await everythingStored(fx);
    expect(stored).toContain(e.subject);
    expect(stored).toContain('SQLite format 3');
    expect(locksHeld(database)).toBe(locks);
    await ledger.append([makeEvent()]);
    expect(existsSync(`${database}-wal`)).toBe(true);
    expect(ledger.store.broken).toBeUndefined();
  });
});
