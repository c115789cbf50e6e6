/* server-remotes: remotes and SSL settings that ovsdb-server reads from its
 * own databases (the "db:DB,TABLE,COLUMN" syntax of --remote, --private-key,
 * --certificate and --ca-cert), and the connection status it writes back
 * into Manager-style rows (OVS's ovsdb-server.c: query_db_remotes,
 * add_manager_options, query_db_string, update_remote_status).
 *
 * A db: remote names a column that holds either strings (each a remote) or
 * references to rows with a "target" column (Manager rows), whose
 * max_backoff, inactivity_probe, read_only, role and other_config:dscp
 * columns tune the connection and whose is_connected and status columns the
 * server keeps up to date.
 */
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { Datum } from './datum.js';
import type { ColumnSchema } from './column.js';
import type { Row } from './row.js';
import type { Table } from './table.js';
import type { Txn } from './transaction.js';
import type { ServerDb } from './server-db.js';
import { defaultRemoteOptions, type JsonRpcServer, type RemoteOptions } from './jsonrpc-server.js';

const log = vlogModule('ovsdb_server');
const managerRl = new RateLimit(1, 1);

/** A parsed "db:DB,TABLE,COLUMN" reference. */
export interface DbColumnRef {
  db: ServerDb;
  table: Table;
  column: ColumnSchema;
}

/** Resolves "db:DB,TABLE,COLUMN" against 'dbs'.  Returns the reference or
 * OVS's error text; 'db' is set in the error case when the database exists. */
export function parseDbColumn(dbs: Map<string, ServerDb>, name: string): DbColumnRef | { error: string } {
  // strtok semantics: runs of delimiters collapse, empty tokens vanish.
  const body = name.slice(name.indexOf(':') + 1);
  const tokens = body.split(',').filter((t) => t.length > 0);
  if (tokens.length < 3) return { error: `"${name}": invalid syntax` };
  const [dbName, tableName, columnName] = tokens as [string, string, string];
  const db = dbs.get(dbName);
  if (!db) return { error: `"${name}": no database named ${dbName}` };
  const table = db.db.getTable(tableName);
  if (!table) return { error: `"${name}": no table named ${tableName}` };
  const column = table.schema.columns.get(columnName);
  if (!column) return { error: `"${name}": table "${tableName}" has no column "${columnName}"` };
  return { db, table, column };
}

function isStringSet(c: ColumnSchema): boolean {
  return c.type.key.type === 'string' && c.type.value === null;
}

function isRefSet(c: ColumnSchema): boolean {
  return c.type.key.type === 'uuid' && c.type.key.refTableName !== null && c.type.value === null;
}

/** The datum of column 'name' in 'row' if its type is KEY[/VALUE] with at
 * most 'nMax' elements, as OVS's ovsdb_util_get_datum. */
function getDatum(row: Row, name: string, keyType: string, valueType: string | null, nMax: number): Datum | null {
  const c = row.table.schema.columns.get(name);
  if (!c) return null;
  const t = c.type;
  if (t.key.type !== keyType || (t.value?.type ?? null) !== valueType || t.max !== nMax) return null;
  return row.fields[c.index]!;
}

function readScalar(row: Row, name: string, type: string): unknown {
  const d = getDatum(row, name, type, null, 1);
  return d && d.keys.length ? d.keys[0] : undefined;
}

/** Adds the remote of Manager-style 'row' with its options. */
function addManagerOptions(remotes: Map<string, RemoteOptions>, row: Row): void {
  const target = readScalar(row, 'target', 'string');
  if (typeof target !== 'string') {
    log.infoRl(managerRl, `Table \`${row.table.name}' has missing or invalid \`target' column`);
    return;
  }
  const opts = addRemote(remotes, target);
  const maxBackoff = readScalar(row, 'max_backoff', 'integer');
  if (maxBackoff !== undefined) opts.maxBackoff = Number(maxBackoff);
  const probe = readScalar(row, 'inactivity_probe', 'integer');
  if (probe !== undefined) opts.probeInterval = Number(probe);
  const ro = readScalar(row, 'read_only', 'boolean');
  if (ro !== undefined) opts.readOnly = ro === true;
  const role = readScalar(row, 'role', 'string');
  opts.role = typeof role === 'string' ? role : null;
  opts.dscp = 48;
  const oc = getDatum(row, 'other_config', 'string', 'string', 4294967295);
  if (oc) {
    const i = oc.keys.indexOf('dscp');
    if (i >= 0) {
      const dscp = parseInt(oc.values![i] as string, 10) || 0;
      if (dscp >= 0 && dscp <= 63) opts.dscp = dscp;
    }
  }
}

/** Adds 'target' with default options unless present; returns its options. */
export function addRemote(remotes: Map<string, RemoteOptions>, target: string): RemoteOptions {
  let o = remotes.get(target);
  if (!o) {
    o = defaultRemoteOptions(target);
    remotes.set(target, o);
  }
  return o;
}

