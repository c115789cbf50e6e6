/* transaction: atomic changes to a Database (OVS ovsdb/transaction.c).
 *
 * While operations execute (execution.ts), a Txn records one TxnRow per row
 * it touches: the committed version ('old', null for inserts) and the working
 * version ('new', null for deletes).  The table's row map shows the working
 * versions, so later operations in the same transaction see earlier ones;
 * abort() puts the committed versions back.
 *
 * precommit() then enforces the database rules, in OVS's order:
 *   1. drop rows that did not really change;
 *   2. count strong references: a reference to a missing row, or deleting a
 *      row that is still referenced, is a "referential integrity violation";
 *   3. garbage-collect non-root rows left without strong references;
 *   4. enforce maxRows;
 *   5. weak references: drop references to deleted or missing rows (and fail
 *      if that leaves a column below its minimum size);
 *   6. enforce unique indexes;
 *   7. give changed rows a new _version.
 * complete() makes the result permanent and produces a CommitChange, the
 * record that monitors (monitor.ts) and storage (the on-disk log) consume.
 */
import { type Json, type JsonObject, jsonDict } from '../lib/json.js';
import { OvsdbError, internalError, ovsdbError, syntaxError } from './ovsdb-error.js';
import { type ColumnSchema, COL_VERSION, columnSetToString } from './column.js';
import {
  Datum, datumAddedRemoved, datumDiff, datumEmpty, datumEquals, datumFromJson, datumFromUnsortedUnique,
  datumIsDefault, datumKey, datumSubtract, datumToJson, datumApplyDiff,
} from './datum.js';
import { type Row, type WeakRef, rowColumnsToString, rowCompareColumns, rowEqualColumns } from './row.js';
import type { Table } from './table.js';
import type { Atom } from './types.js';
import { UUID_ZERO, uuidFromString, uuidGenerate } from './uuid.js';
import type { Database } from './database.js';

let serialCounter = 0;

/** A row touched by a transaction. */
export class TxnRow {
  /** Strong references to the row, as the transaction leaves them. */
  nRefs: number;
  /** Per-column "changed" flags; null with allChanged for inserts/deletes, null alone for none. */
  changed: boolean[] | null;
  allChanged: boolean;
  /** Weak references to add to / remove from destination rows at commit (allocated on demand). */
  addedRefs: WeakRef[] | null;
  deletedRefs: WeakRef[] | null;
  serial: number;

  constructor(
    readonly table: Table,
    readonly uuid: string,
    public oldRow: Row | null,
    public newRow: Row | null,
  ) {
    this.nRefs = oldRow ? oldRow.nRefs : 0;
    this.changed = null;
    this.allChanged = false;
    this.addedRefs = null;
    this.deletedRefs = null;
    this.serial = 0;
  }

  /** True if column 'i' changed. */
  isChanged(i: number): boolean {
    return this.allChanged || (this.changed !== null && this.changed[i] === true);
  }

  /** True if any column changed. */
  anyChanged(): boolean {
    if (this.allChanged) return true;
    const c = this.changed;
    if (c) for (let i = 0; i < c.length; i++) if (c[i]) return true;
    return false;
  }

  /** Marks column 'i' changed. */
  setChanged(i: number): void {
    if (this.allChanged) return;
    if (!this.changed) this.changed = new Array<boolean>(this.table.schema.columnList.length).fill(false);
    this.changed[i] = true;
  }
}

/** The rows of one table touched by a transaction. */
export class TxnTable {
  readonly rows = new Map<string, TxnRow>();
  /** Index maps built while checking uniqueness. */
  txnIndexes: Map<string, Row>[] | null = null;
  constructor(readonly table: Table) {}
}

/** One changed row in a CommitChange. */
export interface RowChange {
  readonly table: Table;
  readonly uuid: string;
  /** Committed version before the transaction (null for an insert). */
  readonly oldRow: Row | null;
  /** Version after the transaction (null for a delete). */
  readonly newRow: Row | null;
  /** Per-column change flags, or null meaning every column (insert/delete). */
  readonly changed: readonly boolean[] | null;
}

/** What one committed transaction changed, for monitors and storage. */
export class CommitChange {
  constructor(
    readonly rows: RowChange[],
    readonly comment: string | null,
    /** Transaction id (for monitor_cond_since history); all-zeros if none. */
    public txnId: string,
    readonly durable: boolean,
  ) {}

