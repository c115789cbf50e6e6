/* idl: an OVSDB client that keeps an in-memory replica of a database (OVS's
 * ovsdb-idl.c on top of ovsdb-cs.c).
 *
 * An Idl connects to a server (unix:, tcp: or ssl:, reconnecting with back-off
 * unless told not to), checks the database through the server's _Server
 * database, monitors the chosen tables and columns with monitor_cond_since
 * (falling back to monitor_cond, then monitor), and applies every update to
 * its replica.  Rows are read by UUID or by iterating a table; typed access to
 * the Open_vSwitch schema is in vswitch-idl.ts.  Changes are transactions
 * (idl-txn.ts) built from row edits and committed with optimistic
 * verification: columns read with txn.verify() become "wait" operations, so a
 * commit that raced with another client comes back 'try-again'.
 *
 * Example (the pattern ovs-vsctl follows):
 *
 *     import { Idl } from './idl.js';
 *     import { vswitchIdlClass, view } from './vswitch-idl.js';
 *     import { datumSingle, datumUnion } from './datum.js';
 *
 *     const idl = new Idl(vswitchIdlClass(), 'unix:/var/run/openvswitch/db.sock');
 *     const ovsT = idl.cls.tbl('Open_vSwitch'), brT = idl.cls.tbl('Bridge');
 *     idl.addColumn(ovsT.col('bridges'));
 *     idl.addColumn(brT.col('name'));
 *     idl.start();
 *     await idl.ready();                         // first snapshot is in
 *     for (;;) {
 *       const ovs = idl.first(ovsT)!;
 *       const txn = idl.txn();
 *       const br = txn.insert(brT);
 *       txn.write(br, brT.col('name'), datumSingle('br0'));
 *       txn.verify(ovs, ovsT.col('bridges'));   // fail if someone else changed it
 *       txn.write(ovs, ovsT.col('bridges'),
 *                 datumUnion(ovs.get('bridges'), datumSingle(br.uuid), ovsT.col('bridges').type));
 *       const status = await txn.commit();      // 'success' | 'try-again' | 'error' | ...
 *       if (status !== 'try-again') break;
 *       await idl.nextChange();                 // replica moved on: rebuild and retry
 *     }
 *     for (const r of idl.rows(brT)) console.log(view<'Bridge'>(r).name);
 *     idl.close();
 *
 * Change tracking: idl.track(table) records which rows were inserted,
 * modified (and in which columns) or deleted; idl.tracked(table) lists them
 * and idl.trackClear() starts a new round.  Locks: idl.setLock(name) asks
 * for the named lock ("lock", or "steal"), idl.hasLock tells whether it is
 * held, and commits fail with 'not-locked' while it is not.  Waiting:
 * idl.ready(), idl.nextChange() and idl.waitFor(predicate, timeout).
 */
import { JsonRpc, JsonRpcError } from '../lib/jsonrpc.js';
import { ReconnectSession } from '../lib/reconnect.js';
import type { Server } from 'node:net';
import { parseActive, isPassiveName, openPassive, OVSDB_PORT } from '../lib/stream.js';
import { vlogModule } from '../lib/vlog.js';
import { type Json, type JsonObject, jsonParse } from '../lib/json.js';
import { jsonToWireString } from '../lib/json.js';
import { type Datum, datumDefault, datumFromJson, datumApplyDiff } from './datum.js';
import { UUID_ZERO } from './uuid.js';
import { IdlClass, type IdlColumn, type IdlTable } from './idl-schema.js';
import { IdlTxn, type TxnStatus } from './idl-txn.js';

const log = vlogModule('ovsdb_idl');
const csLog = vlogModule('ovsdb_cs');

export { IdlClass, IdlTable, IdlColumn } from './idl-schema.js';
export type { TxnStatus } from './idl-txn.js';

/** One row of the replica. */
export class IdlRow {
  /** Contents as the server last reported them; null for a row this client
   * is inserting in an open transaction. */
  old: (Datum | undefined)[] | null = null;
  /** Contents as seen now, with the open transaction's writes; null for a row
   * deleted in the open transaction.  Same array as 'old' when unchanged. */
  new: (Datum | undefined)[] | null = null;

  /** @internal Transaction bookkeeping (idl-txn.ts). */
  written: Set<number> | null = null;
  /** @internal Columns verified in the open transaction, with the values read. */
  prereqs: Map<number, Datum> | null = null;
  /** @internal Partial map/set updates of the open transaction, per column. */
  partial: Map<number, PartialOp[]> | null = null;
  /** @internal Insert with this exact UUID ("uuid" rather than "uuid-name"). */
  persistUuid = false;

  constructor(readonly tableState: IdlTableState, readonly uuid: string) {}

  /** The row's table. */
  get table(): IdlTable { return this.tableState.cls; }

