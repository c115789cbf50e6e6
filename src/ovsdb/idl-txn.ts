/* idl-txn: transactions of an IDL client (the transaction half of OVS's
 * ovsdb-idl.c).
 *
 * A transaction collects edits of the replica held by idl.ts: inserted rows
 * (with a provisional UUID that the server replaces), deleted rows, whole-
 * column writes, partial map/set updates (sent as "mutate" operations), an
 * optional "+= 1" increment with read-back (what ovs-vsctl does to next_cfg)
 * and verified columns.  Edits are visible in the replica at once (reads see
 * the transaction's values); commit() turns them into one "transact" request:
 *
 *   wait ops     for every verified column, "until": "==" its value as read
 *   delete       for deleted rows of root tables (others are left to the
 *                server's garbage collection of unreferenced rows)
 *   insert       with "uuid-name": row<uuid>, references to new rows as
 *                ["named-uuid", ...]
 *   update       only for rows with written columns; a transaction whose
 *                writes change nothing is 'unchanged' and is not sent
 *   mutate       partial updates; the increment (mutate + select)
 *   comment, abort (dry run), assert (lock)
 *
 * Once sent, the edits are taken back out of the replica: the server's own
 * update notification brings the committed state.  commit() resolves with
 * 'unchanged', 'success', 'try-again' (a verified column changed, or the
 * connection dropped: rebuild from the replica and retry), 'error' (see
 * error), 'not-locked' or 'aborted'.
 */
import type { Json, JsonObject } from '../lib/json.js';
import { jsonToString } from '../lib/json.js';
import { vlogModule } from '../lib/vlog.js';
import {
  type Datum, datumDefault, datumEquals, datumFindKey, datumIsDefault, datumToJson,
} from './datum.js';
import { atomToJson } from './atom.js';
import { uuidGenerate, uuidRowName, uuidFromString } from './uuid.js';
import type { IdlColumn, IdlTable } from './idl-schema.js';
import type { Idl, IdlRow, PartialOp } from './idl.js';

const log = vlogModule('ovsdb_idl');

/** The outcome of a commit (OVS's enum ovsdb_idl_txn_status). */
export type TxnStatus =
  | 'uncommitted' | 'unchanged' | 'incomplete' | 'aborted'
  | 'success' | 'try-again' | 'not-locked' | 'error';

interface Insert {
  /** Index of the insert operation in the reply. */
  opIndex: number;
  real: string | null;
}

/** One transaction on an Idl. */
export class IdlTxn {
  status: TxnStatus = 'uncommitted';
  /** The error text for status 'error' (the server's error object as OVS prints it). */
  error: string | null = null;
  private readonly rows = new Map<string, IdlRow>();
  private comment: (string | (() => string))[] = [];
  private dryRun = false;
  private inc: { row: IdlRow; column: IdlColumn; force: boolean } | null = null;
  private incIndex = -1;
  private incNewValue: number | null = null;
  private readonly inserted = new Map<string, Insert>();
  private resolve: ((s: TxnStatus) => void) | null = null;

  constructor(readonly idl: Idl) {}

  /* ---- Building. ---- */

  /** Adds a comment (shown in the server's log); a function is called only
   * if the transaction is actually sent. */
  addComment(text: string | (() => string)): void { this.comment.push(text); }

  /** Makes the transaction abort on the server after checking (--dry-run). */
  setDryRun(): void { this.dryRun = true; }

  /** Inserts a new row into 'table' with a provisional UUID (or 'uuid');
   * its columns start at their defaults. */
  insert(table: IdlTable, uuid?: string): IdlRow {
    const u = uuid ?? uuidGenerate();
    const row = this.idl.newRow(table, u);
    row.new = new Array(table.columns.length);
    this.rows.set(u, row);
    return row;
  }

  /** Inserts a row that keeps exactly 'uuid' in the database. */
  insertPersistUuid(table: IdlTable, uuid: string): IdlRow {
    const row = this.insert(table, uuid);
    row.persistUuid = true;
    return row;
  }