  /** True if column index 'i' of 'rc' changed. */
  static isChanged(rc: RowChange, i: number): boolean {
    return rc.changed === null || rc.changed[i] === true;
  }

  /** The on-disk transaction record, without "_date" and "_comment" (OVS's ovsdb_file_txn_to_json); null if nothing is persistent. */
  toFileJson(useDiff = true): JsonObject | null {
    let json: JsonObject | null = null;
    let tableJson: JsonObject | null = null;
    let lastTable: Table | null = null;
    for (const rc of this.rows) {
      const row = fileRowJson(rc, useDiff);
      if (row === undefined) continue;
      if (rc.table !== lastTable) {
        json ??= {};
        tableJson = (json[rc.table.name] as JsonObject | undefined) ?? jsonDict();
        json[rc.table.name] = tableJson;
        lastTable = rc.table;
      }
      tableJson![rc.uuid] = row;
    }
    return json;
  }

  /** toFileJson() plus "_comment", "_is_diff" and "_date" (OVS's ovsdb_file_txn_annotate); null if nothing to write. */
  toFileRecord(dateMs: number = Date.now(), useDiff = true): JsonObject | null {
    const json = this.toFileJson(useDiff);
    if (!json) return null;
    return annotateFileRecord(json, this.comment, dateMs, useDiff);
  }
}

/** Adds "_comment", "_is_diff" and "_date" to an on-disk record. */
export function annotateFileRecord(json: JsonObject, comment: string | null, dateMs: number,
                                   useDiff = true): JsonObject {
  if (comment !== null) json['_comment'] = comment;
  if (useDiff) json['_is_diff'] = true;
  json['_date'] = dateMs;
  return json;
}

function fileRowJson(rc: RowChange, useDiff: boolean): Json | undefined {
  if (!rc.newRow) return null;
  const cols = rc.table.schema.columnList;
  let row: JsonObject | undefined = rc.oldRow ? undefined : {};
  for (let i = 1; i < cols.length; i++) {
    const c = cols[i]!;
    if (!c.persistent) continue;
    const nw = rc.newRow.fields[i]!;
    if (rc.oldRow ? !CommitChange.isChanged(rc, i) : datumIsDefault(nw, c.type)) continue;
    const d = rc.oldRow && useDiff ? datumDiff(rc.oldRow.fields[i]!, nw, c.type) : nw;
    row ??= {};
    row[c.name] = datumToJson(d, c.type);
  }
  return row;
}

/** An in-progress transaction on a Database. */
export class Txn {
  readonly tables = new Map<Table, TxnTable>();
  private comments: string[] | null = null;
  /** Transaction id to record (clustered/relay style); all-zeros when unused. */
  txnId = UUID_ZERO;
  private completed = false;

  constructor(readonly db: Database) {}

  /** Adds a comment line (the "comment" operation). */
  addComment(s: string): void { (this.comments ??= []).push(s); }

  /** All comments joined by newlines, or null. */
  get comment(): string | null { return this.comments ? this.comments.join('\n') : null; }

  /** True if no rows are touched. */
  isEmpty(): boolean { return this.tables.size === 0; }

  private txnTable(table: Table): TxnTable {
    let t = table.txnTable;
    if (!t) {
      t = new TxnTable(table);
      table.txnTable = t;
      this.tables.set(table, t);
    }
    return t;
  }

  private createTxnRow(table: Table, old: Row | null, nw: Row | null): TxnRow {
    const uuid = (old ?? nw)!.uuid;
    const r = new TxnRow(table, uuid, old, nw);
    r.serial = serialCounter - 1;
    if (old) old.txnRow = r;
    if (nw) nw.txnRow = r;
    this.txnTable(table).rows.set(uuid, r);
    return r;
  }

  /** The transaction row for 'uuid' in 'table', if the transaction touched it. */
  findTxnRow(table: Table, uuid: string): TxnRow | undefined {
    return table.txnTable?.rows.get(uuid);
  }

  /** Returns a writable version of 'row' (the row itself if already writable). */
  rowModify(row: Row): Row {
    if (row.txnRow) return row;
    const rw = row.copy();
    this.createTxnRow(row.table, row, rw);
    row.table.rows.set(row.uuid, rw);
    return rw;
  }