  /** True unless deleted (in the replica or in the open transaction). */
  get exists(): boolean { return this.new !== null; }

  /** The current value of 'column' (OVS's ovsdb_idl_read): the open
   * transaction's write if any, else the server's value; a column that is not
   * monitored reads as its default. */
  get(column: IdlColumn | string): Datum {
    const c = typeof column === 'string' ? this.table.col(column) : column;
    const data = this.new ?? this.old;
    return data?.[c.index] ?? datumDefault(c.type);
  }

  /** The value the server last reported for 'column' (ignores the open transaction). */
  getOld(column: IdlColumn | string): Datum {
    const c = typeof column === 'string' ? this.table.col(column) : column;
    return this.old?.[c.index] ?? datumDefault(c.type);
  }

  /** A string column's single value, or null if empty. */
  str(column: IdlColumn | string): string | null {
    const d = this.get(column);
    return d.keys.length ? d.keys[0] as string : null;
  }

  /** An integer column's single value, or null if empty. */
  int(column: IdlColumn | string): number | null {
    const d = this.get(column);
    return d.keys.length ? Number(d.keys[0]) : null;
  }

  /** A boolean column's single value, or null if empty. */
  bool(column: IdlColumn | string): boolean | null {
    const d = this.get(column);
    return d.keys.length ? d.keys[0] as boolean : null;
  }

  /** A map column as a JavaScript Map of string forms. */
  map(column: IdlColumn | string): Map<string, string> {
    const d = this.get(column);
    const m = new Map<string, string>();
    for (let i = 0; i < d.keys.length; i++) m.set(String(d.keys[i]), String(d.values![i]));
    return m;
  }

  /** The rows a reference column points to (missing rows left out). */
  refs(column: IdlColumn | string): IdlRow[] {
    const c = typeof column === 'string' ? this.table.col(column) : column;
    const ref = c.type.key.refTableName;
    const d = this.get(c);
    const out: IdlRow[] = [];
    if (!ref) return out;
    const t = this.tableState.idl.tableState(ref);
    for (const u of d.keys) {
      const r = t.rows.get(u as string);
      if (r && r.new) out.push(r);
    }
    return out;
  }

  /** The single row a reference column points to, or null. */
  ref(column: IdlColumn | string): IdlRow | null {
    return this.refs(column)[0] ?? null;
  }
}

/** One partial update of a map or set column (see idl-txn.ts). */
export interface PartialOp {
  kind: 'map-insert' | 'map-update' | 'map-delete' | 'set-insert' | 'set-delete';
  key: Datum;
}

/** A tracked change: what happened to one row since the last trackClear(). */
export interface TrackedRow {
  row: IdlRow;
  inserted: boolean;
  deleted: boolean;
  /** Columns whose values changed (empty for a plain insert or delete). */
  updated: Set<number>;
}

/** Per-table state of the replica. */
export class IdlTableState {
  /** Rows by UUID, in arrival order. */
  readonly rows = new Map<string, IdlRow>();
  /** Monitored column indexes. */
  readonly monitored = new Set<number>();
  /** True if the table was asked for (even with no columns). */
  wanted = false;
  /** Change tracking (null: off). */
  tracked: Map<string, TrackedRow> | null = null;
  /** Monitor condition (monitor_cond "where"), or null for all rows. */
  condition: Json[] | null = null;

  constructor(readonly idl: Idl, readonly cls: IdlTable) {}
}

export interface IdlOptions {
  /** Keep reconnecting after failures (default true).  With false, one
   * failed connection attempt makes the Idl dead (see 'alive'). */
  retry?: boolean;
  /** Monitor every table and column (default false: use addColumn()). */
  monitorEverything?: boolean;
  /** Only accept the leader of a clustered database (default true). */
  leaderOnly?: boolean;
  /** Ask the server to keep the connection across schema changes (default true). */
  dbChangeAware?: boolean;
  /** Take the database schema from the server's _Server database, as OVS
   * does (default true).  With false, the _Server check leaves the schema
   * out (a much smaller reply, for short-lived tools); the monitor request
   * then assumes the compiled-in schema, and only if the server refuses it is
   * the server's schema fetched to leave out what it lacks.  Schema changes
   * are then not noticed through _Server. */
  serverSchema?: boolean;
  /** Inactivity probe interval in ms (default 5000; 0 disables). */
  probeInterval?: number;
  /** Reconnect back-off bounds in ms. */
  minBackoff?: number;
  maxBackoff?: number;
}

type State =
  | 'idle' | 'server-schema' | 'server-monitor' | 'data-schema'
  | 'monitor-cond-since' | 'monitor-cond' | 'monitor' | 'monitoring' | 'error' | 'retry';

const SERVER_COLUMNS = ['name', 'model', 'connected', 'leader', 'schema', 'cid', 'index'];

