/* monitor: what each database monitor must be told about commits (RFC 7047
 * section 4.1.5 "monitor"/"update", and OVS's extensions "monitor_cond" /
 * "update2", "monitor_cond_change" and "monitor_cond_since" / "update3";
 * OVS ovsdb/monitor.c and the monitor parts of ovsdb/jsonrpc-server.c).
 *
 * A Monitor is created from a monitor request (table -> columns, "select"
 * flags and, for monitor_cond, "where" conditions).  It listens to the
 * Database's commits and accumulates, per row, the version before the first
 * unsent change and the latest version, exactly as OVS merges changes between
 * flushes (insert+delete cancels out, insert+modify stays an insert).  The
 * server asks for the pending update with flush() or flushNotification() and
 * sends it; nothing here touches sockets.
 *
 * update  (v1): {"table": {"uuid": {"old": {...}, "new": {...}}}}
 * update2 (v2): {"table": {"uuid": {"initial"|"insert"|"modify": {...}} or {"delete": null}}}
 *               where "modify" carries diffs of changed columns and
 *               initial/insert only non-default columns; conditions are
 *               evaluated on the old and new row, turning a modify into an
 *               insert or delete as a row enters or leaves the condition.
 * update3 (v3): as update2, notifications also carry the last transaction id.
 */
import { type Json, type JsonObject, isJsonObject, jsonDict } from '../lib/json.js';
import { OvsdbError, syntaxError } from './ovsdb-error.js';
import { OvsdbParser, OP_ARRAY, OP_BOOLEAN, OP_OBJECT, OP_OPTIONAL } from './ovsdb-parser.js';
import { type ColumnSchema, COL_UUID } from './column.js';
import { Condition } from './condition.js';
import { datumDiff, datumEquals, datumIsDefault, datumToJson } from './datum.js';
import type { Database } from './database.js';
import type { Row } from './row.js';
import type { Table } from './table.js';
import { CommitChange, type RowChange } from './transaction.js';
import { UUID_ZERO, uuidFromString } from './uuid.js';

/** Monitor protocol versions: 1 = monitor, 2 = monitor_cond, 3 = monitor_cond_since. */
export type MonitorVersion = 1 | 2 | 3;

/** "select" bits. */
export const SEL_INITIAL = 1, SEL_INSERT = 2, SEL_DELETE = 4, SEL_MODIFY = 8;
const SEL_ALL = SEL_INITIAL | SEL_INSERT | SEL_DELETE | SEL_MODIFY;

interface MonitorColumn {
  column: ColumnSchema;
  select: number;
}

/** The monitored part of one table. */
class MonitorTable {
  /** Union of the columns' select bits. */
  select = 0;
  /** Columns sent to the client, in request order. */
  readonly columns: MonitorColumn[] = [];
  /** Columns whose changes matter: sent columns plus condition columns. */
  readonly relevant: ColumnSchema[] = [];
  /** Current condition (monitor_cond only); null means no condition (match all). */
  condition: Condition | null = null;
  /** Pending changes: uuid -> [row before first unsent change, latest row]. */
  pending = new Map<string, [Row | null, Row | null]>();

  constructor(readonly table: Table) {}

  hasColumn(c: ColumnSchema): boolean {
    return this.columns.some((mc) => mc.column === c);
  }

  /** Adds 'c' to the relevant columns. */
  addRelevant(c: ColumnSchema): void {
    if (!this.relevant.includes(c)) this.relevant.push(c);
  }

  /** Records one committed row change, merging with what is pending. */
  record(oldRow: Row | null, newRow: Row | null, uuid: string): void {
    const p = this.pending.get(uuid);
    if (!p) {
      this.pending.set(uuid, [oldRow, newRow]);
    } else if (newRow) {
      p[1] = newRow;
    } else {
      p[1] = null;
      if (!p[0]) this.pending.delete(uuid);
    }
  }

  /** True if a row change can matter to this monitor (OVS's ovsdb_monitor_changes_classify). */
  matters(rc: RowChange): boolean {
    if (rc.oldRow && rc.newRow) {
      if (rc.changed === null) return true;
      const rel = this.relevant, changed = rc.changed;
      for (let i = 0; i < rel.length; i++) if (changed[rel[i]!.index]) return true;
      return false;
    }
    return true;
  }
}

function parseBool(p: OvsdbParser, name: string, dflt: boolean): boolean {
  const v = p.member(name, OP_BOOLEAN | OP_OPTIONAL);
  return v === undefined ? dflt : v === true;
}

/** One client monitor. */
export class Monitor {
  readonly tables = new Map<Table, MonitorTable>();
  private unlisten: (() => void) | null = null;
  /** For monitor_cond_since: whether the client's last transaction was found in the history. */
  found = false;