  /** Inserts a new row (its _uuid must be set); gives it a fresh _version. */
  rowInsert(row: Row): void {
    row.setVersion(uuidGenerate());
    this.createTxnRow(row.table, null, row);
    row.table.rows.set(row.uuid, row);
  }

  /** Deletes 'row' (a committed or working version). */
  rowDelete(row: Row): void {
    const table = row.table;
    table.rows.delete(row.uuid);
    const tr = row.txnRow;
    if (!tr) {
      this.createTxnRow(table, row, null);
    } else if (tr.oldRow) {
      tr.newRow = null;
    } else {
      table.txnTable!.rows.delete(tr.uuid);
      row.txnRow = null;
    }
  }

  /** True if a row with 'uuid' may be inserted (no such row now or earlier in this transaction). */
  mayCreateRow(table: Table, uuid: string): boolean {
    return !table.rows.has(uuid) && !this.findTxnRow(table, uuid);
  }

  /** Calls 'cb' for every transaction row, including rows added while iterating (OVS's for_each_txn_row). */
  private forEachTxnRow(cb: (r: TxnRow) => void): void {
    const serial = ++serialCounter;
    let anyWork: boolean;
    do {
      anyWork = false;
      for (const t of this.tables.values()) {
        for (const r of t.rows.values()) {
          if (r.serial !== serial) {
            r.serial = serial;
            anyWork = true;
            cb(r);
          }
        }
        if (t.rows.size === 0) this.dropTxnTable(t);
      }
    } while (anyWork);
  }

  private dropTxnTable(t: TxnTable): void {
    t.table.txnTable = null;
    this.tables.delete(t.table);
  }

  /** Puts one row back as it was committed. */
  private rowAbort(r: TxnRow): void {
    const rows = r.table.rows;
    r.table.txnTable?.rows.delete(r.uuid);
    if (r.oldRow) {
      rows.set(r.uuid, r.oldRow);
      r.oldRow.txnRow = null;
    } else if (r.newRow) {
      rows.delete(r.uuid);
    }
    if (r.newRow) r.newRow.txnRow = null;
  }

  /** Undoes everything. */
  abort(): void {
    for (const t of this.tables.values()) {
      for (const r of t.rows.values()) this.rowAbort(r);
      t.table.txnTable = null;
    }
    this.tables.clear();
  }

  /* ---- precommit ---- */

  private findOrMakeTxnRow(table: Table, uuid: string): TxnRow | null {
    const tr = this.findTxnRow(table, uuid);
    if (tr) return tr;
    const row = table.rows.get(uuid);
    return row ? this.rowModify(row).txnRow : null;
  }

  private refTable(name: string): Table {
    return this.db.tables.get(name)!;
  }

  private adjustAtomRefs(r: Row, c: ColumnSchema, refTableName: string | null, isStrong: boolean,
                         atoms: readonly Atom[], delta: number): void {
    if (!isStrong || refTableName === null) return;
    const table = this.refTable(refTableName);
    for (const a of atoms) {
      const uuid = a as string;
      if (uuid === r.uuid) continue; // Self-references don't count.
      const tr = this.findOrMakeTxnRow(table, uuid);
      if (!tr) {
        throw ovsdbError('referential integrity violation',
          `Table ${r.table.name} column ${c.name} row ${r.uuid} references nonexistent row ${uuid} in table ${table.name}.`);
      }
      tr.nRefs += delta;
    }
  }

  private adjustRowRefs(r: Row, c: ColumnSchema, d: Datum, delta: number): void {
    const t = c.type;
    this.adjustAtomRefs(r, c, t.key.refTableName, t.key.isStrongRef(), d.keys, delta);
    if (t.value) this.adjustAtomRefs(r, c, t.value.refTableName, t.value.isStrongRef(), d.values!, delta);
  }