/** An OVSDB IDL: connection, replica, transactions, locks. */
export class Idl {
  /** Incremented whenever the replica changes or the connection restarts. */
  seqno = 0;
  /** False once a one-shot connection (retry: false) has failed for good. */
  alive = true;
  /** The errno text of the last connection failure, if any. */
  lastError: string | null = null;
  /** True once a full snapshot of the monitored data has been received. */
  hasEverConnected = false;
  /** Called after every change of the replica (and on reconnect). */
  readonly onChange = new Set<() => void>();

  /** @internal The open transaction, if any. */
  txnOpen: IdlTxn | null = null;
  /** @internal Outstanding transactions by request id. */
  readonly pendingTxns = new Map<number, IdlTxn>();

  private readonly tables: IdlTableState[];
  private session: ReconnectSession | null = null;
  private listener: Server | 'pending' | null = null;
  private rpc: JsonRpc | null = null;
  private state: State = 'idle';
  private connGen = 0;
  private lastId = UUID_ZERO;
  private serverRows = new Map<string, JsonObject>();
  private serverSchemaText: string | null = null;
  private dataSchema: JsonObject | null = null;
  /** True once the server's schema is known (or known to be unavailable). */
  private schemaFetched = false;
  private retry: boolean;
  private readonly opts: IdlOptions;
  private waiters: (() => void)[] = [];
  private lockName: string | null = null;
  private lockSteal = false;
  /** True while this client holds the lock named by setLock(). */
  hasLock = false;
  /** True if the lock is held by another client. */
  isLockContended = false;

  constructor(readonly cls: IdlClass, readonly remote: string, opts: IdlOptions = {}) {
    this.opts = opts;
    this.retry = opts.retry ?? true;
    this.tables = cls.tables.map((t) => new IdlTableState(this, t));
    if (opts.monitorEverything) {
      for (const t of cls.tables) for (const c of t.columns) this.addColumn(c);
    }
  }

  /* ---- What to monitor. ---- */

  /** Monitors 'table' (at least its existence; columns come with addColumn). */
  addTable(table: IdlTable): void {
    this.tables[table.index]!.wanted = true;
  }

  /** Monitors 'column' (OVS's ovsdb_idl_add_column).  A reference column also
   * brings in the table it refers to. */
  addColumn(column: IdlColumn): void {
    const ts = this.tables[column.table.index]!;
    ts.wanted = true;
    ts.monitored.add(column.index);
    for (const name of column.refTables) {
      const ref = this.cls.table(name);
      if (ref) this.tables[ref.index]!.wanted = true;
    }
  }

  /** Stops monitoring 'column' (OVS's ovsdb_idl_omit). */
  omitColumn(column: IdlColumn): void {
    this.tables[column.table.index]!.monitored.delete(column.index);
  }

  /** True if 'column' is monitored. */
  isMonitored(column: IdlColumn): boolean {
    return this.tables[column.table.index]!.monitored.has(column.index);
  }

  /** Sets the monitor condition of 'table' (an OVSDB "where" array, e.g.
   * [["name", "==", "br0"]]); null monitors every row.  Takes effect at
   * once (monitor_cond_change) when connected. */
  setCondition(table: IdlTable, condition: Json[] | null): void {
    const ts = this.tables[table.index]!;
    ts.condition = condition;
    if (this.state === 'monitoring' && this.rpc) {
      const req: JsonObject = {};
      req[table.name] = [{ where: condition ?? [true] }];
      this.rpc.requestCb('monitor_cond_change', [['monid', this.cls.database], ['monid', this.cls.database], req], () => {});
    }
  }

  /** Turns on change tracking for 'table' (see tracked()). */
  track(table: IdlTable): void {
    const ts = this.tables[table.index]!;
    ts.tracked ??= new Map();
  }

  /** Changes of 'table' since the last trackClear(). */
  tracked(table: IdlTable): TrackedRow[] {
    const m = this.tables[table.index]!.tracked;
    return m ? [...m.values()] : [];
  }

  /** Forgets the tracked changes of every table. */
  trackClear(): void {
    for (const t of this.tables) t.tracked?.clear();
  }

  /* ---- Reading the replica. ---- */

  /** @internal */
  tableState(name: string | IdlTable): IdlTableState {
    const t = typeof name === 'string' ? this.cls.tbl(name) : name;
    return this.tables[t.index]!;
  }

  /** The rows of 'table' that exist now (including the open transaction's inserts). */
  *rows(table: IdlTable | string): IterableIterator<IdlRow> {
    for (const r of this.tableState(table).rows.values()) if (r.new) yield r;
  }

  /** The rows of 'table' as an array. */
  rowList(table: IdlTable | string): IdlRow[] {
    return [...this.rows(table)];
  }