  private constructor(readonly db: Database, readonly version: MonitorVersion) {}

  /**
   * Parses a monitor request's <monitor-requests> object and registers the
   * monitor with 'db'.  For version 3, 'lastTxnId' is the client's last
   * transaction id.  Throws OvsdbError (the JSON-RPC error to return).
   * After creation, send initialReply() as the result.
   */
  static create(db: Database, version: MonitorVersion, requests: Json, lastTxnId?: Json): Monitor {
    if (!isJsonObject(requests)) throw syntaxError(requests, null, 'monitor-requests must be object');
    const m = new Monitor(db, version);
    const cond = version >= 2;
    for (const name of Object.keys(requests)) {
      const table = db.getTable(name);
      if (!table) throw syntaxError(undefined, null, `no table named ${name}`);
      let mt = m.tables.get(table);
      if (!mt) { mt = new MonitorTable(table); m.tables.set(table, mt); }
      const v = requests[name]!;
      if (Array.isArray(v)) for (const r of v) m.parseRequest(mt, r, cond);
      else m.parseRequest(mt, v, cond);
    }
    // OVS keeps a monitor's columns in schema (creation) order; JSON members
    // are inserted in that order.
    for (const mt of m.tables.values()) mt.columns.sort((a, b) => a.column.index - b.column.index);
    let since: string | null = null;
    if (version === 3) {
      if (typeof lastTxnId !== 'string') throw syntaxError(lastTxnId ?? null, null, 'last-txn-id must be string');
      const u = uuidFromString(lastTxnId);
      if (u === null) throw syntaxError(lastTxnId, null, 'last-txn-id must be UUID format.');
      if (u !== UUID_ZERO) since = u;
    }
    m.start(since);
    return m;
  }

  private parseRequest(mt: MonitorTable, req: Json, cond: boolean): void {
    const ts = mt.table.schema;
    const p = new OvsdbParser(req, `table ${ts.name}`);
    const where = cond ? p.member('where', OP_ARRAY | OP_OPTIONAL) : undefined;
    const columns = p.member('columns', OP_ARRAY | OP_OPTIONAL);
    const selectJson = p.member('select', OP_OBJECT | OP_OPTIONAL);
    let err = p.finish();
    if (err) throw err;
    let select = SEL_ALL;
    if (selectJson !== undefined) {
      const sp = new OvsdbParser(selectJson, `table ${ts.name} select`);
      select = 0;
      if (parseBool(sp, 'initial', true)) select |= SEL_INITIAL;
      if (parseBool(sp, 'insert', true)) select |= SEL_INSERT;
      if (parseBool(sp, 'delete', true)) select |= SEL_DELETE;
      if (parseBool(sp, 'modify', true)) select |= SEL_MODIFY;
      err = sp.finish();
      if (err) throw err;
    }
    mt.select |= select;
    const add = (c: ColumnSchema): void => {
      if (mt.hasColumn(c)) throw syntaxError(columns, null, `column ${c.name} mentioned more than once`);
      mt.columns.push({ column: c, select });
      mt.addRelevant(c);
    };
    if (columns !== undefined) {
      for (const e of columns as Json[]) {
        if (typeof e !== 'string') throw syntaxError(columns, null, 'array of column names expected');
        const c = ts.columns.get(e);
        if (!c) throw syntaxError(columns, null, `${e} is not a valid column name`);
        add(c);
      }
    } else {
      for (const c of ts.allColumns) if (c.index !== COL_UUID) add(c);
    }
    if (cond) {
      const c = where !== undefined ? Condition.fromJson(ts, where, null) : new Condition([]);
      mt.condition = c;
      for (const col of c.columns()) mt.addRelevant(col);
    }
  }

  private start(since: string | null): void {
    if (since !== null) {
      const h = this.db.history;
      let i = h.findIndex((e) => e.txnId === since);
      if (i >= 0) {
        this.found = true;
        for (i++; i < h.length; i++) this.onCommit(h[i]!.change);
      }
    }
    this.unlisten = this.db.addCommitListener((c) => this.onCommit(c));
  }

  private onCommit(change: CommitChange): void {
    for (const rc of change.rows) {
      const mt = this.tables.get(rc.table);
      if (mt && mt.matters(rc)) mt.record(rc.oldRow, rc.newRow, rc.uuid);
    }
  }

  /** Stops listening to the database (monitor_cancel or session end). */
  cancel(): void {
    if (this.unlisten) { this.unlisten(); this.unlisten = null; }
  }

  /** True if there are changes to send. */
  hasPending(): boolean {
    for (const mt of this.tables.values()) if (mt.pending.size) return true;
    return false;
  }