  private updateRowRefCount(r: TxnRow): void {
    for (const c of r.table.strongRefColumns) {
      if (!r.isChanged(c.index)) continue;
      const i = c.index;
      if (r.oldRow && !r.newRow) {
        try {
          this.adjustRowRefs(r.oldRow, c, r.oldRow.fields[i]!, -1);
        } catch (e) {
          throw wrapBug(e, 'error decreasing refcount');
        }
      } else if (!r.oldRow && r.newRow) {
        this.adjustRowRefs(r.newRow, c, r.newRow.fields[i]!, 1);
      } else if (r.oldRow && r.newRow) {
        const { added, removed } = datumAddedRemoved(r.oldRow.fields[i]!, r.newRow.fields[i]!, c.type);
        try {
          this.adjustRowRefs(r.oldRow, c, removed, -1);
        } catch (e) {
          throw wrapBug(e, 'error decreasing refcount');
        }
        this.adjustRowRefs(r.newRow, c, added, 1);
      }
    }
  }

  private deleteRowRefs(row: Row, refTableName: string | null, isStrong: boolean, atoms: readonly Atom[]): void {
    if (!isStrong || refTableName === null) return;
    const table = this.refTable(refTableName);
    for (const a of atoms) {
      const uuid = a as string;
      if (uuid === row.uuid) continue;
      const tr = this.findOrMakeTxnRow(table, uuid);
      if (!tr) throw internalError('strong ref target missing');
      if (!tr.nRefs) throw internalError('strong ref target has zero n_refs');
      if (!tr.newRow) throw internalError('deleted strong ref target');
      if (--tr.nRefs === 0) this.deleteGarbageRow(tr);
    }
  }

  private deleteGarbageRow(tr: TxnRow): void {
    const table = tr.table;
    if (table.schema.isRoot) return;
    const row = tr.newRow!;
    tr.newRow = null;
    row.txnRow = null;
    table.rows.delete(row.uuid);
    for (const c of table.strongRefColumns) {
      const f = row.fields[c.index]!;
      const t = c.type;
      this.deleteRowRefs(row, t.key.refTableName, t.key.isStrongRef(), f.keys);
      if (t.value) this.deleteRowRefs(row, t.value.refTableName, t.value.isStrongRef(), f.values!);
    }
  }

  private addWeakRef(src: Row, dst: Row, list: WeakRef[], key: Atom, value: Atom | null, byKey: boolean,
                     column: ColumnSchema): void {
    if (src === dst) return;
    const keyType = column.type.key.type;
    list.push({
      srcTable: src.table, src: src.uuid, dstTable: dst.table, dst: dst.uuid,
      columnIndex: column.index, byKey, key, value,
      id: weakRefId(src.table, src.uuid, column.index, byKey, keyType === 'string' ? JSON.stringify(key) : String(key)),
    });
  }

  private findAndAddWeakRefs(src: Row, d: Datum, column: ColumnSchema, list: WeakRef[],
                             notFound: { keys: Atom[]; values: Atom[] | null; zero: boolean } | null): void {
    const t = column.type;
    const pass = (byKey: boolean, refTableName: string): void => {
      const table = this.refTable(refTableName);
      for (let i = 0; i < d.keys.length; i++) {
        const key = d.keys[i]!;
        const value = d.values ? d.values[i]! : null;
        const uuid = (byKey ? key : value) as string;
        const row = table.rows.get(uuid);
        if (row) {
          this.addWeakRef(src, row, list, key, value, byKey, column);
        } else if (notFound) {
          if (uuid === UUID_ZERO) notFound.zero = true;
          notFound.keys.push(key);
          if (notFound.values) notFound.values.push(value!);
        }
      }
    };
    if (t.key.isWeakRef()) pass(true, t.key.refTableName!);
    if (t.value && t.value.isWeakRef()) pass(false, t.value.refTableName!);
  }

  /** Weak references, part 1: a deleted row queues removal of references to and from it. */
  private assessWeakRefsDeleted(r: TxnRow): void {
    if (!r.oldRow || r.newRow) return;
    const weakIn = r.oldRow.weakIn;
    if (weakIn) {
      for (const weak of weakIn.values()) {
        const src = this.findOrMakeTxnRow(weak.srcTable, weak.src);
        if (src) (src.deletedRefs ??= []).push(weak);
      }
    }
    for (const c of r.table.weakRefColumns) {
      this.findAndAddWeakRefs(r.oldRow, r.oldRow.fields[c.index]!, c, r.deletedRefs ??= [], null);
    }
  }

