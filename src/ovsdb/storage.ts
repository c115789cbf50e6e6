/* storage: a standalone database file serving a live Database (OVS
 * ovsdb/storage.c for standalone storage, with ovsdb.c's snapshotting).
 *
 * Storage.open() reads the file (file.ts), keeping what it can of a file
 * whose tail was torn by a crash, and attaches itself to the Database as its
 * storage hook: every commit is turned into an OVS-format record and queued
 * on the log's group commit (log.ts).  The caller learns when a commit is on
 * disk through committed(change): written for ordinary commits, also synced
 * for durable ones.  That lets a server reply to clients only once their
 * changes are safe, while thousands of commits share one write and one
 * fdatasync.
 *
 * Compaction replaces the log by the schema and one snapshot record.  It
 * runs on request (compact()) and automatically by OVS's rule: not before a
 * random 10-20 minutes after the last one, then when the log has at least
 * 100 records and is over 10 MB and twice its size after the last
 * compaction, or when 24 hours have passed and anything was written.  The
 * snapshot is serialized in slices between which the server keeps serving;
 * commits made meanwhile are carried over to the new file.
 *
 * Use from a server:
 *   const storage = Storage.open(path);      // throws OvsdbError (e.g. locked)
 *   const db = storage.db;                    // serve it; commits are logged
 *   const change = db.commit(txn, durable);   // or execution.transact()
 *   await storage.committed(change);          // then reply to the client
 *   await storage.compact();                  // ovsdb-server/compact
 *   await storage.replaceDatabase(newDb, schemaJson);  // online conversion
 *   storage.close();                          // at exit (writes what is queued)
 */
import { vlogModule, Level } from '../lib/vlog.js';
import type { Json } from '../lib/json.js';
import { jsonToStringHashOrder } from '../lib/json-shash.js';
import { OvsdbError } from './ovsdb-error.js';
import type { Database } from './database.js';
import type { CommitChange } from './transaction.js';
import { OvsdbLog } from './log.js';
import {
  readDatabaseFile, OnReadError, commitRecordText, schemaRecordText, snapshotRecordChunks,
} from './file.js';

const log = vlogModule('storage');
const ovsdbLog = vlogModule('ovsdb');
const serverLog = vlogModule('ovsdb_server');

/** Tunables; the defaults are OVS's. */
export interface StorageOptions {
  /** Open for writing (default true). */
  rw?: boolean;
  /** Automatic compaction (default true). */
  autoCompact?: boolean;
  /** Fixed part of the earliest time for the next automatic compaction. */
  snapshotMinMs?: number;
  /** Random part added to snapshotMinMs. */
  snapshotRandomMs?: number;
  /** After this long, compact if anything at all was logged. */
  snapshotMaxMs?: number;
  /** Records (read at open plus written) needed for a size-based compaction. */
  snapshotMinRecords?: number;
  /** The log must be bigger than this... */
  snapshotMinBytes?: number;
  /** ...and this many times its size right after the last compaction. */
  snapshotGrowth?: number;
  /** How often to check whether to compact, in ms. */
  checkIntervalMs?: number;
  /** Time source (tests). */
  now?: () => number;
  /** Slice length for serializing snapshots, in ms of work. */
  sliceMs?: number;
  /** Write modified columns as differences ("_is_diff"), OVS's default;
   * false is ovsdb-server's --disable-file-column-diff. */
  columnDiff?: boolean;
}

const DEFAULTS = {
  rw: true,
  autoCompact: true,
  snapshotMinMs: 10 * 60 * 1000,
  snapshotRandomMs: 10 * 60 * 1000,
  snapshotMaxMs: 24 * 60 * 60 * 1000,
  snapshotMinRecords: 100,
  snapshotMinBytes: 10 * 1024 * 1024,
  snapshotGrowth: 2,
  checkIntervalMs: 1000,
  sliceMs: 5,
  columnDiff: true,
};

/** The outcome of one logged commit, once known. */
interface CommitState {
  settled: boolean;
  error: OvsdbError | null;
  waiters: ((e: OvsdbError | null) => void)[] | null;
}

/** A standalone database file attached to its in-memory Database. */
export class Storage {
  private readonly opts: typeof DEFAULTS;
  private readonly now: () => number;
  private readonly pending = new WeakMap<CommitChange, CommitState>();
  private nextSnapshotMin = 0;
  private nextSnapshotMax = 0;
  private nRead: number;
  private nWritten = 0;
  private snapshotting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private detach: (() => void) | null = null;

  private constructor(
    /** The file name as given. */
    readonly path: string,
    /** The database the file holds. */
    public db: Database,
    /** The underlying log. */
    readonly log: OvsdbLog,
    nRead: number,
    opts: StorageOptions,
  ) {
    this.opts = { ...DEFAULTS, ...stripUndefined(opts) };
    this.now = opts.now ?? Date.now;
    this.nRead = nRead;
    this.scheduleNextSnapshot(false);
    if (this.opts.rw) this.attach(db);
    if (this.opts.rw && this.opts.autoCompact) {
      this.timer = setInterval(() => this.maybeSnapshot(), this.opts.checkIntervalMs);
      this.timer.unref();
    }
  }

  /** Opens standalone database 'path' and reads it into a new Database.
   * A torn or corrupt tail (from a crash) is logged and cut off; corruption
   * followed by valid records is an error.  Throws OvsdbError. */
  static open(path: string, opts: StorageOptions = {}): Storage {
    const rw = opts.rw ?? true;
    // OVS's server logs a damaged tail as a warning and carries on.
    const f = readDatabaseFile(path, rw, null, OnReadError.TruncateTail, (msg) => serverLog.warn(msg));
    return new Storage(path, f.db, f.log, f.nTransactions + 1, opts);
  }

