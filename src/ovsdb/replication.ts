/* replication: a backup ovsdb-server mirroring an active one (OVS's
 * ovsdb/replication.c).
 *
 * With --sync-from=SERVER the server connects to SERVER (reconnecting as
 * needed) and, after each connection: asks for the server id (refusing to
 * replicate itself), lists the databases, fetches the schema of each one it
 * also serves (a local schema that is a superset of the remote one is
 * accepted), then sends one "monitor" per database for every table not
 * excluded by --sync-exclude-tables.  The monitor reply replaces the local
 * contents (the excluded tables are left alone); each "update" notification
 * is then applied as one local transaction, written to the local file like
 * any other commit.  Clients of a backup cannot write (jsonrpc-server.ts
 * makes its sessions read-only).
 */
import { ReconnectSession } from '../lib/reconnect.js';
import { OVSDB_PORT } from '../lib/stream.js';
import { vlogModule } from '../lib/vlog.js';
import { type Json, type JsonObject, isJsonObject, jsonParse, jsonToString } from '../lib/json.js';
import type { JsonRpc } from '../lib/jsonrpc.js';
import { OvsdbError, ovsdbError, syntaxError } from './ovsdb-error.js';
import { DatabaseSchema } from './schema.js';
import { rowFromJson } from './row.js';
import { uuidFromString } from './uuid.js';
import type { ServerDb } from './server-db.js';
import type { Txn } from './transaction.js';

const log = vlogModule('replication');

/** Parses --sync-exclude-tables "DB:TABLE,..." as OVS does (entries are
 * separated by spaces or commas; each splits at its first ':' after any
 * leading colons).  OVS accepts every input; the error case is kept for
 * the interface's sake. */
export function parseExcludedTables(s: string): Map<string, Set<string>> | { error: string } {
  const out = new Map<string, Set<string>>();
  for (const longname of s.split(/[ ,]+/).filter((t) => t.length > 0)) {
    let i = 0;
    while (i < longname.length && longname[i] === ':') i++;
    const j = i < longname.length ? longname.indexOf(':', i) : -1;
    const db = j < 0 ? longname : longname.slice(0, j);
    const table = j < 0 ? '' : longname.slice(j + 1);
    let set = out.get(db);
    if (!set) { set = new Set(); out.set(db, set); }
    set.add(table);
  }
  return out;
}

/** "DB:TABLE,..." sorted, as get-sync-exclude-tables prints it. */
export function excludedTablesText(s: string | null): string {
  if (s === null) return '';
  const r = parseExcludedTables(s);
  if ('error' in r) return '';
  const names: string[] = [];
  for (const [db, tables] of r) for (const t of tables) names.push(`${db}:${t}`);
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(',');
}

const enum State { Init, ServerIdRequested, DbRequested, SchemaRequested, MonitorRequested, Replicating, Error }

interface ReplicationDb {
  db: ServerDb;
  /** The active server's schema when it differs from (and is a subset of) ours. */
  activeSchema: DatabaseSchema | null;
}

export class Replication {
  /** Called when replication fails for good (the server then turns active). */
  onDead: () => void = () => {};
  private session: ReconnectSession | null = null;
  private state = State.Init;
  private readonly excluded: Map<string, Set<string>>;
  private replDbs = new Map<string, ReplicationDb>();
  /** Bumped per connection; replies for an older one are ignored. */
  private generation = 0;

  constructor(readonly syncFrom: string, exclude: string | null, private readonly localDbs: Map<string, ServerDb>,
    private readonly serverUuid: string, private probeInterval: number) {
    const r = exclude ? parseExcludedTables(exclude) : new Map<string, Set<string>>();
    this.excluded = 'error' in r ? new Map() : r;
  }

  start(): void {
    const s = new ReconnectSession(this.syncFrom, {
      defaultPort: OVSDB_PORT, probeInterval: this.probeInterval,
      parse: (t) => jsonParse(t), stringify: (m) => jsonToString(m as Json),
    });
    this.session = s;
    s.onConnect = (rpc) => this.connected(rpc);
    s.onDisconnect = () => {
      this.generation++;
      if (this.state !== State.Error) this.state = State.Init;
    };
    s.start();
  }

  stop(): void {
    this.generation++;
    this.session?.stop();
    this.session = null;
  }

  setProbeInterval(ms: number): void {
    this.probeInterval = ms;
    this.session?.setProbeInterval(ms);
  }