  /** Weak references, part 2: fix up the columns of rows that remain. */
  private assessWeakRefsRow(r: TxnRow): void {
    const nw = r.newRow;
    if (!nw) return;
    const table = r.table;
    for (const c of table.weakRefColumns) {
      const i = c.index;
      const ct = c.type;
      let d = nw.fields[i]!;
      const origN = d.keys.length;

      if (r.deletedRefs && r.deletedRefs.length) {
        const dk: Atom[] = [];
        const dv: Atom[] | null = ct.value ? [] : null;
        r.deletedRefs = r.deletedRefs.filter((w) => {
          if (w.columnIndex !== i) return true;
          dk.push(w.key as Atom);
          if (dv) dv.push(w.value as Atom);
          return false;
        });
        if (dk.length) d = datumSubtract(d, ct, datumFromUnsortedUnique(dk, dv, ct), ct);
      }

      let added: Datum, removed: Datum;
      if (r.oldRow) ({ added, removed } = datumAddedRemoved(r.oldRow.fields[i]!, d, ct));
      else { added = d; removed = datumEmpty(ct); }

      const notFound = { keys: [] as Atom[], values: ct.value ? [] as Atom[] : null, zero: false };
      this.findAndAddWeakRefs(nw, added, c, r.addedRefs ??= [], notFound);
      if (notFound.keys.length) {
        d = datumSubtract(d, ct, datumFromUnsortedUnique(notFound.keys, notFound.values, ct), ct);
      }
      this.findAndAddWeakRefs(nw, removed, c, r.deletedRefs ??= [], null);

      if (d.keys.length !== origN) {
        nw.fields[i] = d;
        r.setChanged(i);
        if (d.keys.length < ct.min) {
          if (notFound.zero && !r.oldRow) {
            throw ovsdbError('constraint violation',
              `Weak reference column "${c.name}" in "${table.name}" row ${nw.uuid} (inserted within this transaction) contained all-zeros UUID (probably as the default value for this column) but deleting this value caused a constraint volation because this column is not allowed to be empty.`);
          }
          throw ovsdbError('constraint violation',
            `Deletion of ${origN - d.keys.length} weak reference(s) to deleted (or never-existing) rows from column "${c.name}" in "${table.name}" row ${nw.uuid} ${r.oldRow ? '' : '(inserted within this transaction) '}caused this column to become empty, but constraints on this column disallow an empty column.`);
        }
      }
    }
  }

  private duplicateIndexRow(index: ColumnSchema[], a: Row, b: Row): OvsdbError {
    // Order the rows predictably (comparing columns in OVS's iteration order).
    if (rowCompareColumns(a, b, a.table.schema.allColumns) < 0) [a, b] = [b, a];
    const describe = (row: Row, title: string): string => {
      let s = `${title} row, with UUID ${row.uuid}, `;
      const tr = row.txnRow;
      if (!tr || !tr.anyChanged()) {
        s += 'existed in the database before this transaction and was not modified by the transaction.';
      } else if (!tr.oldRow) {
        s += 'was inserted by this transaction.';
      } else if (rowEqualColumns(tr.oldRow, tr.newRow!, index)) {
        s += "existed in the database before this transaction, which modified some of the row's columns but not any columns in this index.";
      } else {
        s += `had the following index values before the transaction: ${rowColumnsToString(tr.oldRow, index)}.`;
      }
      return s;
    };
    return ovsdbError('constraint violation',
      `Transaction causes multiple rows in "${a.table.name}" table to have identical values (${rowColumnsToString(a, index)}) for index on ${columnSetToString(index)}.  ${describe(a, 'First')}  ${describe(b, 'Second')}`);
  }

  private checkIndexUniqueness(r: TxnRow): void {
    const row = r.newRow;
    if (!row) return;
    const table = r.table;
    const indexes = table.schema.indexes;
    if (!indexes.length) return;
    const tt = table.txnTable!;
    const txnIndexes = tt.txnIndexes ??= indexes.map(() => new Map<string, Row>());
    row.indexKeys = null;
    const keys = table.indexKeysOf(row);
    for (let i = 0; i < indexes.length; i++) {
      const key = keys[i]!;
      let irow = txnIndexes[i]!.get(key);
      if (irow) throw this.duplicateIndexRow(indexes[i]!, irow, row);
      irow = table.indexes[i]!.get(key);
      if (irow && !irow.txnRow) throw this.duplicateIndexRow(indexes[i]!, irow, row);
      txnIndexes[i]!.set(key, row);
    }
  }

