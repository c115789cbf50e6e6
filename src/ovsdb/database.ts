/* database: an in-memory OVSDB database (OVS ovsdb/ovsdb.c, the data part).
 *
 * A Database instantiates a DatabaseSchema as Tables, runs transactions
 * (Txn, transaction.ts) and tells interested parties about every commit:
 *
 *   - a storage hook (at most one) sees each CommitChange before it becomes
 *     visible and may veto it with an OvsdbError (e.g. an I/O error);
 *   - commit listeners (monitors, the server) see it afterwards.
 *
 * It also keeps an optional bounded history of committed transactions with
 * their ids, which monitor_cond_since uses to send only what a reconnecting
 * client missed (OVS keeps this for clustered and relay databases only).
 */
import type { Json } from '../lib/json.js';
import { vlogModule } from '../lib/vlog.js';
import { OvsdbError } from './ovsdb-error.js';
import type { DatabaseSchema } from './schema.js';
import { datumFromJson, datumToJson } from './datum.js';
import { Table } from './table.js';
import { CommitChange, Txn, txnFromFileJson } from './transaction.js';
import { UUID_ZERO, uuidGenerate } from './uuid.js';

const log = vlogModule('ovsdb');

/** Called before a commit becomes visible; return an error to abort it. */
export type StorageHook = (change: CommitChange) => OvsdbError | null;
/** Called after each commit. */
export type CommitListener = (change: CommitChange) => void;

/** One entry of the transaction history. */
export interface HistoryEntry {
  readonly txnId: string;
  readonly change: CommitChange;
  readonly nAtoms: number;
}

/** Counts the atoms of the rows in 'change' (old and new versions). */
function countChangeAtoms(change: CommitChange): { total: number; diff: number } {
  let total = 0, diff = 0;
  for (const rc of change.rows) {
    let o = 0, n = 0;
    if (rc.oldRow) for (const d of rc.oldRow.fields) o += d.values ? 2 * d.keys.length : d.keys.length;
    if (rc.newRow) for (const d of rc.newRow.fields) n += d.values ? 2 * d.keys.length : d.keys.length;
    total += o + n;
    diff += n - o;
  }
  return { total, diff };
}

/** An OVSDB database. */
export class Database {
  readonly tables = new Map<string, Table>();
  /** Some column holds a strong reference. */
  readonly hasStrongRefs: boolean;
  /** Some column holds a weak reference. */
  readonly hasWeakRefs: boolean;
  /** Some table is not a root table (garbage collection applies). */
  readonly hasNonRootTables: boolean;
  /** Number of atoms in the database (OVS's n_atoms, for memory reports and history trimming). */
  nAtoms = 0;

  private storageHook: StorageHook | null = null;
  private readonly listeners = new Set<CommitListener>();

  private historyEnabled = false;
  /** Committed transactions, oldest first (only when history is enabled). */
  readonly history: HistoryEntry[] = [];
  private historyAtoms = 0;
  /** Maximum number of history entries. */
  historyLimit = 100;

  constructor(readonly schema: DatabaseSchema) {
    let strong = false, weak = false, nonRoot = false;
    for (const ts of schema.tables.values()) {
      const t = new Table(ts);
      this.tables.set(ts.name, t);
      if (t.strongRefColumns.length) strong = true;
      if (t.weakRefColumns.length) weak = true;
      if (!ts.isRoot) nonRoot = true;
    }
    this.hasStrongRefs = strong;
    this.hasWeakRefs = weak;
    this.hasNonRootTables = nonRoot;
  }

  /** The database name (the schema name). */
  get name(): string { return this.schema.name; }

  /** The table named 'name', if any. */
  getTable(name: string): Table | undefined { return this.tables.get(name); }

  /** Starts a transaction. */
  newTxn(): Txn { return new Txn(this); }

  /** Installs (or removes, with null) the storage hook. */
  setStorageHook(hook: StorageHook | null): void { this.storageHook = hook; }

  /** Registers a commit listener; returns a function that unregisters it. */
  addCommitListener(l: CommitListener): () => void {
    this.listeners.add(l);
    return () => { this.listeners.delete(l); };
  }

  /** Turns the transaction history on or off (off clears it). */
  setHistoryEnabled(on: boolean): void {
    this.historyEnabled = on;
    if (!on) { this.history.length = 0; this.historyAtoms = 0; }
  }

  /** True if the history is kept. */
  get historyIsEnabled(): boolean { return this.historyEnabled; }