  private isExcluded(db: string, table: string): boolean {
    return this.excluded.get(db)?.has(table) ?? false;
  }

  private fail(error: OvsdbError | string): void {
    log.err(typeof error === 'string' ? error : error.toString());
    this.state = State.Error;
    setImmediate(() => this.onDead());
  }

  private async connected(rpc: JsonRpc): Promise<void> {
    const gen = ++this.generation;
    const live = () => gen === this.generation && this.state !== State.Error;
    rpc.onNotify = (method, params) => {
      if (method !== 'update' || this.state === State.Error) return;
      if (params.length === 2 && typeof params[0] === 'string') {
        const rdb = this.replDbs.get(params[0]);
        if (rdb) {
          const err = this.applyUpdate(params[1] as Json, rdb.db, false);
          if (err) this.fail(err);
        }
      }
    };
    try {
      this.state = State.ServerIdRequested;
      const id = await rpc.request('get_server_id', []);
      if (!live()) return;
      if (typeof id !== 'string' || !uuidFromString(id)) {
        this.fail(ovsdbError('get_server_id failed', 'Server ID is not valid UUID'));
        return;
      }
      if (id.toLowerCase() === this.serverUuid) {
        this.fail(ovsdbError('Server ID check failed', 'Self replicating is not allowed'));
        return;
      }
      this.state = State.DbRequested;
      const dbs = await rpc.request('list_dbs', []);
      if (!live()) return;
      if (!Array.isArray(dbs)) {
        this.fail(ovsdbError('list_dbs failed', 'list_dbs response is not array'));
        return;
      }
      this.replDbs = new Map([...this.localDbs].map(([n, db]) => [n, { db, activeSchema: null }]));
      this.state = State.SchemaRequested;
      const wanted = dbs.filter((n): n is string => typeof n === 'string' && this.replDbs.has(n));
      const schemas = await Promise.all(wanted.map((n) => rpc.request('get_schema', [n])));
      if (!live()) return;
      for (const sj of schemas) {
        let schema: DatabaseSchema;
        try {
          schema = DatabaseSchema.fromJson(sj as Json);
        } catch (e) {
          this.fail(e instanceof OvsdbError ? e : String(e));
          return;
        }
        const rdb = this.replDbs.get(schema.name);
        if (!rdb) {
          log.warn(`unexpected schema ${schema.name}`);
          this.fail(`unexpected schema ${schema.name}`);
          return;
        }
        if (!schema.equals(rdb.db.schema)) {
          log.info(`Schema version mismatch, checking if ${schema.name} can still be replicated or not.`);
          if (isReplicationPossible(rdb.db.schema, schema)) {
            log.info(`${schema.name} can be replicated.`);
            rdb.activeSchema = schema;
          } else {
            log.info(`${schema.name} cannot be replicated.`);
            this.replDbs.delete(schema.name);
          }
        }
      }
      for (const name of [...this.replDbs.keys()]) if (!wanted.includes(name)) this.replDbs.delete(name);
      if (this.replDbs.size === 0) {
        log.warn('Nothing to replicate.');
        this.state = State.Error;
        setImmediate(() => this.onDead());
        return;
      }
      this.state = State.MonitorRequested;
      const replies = await Promise.all([...this.replDbs.values()].map(async (rdb) => {
        const schema = rdb.activeSchema ?? rdb.db.schema;
        const requests: JsonObject = {};
        for (const t of [...schema.tables.keys()].sort()) {
          if (!this.isExcluded(schema.name, t)) requests[t] = [{}];
        }
        const result = await rpc.request('monitor', [schema.name, schema.name, requests]);
        return { rdb, result };
      }));
      if (!live()) return;
      for (const { rdb, result } of replies) {
        log.info('Monitor request received. Resetting the database');
        const err = this.applyUpdate(result as Json, rdb.db, true);
        if (err) { this.fail(err); return; }
      }
      this.state = State.Replicating;
      log.dbg('Listening to monitor updates');
    } catch (e) {
      if (!live()) return;
      log.dbg(`replication request failed: ${String(e)}`);
    }
  }