  /** Runs all checks; on success the transaction may be completed, on error it must be aborted. */
  precommit(): OvsdbError | null {
    try {
      // 1. What actually changed.
      for (const t of this.tables.values()) {
        for (const r of t.rows.values()) {
          if (r.oldRow && r.newRow) {
            const cols = r.table.schema.columnList;
            const of = r.oldRow.fields, nf = r.newRow.fields;
            let changed: boolean[] | null = null;
            for (let i = 0; i < cols.length; i++) {
              if (of[i] !== nf[i] && !datumEquals(of[i]!, nf[i]!, cols[i]!.type)) {
                changed ??= new Array<boolean>(cols.length).fill(false);
                changed[i] = true;
              }
            }
            if (changed) r.changed = changed;
            else this.rowAbort(r);
          } else {
            r.allChanged = true;
          }
        }
        if (t.rows.size === 0) this.dropTxnTable(t);
      }
      if (this.tables.size === 0) return null;

      // 2. Strong references.
      if (this.db.hasStrongRefs) {
        this.forEachTxnRow((r) => this.updateRowRefCount(r));
        this.forEachTxnRow((r) => {
          if (!r.newRow && r.nRefs) {
            throw ovsdbError('referential integrity violation',
              `cannot delete ${r.table.name} row ${r.uuid} because of ${r.nRefs} remaining reference(s)`);
          }
        });
      }

      // 3. Garbage collection.
      if (this.db.hasNonRootTables) {
        this.forEachTxnRow((r) => {
          if (r.newRow && !r.nRefs) this.deleteGarbageRow(r);
        });
      }

      // 4. maxRows.
      for (const t of this.tables.values()) {
        const n = t.table.rows.size;
        const max = t.table.schema.maxRows;
        if (n > max) {
          throw ovsdbError('constraint violation',
            `transaction causes "${t.table.name}" table to contain ${n} rows, greater than the schema-defined limit of ${max} row(s)`);
        }
      }

      // 5. Weak references.
      if (this.db.hasWeakRefs) {
        this.forEachTxnRow((r) => this.assessWeakRefsDeleted(r));
        this.forEachTxnRow((r) => this.assessWeakRefsRow(r));
      }

      // 6. Unique indexes, and 7. a new _version for modified rows.
      for (const t of this.tables.values()) {
        const hasIndexes = t.table.schema.indexes.length > 0;
        for (const r of t.rows.values()) {
          if (hasIndexes) this.checkIndexUniqueness(r);
          if (r.oldRow && r.newRow && r.anyChanged()) {
            r.setChanged(COL_VERSION);
            r.newRow.setVersion(uuidGenerate());
          }
        }
        if (t.rows.size === 0) this.dropTxnTable(t);
      }
      return null;
    } catch (e) {
      if (e instanceof OvsdbError) return e;
      throw e;
    }
  }

  /** The rows that changed, in transaction order. */
  changes(): RowChange[] {
    const out: RowChange[] = [];
    for (const t of this.tables.values()) {
      for (const r of t.rows.values()) {
        if (!r.oldRow && !r.newRow) continue;
        if (r.oldRow && r.newRow && !r.anyChanged()) continue;
        out.push({ table: r.table, uuid: r.uuid, oldRow: r.oldRow, newRow: r.newRow, changed: r.allChanged ? null : r.changed });
      }
    }
    return out;
  }

  /** Makes the (precommitted) transaction permanent; returns its change record. */
  complete(durable = false, prebuilt?: CommitChange): CommitChange {
    if (this.completed) throw new Error('transaction completed twice');
    this.completed = true;
    const change = prebuilt ?? new CommitChange(this.changes(), this.comment, this.txnId, durable);
    for (const t of this.tables.values()) {
      for (const r of t.rows.values()) updateWeakRefs(r);
    }
    for (const t of this.tables.values()) {
      const table = t.table;
      const nIdx = table.schema.indexes.length;
      for (const r of t.rows.values()) {
        if (nIdx) {
          if (r.oldRow) {
            const keys = table.indexKeysOf(r.oldRow);
            for (let i = 0; i < nIdx; i++) {
              const m = table.indexes[i]!;
              if (m.get(keys[i]!) === r.oldRow) m.delete(keys[i]!);
            }
          }
          if (r.newRow) {
            const keys = table.indexKeysOf(r.newRow);
            for (let i = 0; i < nIdx; i++) table.indexes[i]!.set(keys[i]!, r.newRow);
          }
        }
        if (r.newRow) {
          r.newRow.nRefs = r.nRefs;
          r.newRow.txnRow = null;
        }
        if (r.oldRow) r.oldRow.txnRow = null;
      }
      table.txnTable = null;
    }
    this.tables.clear();
    return change;
  }
}