/** Adds the remotes named by db: reference 'name' to 'remotes'; appends
 * configuration errors to 'errors'. */
export function queryDbRemotes(name: string, dbs: Map<string, ServerDb>, remotes: Map<string, RemoteOptions>,
  errors: string[]): void {
  const ref = parseDbColumn(dbs, name);
  if ('error' in ref) { errors.push(ref.error); return; }
  const { table, column } = ref;
  if (isStringSet(column)) {
    for (const row of table.rows.values()) {
      for (const k of row.fields[column.index]!.keys) addRemote(remotes, k as string);
    }
  } else if (isRefSet(column)) {
    const refTable = ref.db.db.getTable(column.type.key.refTableName!)!;
    for (const row of table.rows.values()) {
      for (const k of row.fields[column.index]!.keys) {
        const target = refTable.rows.get(k as string);
        if (target) addManagerOptions(remotes, target);
      }
    }
  }
}

/** Resolves a --private-key style argument: a file name, or the first
 * non-empty string in the db: column it names. */
export function queryDbString(dbs: Map<string, ServerDb>, name: string | null, errors: string[]): string | null {
  if (!name || !name.startsWith('db:')) return name;
  const ref = parseDbColumn(dbs, name);
  if ('error' in ref) { errors.push(ref.error); return null; }
  const { table, column } = ref;
  if (!isStringSet(column)) {
    errors.push(`"${name}": table "${table.name}" column "${column.name}" is not string or set of strings`);
    return null;
  }
  for (const row of table.rows.values()) {
    for (const k of row.fields[column.index]!.keys) if (k !== '') return k as string;
  }
  return null;
}

/** The Manager-style rows that db: remote 'name' points at in database 'db'. */
function remoteRows(dbs: Map<string, ServerDb>, db: ServerDb, name: string): Row[] {
  if (!name.startsWith('db:')) return [];
  const ref = parseDbColumn(dbs, name);
  if ('error' in ref || ref.db !== db || !isRefSet(ref.column)) return [];
  const refTable = db.db.getTable(ref.column.type.key.refTableName!)!;
  const rows: Row[] = [];
  for (const row of ref.table.rows.values()) {
    for (const k of row.fields[ref.column.index]!.keys) {
      const r = refTable.rows.get(k as string);
      if (r) rows.push(r);
    }
  }
  return rows;
}

/** Writes is_connected and status into every Manager-style row reachable
 * from the configured db: remotes (OVS runs this every 2.5 seconds). */
export function updateRemoteStatus(jsonrpc: JsonRpcServer, remotes: Iterable<string>, dbs: Map<string, ServerDb>): void {
  const names = [...remotes].filter((r) => r.startsWith('db:'));
  if (names.length === 0) return;
  for (const db of dbs.values()) {
    if (db.name.startsWith('_')) continue;
    const rows = new Set<Row>();
    for (const name of names) for (const r of remoteRows(dbs, db, name)) rows.add(r);
    if (rows.size === 0) continue;
    db.internalCommit('remote status', (txn) => {
      for (const row of rows) updateRemoteRow(row, txn, jsonrpc);
    });
  }
}

function setColumn(row: Row, name: string, d: Datum, keyType: string, valueType: string | null, nMax: number): void {
  const c = row.table.schema.columns.get(name);
  if (!c) return;
  const t = c.type;
  if (t.key.type !== keyType || (t.value?.type ?? null) !== valueType || t.max !== nMax) return;
  row.fields[c.index] = d;
}

function updateRemoteRow(row: Row, txn: Txn, jsonrpc: JsonRpcServer): void {
  const target = readScalar(row, 'target', 'string');
  if (typeof target !== 'string') return;
  const status = jsonrpc.getRemoteStatus(target);
  const current = row.table.rows.get(row.uuid);
  if (!current) return;
  const rw = txn.rowModify(current);
  setColumn(rw, 'is_connected', new Datum([status?.isConnected ?? false], null), 'boolean', null, 1);
  const pairs: [string, string][] = [];
  if (status) {
    if (status.state) pairs.push(['state', status.state]);
    if (status.secSinceConnect !== null) pairs.push(['sec_since_connect', String(status.secSinceConnect)]);
    if (status.secSinceDisconnect !== null) pairs.push(['sec_since_disconnect', String(status.secSinceDisconnect)]);
    if (status.lastError) pairs.push(['last_error', status.lastError]);
    if (status.locksHeld) pairs.push(['locks_held', status.locksHeld]);
    if (status.locksWaiting) pairs.push(['locks_waiting', status.locksWaiting]);
    if (status.locksLost) pairs.push(['locks_lost', status.locksLost]);
    if (status.nConnections > 1) pairs.push(['n_connections', String(status.nConnections)]);
    if (status.boundPort) pairs.push(['bound_port', String(status.boundPort)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  setColumn(rw, 'status', new Datum(pairs.map((p) => p[0]), pairs.map((p) => p[1])), 'string', 'string', 4294967295);
}