  /** Deletes 'row'. */
  delete(row: IdlRow): void {
    if (!row.new) return;
    if (!row.old) {
      // Inserted in this transaction: just forget it.
      this.idl.dropRow(row);
      this.rows.delete(row.uuid);
      row.new = null;
      return;
    }
    this.rows.set(row.uuid, row);
    row.new = null;
  }

  /** Sets 'column' of 'row' to 'datum' (OVS's ovsdb_idl_txn_write). */
  write(row: IdlRow, column: IdlColumn, datum: Datum): void {
    if (!row.new) throw new Error(`write to deleted row ${row.uuid}`);
    if (row.new === row.old) row.new = row.old!.slice();
    row.new[column.index] = datum;
    (row.written ??= new Set()).add(column.index);
    this.rows.set(row.uuid, row);
  }

  /** Records that the commit must fail ('try-again') if 'column' of 'row'
   * changed since it was read (OVS's ovsdb_idl_txn_verify). */
  verify(row: IdlRow, column: IdlColumn): void {
    if (!row.new) throw new Error(`verify of deleted row ${row.uuid}`);
    if (!row.old || row.written?.has(column.index)) return;
    // The value as read now: updates that arrive before the commit must not
    // change what is checked.
    const prereqs = (row.prereqs ??= new Map<number, Datum>());
    if (!prereqs.has(column.index)) prereqs.set(column.index, row.getOld(column));
    this.rows.set(row.uuid, row);
  }

  private addPartial(row: IdlRow, column: IdlColumn, op: PartialOp): void {
    if (!this.idl.isMonitored(column) && row.old) {
      log.warn('cannot partially update non-monitored column');
      return;
    }
    if (op.key.keys.length !== 1) {
      log.warn('invalid datum for partial update');
      return;
    }
    const partial = (row.partial ??= new Map<number, PartialOp[]>());
    const list = partial.get(column.index) ?? [];
    const kt = column.type.key.type;
    const i = list.findIndex((o) => datumFindKey(o.key, op.key.keys[0]!, kt) >= 0);
    if (i >= 0) {
      const prev = list[i]!;
      if (op.kind === 'map-update' && prev.kind === 'map-insert') op = { kind: 'map-insert', key: op.key };
      list[i] = op;
    } else {
      list.push(op);
    }
    partial.set(column.index, list);
    this.rows.set(row.uuid, row);
  }

  /** Sets one key of map 'column' to a value ('pair' holds one key and one
   * value), leaving the other keys alone; the replica shows it after commit. */
  writePartialMap(row: IdlRow, column: IdlColumn, pair: Datum): void {
    const exists = datumFindKey(row.get(column), pair.keys[0]!, column.type.key.type) >= 0;
    this.addPartial(row, column, { kind: exists ? 'map-update' : 'map-insert', key: pair });
  }

  /** Removes one key ('key' holds it) from map 'column'. */
  deletePartialMap(row: IdlRow, column: IdlColumn, key: Datum): void {
    this.addPartial(row, column, { kind: 'map-delete', key });
  }

  /** Adds one element to set 'column'. */
  writePartialSet(row: IdlRow, column: IdlColumn, elem: Datum): void {
    this.addPartial(row, column, { kind: 'set-insert', key: elem });
  }

  /** Removes one element from set 'column'. */
  deletePartialSet(row: IdlRow, column: IdlColumn, elem: Datum): void {
    this.addPartial(row, column, { kind: 'set-delete', key: elem });
  }

  /** Adds 1 to integer 'column' of 'row' on commit and reads the new value
   * back (incrementNewValue); sent only if the transaction changes something
   * else, unless 'force'. */
  increment(row: IdlRow, column: IdlColumn, force = false): void {
    this.inc = { row, column, force };
  }

  /** The value the increment produced (after 'success'). */
  get incrementNewValue(): number | null { return this.incNewValue; }

  /** The permanent UUID of a row inserted with provisional UUID 'uuid'
   * (after 'success'), or null. */
  getInsertUuid(uuid: string): string | null {
    return this.inserted.get(uuid)?.real ?? null;
  }