  /** The first row of 'table', or null. */
  first(table: IdlTable | string): IdlRow | null {
    for (const r of this.rows(table)) return r;
    return null;
  }

  /** The row of 'table' with 'uuid', if it exists. */
  getRow(table: IdlTable | string, uuid: string): IdlRow | null {
    const r = this.tableState(table).rows.get(uuid);
    return r && r.new ? r : null;
  }

  /* ---- Connection. ---- */

  /** Connects (and keeps reconnecting unless 'retry' is false). */
  start(): void {
    if (this.session || this.listener) return;
    if (isPassiveName(this.remote)) { this.listen(); return; }
    try {
      parseActive(this.remote, OVSDB_PORT);
    } catch {
      // OVS reports an unusable remote as an unsupported address family
      // (EAFNOSUPPORT, in glibc's words).
      this.fail('Address family not supported by protocol');
      return;
    }
    const s = new ReconnectSession(this.remote, {
      defaultPort: OVSDB_PORT,
      maxTries: this.retry ? undefined : 1,
      probeInterval: this.opts.probeInterval,
      minBackoff: this.opts.minBackoff,
      maxBackoff: this.opts.maxBackoff,
      parse: jsonParse,
      stringify: (v: unknown) => jsonToWireString(v as Json),
    });
    this.session = s;
    s.onConnect = (rpc) => this.connected(rpc);
    s.onDisconnect = (reason) => this.disconnected(reason);
    s.onGiveUp = (reason) => this.fail(reason);
    s.start();
  }

  /** Passive remote (punix:, ptcp:, pssl:): waits for the server to connect
   * to us, one connection at a time, for as long as the Idl lives. */
  private listen(): void {
    this.retry = true;
    openPassive(this.remote, OVSDB_PORT, (sock, peer) => {
      if (this.rpc || !this.listener) { sock.destroy(); return; }
      const rpc = new JsonRpc(sock, { name: peer, parse: jsonParse, stringify: (v: unknown) => jsonToWireString(v as Json) });
      rpc.onClose = (reason) => { if (this.rpc === rpc) this.disconnected(reason); };
      this.connected(rpc);
    }).then((server) => {
      if (this.listener === 'pending') this.listener = server;
      else server.close();
    }, (e: Error) => {
      log.err(`${this.remote}: listen failed (${e.message})`);
    });
    this.listener = 'pending';
  }

  /** Makes a one-shot Idl reconnect from now on (OVS's ovsdb_idl_enable_reconnect). */
  enableReconnect(): void {
    if (this.retry) return;
    this.retry = true;
    if (this.session && !this.session.isConnected) {
      this.session.stop();
      this.session = null;
      this.alive = true;
      this.start();
    } else if (this.session) {
      // Future attempts must not give up.
      (this.session as unknown as { opts: { maxTries?: number } }).opts.maxTries = undefined;
    }
  }

  /** Drops the connection and reconnects. */
  forceReconnect(): void {
    this.session?.forceReconnect();
  }

  /** Closes the connection for good. */
  close(): void {
    if (this.listener && this.listener !== 'pending') this.listener.close();
    this.listener = null;
    this.rpc?.close();
    this.session?.stop();
    this.session = null;
    this.rpc = null;
    this.state = 'idle';
    this.failWaiters();
  }

  /** True while connected with the monitor in place (transactions may be sent). */
  get isMonitoring(): boolean { return this.state === 'monitoring' && this.rpc !== null; }

  /** Resolves once the first full snapshot has arrived; rejects if the
   * connection fails for good. */
  ready(): Promise<void> {
    return this.waitFor(() => this.hasEverConnected);
  }