  /** Applies a table-updates object to 'db' in one transaction; with
   * 'reset', first deletes (and commits the deletion of) every row of the
   * tables not excluded, as OVS does in a transaction of its own. */
  private applyUpdate(updates: Json, sdb: ServerDb, reset: boolean): OvsdbError | null {
    const db = sdb.db;
    if (reset) {
      const txn = db.newTxn();
      for (const [name, table] of db.tables) {
        if (this.isExcluded(db.name, name)) continue;
        for (const row of [...table.rows.values()]) {
          if (table.rows.has(row.uuid)) txn.rowDelete(table.rows.get(row.uuid)!);
        }
      }
      const r = db.commit(txn);
      if (r instanceof OvsdbError) return r;
    }
    if (!isJsonObject(updates)) return null;
    const txn = db.newTxn();
    try {
      for (const tableName of Object.keys(updates)) {
        const tu = updates[tableName];
        if (tu === null || tu === undefined) continue;
        applyTableUpdate(txn, sdb, tableName, tu);
      }
    } catch (e) {
      txn.abort();
      if (e instanceof OvsdbError) return e;
      throw e;
    }
    const r = db.commit(txn);
    return r instanceof OvsdbError ? r : null;
  }

  /** OVS's replication_status(). */
  status(): string {
    const alive = this.session !== null;
    if (!alive) return `not connected to ${this.syncFrom}`;
    switch (this.state) {
      case State.Replicating: {
        let s = `replicating: ${this.syncFrom}\ndatabase:`;
        s += [...this.replDbs.keys()].map((n) => ` ${n}`).join(',');
        if (this.excluded.size) s += `\nexclude: ${excludedTablesText(this.excludedText())}`;
        return s;
      }
      case State.Error: return `Replication to (${this.syncFrom}) failed\n`;
      default: return `connecting: ${this.syncFrom}`;
    }
  }

  private excludedText(): string {
    const parts: string[] = [];
    for (const [db, ts] of this.excluded) for (const t of ts) parts.push(`${db}:${t}`);
    return parts.join(',');
  }
}

function applyTableUpdate(txn: Txn, sdb: ServerDb, tableName: string, tu: Json): void {
  const table = sdb.db.getTable(tableName);
  if (!table) throw ovsdbError('unknown table', `unknown table ${tableName}`);
  if (!isJsonObject(tu)) throw ovsdbError('Not a JSON object', '<table-update> for table is not object');
  for (const uuidText of Object.keys(tu)) {
    const ru = tu[uuidText]!;
    if (!isJsonObject(ru)) throw ovsdbError('Not a JSON object', '<row-update> is not object');
    const uuid = uuidFromString(uuidText);
    if (!uuid) throw syntaxError(tu, 'bad row UUID', '<table-update> names must be UUIDs');
    const oldJ = ru['old'];
    const newJ = ru['new'];
    const existing = table.rows.get(uuid);
    if (newJ === undefined) {
      if (!existing) { log.warn(`cannot delete missing row ${uuid} from table ${tableName}`); continue; }
      txn.rowDelete(existing);
    } else if (oldJ === undefined) {
      if (existing) { log.warn(`cannot add existing row ${uuid} to table ${tableName}`); continue; }
      const row = table.newRow(uuid);
      rowFromJson(row, withoutVersion(newJ), null, null);
      txn.rowInsert(row);
    } else {
      if (!existing) { log.warn(`cannot modify missing row ${uuid} in table ${tableName}`); continue; }
      rowFromJson(txn.rowModify(existing), withoutVersion(newJ), null, null);
    }
  }
}

function withoutVersion(j: Json): Json {
  if (!isJsonObject(j) || !('_version' in j)) return j;
  const o: JsonObject = {};
  for (const k of Object.keys(j)) if (k !== '_version') o[k] = j[k]!;
  return o;
}

/** True if every table and column of 'active' exists identically in 'local'. */
function isReplicationPossible(local: DatabaseSchema, active: DatabaseSchema): boolean {
  for (const [name, at] of active.tables) {
    const lt = local.tables.get(name);
    if (!lt) {
      log.info(`Table ${name} not present in the local db schema`);
      return false;
    }
    for (const ac of at.columnList) {
      const lc = lt.columns.get(ac.name);
      if (!lc) {
        log.info(`Column ${ac.name} not present in the local db schema table ${name}.`);
        return false;
      }
      if (jsonToString(lc.toJson(), { sort: true }) !== jsonToString(ac.toJson(), { sort: true })) {
        log.info(`Column ${ac.name} mismatch in local db schema table ${name}.`);
        return false;
      }
    }
  }
  return true;
}