  /** The row inserted in this transaction under provisional UUID 'uuid'. */
  insertedRow(uuid: string): IdlRow | null {
    const r = this.rows.get(uuid);
    return r && !r.old && r.new ? r : null;
  }

  /* ---- Committing. ---- */

  /** Replaces references to rows inserted here by named UUIDs. */
  private substitute(json: Json): Json {
    if (Array.isArray(json)) {
      if (json.length === 2 && json[0] === 'uuid' && typeof json[1] === 'string') {
        const row = this.rows.get(json[1]);
        if (row && !row.old && row.new && !row.persistUuid) return ['named-uuid', uuidRowName(row.uuid)];
        return json;
      }
      let out: Json[] | null = null;
      for (let i = 0; i < json.length; i++) {
        const s = this.substitute(json[i]!);
        if (s !== json[i]) { out ??= json.slice(); out[i] = s; }
      }
      return out ?? json;
    }
    if (json && typeof json === 'object' && typeof json !== 'bigint') {
      const o = json as JsonObject;
      let out: JsonObject | null = null;
      for (const k of Object.keys(o)) {
        const s = this.substitute(o[k]!);
        if (s !== o[k]) { out ??= { ...o }; out[k] = s; }
      }
      return out ?? o;
    }
    return json;
  }

  private whereUuid(row: IdlRow): Json {
    return this.substitute([['_uuid', '==', ['uuid', row.uuid]]]);
  }

  private mutations(row: IdlRow): Json[] {
    const out: Json[] = [];
    const cls = row.table;
    for (const [idx, ops] of [...row.partial!].sort((a, b) => a[0] - b[0])) {
      const column = cls.columns[idx]!;
      const type = column.type;
      const kt = type.key.type;
      const base = row.written?.has(idx) ? row.new![idx] ?? datumDefault(type)
        : row.old ? row.old[idx] ?? datumDefault(type) : datumDefault(type);
      const del: Json[] = [];
      const ins: Json[] = [];
      for (const op of ops) {
        const k = op.key.keys[0]!;
        if (op.kind === 'map-update') {
          const pos = datumFindKey(base, k, kt);
          if (pos >= 0 && base.values![pos] === op.key.values![0]) continue;
        } else if (op.kind === 'map-delete') {
          if (datumFindKey(base, k, kt) < 0) {
            log.warn("Trying to delete a key that doesn't exist in the map.");
            continue;
          }
        } else if (op.kind === 'set-delete') {
          if (datumFindKey(base, k, kt) < 0) {
            log.warn("Trying to delete a key that doesn't exist in the set.");
            continue;
          }
        }
        switch (op.kind) {
          case 'map-insert':
            ins.push([atomToJson(k, kt), atomToJson(op.key.values![0]!, type.value!.type)]);
            break;
          case 'map-update':
            del.push(atomToJson(k, kt));
            ins.push([atomToJson(k, kt), atomToJson(op.key.values![0]!, type.value!.type)]);
            break;
          case 'map-delete':
          case 'set-delete':
            del.push(atomToJson(k, kt));
            break;
          case 'set-insert':
            ins.push(atomToJson(k, kt));
            break;
        }
      }
      const isMap = type.value !== null;
      if (del.length) out.push([column.name, 'delete', ['set', del]]);
      if (ins.length) out.push([column.name, 'insert', [isMap ? 'map' : 'set', ins]]);
    }
    return out;
  }