  /** The id of the last transaction in the history, or all-zeros. */
  lastTxnId(): string {
    const h = this.history;
    return h.length ? h[h.length - 1]!.txnId : UUID_ZERO;
  }

  /**
   * Precommits 'txn', offers it to the storage hook and completes it.  Returns
   * the change record (null if the transaction changed nothing) or the error
   * that aborted it.  'txnId' names the transaction in the history (a fresh
   * UUID when history is on and none is given).
   */
  commit(txn: Txn, durable = false, txnId?: string): CommitChange | OvsdbError | null {
    const err = txn.precommit();
    if (err) {
      txn.abort();
      return err;
    }
    if (txn.isEmpty()) {
      txn.complete(durable);
      return null;
    }
    if (txnId !== undefined) txn.txnId = txnId;
    else if (this.historyEnabled) txn.txnId = uuidGenerate();
    const change = new CommitChange(txn.changes(), txn.comment, txn.txnId, durable);
    if (this.storageHook) {
      const serr = this.storageHook(change);
      if (serr) {
        txn.abort();
        return serr;
      }
    }
    txn.complete(durable, change);
    this.afterCommit(change);
    return change;
  }

  private afterCommit(change: CommitChange): void {
    const atoms = countChangeAtoms(change);
    this.nAtoms += atoms.diff;
    if (this.historyEnabled) {
      this.history.push({ txnId: change.txnId, change, nAtoms: atoms.total });
      this.historyAtoms += atoms.total;
      const h = this.history;
      while (h.length > 1 && (h.length > this.historyLimit || this.historyAtoms > this.nAtoms)) {
        this.historyAtoms -= h.shift()!.nAtoms;
      }
    }
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (e) {
        log.err(`commit listener failed: ${(e as Error).stack ?? String(e)}`);
      }
    }
  }

  /**
   * Applies an on-disk transaction record (as read back from the log) and
   * commits it, bypassing the storage hook.  'converting' ignores unknown
   * tables and columns.  Returns an error if the record is malformed or
   * violates the schema.
   */
  replay(json: Json, converting = false, txnId?: string): OvsdbError | null {
    const txn = this.newTxn();
    try {
      txnFromFileJson(txn, json, converting);
    } catch (e) {
      txn.abort();
      if (e instanceof OvsdbError) return e;
      throw e;
    }
    const hook = this.storageHook;
    this.storageHook = null;
    try {
      const r = this.commit(txn, false, txnId);
      return r instanceof OvsdbError ? r : null;
    } finally {
      this.storageHook = hook;
    }
  }

  /**
   * A copy of this database's data converted to 'newSchema' (OVS's
   * ovsdb_convert, used by the "convert" method): tables and columns missing
   * from the new schema are dropped, values are re-parsed with the new
   * column types (so new constraints apply) and the result is committed in
   * one transaction, which enforces references and indexes.  Returns the new
   * Database or the error.
   */
  convert(newSchema: DatabaseSchema): Database | OvsdbError {
    const dst = new Database(newSchema.clone());
    const txn = dst.newTxn();
    try {
      for (const [name, src] of this.tables) {
        const dt = dst.tables.get(name);
        if (!dt) continue;
        const pairs = [];
        for (const sc of src.schema.columnList) {
          if (sc.index < 2) continue;
          const dc = dt.schema.columns.get(sc.name);
          if (dc) pairs.push([sc, dc] as const);
        }
        for (const row of src.rows.values()) {
          const nr = dt.newRow(row.uuid);
          for (const [sc, dc] of pairs) {
            nr.fields[dc.index] = datumFromJson(dc.type, datumToJson(row.fields[sc.index]!, sc.type), null);
          }
          txn.rowInsert(nr);
        }
      }
    } catch (e) {
      txn.abort();
      if (e instanceof OvsdbError) return e;
      throw e;
    }
    const r = dst.commit(txn);
    return r instanceof OvsdbError ? r : dst;
  }

  /** The whole database as one on-disk record, like a snapshot (OVS's ovsdb_to_txn_json without annotation). */
  toSnapshotChange(comment: string | null = null): CommitChange {
    const rows = [];
    for (const t of this.tables.values()) {
      for (const r of t.rows.values()) rows.push({ table: t, uuid: r.uuid, oldRow: null, newRow: r, changed: null });
    }
    return new CommitChange(rows, comment, UUID_ZERO, false);
  }
}