  /**
   * The result for the monitor request: the initial contents (v1, v2: an
   * update object, {} if empty) or, for v3, [found, last-txn-id, update]
   * where the update holds only what changed since the client's transaction
   * when it was found in the history.
   */
  initialReply(): Json {
    let update: JsonObject | null;
    if (this.found) {
      update = this.flush();
    } else {
      for (const mt of this.tables.values()) mt.pending.clear();
      update = this.composeInitial();
    }
    const u: JsonObject = update ?? {};
    return this.version === 3 ? [this.found, this.db.lastTxnId(), u] : u;
  }

  /** The pending update (an update/update2/update3 table-updates object), or null if none; clears it. */
  flush(): JsonObject | null {
    const out = this.compose(false, (mt) => mt.pending);
    for (const mt of this.tables.values()) if (mt.pending.size) mt.pending = new Map();
    return out;
  }

  /** The pending update as a notification {method, params} for 'monitorId', or null if none. */
  flushNotification(monitorId: Json): { method: string; params: Json[] } | null {
    const u = this.flush();
    if (!u) return null;
    return this.notification(monitorId, u);
  }

  /** Wraps an update in the notification for this monitor's version. */
  notification(monitorId: Json, update: JsonObject): { method: string; params: Json[] } {
    switch (this.version) {
      case 1: return { method: 'update', params: [monitorId, update] };
      case 2: return { method: 'update2', params: [monitorId, update] };
      default: return { method: 'update3', params: [monitorId, this.db.lastTxnId(), update] };
    }
  }

  /**
   * monitor_cond_change: parses <monitor-cond-change-requests> and installs
   * the new conditions.  Returns the updates to send, in order: first what
   * was pending under the old conditions, then rows entering ("insert") or
   * leaving ("delete") the new conditions.  Throws OvsdbError.
   */
  condChange(requests: Json): JsonObject[] {
    if (!isJsonObject(requests)) throw syntaxError(undefined, null, 'monitor-cond-change-requests must be object');
    const newConds = new Map<MonitorTable, Condition>();
    for (const name of Object.keys(requests)) {
      const table = this.db.getTable(name);
      if (!table) throw syntaxError(undefined, null, `no table named ${name}`);
      const mt = this.tables.get(table);
      if (!mt) throw syntaxError(undefined, null, `no table named ${name} in monitor session`);
      const v = requests[name]!;
      if (!Array.isArray(v)) throw syntaxError(undefined, null, `table ${name} no monitor-cond-change JSON array`);
      for (const req of v) {
        const p = new OvsdbParser(req, `table ${name}`);
        const columns = p.member('columns', OP_ARRAY | OP_OPTIONAL);
        const where = p.member('where', OP_ARRAY | OP_OPTIONAL);
        const err = p.finish();
        if (err) throw err;
        if (columns !== undefined) throw syntaxError(req, null, 'changing columns is unsupported');
        if (this.version >= 2) newConds.set(mt, Condition.fromJson(table.schema, where ?? [], null));
      }
    }
    const out: JsonObject[] = [];
    const pending = this.flush();
    if (pending) out.push(pending);
    let update: JsonObject | null = null;
    for (const [mt, cnd] of newConds) {
      const old = mt.condition ?? new Condition([]);
      for (const c of cnd.columns()) mt.addRelevant(c);
      if (!old.compare(cnd)) { mt.condition = cnd; continue; }
      let tj: JsonObject | null = null;
      for (const row of mt.table.rows.values()) {
        const oldIn = old.matchAny(row.fields);
        const newIn = cnd.matchAny(row.fields);
        let type = 0;
        if (!oldIn && newIn) type = SEL_INSERT;
        else if (oldIn && !newIn) type = SEL_DELETE;
        if (!(mt.select & type)) continue;
        const rj: JsonObject = type === SEL_DELETE ? { delete: null } : { insert: this.rowContents(mt, row, type) };
        tj ??= jsonDict();
        tj[row.uuid] = rj;
      }
      mt.condition = cnd;
      if (tj) { update ??= {}; update[mt.table.name] = tj; }
    }
    if (update) out.push(update);
    return out;
  }

  /** Non-default monitored columns of 'row' for an update2 initial/insert. */
  private rowContents(mt: MonitorTable, row: Row, type: number): JsonObject {
    const o: JsonObject = {};
    for (const mc of mt.columns) {
      if (!(type & mc.select)) continue;
      const d = row.fields[mc.column.index]!;
      if (!datumIsDefault(d, mc.column.type)) o[mc.column.name] = datumToJson(d, mc.column.type);
    }
    return o;
  }