  /** Sends the transaction; resolves with its final status. */
  commit(): Promise<TxnStatus> {
    if (this.status !== 'uncommitted') return Promise.resolve(this.status);
    const idl = this.idl;
    if (!idl.isMonitoring) {
      this.status = 'try-again';
      this.disassemble();
      return Promise.resolve(this.status);
    }
    if (idl.lockBlocksCommit()) {
      this.status = 'not-locked';
      this.disassemble();
      return Promise.resolve(this.status);
    }
    const ops: Json[] = [idl.cls.database];

    // Prerequisites: the verified columns must still hold what was read.
    for (const row of this.rows.values()) {
      if (!row.prereqs || !row.old) continue;
      const columns: Json[] = [];
      const values: JsonObject = {};
      for (const [idx, d] of [...row.prereqs].sort((a, b) => a[0] - b[0])) {
        const c = row.table.columns[idx]!;
        columns.push(c.name);
        values[c.name] = datumToJson(d, c.type);
      }
      ops.push({
        op: 'wait', table: row.table.name, timeout: 0,
        where: [['_uuid', '==', ['uuid', row.uuid]]], until: '==', columns, rows: [values],
      });
    }

    let anyUpdates = false;
    // Inserting the only row of a singleton table: make sure it is still empty.
    for (const table of idl.cls.tables) {
      if (!table.isSingleton) continue;
      let initial = 0, final = 0;
      for (const r of idl.tableState(table).rows.values()) {
        if (r.old) initial++;
        if (r.new) final++;
      }
      if (initial === 0 && final === 1) {
        ops.push({ op: 'wait', table: table.name, where: [], timeout: 0, until: '==', rows: [] });
      }
    }

    for (const row of this.rows.values()) {
      const cls = row.table;
      if (!row.new) {
        if (cls.isRoot) {
          ops.push({ op: 'delete', table: cls.name, where: [['_uuid', '==', ['uuid', row.uuid]]] });
          anyUpdates = true;
        }
        // Rows of non-root tables go away when nothing refers to them.
      } else if (row.old !== row.new) {
        const op: JsonObject = { op: row.old ? 'update' : 'insert', table: cls.name };
        if (row.old) {
          op['where'] = [['_uuid', '==', ['uuid', row.uuid]]];
        } else {
          anyUpdates = true;
          if (row.persistUuid) op['uuid'] = row.uuid;
          else op['uuid-name'] = uuidRowName(row.uuid);
          this.inserted.set(row.uuid, { opIndex: ops.length - 1, real: null });
        }
        const rowJson: JsonObject = {};
        if (row.written) {
          for (const idx of [...row.written].sort((a, b) => a - b)) {
            const c = cls.columns[idx]!;
            const d = row.new[idx] ?? datumDefault(c.type);
            if (row.old || !datumIsDefault(d, c.type)) {
              rowJson[c.name] = this.substitute(datumToJson(d, c.type));
              if (!anyUpdates && row.old && !datumEquals(row.old[idx] ?? datumDefault(c.type), d, c.type)) {
                anyUpdates = true;
              }
            }
          }
        }
        op['row'] = rowJson;
        if (!row.old || Object.keys(rowJson).length) ops.push(op);
      }
      if (row.partial && row.new) {
        const muts = this.mutations(row);
        if (muts.length) {
          ops.push(this.substitute({
            op: 'mutate', table: cls.name, where: [['_uuid', '==', ['uuid', row.uuid]]], mutations: muts,
          }));
          anyUpdates = true;
        }
      }
    }

    if (this.inc && (anyUpdates || this.inc.force)) {
      anyUpdates = true;
      this.incIndex = ops.length - 1;
      const where = this.whereUuid(this.inc.row);
      ops.push({ op: 'mutate', table: this.inc.row.table.name, where, mutations: [[this.inc.column.name, '+=', 1]] });
      ops.push({ op: 'select', table: this.inc.row.table.name, where, columns: [this.inc.column.name] });
    }
    if (this.comment.length && anyUpdates) {
      ops.push({ op: 'comment', comment: this.comment.map((c) => (typeof c === 'string' ? c : c())).join('\n') });
    }
    if (this.dryRun) ops.push({ op: 'abort' });

    this.disassemble();
    if (!anyUpdates) {
      this.status = 'unchanged';
      return Promise.resolve(this.status);
    }
    this.status = 'incomplete';
    return new Promise((resolve) => {
      this.resolve = resolve;
      const sent = idl.sendTransaction(ops, (err, result) => this.processReply(err, result));
      if (!sent) { this.complete('try-again'); return; }
      // Outstanding transactions fail with 'try-again' if the connection drops.
      idl.pendingTxns.set(pendingKey++, this);
    });
  }