  private attach(db: Database): void {
    db.setStorageHook((change) => {
      const text = commitRecordText(change, Date.now(), this.opts.columnDiff);
      if (text === null) return null;
      const st: CommitState = { settled: false, error: null, waiters: null };
      this.pending.set(change, st);
      this.log.commitTextCb(text, change.durable, (e) => {
        st.settled = true;
        st.error = e;
        const ws = st.waiters;
        st.waiters = null;
        if (ws) for (const w of ws) w(e);
      });
      this.nWritten++;
      return null;
    });
    this.detach = () => db.setStorageHook(null);
  }

  /** Resolves when 'change' (a commit of this storage's database) is on
   * disk: written, and synced if it was durable.  Rejects with OvsdbError if
   * writing or syncing failed. */
  committed(change: CommitChange): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.whenCommitted(change, (e) => { if (e) reject(e); else resolve(); });
    });
  }

  /** committed() with a callback: 'done' gets null or the OvsdbError, at
   * once if the outcome is already known (or 'change' wrote nothing), else
   * from the flush or sync that settles it. */
  whenCommitted(change: CommitChange, done: (e: OvsdbError | null) => void): void {
    const st = this.pending.get(change);
    if (!st) done(null);
    else if (st.settled) done(st.error);
    else (st.waiters ??= []).push(done);
  }

  /** True if commits are queued and not yet written. */
  get hasPending(): boolean { return this.log.hasPending; }

  /** Writes out queued commits now (normally done once per event-loop turn). */
  flush(): void {
    this.log.flushPending();
  }

  private scheduleNextSnapshot(quick: boolean): void {
    let base = this.opts.snapshotMinMs;
    let range = this.opts.snapshotRandomMs;
    if (quick) {
      base /= 10;
      range /= 10;
    }
    const now = this.now();
    this.nextSnapshotMin = now + base + Math.floor(Math.random() * range);
    if (!quick) this.nextSnapshotMax = now + this.opts.snapshotMaxMs;
  }

  /** OVS's ovsdb_storage_should_snapshot(): whether it is time to compact. */
  shouldSnapshot(): boolean {
    const now = this.now();
    if (now < this.nextSnapshotMin) return false;
    const logLen = this.nRead + this.nWritten;
    if (now < this.nextSnapshotMax) {
      return logLen >= this.opts.snapshotMinRecords &&
        this.log.grewLots(this.opts.snapshotMinBytes, this.opts.snapshotGrowth);
    }
    return logLen > 0;
  }

  /** Compacts if shouldSnapshot() says so (and no compaction is running). */
  maybeSnapshot(): void {
    if (this.closed || this.snapshotting || !this.shouldSnapshot()) return;
    this.compact().catch((e) => log.err(`${this.path}: compaction failed: ${String(e)}`));
  }

  /** Compacts the file now (OVS's ovsdb_snapshot; `ovsdb-server/compact`).
   * Resolves when done; a compaction already running is joined. */
  compact(): Promise<void> {
    if (this.snapshotting) return this.snapshotting;
    if (this.closed) return Promise.reject(new OvsdbError('ovsdb error', `${this.path}: storage is closed`));
    const start = this.now();
    const p = this.writeSnapshot(this.db, 'compacting database online').then(
      () => {
        this.scheduleNextSnapshot(false);
        const elapsed = this.now() - start;
        ovsdbLog.log(elapsed > 1000 ? Level.INFO : Level.DBG,
          `${this.db.name}: Database compaction took ${elapsed}ms (init: 0ms, write: ${elapsed}ms, thread: 0ms)`);
      },
      (e) => {
        this.scheduleNextSnapshot(true);
        throw e;
      },
    ).finally(() => { this.snapshotting = null; });
    this.snapshotting = p;
    return p;
  }

  private writeSnapshot(db: Database, comment: string, schemaJson: Json | null = null): Promise<void> {
    const sliceMs = this.opts.sliceMs;
    const chunks = snapshotRecordChunks(db, comment, this.opts.columnDiff);
    async function* sliced(): AsyncGenerator<string> {
      let t = Date.now();
      for (const c of chunks) {
        yield c;
        if (Date.now() - t >= sliceMs) {
          await new Promise<void>((r) => setImmediate(r));
          t = Date.now();
        }
      }
    }
    const schemaText = schemaJson !== null ? jsonToStringHashOrder(schemaJson) : schemaRecordText(db.schema);
    return this.log.replace([{ text: schemaText }, { chunks: sliced() }]);
  }

  /** Turns column differences in new records on or off (OVS's
   * ovsdb/file/column-diff-enable). */
  setColumnDiff(on: boolean): void {
    this.opts.columnDiff = on;
  }

  /** Replaces the database by 'newDb' (an online schema conversion, OVS's
   * ovsdb_storage_write_schema_change): writes its schema ('schemaJson', the
   * schema as the client sent it, if given) and contents as the new file and
   * attaches to it.  The old database is no longer logged. */
  async replaceDatabase(newDb: Database, schemaJson: Json | null = null): Promise<void> {
    if (this.snapshotting) await this.snapshotting.catch(() => {});
    this.detach?.();
    this.db = newDb;
    await this.writeSnapshot(newDb, 'converted by ovsdb-server', schemaJson);
    this.attach(newDb);
    this.scheduleNextSnapshot(false);
  }

  /** Size of the log file in bytes. */
  get fileSize(): number { return this.log.offset; }

  /** Writes out queued commits (syncing durable ones) and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.detach?.();
    this.log.close();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