  /** The initial contents: every row of every table selected with "initial". */
  private composeInitial(): JsonObject | null {
    let json: JsonObject | null = null;
    for (const mt of this.tables.values()) {
      if (!(mt.select & SEL_INITIAL) || mt.table.rows.size === 0) continue;
      let tj: JsonObject | null = null;
      for (const row of mt.table.rows.values()) {
        const rj = this.version === 1 ? this.rowUpdate1(mt, null, row, true) : this.rowUpdate2(mt, null, row, true);
        if (!rj) continue;
        if (!tj) {
          tj = jsonDict();
          json ??= {};
          json[mt.table.name] = tj;
        }
        tj[row.uuid] = rj;
      }
    }
    return json;
  }

  private compose(initial: boolean,
                  rowsOf: (mt: MonitorTable) => Map<string, [Row | null, Row | null]> | null): JsonObject | null {
    let json: JsonObject | null = null;
    for (const mt of this.tables.values()) {
      const rows = rowsOf(mt);
      if (!rows || rows.size === 0) continue;
      let tj: JsonObject | null = null;
      for (const [uuid, [oldRow, newRow]] of rows) {
        const rj = this.version === 1
          ? this.rowUpdate1(mt, oldRow, newRow, initial)
          : this.rowUpdate2(mt, oldRow, newRow, initial);
        if (!rj) continue;
        if (!tj) {
          tj = jsonDict();
          json ??= {};
          json[mt.table.name] = tj;
        }
        tj[uuid] = rj;
      }
    }
    return json;
  }

  private static changedColumns(mt: MonitorTable, oldRow: Row, newRow: Row): Set<ColumnSchema> | null {
    let changed: Set<ColumnSchema> | null = null;
    for (const c of mt.relevant) {
      const i = c.index;
      if (!datumEquals(oldRow.fields[i]!, newRow.fields[i]!, c.type)) (changed ??= new Set()).add(c);
    }
    return changed;
  }

  private rowUpdate1(mt: MonitorTable, oldRow: Row | null, newRow: Row | null, initial: boolean): JsonObject | null {
    const type = initial ? SEL_INITIAL : !oldRow ? SEL_INSERT : !newRow ? SEL_DELETE : SEL_MODIFY;
    if (!(mt.select & type)) return null;
    let changed: Set<ColumnSchema> | null = null;
    if (type === SEL_MODIFY) {
      changed = Monitor.changedColumns(mt, oldRow!, newRow!);
      if (!changed) return null;
    }
    const rj: JsonObject = {};
    const oj: JsonObject | null = type & (SEL_DELETE | SEL_MODIFY) ? {} : null;
    const nj: JsonObject | null = type & (SEL_INITIAL | SEL_INSERT | SEL_MODIFY) ? {} : null;
    if (oj) rj['old'] = oj;
    if (nj) rj['new'] = nj;
    for (const mc of mt.columns) {
      if (!(type & mc.select)) continue;
      const c = mc.column;
      if ((type === SEL_MODIFY && changed!.has(c)) || type === SEL_DELETE) {
        oj![c.name] = datumToJson(oldRow!.fields[c.index]!, c.type);
      }
      if (nj) nj[c.name] = datumToJson(newRow!.fields[c.index]!, c.type);
    }
    return rj;
  }

  private rowUpdate2(mt: MonitorTable, oldRow: Row | null, newRow: Row | null, initial: boolean): JsonObject | null {
    let type = initial ? SEL_INITIAL : !oldRow ? SEL_INSERT : !newRow ? SEL_DELETE : SEL_MODIFY;
    const cnd = mt.condition;
    if (cnd && !cnd.isEmpty()) {
      const oldIn = oldRow ? cnd.matchAny(oldRow.fields) : false;
      const newIn = newRow ? cnd.matchAny(newRow.fields) : false;
      if (!oldIn && !newIn) return null;
      switch (type) {
        case SEL_INITIAL: case SEL_INSERT: if (!newIn) return null; break;
        case SEL_MODIFY: type = !oldIn ? SEL_INSERT : !newIn ? SEL_DELETE : SEL_MODIFY; break;
        case SEL_DELETE: if (!oldIn) return null; break;
        default: break;
      }
    }
    if (!(mt.select & type)) return null;
    if (type === SEL_DELETE) return { delete: null };
    if (type === SEL_MODIFY) {
      const changed = Monitor.changedColumns(mt, oldRow!, newRow!);
      if (!changed) return null;
      const diff: JsonObject = {};
      for (const mc of mt.columns) {
        const c = mc.column;
        if (!(type & mc.select) || !changed.has(c)) continue;
        diff[c.name] = datumToJson(datumDiff(oldRow!.fields[c.index]!, newRow!.fields[c.index]!, c.type), c.type);
      }
      return { modify: diff };
    }
    return { [type === SEL_INITIAL ? 'initial' : 'insert']: this.rowContents(mt, newRow!, type) };
  }
}

export { OvsdbError };