  /** Takes the transaction's edits back out of the replica. */
  private disassemble(): void {
    for (const row of this.rows.values()) {
      row.prereqs = null;
      row.written = null;
      row.partial = null;
      if (!row.old) {
        this.idl.dropRow(row);
        row.new = null;
      } else {
        row.new = row.old;
      }
    }
    this.idl.txnDone(this);
  }

  /** Gives up on the transaction without sending it. */
  abort(): void {
    if (this.status === 'uncommitted') {
      this.disassemble();
      this.status = 'aborted';
    } else if (this.status === 'incomplete') {
      this.complete('aborted');
    }
  }

  /** @internal Finishes an outstanding transaction. */
  complete(status: TxnStatus): void {
    if (this.status !== 'incomplete') return;
    this.status = status;
    for (const [k, t] of this.idl.pendingTxns) if (t === this) this.idl.pendingTxns.delete(k);
    const r = this.resolve;
    this.resolve = null;
    r?.(status);
  }

  private setError(json: Json): void {
    this.error ??= jsonToString(json, { sort: true });
  }

  private processReply(err: unknown, result: Json): void {
    if (this.status !== 'incomplete') return;
    if (err) {
      if (err === 'canceled') { this.complete('try-again'); return; }
      this.setError(err as Json);
      this.complete('error');
      return;
    }
    if (!Array.isArray(result)) {
      log.warn('reply to "transact" is not JSON array');
      this.setError(result);
      this.complete('error');
      return;
    }
    let hard = 0, soft = 0, lock = 0;
    for (const op of result) {
      if (op === null) { soft++; continue; }
      if (typeof op !== 'object' || Array.isArray(op)) {
        hard++;
        this.setError(op);
        log.warn('operation reply is not JSON null or object');
        continue;
      }
      const e = (op as JsonObject)['error'];
      if (e === undefined) continue;
      if (typeof e !== 'string') {
        hard++;
        this.setError(op);
        log.warn('"error" in reply is not JSON string');
      } else if (e === 'timed out' || e === 'unknown database') {
        soft++;
      } else if (e === 'not owner') {
        lock++;
      } else if (e !== 'aborted') {
        hard++;
        this.setError(op);
        if (e !== 'not allowed') log.warn(`transaction error: ${this.error}`);
      }
    }
    if (!hard && !soft && !lock) {
      if (this.incIndex >= 0 && !this.processIncReply(result)) hard++;
      for (const ins of this.inserted.values()) {
        const r = result[ins.opIndex] as JsonObject | undefined;
        const u = r?.['uuid'];
        const real = Array.isArray(u) && u[0] === 'uuid' && typeof u[1] === 'string' ? uuidFromString(u[1]) : null;
        if (!real) { hard++; this.setError(r ?? null); } else ins.real = real;
      }
    }
    this.complete(hard ? 'error' : lock ? 'not-locked' : soft ? 'try-again' : 'success');
  }

  private processIncReply(ops: Json[]): boolean {
    if (this.incIndex + 2 > ops.length) {
      log.warn(`reply does not contain enough operations for increment (has ${ops.length}, needs ${this.incIndex + 2})`);
      return false;
    }
    const mutate = ops[this.incIndex] as JsonObject;
    if (mutate['count'] !== 1) {
      log.warn(`"mutate" reply "count" is ${JSON.stringify(mutate['count'])} instead of 1`);
      return false;
    }
    const select = ops[this.incIndex + 1] as JsonObject;
    const rows = select['rows'];
    if (!Array.isArray(rows) || rows.length !== 1) {
      log.warn('"select" reply "rows" has wrong number of elements');
      return false;
    }
    const v = (rows[0] as JsonObject)[this.inc!.column.name];
    if (typeof v !== 'number' && typeof v !== 'bigint') {
      log.warn('"select" reply "rows" has bad value');
      return false;
    }
    this.incNewValue = Number(v);
    return true;
  }
}

let pendingKey = 1;