function weakRefId(srcTable: Table, src: string, columnIndex: number, byKey: boolean, keyStr: string): string {
  return `${srcTable.name}\u0001${src}\u0001${columnIndex}\u0001${byKey ? 1 : 0}\u0001${keyStr}`;
}

function updateWeakRefs(r: TxnRow): void {
  if (r.deletedRefs) {
    for (const weak of r.deletedRefs) {
      const dst = weak.dstTable.rows.get(weak.dst);
      if (dst && dst.weakIn) dst.weakIn.delete(weak.id);
    }
    r.deletedRefs = null;
  }
  if (r.addedRefs) {
    for (const weak of r.addedRefs) {
      const dst = weak.dstTable.rows.get(weak.dst);
      if (!dst) continue;
      if (!dst.weakIn) dst.weakIn = new Map();
      dst.weakIn.set(weak.id, weak);
    }
    r.addedRefs = null;
  }
}

function wrapBug(e: unknown, msg: string): unknown {
  if (e instanceof OvsdbError) return internalError(`${msg} (generated from: ${e.toString()})`);
  return e;
}

/* ---- Replaying on-disk records (OVS's ovsdb_file_txn_from_json). ---- */

/** Applies an on-disk transaction record to 'txn' (not committed); throws OvsdbError. */
export function txnFromFileJson(txn: Txn, json: Json, converting: boolean): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw syntaxError(json, null, 'object expected');
  }
  const isDiff = json['_is_diff'] === true;
  for (const tableName of Object.keys(json)) {
    const tj = json[tableName]!;
    const table = txn.db.tables.get(tableName);
    if (!table) {
      if (tableName === '_date' && (typeof tj === 'number' || typeof tj === 'bigint')) continue;
      if (tableName === '_is_diff' && typeof tj === 'boolean') continue;
      if (tableName === '_comment' || converting) continue;
      throw syntaxError(json, 'unknown table', `No table named ${tableName}.`);
    }
    if (typeof tj !== 'object' || tj === null || Array.isArray(tj)) throw syntaxError(tj, null, 'object expected');
    for (const uuidStr of Object.keys(tj)) {
      const uuid = uuidFromString(uuidStr);
      if (uuid === null) throw syntaxError(tj, null, `"${uuidStr}" is not a valid UUID`);
      const rj = tj[uuidStr]!;
      const row = table.rows.get(uuid);
      if (rj === null) {
        if (!row) throw syntaxError(undefined, null, `transaction deletes row ${uuid} that does not exist`);
        txn.rowDelete(row);
      } else if (row) {
        fileUpdateRow(txn.rowModify(row), converting, isDiff, rj);
      } else {
        const nr = table.newRow(uuid);
        fileUpdateRow(nr, converting, isDiff, rj);
        txn.rowInsert(nr);
      }
    }
  }
}

function fileUpdateRow(row: Row, converting: boolean, isDiff: boolean, json: Json): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw syntaxError(json, null, 'row must be JSON object');
  }
  const ts = row.table.schema;
  for (const name of Object.keys(json)) {
    const c = ts.columns.get(name);
    if (!c) {
      if (converting) continue;
      throw syntaxError(json, 'unknown column', `No column ${name} in table ${ts.name}.`);
    }
    const d = datumFromJson(c.type, json[name]!, null);
    const cur = row.fields[c.index]!;
    row.fields[c.index] = isDiff && !datumIsDefault(cur, c.type) ? datumApplyDiffInPlace(cur, d, c) : d;
  }
}

function datumApplyDiffInPlace(cur: Datum, diff: Datum, c: ColumnSchema): Datum {
  return datumApplyDiff(cur, diff, c.type);
}

export { datumKey };