  /** Resolves at the next change of the replica (or connection failure). */
  nextChange(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.alive) { reject(new Error(this.lastError ?? 'connection failed')); return; }
      const seq = this.seqno;
      const check = (): boolean => {
        if (!this.alive) { reject(new Error(this.lastError ?? 'connection failed')); return true; }
        if (this.seqno !== seq) { resolve(); return true; }
        return false;
      };
      this.addWaiter(check);
    });
  }

  /** Resolves when 'pred' holds (checked now and after every change);
   * rejects on 'timeoutMs' (if given) or when the connection fails for good. */
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (pred()) { resolve(); return; }
      if (!this.alive) { reject(new Error(this.lastError ?? 'connection failed')); return; }
      let timer: NodeJS.Timeout | null = null;
      let done = false;
      const check = (): boolean => {
        if (done) return true;
        if (!this.alive) { done = true; if (timer) clearTimeout(timer); reject(new Error(this.lastError ?? 'connection failed')); return true; }
        if (pred()) { done = true; if (timer) clearTimeout(timer); resolve(); return true; }
        return false;
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => { done = true; reject(new Error('timed out')); }, timeoutMs);
      }
      this.addWaiter(check);
    });
  }

  private addWaiter(check: () => boolean): void {
    const w = (): void => { if (!check()) this.waiters.push(w); };
    this.waiters.push(w);
  }

  private changed(): void {
    this.seqno++;
    for (const f of this.onChange) f();
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  private fail(reason: string): void {
    this.alive = false;
    this.lastError = reason;
    this.state = 'error';
    this.failWaiters();
  }

  private failWaiters(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
    for (const f of this.onChange) f();
  }

  /* ---- Locks. ---- */

  /** Asks for the lock 'name' (null releases any lock).  With 'steal', takes
   * it from its current owner ("steal" instead of "lock"). */
  setLock(name: string | null, steal = false): void {
    const rpc = this.rpc;
    if (this.lockName && this.lockName !== name && rpc) {
      rpc.requestCb('unlock', [this.lockName], () => {});
    }
    if (this.lockName !== name) {
      this.hasLock = false;
      this.isLockContended = false;
    }
    this.lockName = name;
    this.lockSteal = steal;
    if (name && rpc) this.sendLock(rpc);
  }

  /** The lock asked for with setLock(), if any. */
  get lock(): string | null { return this.lockName; }

  private sendLock(rpc: JsonRpc): void {
    const name = this.lockName!;
    rpc.requestCb(this.lockSteal ? 'steal' : 'lock', [name], (err, result) => {
      if (this.rpc !== rpc || this.lockName !== name) return;
      if (err) { log.warn(`lock request failed: ${JSON.stringify(err)}`); return; }
      const locked = (result as JsonObject | null)?.['locked'] === true;
      this.setLockState(locked, !locked);
    });
  }

  private setLockState(has: boolean, contended: boolean): void {
    if (this.hasLock !== has || this.isLockContended !== contended) {
      this.hasLock = has;
      this.isLockContended = contended;
      this.changed();
    }
  }

  /* ---- The protocol state machine (ovsdb-cs). ---- */

  private connected(rpc: JsonRpc): void {
    this.rpc = rpc;
    this.connGen++;
    rpc.onNotify = (method, params) => this.notify(rpc, method, params);
    // Transactions sent on an earlier connection can no longer complete.
    this.abandonPendingTxns();
    if (this.lockName) this.sendLock(rpc);
    this.sendServerSchemaRequest();
    this.changed();
  }

  private disconnected(reason?: string): void {
    this.rpc = null;
    this.state = 'retry';
    if (this.hasLock) this.setLockState(false, false);
    this.abandonPendingTxns();
    if (!this.retry) {
      this.session?.stop();
      this.session = null;
      this.fail(reason ?? 'End of file');
    } else {
      this.changed();
    }
  }

  private abandonPendingTxns(): void {
    const txns = [...this.pendingTxns.values()];
    this.pendingTxns.clear();
    for (const t of txns) t.complete('try-again');
  }

  /** Sends a request on the current connection; the callback runs only if
   * the reply comes back on that same connection. */
  private request(method: string, params: Json[], cb: (err: unknown, result: Json) => void): void {
    const rpc = this.rpc;
    if (!rpc) return;
    const gen = this.connGen;
    rpc.requestCb(method, params, (err, result) => {
      if (this.rpc !== rpc || this.connGen !== gen) return;
      cb(err, result as Json);
    });
  }

  /** Restarts the protocol on the current connection (after a check failed). */
  private retryConnection(where: string): void {
    csLog.dbg(`${this.remote}: retrying (${where})`);
    this.state = 'retry';
    if (this.session) this.session.forceReconnect();
    else this.rpc?.close();
  }

  private sendServerSchemaRequest(): void {
    this.state = 'server-schema';
    this.request('get_schema', ['_Server'], (err) => {
      if (err) { this.sendDataSchemaRequest(); return; }
      this.state = 'server-monitor';
      const columns = this.opts.serverSchema === false ? SERVER_COLUMNS.filter((c) => c !== 'schema') : SERVER_COLUMNS;
      const req = { Database: [{ columns }] };
      this.request('monitor_cond', ['_Server', ['monid', '_Server'], req], (err2, result) => {
        if (err2) { this.sendDataSchemaRequest(); return; }
        this.serverRows.clear();
        this.applyServerUpdates(result as JsonObject, 2);
        if (this.checkServerDb() && (this.opts.dbChangeAware ?? true)) {
          this.request('set_db_change_aware', [true], () => {});
        }
      });
    });
  }

  private sendDataSchemaRequest(): void {
    this.state = 'data-schema';
    this.request('get_schema', [this.cls.database], (err, result) => {
      if (err) {
        log.warn(`${this.remote}: error getting schema of ${this.cls.database}: ${JSON.stringify(err)}`);
        this.retryConnection('data schema');
        return;
      }
      this.dataSchema = result as JsonObject;
      this.schemaFetched = true;
      this.sendMonitorRequest(2);
    });
  }

  /** Finds the _Server row of our database and checks it is usable; on
   * success in the server-monitor state, goes on to monitor the data. */
  private checkServerDb(): boolean {
    let row: JsonObject | null = null;
    for (const r of this.serverRows.values()) if (r['name'] === this.cls.database) { row = r; break; }
    if (!row) {
      csLog.info(`${this.remote}: server does not have ${this.cls.database} database`);
      this.retryConnection('check server db');
      return false;
    }
    const model = typeof row['model'] === 'string' ? row['model'] : '';
    const withSchema = this.opts.serverSchema !== false;
    const schema = typeof row['schema'] === 'string' ? row['schema'] : null;
    // Without the schema column, its presence cannot be checked.
    const hasSchema = !withSchema || schema !== null;
    const connected = row['connected'] === true;
    let ok = false;
    if (model === 'clustered') {
      if (!hasSchema) csLog.info(`${this.remote}: clustered database server has not yet joined cluster; trying another server`);
      else if (!connected) csLog.info(`${this.remote}: clustered database server is disconnected from cluster; trying another server`);
      else if ((this.opts.leaderOnly ?? true) && row['leader'] !== true) {
        csLog.info(`${this.remote}: clustered database server is not cluster leader; trying another server`);
      } else ok = true;
    } else if (model === 'relay') {
      if (!hasSchema || !connected || (this.opts.leaderOnly ?? true)) {
        csLog.info(`${this.remote}: relay database server is not usable; trying another server`);
      } else ok = true;
    } else if (!hasSchema) {
      csLog.info(`${this.remote}: missing database schema`);
    } else {
      ok = true;
    }
    if (!ok) { this.retryConnection('check server db'); return false; }
    if (this.state === 'server-monitor') {
      this.serverSchemaText = schema;
      this.schemaFetched = withSchema;
      try {
        this.dataSchema = withSchema ? JSON.parse(schema!) as JsonObject : null;
      } catch {
        this.dataSchema = null;
      }
      this.sendMonitorRequest(3);
    } else if (this.state === 'monitoring' && withSchema && schema !== this.serverSchemaText) {
      // The database was converted to a new schema: start over.
      csLog.info(`${this.remote}: ${this.cls.database} database schema changed; reconnecting`);
      this.retryConnection('schema change');
      return false;
    }
    return true;
  }

  /** The monitor requests for the monitored tables and columns the server has. */
  private composeMonitorRequests(version: number): JsonObject {
    const serverTables = this.dataSchema?.['tables'] as JsonObject | undefined;
    const mrs: JsonObject = {};
    for (const ts of this.tables) {
      if (!ts.wanted) continue;
      const name = ts.cls.name;
      const st = serverTables?.[name] as JsonObject | undefined;
      if (serverTables && !st) {
        log.warn(`${this.cls.database} database lacks ${name} table (database needs upgrade?)`);
        continue;
      }
      const stCols = st?.['columns'] as JsonObject | undefined;
      const columns: string[] = [];
      for (const idx of [...ts.monitored].sort((a, b) => a - b)) {
        const cn = ts.cls.columns[idx]!.name;
        if (stCols && !(cn in stCols)) {
          log.warn(`${name} table in ${this.cls.database} database lacks ${cn} column (database needs upgrade?)`);
          continue;
        }
        columns.push(cn);
      }
      const mr: JsonObject = { columns };
      if (version > 1 && ts.condition) mr['where'] = ts.condition;
      mrs[name] = [mr];
    }
    return mrs;
  }

  private sendMonitorRequest(version: 1 | 2 | 3): void {
    const method = version === 3 ? 'monitor_cond_since' : version === 2 ? 'monitor_cond' : 'monitor';
    this.state = version === 3 ? 'monitor-cond-since' : version === 2 ? 'monitor-cond' : 'monitor';
    const params: Json[] = [this.cls.database, ['monid', this.cls.database], this.composeMonitorRequests(version)];
    if (version === 3) params.push(this.lastId);
    this.request(method, params, (err, result) => {
      if (err && !this.schemaFetched) {
        // Monitoring by the compiled-in schema failed: learn what the server
        // has, then ask again.
        this.schemaFetched = true;
        this.request('get_schema', [this.cls.database], (err2, schema) => {
          if (!err2) this.dataSchema = schema as JsonObject;
          this.sendMonitorRequest(version);
        });
        return;
      }
      if (err) {
        if (version === 3) { this.sendMonitorRequest(2); return; }
        if (version === 2) { this.sendMonitorRequest(1); return; }
        log.warn(`${this.remote}: monitor request failed: ${JSON.stringify(err)}`);
        this.retryConnection('monitor');
        return;
      }
      this.state = 'monitoring';
      if (version === 3) {
        const r = result as Json[];
        if (!Array.isArray(r) || r.length !== 3 || typeof r[0] !== 'boolean' || typeof r[1] !== 'string') {
          log.warn('bad monitor_cond_since reply format');
          return;
        }
        this.lastId = r[1];
        this.applyUpdates(r[2] as JsonObject, 2, !r[0]);
      } else {
        this.applyUpdates(result as JsonObject, version, true);
      }
      this.hasEverConnected = true;
      this.changed();
    });
  }

  private notify(rpc: JsonRpc, method: string, params: unknown[]): void {
    if (this.rpc !== rpc) return;
    switch (method) {
      case 'update':
      case 'update2':
      case 'update3': {
        const version = method === 'update' ? 1 : 2;
        const id = params[0] as Json;
        const monid = Array.isArray(id) ? id[1] : id;
        if (monid === '_Server') {
          this.applyServerUpdates(params[1] as JsonObject, version);
          this.checkServerDb();
          return;
        }
        if (this.state !== 'monitoring') return;
        if (method === 'update3') {
          if (typeof params[1] === 'string') this.lastId = params[1];
          this.applyUpdates(params[2] as JsonObject, 2, false);
        } else {
          this.applyUpdates(params[1] as JsonObject, version, false);
        }
        this.changed();
        return;
      }
      case 'monitor_canceled':
        csLog.info(`${this.remote}: monitor canceled; restarting`);
        this.lastId = UUID_ZERO;
        this.sendServerSchemaRequest();
        return;
      case 'locked':
        if (params[0] === this.lockName) this.setLockState(true, false);
        return;
      case 'stolen':
        if (params[0] === this.lockName) this.setLockState(false, true);
        return;
      default:
        log.dbg(`${this.remote}: unexpected notification "${method}"`);
    }
  }

  private applyServerUpdates(updates: JsonObject | null, version: number): void {
    const db = updates?.['Database'] as JsonObject | undefined;
    if (!db) return;
    for (const [uuid, u] of Object.entries(db)) {
      const ru = u as JsonObject | null;
      if (version === 1) {
        const nw = ru?.['new'] as JsonObject | undefined;
        if (nw) this.serverRows.set(uuid, { ...(this.serverRows.get(uuid) ?? {}), ...nw });
        else this.serverRows.delete(uuid);
        continue;
      }
      const body = (ru?.['initial'] ?? ru?.['insert'] ?? ru?.['modify']) as JsonObject | undefined;
      if (ru && 'delete' in ru) this.serverRows.delete(uuid);
      else if (body) {
        // Server columns are scalars or optional scalars, whose "modify" diffs
        // are simply the new values (an empty set when a value went away).
        this.serverRows.set(uuid, { ...(this.serverRows.get(uuid) ?? {}), ...body });
      }
    }
  }

  /** Applies a table-updates object ("update" version 1, or "update2"). */
  private applyUpdates(updates: JsonObject | null, version: number, clear: boolean): void {
    if (clear) this.clearReplica();
    if (!updates || typeof updates !== 'object') return;
    for (const tableName of Object.keys(updates)) {
      const table = this.cls.table(tableName);
      if (!table) {
        log.warn(`received update for unknown table ${tableName}`);
        continue;
      }
      const ts = this.tables[table.index]!;
      const rows = updates[tableName] as JsonObject;
      for (const uuid of Object.keys(rows)) {
        try {
          this.applyRowUpdate(ts, uuid, rows[uuid] as JsonObject | null, version);
        } catch (e) {
          log.warn(`error parsing update for ${tableName} row ${uuid}: ${(e as Error).message ?? String(e)}`);
        }
      }
    }
  }

  private clearReplica(): void {
    for (const ts of this.tables) {
      for (const row of ts.rows.values()) {
        if (row.old) this.trackChange(ts, row, 'deleted', null);
      }
      ts.rows.clear();
    }
  }

  private parseRow(ts: IdlTableState, json: JsonObject, into: (Datum | undefined)[],
                   diff: boolean, changed: Set<number> | null): void {
    for (const cn of Object.keys(json)) {
      const col = ts.cls.column(cn);
      if (!col) continue;
      const type = col.type;
      let d: Datum;
      if (diff) {
        const delta = datumFromJson(type.withBounds(0, Number.MAX_SAFE_INTEGER), json[cn]!, null);
        d = datumApplyDiff(into[col.index] ?? datumDefault(type), delta, type);
      } else {
        d = datumFromJson(type, json[cn]!, null);
      }
      into[col.index] = d;
      changed?.add(col.index);
    }
  }

  private applyRowUpdate(ts: IdlTableState, uuid: string, u: JsonObject | null, version: number): void {
    let row = ts.rows.get(uuid);
    if (version === 1) {
      const nw = u?.['new'] as JsonObject | undefined;
      if (!nw) {
        if (row?.old) this.deleteRow(ts, row);
        return;
      }
      if (!row || !row.old) {
        this.insertRow(ts, uuid, nw, row);
      } else {
        const data = row.old.slice();
        const changed = new Set<number>();
        // Version 1 "new" holds whole values of the changed columns.
        this.parseRow(ts, nw, data, false, changed);
        this.modifyRow(ts, row, data, changed);
      }
      return;
    }
    if (!u) return;
    if ('initial' in u || 'insert' in u) {
      this.insertRow(ts, uuid, (u['initial'] ?? u['insert']) as JsonObject, row);
    } else if ('modify' in u) {
      if (!row || !row.old) {
        log.warn(`cannot modify missing row ${uuid} in table ${ts.cls.name}`);
        return;
      }
      const data = row.old.slice();
      const changed = new Set<number>();
      this.parseRow(ts, u['modify'] as JsonObject, data, true, changed);
      this.modifyRow(ts, row, data, changed);
    } else if ('delete' in u) {
      if (row?.old) this.deleteRow(ts, row);
    }
  }

  private insertRow(ts: IdlTableState, uuid: string, json: JsonObject, existing: IdlRow | undefined): void {
    const data: (Datum | undefined)[] = new Array(ts.cls.columns.length);
    this.parseRow(ts, json, data, false, null);
    const row = existing ?? new IdlRow(ts, uuid);
    this.setOld(row, data);
    if (!existing) ts.rows.set(uuid, row);
    this.trackChange(ts, row, 'inserted', null);
  }

  /** Installs the server's new contents of 'row', keeping the writes of an
   * open transaction on top of them. */
  private setOld(row: IdlRow, data: (Datum | undefined)[]): void {
    if (row.new === row.old) {
      row.new = data;
    } else if (row.new && row.written) {
      const nw = data.slice();
      for (const idx of row.written) nw[idx] = row.new[idx];
      row.new = nw;
    }
    row.old = data;
  }

  private modifyRow(ts: IdlTableState, row: IdlRow, data: (Datum | undefined)[], changed: Set<number>): void {
    this.setOld(row, data);
    this.trackChange(ts, row, 'modified', changed);
  }

  private deleteRow(ts: IdlTableState, row: IdlRow): void {
    ts.rows.delete(row.uuid);
    this.trackChange(ts, row, 'deleted', null);
    row.old = null;
    row.new = null;
  }

  private trackChange(ts: IdlTableState, row: IdlRow, kind: 'inserted' | 'modified' | 'deleted',
                      changed: Set<number> | null): void {
    const m = ts.tracked;
    if (!m) return;
    let t = m.get(row.uuid);
    if (!t) {
      t = { row, inserted: false, deleted: false, updated: new Set() };
      m.set(row.uuid, t);
    }
    if (kind === 'inserted') t.inserted = true;
    else if (kind === 'deleted') t.deleted = true;
    else if (changed) for (const c of changed) t.updated.add(c);
  }

  /* ---- Transactions (idl-txn.ts does the work). ---- */

  /** Opens a transaction; only one may be open at a time. */
  txn(): IdlTxn {
    if (this.txnOpen) throw new Error('a transaction is already open on this IDL');
    const t = new IdlTxn(this);
    this.txnOpen = t;
    return t;
  }

  /** @internal Sends a "transact" request; 'cb' gets the raw reply. */
  sendTransaction(ops: Json[], cb: (err: unknown, result: Json) => void): boolean {
    if (!this.isMonitoring) return false;
    if (this.lockName) ops.push({ op: 'assert', lock: this.lockName });
    this.request('transact', ops, cb);
    return true;
  }

  /** @internal The server's error reply for a transaction as OVS prints it. */
  static errorText(err: unknown): string {
    return err instanceof JsonRpcError ? JSON.stringify(err.error) : typeof err === 'string' ? err : JSON.stringify(err);
  }

  /** @internal For transactions: the current lock state. */
  lockBlocksCommit(): boolean { return this.lockName !== null && !this.hasLock; }

  /** @internal Creates a new row object in 'table' (for inserts). */
  newRow(table: IdlTable, uuid: string): IdlRow {
    const ts = this.tables[table.index]!;
    const row = new IdlRow(ts, uuid);
    ts.rows.set(uuid, row);
    return row;
  }

  /** @internal Removes a row object created by newRow(). */
  dropRow(row: IdlRow): void {
    const ts = row.tableState;
    if (ts.rows.get(row.uuid) === row) ts.rows.delete(row.uuid);
  }

  /** @internal Called by a finished transaction. */
  txnDone(txn: IdlTxn): void {
    if (this.txnOpen === txn) this.txnOpen = null;
  }

  /** @internal */
  txnChanged(): void { this.changed(); }
}

export type { TxnStatus as IdlTxnStatus };
