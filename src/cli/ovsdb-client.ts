/* ovsdb-client: the OVSDB command-line client (OVS's ovsdb/ovsdb-client.c).
 *
 *   ovsdb-client [OPTIONS] COMMAND [SERVER] [DATABASE] [ARG...]
 *
 * Commands: list-dbs, get-schema, get-schema-version, get-schema-cksum,
 * list-tables, list-columns, transact, query, monitor, monitor-cond,
 * monitor-cond-since, wait, convert, needs-conversion, dump, backup, restore,
 * lock, steal, unlock, help.  Output (tables, JSON, error lines, exit codes)
 * follows the real tool byte for byte: JSON objects print in OVS's hash order
 * (json-print.ts) and tables through table-format.ts.  Module-level imports
 * are the light ones; the OVSDB engine pieces load only for the commands
 * that need them.
 */
import type { Socket } from 'node:net';
import { setProgramName, ovsFatal, ovsError, printVersionAndExit, errorText } from '../lib/program.js';
import { parseCommandLine, type OptionSpec } from '../lib/command-line.js';
import { JsonRpc, JsonRpcError, JsonRpcClosedError } from '../lib/jsonrpc.js';
import { openActive, openPassive, isPassiveName, OVSDB_PORT } from '../lib/stream.js';
import { SSL_BOOTSTRAP_OPTION, SSL_OPTIONS, sslOptionApply, streamUsage } from '../lib/stream-ssl-options.js';
import { ovsRundir } from '../lib/dirs.js';
import { vlogModule, vlogSetFromString } from '../lib/vlog.js';
import { type Json, type JsonObject, jsonParse, jsonToString, isJsonObject } from '../lib/json.js';
import { parseJsonOvs } from '../lib/json-ovs-parse.js';
import { shashOrder } from '../lib/shash-order.js';
import { DAEMON_OPTIONS, defaultDaemonConfig, handleDaemonOption, Daemon, daemonUsage, isDetachedChild, replayUsage, REPLAY_OPTIONS } from '../lib/daemon.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import type { DatabaseSchema, TableSchema } from '../ovsdb/schema.js';
import type { ColumnSchema } from '../ovsdb/column.js';
import {
  Table, defaultTableStyle, parseTableFormat, parseCellFormat, tableUsage, type TableStyle,
} from '../ovsdb/table-format.js';

setProgramName('ovsdb-client');
const log = vlogModule('ovsdb_client');

/** What a command needs before it runs. */
const enum Need { None, Rpc, Database }

interface Command {
  name: string;
  need: Need;
  minArgs: number;
  maxArgs: number;
  run: (ctx: Context, args: string[]) => Promise<void>;
}

interface Context {
  rpc: JsonRpc | null;
  database: string | null;
  /** All command arguments after the command name (for commands that open
   * their own connection). */
  rawArgs: string[];
}

// ---- Options ----

const style: TableStyle = { ...defaultTableStyle(), format: 'table' };
let timestamp = false;
let force = false;
/** -1: use db_change_aware if available; 0: never; 1: require. */
let dbChangeAware = -1;
let leaderOnly = true;
const daemonCfg = { ...defaultDaemonConfig(), saveStdio: true };

const OPTIONS: OptionSpec[] = [
  { name: 'help', short: 'h', arg: 'none' },
  { name: 'version', short: 'V', arg: 'none' },
  { name: 'timestamp', arg: 'none' },
  { name: 'force', arg: 'none' },
  { name: 'timeout', short: 't', arg: 'required' },
  { name: 'db-change-aware', arg: 'none' },
  { name: 'no-db-change-aware', arg: 'none' },
  { name: 'leader-only', arg: 'none' },
  { name: 'no-leader-only', arg: 'none' },
  ...DAEMON_OPTIONS,
  ...REPLAY_OPTIONS,
  SSL_BOOTSTRAP_OPTION,
  ...SSL_OPTIONS,
  { name: 'format', short: 'f', arg: 'required' },
  { name: 'data', short: 'd', arg: 'required' },
  { name: 'no-headings', arg: 'none' },
  { name: 'pretty', arg: 'none' },
  { name: 'bare', arg: 'none' },
  { name: 'max-column-width', arg: 'required' },
];

function usage(): never {
  const rundir = ovsRundir();
  process.stdout.write(`ovsdb-client: Open vSwitch database JSON-RPC client
usage: ovsdb-client [OPTIONS] COMMAND [ARG...]

Valid commands are:

  list-dbs [SERVER]
    list databases available on SERVER

  get-schema [SERVER] [DATABASE]
    retrieve schema for DATABASE from SERVER

  get-schema-version [SERVER] [DATABASE]
    retrieve schema for DATABASE from SERVER and report only its
    version number on stdout

  get-schema-cksum [SERVER] [DATABASE]
    retrieve schema for DATABASE from SERVER and report only its
    checksum on stdout

  list-tables [SERVER] [DATABASE]
    list tables for DATABASE on SERVER

  list-columns [SERVER] [DATABASE] [TABLE]
    list columns in TABLE (or all tables) in DATABASE on SERVER

  transact [SERVER] TRANSACTION
    run TRANSACTION (params for "transact" request) on SERVER
    and print the results as JSON on stdout

  query [SERVER] TRANSACTION
    run TRANSACTION (params for "transact" request) on SERVER,
    as read-only, and print the results as JSON on stdout

  monitor [SERVER] [DATABASE] TABLE [COLUMN,...]...
    monitor contents of COLUMNs in TABLE in DATABASE on SERVER.
    COLUMNs may include !initial, !insert, !delete, !modify
    to avoid seeing the specified kinds of changes.

  monitor-cond [SERVER] [DATABASE] CONDITION TABLE [COLUMN,...]...
    monitor contents that match CONDITION of COLUMNs in TABLE in
    DATABASE on SERVER.
    COLUMNs may include !initial, !insert, !delete, !modify
    to avoid seeing the specified kinds of changes.

  monitor-cond-since [SERVER] [DATABASE] [LASTID] CONDITION TABLE [COLUMN,...]...
    monitor contents that match CONDITION of COLUMNs in TABLE in
    DATABASE on SERVER, since change after LASTID.
    LASTID specifies transaction ID after which the monitoring
    starts, which works only for cluster mode. If ignored, it
    defaults to an all-zero uuid.
    Other arguments are the same as in monitor-cond.

  convert [SERVER] SCHEMA
    convert database on SERVER named in SCHEMA to SCHEMA.

  needs-conversion [SERVER] SCHEMA
    tests whether SCHEMA's db on SERVER needs conversion.

  monitor [SERVER] [DATABASE] ALL
    monitor all changes to all columns in all tables

  wait [SERVER] DATABASE STATE
    wait until DATABASE reaches STATE ("added" or "connected" or "removed")
    in DATBASE on SERVER.

  dump [SERVER] [DATABASE]
    dump contents of DATABASE on SERVER to stdout

  backup [SERVER] [DATABASE] > SNAPSHOT
    dump database contents in the form of a database file

  [--force] restore [SERVER] [DATABASE] < SNAPSHOT
    restore database contents from a database file

  lock [SERVER] LOCK
    create or wait for LOCK in SERVER

  steal [SERVER] LOCK
    steal LOCK from SERVER

  unlock [SERVER] LOCK
    unlock LOCK from SERVER

The default SERVER is unix:${rundir}/db.sock.
The default DATABASE is Open_vSwitch.
${streamUsage('SERVER', true, true, true)}${tableUsage()}  --timestamp                 timestamp "monitor" output${daemonUsage()}${replayUsage()}
Other options:
  -h, --help                  display this help message
  -V, --version               display version information
`);
  process.exit(0);
}

function parseOptions(argv: string[]): string[] {
  const parsed = parseCommandLine(argv, OPTIONS);
  if (parsed.error) {
    process.stderr.write(`ovsdb-client: ${parsed.error}\n`);
    process.exit(1);
  }
  let timeout = 0;
  for (const o of parsed.options) {
    const v = o.value ?? '';
    switch (o.name) {
      case 'help': usage();
      // falls through (usage exits)
      case 'version': printVersionAndExit();
      // falls through
      case 'timestamp': timestamp = true; break;
      case 'force': force = true; break;
      case 'timeout':
        if (!/^\d+$/.test(v) || Number(v) === 0 || Number(v) > 4294967295) {
          ovsFatal(0, `value ${v} on -t or --timeout is invalid`);
        }
        timeout = Number(v);
        break;
      case 'db-change-aware': dbChangeAware = 1; break;
      case 'no-db-change-aware': dbChangeAware = 0; break;
      case 'leader-only': leaderOnly = true; break;
      case 'no-leader-only': leaderOnly = false; break;
      case 'format': {
        const f = parseTableFormat(v);
        if (typeof f === 'object') ovsFatal(0, f.error);
        style.format = f;
        break;
      }
      case 'data': {
        const f = parseCellFormat(v);
        if (typeof f === 'object') ovsFatal(0, f.error);
        style.cellFormat = f;
        break;
      }
      case 'no-headings': style.headings = false; break;
      case 'pretty': style.pretty = true; break;
      case 'bare': style.format = 'list'; style.cellFormat = 'bare'; style.headings = false; break;
      case 'max-column-width': style.maxColumnWidth = parseInt(v, 10) || 0; break;
      default:
        if (sslOptionApply(o.name, v)) break;
        if (!handleDaemonOption(daemonCfg, o) && o.name === 'verbose') vlogSetFromString(v);
        break;
    }
  }
  if (!timeout) {
    const env = process.env.OVS_CTL_TIMEOUT;
    if (env && /^\d+$/.test(env)) timeout = Number(env);
  }
  if (timeout && !isDetachedChild()) {
    setTimeout(() => {
      vlogModule('fatal_signal').warn('terminating with signal 14 (Alarm clock)');
      process.kill(process.pid, 'SIGALRM');
    }, timeout * 1000).unref();
  }
  return parsed.args;
}

// ---- Connections ----

const rpcCodec = {
  parse: (text: string) => jsonParse(text),
  stringify: (msg: object) => jsonToString(msg as Json),
};

function defaultRemote(): string { return `unix:${ovsRundir()}/db.sock`; }

let sockListener: { close(): void } | null = null;

/** Opens a JSON-RPC connection to 'server' (or, for a passive name, waits
 * for one peer to connect). */
async function openJsonRpc(server: string): Promise<JsonRpc> {
  let sock: Socket;
  if (isPassiveName(server)) {
    sock = await new Promise<Socket>((resolve) => {
      let accepted: Socket | null = null;
      openPassive(server, OVSDB_PORT, (s) => {
        if (accepted) { s.destroy(); return; }
        accepted = s;
        resolve(s);
      }).then((listener) => {
        log.info(`${server}: waiting for connection...`);
        if (accepted) listener.close();
        else sockListener = listener;
      }, (e) => ovsFatal(0, `failed to connect or listen to "${server}" (${errorText(e)})`));
    });
    sockListener?.close();
  } else {
    try {
      sock = await openActive(server, OVSDB_PORT);
    } catch (e) {
      ovsFatal(0, `failed to connect to "${server}" (${(e as Error).message})`);
    }
  }
  return new JsonRpc(sock, { name: server, ...rpcCodec });
}

/** Sends a request and waits for its reply; an error or failure is fatal, as
 * OVS's check_txn(). */
async function transactBlock(rpc: JsonRpc, method: string, params: Json[]): Promise<Json> {
  try {
    return await rpc.request(method, params) as Json;
  } catch (e) {
    if (e instanceof JsonRpcError) {
      ovsFatal(0, `transaction returned error: ${jsonToString(e.error as Json, { sort: true, pretty: style.pretty })}`);
    }
    ovsFatal(0, `transaction failed (${e instanceof JsonRpcClosedError ? 'End of file' : errorText(e)})`);
  }
}

/** Splits a remote list "unix:a,tcp:b:1" as OVS's ovsdb_session_parse_remote. */
function parseRemotes(s: string): string[] {
  const out: string[] = [];
  let rest = s;
  for (;;) {
    rest = rest.replace(/^[ \t]+/, '');
    if (!rest) break;
    let cut = -1;
    for (let i = rest.indexOf(','); i >= 0; i = rest.indexOf(',', i + 1)) {
      const p = rest.slice(i + 1).replace(/^[ \t]+/, '');
      if (/^[a-z]+:/.test(p)) { cut = i; break; }
    }
    if (cut < 0) { out.push(rest); break; }
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut + 1);
  }
  return out.filter((r) => !/^cid:[0-9a-fA-F-]{36}$/.test(r));
}

async function fetchDbs(rpc: JsonRpc): Promise<string[]> {
  const result = await transactBlock(rpc, 'list_dbs', []);
  if (!Array.isArray(result)) ovsFatal(0, 'list_dbs response is not array');
  const dbs: string[] = [];
  result.forEach((name, i) => {
    if (typeof name !== 'string') ovsFatal(0, `list_dbs response ${i} is not string`);
    dbs.push(name);
  });
  return dbs.sort(strcmp);
}

function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Opens the connection for a command: the first argument names the server
 * if it looks like one; a database argument is picked up or defaulted.
 * Returns the number of arguments consumed. */
async function openRpc(minArgs: number, need: Need, args: string[], ctx: Context): Promise<number> {
  let argidx = 0;
  let remotes: string[];
  if (args.length > minArgs && /^[A-Za-z]/.test(args[0]!) && args[0]!.includes(':')) {
    remotes = parseRemotes(args[argidx++]!);
  } else {
    remotes = [defaultRemote()];
  }
  let database = ctx.database;
  if (remotes.length !== 1) {
    if (!database && need === Need.Database) {
      if (args.length - argidx > minArgs) database = args[argidx++]!;
      else ovsFatal(0, 'database name is required with multiple remotes');
    }
    // Try each server in turn; the first that answers (and has the database) wins.
    for (const r of remotes) {
      let sock: Socket;
      try { sock = await openActive(r, OVSDB_PORT); } catch { continue; }
      ctx.rpc = new JsonRpc(sock, { name: r, ...rpcCodec });
      if (!database || await serverHasDatabase(ctx.rpc, r, database)) break;
      ctx.rpc.close();
      ctx.rpc = null;
    }
    if (!ctx.rpc) ovsFatal(0, 'no servers were available');
    ctx.database = database;
    return argidx;
  }
  const rpc = await openJsonRpc(remotes[0]!);
  if (need === Need.Database && !database) {
    const dbs = await fetchDbs(rpc);
    if (args.length - argidx > minArgs && dbs.includes(args[argidx]!)) {
      database = args[argidx++]!;
    } else if (dbs.includes('Open_vSwitch')) {
      database = 'Open_vSwitch';
    } else {
      const names = dbs.filter((d) => d[0] !== '_');
      if (names.length !== 1) {
        rpc.close();
        ovsFatal(0, 'could not find a default database, please specify a database name');
      }
      database = names[0]!;
    }
  }
  ctx.rpc = rpc;
  ctx.database = database;
  return argidx;
}

function databaseInfoRequest(database: string): Json[] {
  return ['_Server', { op: 'select', table: 'Database', where: [['name', '==', database]] }];
}

/** Picks the row for 'database' out of a _Server "select" reply, or null. */
function parseDatabaseInfoReply(result: Json, server: string, database: string): JsonObject | null {
  if (!Array.isArray(result) || result.length !== 1 || !isJsonObject(result[0])) {
    log.warn(`${server}: unexpected reply to _Server request for ${database}`);
    return null;
  }
  const rows = result[0]['rows'];
  if (!Array.isArray(rows)) {
    log.warn(`${server}: missing "rows" member in  _Server reply for ${database}`);
    return null;
  }
  for (const row of rows) {
    if (!isJsonObject(row)) {
      log.warn(`${server}: bad row in  _Server reply for ${database}`);
      continue;
    }
    if (row['name'] === database) return row;
  }
  return null;
}

async function serverHasDatabase(rpc: JsonRpc, server: string, database: string): Promise<boolean> {
  let result: Json;
  try { result = await rpc.request('transact', databaseInfoRequest(database)) as Json; } catch { return false; }
  const row = parseDatabaseInfoReply(result, server, database);
  if (!row) return false;
  if (row['model'] === 'standalone') return true;
  if (row['connected'] !== true) return false;
  if (leaderOnly && row['leader'] !== true) return false;
  return true;
}

// ---- Schema helpers ----

let schemaModule: typeof import('../ovsdb/schema.js') | null = null;

async function schemaFromJson(json: Json): Promise<DatabaseSchema> {
  schemaModule ??= await import('../ovsdb/schema.js');
  try {
    return schemaModule.DatabaseSchema.fromJson(json);
  } catch (e) {
    ovsFatal(0, String(e));
  }
}

async function fetchSchema(rpc: JsonRpc, database: string): Promise<DatabaseSchema> {
  return schemaFromJson(await transactBlock(rpc, 'get_schema', [database]));
}

/** Tables in the order OVS's SHASH_FOR_EACH visits schema->tables. */
function tablesInHashOrder(schema: DatabaseSchema): TableSchema[] {
  return shashOrder([...schema.tables.keys()]).map((n) => schema.tables.get(n)!);
}

/** Columns in the order OVS's SHASH_FOR_EACH visits table->columns. */
function columnsInHashOrder(table: TableSchema): ColumnSchema[] {
  return shashOrder(table.columnList.map((c) => c.name)).map((n) => table.columns.get(n)!);
}

function tablesSorted(schema: DatabaseSchema): TableSchema[] {
  return [...schema.tables.keys()].sort(strcmp).map((n) => schema.tables.get(n)!);
}

function parseJsonArg(s: string): Json {
  const r = parseJsonOvs(s);
  if ('error' in r) ovsFatal(0, `"${s}": ${r.error}`);
  return r.value;
}

function printJson(json: Json): void {
  process.stdout.write(jsonToString(json, { sort: true, pretty: style.pretty }) + '\n');
}

// ---- Commands ----

async function doListDbs(ctx: Context): Promise<void> {
  const dbs = await fetchDbs(ctx.rpc!);
  process.stdout.write(dbs.map((d) => d + '\n').join(''));
}

async function doGetSchema(ctx: Context): Promise<void> {
  const schema = await fetchSchema(ctx.rpc!, ctx.database!);
  printJson(schema.toJson());
}

async function doGetSchemaVersion(ctx: Context): Promise<void> {
  const schema = await fetchSchema(ctx.rpc!, ctx.database!);
  process.stdout.write(schema.version + '\n');
}

async function doGetSchemaCksum(ctx: Context): Promise<void> {
  const schema = await fetchSchema(ctx.rpc!, ctx.database!);
  process.stdout.write(schema.cksum + '\n');
}

async function doListTables(ctx: Context): Promise<void> {
  const schema = await fetchSchema(ctx.rpc!, ctx.database!);
  const t = new Table();
  t.addColumn('Table');
  for (const ts of tablesInHashOrder(schema)) {
    t.addRow();
    t.addCell({ text: ts.name });
  }
  t.print(style);
}

async function doListColumns(ctx: Context, args: string[]): Promise<void> {
  const tableName = args[0];
  const schema = await fetchSchema(ctx.rpc!, ctx.database!);
  const t = new Table();
  if (!tableName) t.addColumn('Table');
  t.addColumn('Column');
  t.addColumn('Type');
  for (const ts of tablesInHashOrder(schema)) {
    if (tableName && tableName !== ts.name) continue;
    for (const c of columnsInHashOrder(ts)) {
      t.addRow();
      if (!tableName) t.addCell({ text: ts.name });
      t.addCell({ text: c.name });
      t.addCell({ json: c.type.toJson() });
    }
  }
  t.print(style);
}

async function setDbChangeAware(rpc: JsonRpc): Promise<void> {
  if (dbChangeAware === 0) return;
  try {
    await rpc.request('set_db_change_aware', [true]);
  } catch (e) {
    if (e instanceof JsonRpcError) {
      if (dbChangeAware === 1) {
        ovsFatal(0, `${rpc.name}: set_db_change_aware failed (${jsonToString(e.error as Json)})`);
      }
      return;
    }
    ovsFatal(0, `${rpc.name}: error setting db_change_aware (${errorText(e)})`);
  }
}

async function transactCommon(args: string[], transaction: Json): Promise<Json> {
  if (!Array.isArray(transaction) || transaction.length === 0 || typeof transaction[0] !== 'string') {
    ovsFatal(0, 'not a valid OVSDB query');
  }
  const ctx: Context = { rpc: null, database: transaction[0], rawArgs: args };
  await openRpc(1, Need.Database, args, ctx);
  if (dbChangeAware === 1) await setDbChangeAware(ctx.rpc!);
  // --detach/--pidfile: OVS's daemonize() here, before the transaction (which
  // may wait) is sent.
  (await startDaemonIfRequested(() => {}))?.complete(false);
  const result = await transactBlock(ctx.rpc!, 'transact', transaction);
  ctx.rpc!.close();
  return result;
}

async function doTransact(_ctx: Context, args: string[]): Promise<void> {
  printJson(await transactCommon(args, parseJsonArg(args[args.length - 1]!)));
}

async function doQuery(_ctx: Context, args: string[]): Promise<void> {
  const transaction = parseJsonArg(args[args.length - 1]!);
  if (!Array.isArray(transaction)) ovsFatal(0, 'not a valid OVSDB query');
  transaction.push({ op: 'abort' });
  const abortIdx = transaction.length - 2;
  const result = await transactCommon(args, transaction);
  if (Array.isArray(result) && result.length === abortIdx + 1) {
    const r = result[abortIdx];
    if (isJsonObject(r) && r['error'] === 'aborted') result.pop();
  }
  printJson(result);
}

// monitor

interface MonitoredTable {
  table: TableSchema;
  columns: ColumnSchema[];
}

function parseMonitorColumns(arg: string, server: string, database: string, table: TableSchema,
  columns: ColumnSchema[]): JsonObject {
  const names: Json[] = [];
  const mr: JsonObject = { columns: names };
  let initial = true, insert = true, del = true, modify = true;
  const add = (c: ColumnSchema) => {
    if (columns.includes(c)) ovsFatal(0, `${server}: column "${c.name}" mentioned multiple times`);
    columns.push(c);
    names.push(c.name);
  };
  for (const token of arg.split(',').filter((s) => s.length > 0)) {
    if (token === '!initial') initial = false;
    else if (token === '!insert') insert = false;
    else if (token === '!delete') del = false;
    else if (token === '!modify') modify = false;
    else {
      const c = table.columns.get(token);
      if (!c) ovsFatal(0, `${server}: table "${table.name}" in ${database} does not have a column named "${token}"`);
      add(c);
    }
  }
  if (names.length === 0) {
    for (const name of [...table.columns.keys()].sort(strcmp)) {
      if (name !== '_uuid' && name !== '_version') add(table.columns.get(name)!);
    }
    add(table.columns.get('_version')!);
  }
  if (!initial || !insert || !del || !modify) {
    mr['select'] = { initial, insert, delete: del, modify };
  }
  return mr;
}

function addMonitoredTable(args: string[], server: string, database: string, condition: Json | null,
  table: TableSchema, requests: JsonObject, mts: MonitoredTable[]): void {
  const mt: MonitoredTable = { table, columns: [] };
  mts.push(mt);
  const arr: Json[] = [];
  if (args.length > 1) {
    for (let i = 1; i < args.length; i++) {
      const mr = parseMonitorColumns(args[i]!, server, database, table, mt.columns);
      if (i === 1 && condition !== null) mr['where'] = condition;
      arr.push(mr);
    }
  } else {
    const mr = parseMonitorColumns('', server, database, table, mt.columns);
    if (condition !== null) mr['where'] = condition;
    arr.push(mr);
  }
  requests[table.name] = arr;
}

function monitorPrintRow(row: Json | undefined, type: string, uuid: string, columns: ColumnSchema[], t: Table): void {
  if (row === undefined || row === null) {
    ovsError(0, `missing ${type} row`);
    return;
  }
  if (!isJsonObject(row)) {
    ovsError(0, '<row> is not object');
    return;
  }
  t.addRow();
  t.addCell({ text: uuid });
  t.addCell({ text: type });
  for (const c of columns) {
    const v = row[c.name];
    t.addCell(v !== undefined ? { json: v, type: c.type } : {});
  }
}

function newMonitorTable(mt: MonitoredTable, caption: string | null): Table {
  const t = new Table();
  t.timestamp = timestamp;
  t.caption = caption;
  t.addColumn('row');
  t.addColumn('action');
  for (const c of mt.columns) t.addColumn(c.name);
  return t;
}

function monitorPrint(updates: Json, mts: MonitoredTable[], initial: boolean): void {
  if (!isJsonObject(updates)) { ovsError(0, '<table-updates> is not object'); return; }
  for (const mt of mts) {
    const tu = updates[mt.table.name];
    if (tu === undefined) continue;
    if (!isJsonObject(tu)) { ovsError(0, `<table-update> for table ${mt.table.name} is not object`); continue; }
    const t = newMonitorTable(mt, mts.length > 1 ? mt.table.name : null);
    for (const uuid of shashOrder(Object.keys(tu))) {
      const ru = tu[uuid]!;
      if (!isJsonObject(ru)) { ovsError(0, '<row-update> is not object'); continue; }
      const old = ru['old'], nw = ru['new'];
      if (initial) monitorPrintRow(nw, 'initial', uuid, mt.columns, t);
      else if (old === undefined) monitorPrintRow(nw, 'insert', uuid, mt.columns, t);
      else if (nw === undefined) monitorPrintRow(old, 'delete', uuid, mt.columns, t);
      else {
        monitorPrintRow(old, 'old', uuid, mt.columns, t);
        monitorPrintRow(nw, 'new', '', mt.columns, t);
      }
    }
    t.print(style);
  }
}

function monitor2Print(updates: Json, mts: MonitoredTable[]): void {
  if (!isJsonObject(updates)) { ovsError(0, '<table-updates2> is not object'); return; }
  for (const mt of mts) {
    const tu = updates[mt.table.name];
    if (tu === undefined) continue;
    if (!isJsonObject(tu)) { ovsError(0, `<table-update> for table ${mt.table.name} is not object`); continue; }
    const t = newMonitorTable(mt, mts.length > 1 ? mt.table.name : null);
    for (const uuid of shashOrder(Object.keys(tu))) {
      const ru = tu[uuid]!;
      if (!isJsonObject(ru)) { ovsError(0, '<row-update2> is not object'); continue; }
      for (const op of ['delete', 'initial', 'modify', 'insert']) {
        const row = ru[op];
        if (row === undefined) continue;
        if (op === 'delete') {
          if (row !== null) { ovsError(0, 'delete method does not expect <row>'); break; }
          t.addRow();
          t.addCell({ text: uuid });
          t.addCell({ text: op });
        } else if (!isJsonObject(row)) {
          ovsError(0, '<row> is not object');
        } else {
          monitorPrintRow(row, op, uuid, mt.columns, t);
        }
        break;
      }
    }
    t.print(style);
  }
}

function monitor3Print(result: Json, mts: MonitoredTable[]): void {
  if (!Array.isArray(result)) { ovsError(0, '<result> is not array'); return; }
  if (result.length !== 3) ovsError(0, `<result> should have 3 elements, but has ${result.length}.`);
  process.stdout.write(`found: ${result[0] === true ? 'true' : 'false'}, last_id: ${String(result[1])}\n`);
  monitor2Print(result[2] ?? null, mts);
}

async function startDaemonIfRequested(register: () => void): Promise<Daemon | null> {
  if (!daemonCfg.detach && !daemonCfg.pidfile) return null;
  if (!daemonCfg.detach) daemonCfg.unixctl = 'none';
  const d = await Daemon.start(daemonCfg);
  if (daemonCfg.detach) register();
  return d;
}

async function doMonitorCommon(ctx: Context, version: 1 | 2 | 3, args: string[], condition: Json | null,
  lastId: string | null): Promise<void> {
  const rpc = ctx.rpc!;
  const database = ctx.database!;
  const server = rpc.name;
  const tableName = args[0]!;
  let exiting = false;
  let blocked = false;
  const queued: (() => void)[] = [];
  const daemon = await startDaemonIfRequested(() => {
    unixctlCommandRegister('exit', '', 0, 0, () => { exiting = true; setImmediate(() => void daemon?.exit(0)); });
    unixctlCommandRegister('ovsdb-client/block', '', 0, 0, () => {
      if (blocked) return 'already blocking';
      blocked = true;
    });
    unixctlCommandRegister('ovsdb-client/unblock', '', 0, 0, () => {
      if (!blocked) return 'already unblocked';
      blocked = false;
      while (queued.length && !blocked) queued.shift()!();
    });
    unixctlCommandRegister('ovsdb-client/cond_change', 'TABLE COND', 2, 2, (a) => {
      const r = parseJsonOvs(a[1]!);
      const where = 'error' in r ? a[1]! : r.value;
      rpc.request('monitor_cond_change', [null, null, { [a[0]!]: [{ where }] }]).catch(() => {});
      log.dbg(`cond change ${a[0]} ${a[1]}`);
      return 'condition changed';
    });
  });
  void exiting;

  const schema = await fetchSchema(rpc, database);
  const requests: JsonObject = {};
  const mts: MonitoredTable[] = [];
  if (tableName !== 'ALL') {
    const table = schema.tables.get(tableName);
    if (!table) ovsFatal(0, `${server}: ${database} does not have a table named "${tableName}"`);
    addMonitoredTable(args, server, database, condition, table, requests, mts);
  } else {
    if (condition !== null) ovsFatal(0, 'ALL tables are not allowed with condition');
    for (const table of tablesSorted(schema)) addMonitoredTable(args, server, database, null, table, requests, mts);
  }
  await setDbChangeAware(rpc);

  const params: Json[] = [database, null, requests];
  const method = version === 1 ? 'monitor' : version === 2 ? 'monitor_cond' : 'monitor_cond_since';
  if (version === 3) params.push(lastId ?? '00000000-0000-0000-0000-000000000000');

  const handle = (fn: () => void) => { if (blocked) queued.push(fn); else fn(); };
  rpc.onNotify = (m, p) => handle(() => {
    if (m === 'update' && p.length === 2 && p[0] === null) {
      monitorPrint(p[1] as Json, mts, false);
    } else if (m === 'update2' && version === 2 && p.length === 2 && p[0] === null) {
      monitor2Print(p[1] as Json, mts);
    } else if (m === 'update3' && version === 3 && p.length === 3 && p[0] === null) {
      process.stdout.write(`\nlast_id: ${String(p[1])}`);
      monitor2Print(p[2] as Json, mts);
    } else if (m === 'monitor_canceled') {
      ovsFatal(0, `${server}: ${database} database was removed`);
    }
  });
  rpc.onClose = (reason) => {
    ovsFatal(0, `${server}: receive failed (${reason ? errorText({ code: reason }) : 'End of file'})`);
  };
  const result = await transactBlock(rpc, method, params);
  handle(() => {
    if (version === 1) monitorPrint(result, mts, true);
    else if (version === 2) monitor2Print(result, mts);
    else monitor3Print(result, mts);
    daemon?.complete(false);
  });
  await new Promise(() => {});
}

async function doMonitor(ctx: Context, args: string[]): Promise<void> {
  await doMonitorCommon(ctx, 1, args, null, null);
}

async function doMonitorCondCommon(ctx: Context, version: 2 | 3, lastId: string | null, args: string[]): Promise<void> {
  const schema = await fetchSchema(ctx.rpc!, ctx.database!);
  const table = schema.tables.get(args[1]!);
  if (!table) ovsFatal(0, `${ctx.database} does not have a table named "${args[1]}"`);
  const condition = parseJsonArg(args[0]!);
  const { Condition } = await import('../ovsdb/condition.js');
  try {
    Condition.fromJson(table, condition, null);
  } catch (e) {
    ovsFatal(0, String(e));
  }
  await doMonitorCommon(ctx, version, args.slice(1), condition, lastId);
}

async function doMonitorCond(ctx: Context, args: string[]): Promise<void> {
  await doMonitorCondCommon(ctx, 2, null, args);
}

async function doMonitorCondSince(ctx: Context, args: string[]): Promise<void> {
  let lastId: string | null = null;
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(args[0]!)) {
    lastId = args[0]!.toLowerCase();
    args = args.slice(1);
  }
  await doMonitorCondCommon(ctx, 3, lastId ?? '00000000-0000-0000-0000-000000000000', args);
}

// convert

async function readSchemaFile(file: string): Promise<DatabaseSchema> {
  const { readFileSync } = await import('node:fs');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    ovsFatal(0, `I/O error: ${file}: open failed (${errorText(e)})`);
  }
  const r = parseJsonOvs(text);
  if ('error' in r) ovsFatal(0, `syntax error: ${file}: ${r.error}`);
  return schemaFromJson(r.value);
}

async function isDatabaseClustered(rpc: JsonRpc, database: string): Promise<boolean> {
  const result = await transactBlock(rpc, 'transact', databaseInfoRequest(database));
  const row = parseDatabaseInfoReply(result, rpc.name, database);
  return row !== null && row['model'] === 'clustered';
}

async function doConvert(_ctx: Context, args: string[]): Promise<void> {
  const schema = await readSchemaFile(args[args.length - 1]!);
  const ctx: Context = { rpc: null, database: schema.name, rawArgs: args };
  await openRpc(1, Need.Database, args, ctx);
  await isDatabaseClustered(ctx.rpc!, ctx.database!);
  await setDbChangeAware(ctx.rpc!);
  await transactBlock(ctx.rpc!, 'convert', [schema.name, schema.toJson()]);
  ctx.rpc!.close();
}

async function doNeedsConversion(_ctx: Context, args: string[]): Promise<void> {
  const schema1 = await readSchemaFile(args[args.length - 1]!);
  const ctx: Context = { rpc: null, database: schema1.name, rawArgs: args };
  await openRpc(1, Need.Database, args, ctx);
  await isDatabaseClustered(ctx.rpc!, ctx.database!);
  const schema2 = await fetchSchema(ctx.rpc!, schema1.name);
  process.stdout.write(schema1.equals(schema2) ? 'no\n' : 'yes\n');
  ctx.rpc!.close();
}

// dump

async function doDump(ctx: Context, args: string[]): Promise<void> {
  const { datumFromJsonUnconstrained, datumCompare, datumToJson } = await import('../ovsdb/datum.js');
  const schema = await fetchSchema(ctx.rpc!, ctx.database!);
  let tables: TableSchema[];
  let custom: ColumnSchema[] | null = null;
  if (args.length) {
    const ts = schema.tables.get(args[0]!);
    if (!ts) ovsFatal(0, `No table "${args[0]}" found.`);
    tables = [ts];
    if (args.length > 1) {
      const names: string[] = [];
      for (const name of args.slice(1)) {
        const c = ts.columns.get(name);
        if (!c) ovsFatal(0, `Table "${args[0]}" has no column ${name}.`);
        if (!names.includes(name)) names.push(name);
      }
      custom = shashOrder(names).map((n) => ts.columns.get(n)!);
    }
  } else {
    tables = tablesSorted(schema);
  }
  const columnsOf = (ts: TableSchema) => custom ?? columnsInHashOrder(ts);
  const txn: Json[] = [ctx.database!];
  for (const ts of tables) {
    txn.push({
      op: 'select', table: ts.name, where: [],
      columns: columnsOf(ts).filter((c) => c.name !== '_version').map((c) => c.name),
    });
  }
  const result = await transactBlock(ctx.rpc!, 'transact', txn);
  if (!Array.isArray(result) || result.length !== tables.length) {
    ovsFatal(0, `reply is not array of ${tables.length} elements: ${jsonToString(result)}`);
  }
  tables.forEach((ts, i) => {
    const op = result[i]!;
    const rows = isJsonObject(op) ? op['rows'] : undefined;
    if (!Array.isArray(rows)) {
      ovsFatal(0, `${ts.name} table reply is not an object with a "rows" member array: ${jsonToString(op)}`);
    }
    const columns = columnsOf(ts).filter((c) => c.name !== '_version')
      .sort((a, b) => strcmp(a.name, b.name));
    const data = rows.map((row, y) => {
      if (!isJsonObject(row)) {
        ovsFatal(0, `row ${y} in table ${ts.name} response is not a JSON object: ${jsonToString(row)}`);
      }
      return columns.map((c) => {
        const j = row[c.name];
        if (j === undefined) ovsFatal(0, `row ${y} in table ${ts.name} response lacks ${c.name} column`);
        try {
          return datumFromJsonUnconstrained(c.type, j);
        } catch (e) {
          ovsFatal(0, String(e));
        }
      });
    });
    const isUuid = columns.map((c) => c.type.key.type === 'uuid');
    data.sort((a, b) => {
      for (let x = 0; x < columns.length; x++) {
        if (isUuid[x]) continue;
        const c = datumCompare(a[x]!, b[x]!, columns[x]!.type);
        if (c) return c;
      }
      for (let x = 0; x < columns.length; x++) {
        if (!isUuid[x]) continue;
        const c = datumCompare(a[x]!, b[x]!, columns[x]!.type);
        if (c) return c;
      }
      return 0;
    });
    const t = new Table();
    t.caption = `${ts.name} table`;
    for (const c of columns) t.addColumn(c.name);
    for (const row of data) {
      t.addRow();
      row.forEach((d, x) => t.addCell({ json: datumToJson(d, columns[x]!.type), type: columns[x]!.type }));
    }
    t.print(style);
  });
}

// backup, restore

async function doBackup(ctx: Context): Promise<void> {
  const { isatty } = await import('node:tty');
  if (isatty(1)) ovsFatal(0, 'not writing backup to a terminal; please redirect stdout to a file');
  const { composeRecord } = await import('../ovsdb/log.js');
  const { jsonToStringHashOrder } = await import('../lib/json-shash.js');
  const { schemaRecordText } = await import('../ovsdb/file.js');
  const { annotateFileRecord } = await import('../ovsdb/transaction.js');
  const schema = await fetchSchema(ctx.rpc!, ctx.database!);
  const tables = tablesInHashOrder(schema);
  const txn: Json[] = [ctx.database!];
  for (const ts of tables) {
    txn.push({
      op: 'select', table: ts.name, where: [],
      columns: columnsInHashOrder(ts).filter((c) => c.persistent).map((c) => c.name),
    });
  }
  const result = await transactBlock(ctx.rpc!, 'transact', txn);
  process.stdout.write(composeRecord(schemaRecordText(schema)));
  if (!Array.isArray(result) || result.length !== tables.length) {
    ovsFatal(0, `reply is not array of ${tables.length} elements: ${jsonToString(result)}`);
  }
  const out: JsonObject = {};
  tables.forEach((ts, i) => {
    const op = result[i]!;
    const rows = isJsonObject(op) ? op['rows'] : undefined;
    if (!Array.isArray(rows)) {
      ovsFatal(0, `${ts.name} table reply is not an object with a "rows" member array: ${jsonToString(op)}`);
    }
    if (rows.length === 0) return;
    const outRows: JsonObject = {};
    for (const row of rows) {
      if (!isJsonObject(row)) ovsFatal(0, `${ts.name} table reply row is not an object: ${jsonToString(row)}`);
      const u = row['_uuid'];
      if (u === undefined) ovsFatal(0, `${ts.name} table reply row lacks _uuid member: ${jsonToString(row)}`);
      if (!Array.isArray(u) || u.length !== 2 || u[0] !== 'uuid' || typeof u[1] !== 'string') {
        ovsFatal(0, `syntax error: ${jsonToString(u)}`);
      }
      // OVS removes _uuid from the parsed row and prints the same object, so
      // its members come out in the hash order the row had with _uuid.
      const order = shashOrder(Object.keys(row)).filter((k) => k !== '_uuid');
      outRows[u[1].toLowerCase()] = { [ORDERED]: order.map((k) => [k, row[k]!]) } as unknown as Json;
    }
    out[ts.name] = outRows;
  });
  const record = annotateFileRecord(out, 'produced by "ovsdb-client backup"', Date.now());
  process.stdout.write(composeRecord(backupRecordText(record, jsonToStringHashOrder)));
}

/** Marks a row whose members are already in their final printing order. */
const ORDERED = Symbol('ordered');

/** The backup record's text: tables and rows in hash order, each row's
 * members in the order computed when it was read. */
function backupRecordText(record: JsonObject, hashText: (v: Json) => string): string {
  const parts: string[] = [];
  for (const k of shashOrder(Object.keys(record))) {
    const v = record[k]!;
    if (!isJsonObject(v)) { parts.push(`${JSON.stringify(k)}:${hashText(v)}`); continue; }
    const rows: string[] = [];
    for (const uuid of shashOrder(Object.keys(v))) {
      const members = (v[uuid] as unknown as { [ORDERED]: [string, Json][] })[ORDERED];
      rows.push(`${JSON.stringify(uuid)}:{${members.map(([m, x]) => `${JSON.stringify(m)}:${hashText(x)}`).join(',')}}`);
    }
    parts.push(`${JSON.stringify(k)}:{${rows.join(',')}}`);
  }
  return `{${parts.join(',')}}`;
}

async function doRestore(ctx: Context): Promise<void> {
  const { isatty } = await import('node:tty');
  if (isatty(0)) ovsFatal(0, 'not reading backup from a terminal; please redirect stdin from a file');
  const backup = await readBackupFile('/dev/stdin');
  const online = await fetchSchema(ctx.rpc!, ctx.database!);
  if (!backup.schema.equals(online)) {
    const s = backup.schema.version !== online.version
      ? `backup schema has version "${backup.schema.version}" but database schema has version "${online.version}"`
      : `backup schema and database schema are both version ${backup.schema.version} but still differ`;
    if (!force) {
      ovsFatal(0, `${s} (use --force to override differences, or "ovsdb-client convert" to change the schema)`);
    }
    log.info(s);
  }
  const txn: Json[] = [backup.schema.name, ...backup.operations];
  const result = await transactBlock(ctx.rpc!, 'transact', txn);
  checkTransactionReply(result);
}

/** A database file read back for "restore": its schema and the operations
 * that recreate its contents (delete everything, insert every row). */
async function readBackupFile(file: string): Promise<{ schema: DatabaseSchema; operations: Json[] }> {
  const { OvsdbLog, OVSDB_MAGIC, OpenMode } = await import('../ovsdb/log.js');
  const datum = await import('../ovsdb/datum.js');
  const { uuidRowName } = await import('../ovsdb/uuid.js');
  let schema: DatabaseSchema;
  const tables = new Map<string, Map<string, import('../ovsdb/datum.js').Datum[]>>();
  try {
    const logFile = OvsdbLog.open(file, OVSDB_MAGIC, OpenMode.ReadOnly, false);
    const first = logFile.read();
    if (!first) ovsFatal(0, `${file}: database file contains no schema`);
    schema = await schemaFromJson(first);
    for (let rec = logFile.read(); rec; rec = logFile.read()) {
      const isDiff = rec['_is_diff'] === true;
      for (const tname of Object.keys(rec)) {
        if (tname.startsWith('_')) continue;
        const ts = schema.tables.get(tname);
        const trows = rec[tname];
        if (!ts || !isJsonObject(trows)) continue;
        let rows = tables.get(tname);
        if (!rows) { rows = new Map(); tables.set(tname, rows); }
        for (const uuid of Object.keys(trows)) {
          const rj = trows[uuid]!;
          if (rj === null) { rows.delete(uuid); continue; }
          if (!isJsonObject(rj)) continue;
          const existing = rows.get(uuid);
          const fields = existing ? existing.slice() : ts.columnList.map((c) => datum.datumDefault(c.type));
          rows.set(uuid, fields);
          for (const cname of Object.keys(rj)) {
            const c = ts.columns.get(cname);
            if (!c) continue;
            // Diff records carry diffs for rows that already exist, full values for new ones.
            if (isDiff && existing && c.index >= 2) {
              const d = datum.datumFromJsonTransient(c.type, rj[cname]!);
              fields[c.index] = datum.datumApplyDiff(fields[c.index]!, d, c.type);
            } else {
              fields[c.index] = datum.datumFromJson(c.type, rj[cname]!, null);
            }
          }
        }
      }
    }
    logFile.close();
  } catch (e) {
    ovsFatal(0, String(e));
  }
  const named = (a: Json, isUuid: boolean): Json =>
    isUuid && Array.isArray(a) && a[0] === 'uuid' ? ['named-uuid', uuidRowName(a[1] as string)] : a;
  const operations: Json[] = [];
  for (const ts of tablesInHashOrder(schema)) {
    operations.push({ op: 'delete', table: ts.name, where: [] });
    for (const [uuid, fields] of tables.get(ts.name) ?? []) {
      const row: JsonObject = {};
      for (const c of columnsInHashOrder(ts)) {
        const d = fields[c.index]!;
        if (!c.persistent || c.index < 2 || datum.datumIsDefault(d, c.type)) continue;
        const keyUuid = c.type.key.type === 'uuid';
        const valUuid = c.type.value?.type === 'uuid';
        let j = datum.datumToJson(d, c.type);
        if (keyUuid || valUuid) {
          if (c.type.value) {
            j = ['map', (((j as Json[])[1]) as Json[][]).map(([k, v]) => [named(k!, keyUuid), named(v!, valUuid)])];
          } else if (Array.isArray(j) && j[0] === 'set') {
            j = ['set', (j[1] as Json[]).map((k) => named(k, keyUuid))];
          } else {
            j = named(j, keyUuid);
          }
        }
        row[c.name] = j;
      }
      operations.push({ op: 'insert', table: ts.name, 'uuid-name': uuidRowName(uuid), row });
    }
  }
  return { schema, operations };
}

function checkTransactionReply(result: Json): void {
  if (!Array.isArray(result)) ovsFatal(0, 'result is not array');
  for (const r of result) {
    if (!isJsonObject(r)) ovsFatal(0, 'result array element is not object');
    if ('error' in r) ovsFatal(0, `server returned error reply: ${jsonToString(r, { sort: true })}`);
  }
}

// lock, steal, unlock

async function doLock(ctx: Context, method: string, lock: string): Promise<void> {
  const rpc = ctx.rpc!;
  let pending: { method: string; lock: string } | null = { method, lock };
  let waitingReply = false;
  let daemon: Daemon | null = null;
  const sendNext = () => {
    if (waitingReply || !pending) return;
    const req = pending;
    pending = null;
    waitingReply = true;
    rpc.request(req.method, [req.lock]).then((result) => {
      printJson(result as Json);
      waitingReply = false;
      daemon?.complete(false);
      sendNext();
    }, (e) => {
      if (e instanceof JsonRpcError) {
        // OVS prints only replies; an error reply leaves nothing on stdout.
        waitingReply = false;
        daemon?.complete(false);
        sendNext();
      }
    });
  };
  daemon = await startDaemonIfRequested(() => {
    const set = (m: string) => (a: string[]) => {
      if (!pending) pending = { method: m, lock: a[0]! };
      setImmediate(sendNext);
    };
    unixctlCommandRegister('unlock', 'LOCK', 1, 1, set('unlock'));
    unixctlCommandRegister('steal', 'LOCK', 1, 1, set('steal'));
    unixctlCommandRegister('lock', 'LOCK', 1, 1, set('lock'));
    unixctlCommandRegister('exit', '', 0, 0, () => { setImmediate(() => void daemon?.exit(0)); });
  });
  rpc.onNotify = (m, params) => {
    process.stdout.write(m + '\n');
    printJson(params as Json);
  };
  rpc.onClose = (reason) => {
    ovsFatal(0, `${rpc.name}: receive failed (${reason ? errorText({ code: reason }) : 'End of file'})`);
  };
  sendNext();
  await new Promise(() => {});
}

// wait

async function doWait(_ctx: Context, args: string[]): Promise<void> {
  const database = args[args.length - 2]!;
  const state = args[args.length - 1]!;
  if (!['connected', 'added', 'removed'].includes(state)) ovsFatal(0, `${state}: unknown state`);
  const remote = args.length > 2 ? args[0]! : defaultRemote();
  const { ReconnectSession } = await import('../lib/reconnect.js');
  const op: JsonObject = {
    op: 'wait', table: 'Database', where: [['name', '==', database]],
  };
  if (state === 'connected') {
    op['columns'] = ['connected'];
    op['until'] = '==';
    op['rows'] = [{ connected: true }];
  } else {
    op['columns'] = [];
    op['until'] = '==';
    op['rows'] = state === 'added' ? [{}] : [];
  }
  const session = new ReconnectSession(remote, { defaultPort: OVSDB_PORT, ...rpcCodec });
  session.onConnect = (rpc) => {
    rpc.request('set_db_change_aware', [true]).catch((e) => {
      if (e instanceof JsonRpcError) {
        ovsError(0, `${remote}: set_db_change_aware failed (${jsonToString(e.error as Json)})`);
        process.exit(1);
      }
    });
    rpc.request('transact', ['_Server', op]).then((result) => {
      checkTransactionReply(result as Json);
      process.exit(0);
    }, () => { /* reconnects and retries */ });
  };
  session.start();
  await new Promise(() => {});
}

async function doHelp(): Promise<void> { usage(); }

const COMMANDS: Command[] = [
  { name: 'list-dbs', need: Need.Rpc, minArgs: 0, maxArgs: 0, run: doListDbs },
  { name: 'get-schema', need: Need.Database, minArgs: 0, maxArgs: 0, run: doGetSchema },
  { name: 'get-schema-version', need: Need.Database, minArgs: 0, maxArgs: 0, run: doGetSchemaVersion },
  { name: 'get-schema-cksum', need: Need.Database, minArgs: 0, maxArgs: 0, run: doGetSchemaCksum },
  { name: 'list-tables', need: Need.Database, minArgs: 0, maxArgs: 0, run: doListTables },
  { name: 'list-columns', need: Need.Database, minArgs: 0, maxArgs: 1, run: doListColumns },
  { name: 'transact', need: Need.None, minArgs: 1, maxArgs: 2, run: doTransact },
  { name: 'query', need: Need.None, minArgs: 1, maxArgs: 2, run: doQuery },
  { name: 'monitor', need: Need.Database, minArgs: 1, maxArgs: Infinity, run: doMonitor },
  { name: 'monitor-cond', need: Need.Database, minArgs: 2, maxArgs: 3, run: doMonitorCond },
  { name: 'monitor-cond-since', need: Need.Database, minArgs: 2, maxArgs: 4, run: doMonitorCondSince },
  { name: 'wait', need: Need.None, minArgs: 2, maxArgs: 3, run: doWait },
  { name: 'convert', need: Need.None, minArgs: 1, maxArgs: 2, run: doConvert },
  { name: 'needs-conversion', need: Need.None, minArgs: 1, maxArgs: 2, run: doNeedsConversion },
  { name: 'dump', need: Need.Database, minArgs: 0, maxArgs: Infinity, run: doDump },
  { name: 'backup', need: Need.Database, minArgs: 0, maxArgs: 0, run: doBackup },
  { name: 'restore', need: Need.Database, minArgs: 0, maxArgs: 0, run: doRestore },
  { name: 'lock', need: Need.Rpc, minArgs: 1, maxArgs: 1, run: (c, a) => doLock(c, 'lock', a[0]!) },
  { name: 'steal', need: Need.Rpc, minArgs: 1, maxArgs: 1, run: (c, a) => doLock(c, 'steal', a[0]!) },
  { name: 'unlock', need: Need.Rpc, minArgs: 1, maxArgs: 1, run: (c, a) => doLock(c, 'unlock', a[0]!) },
  { name: 'help', need: Need.None, minArgs: 0, maxArgs: Infinity, run: doHelp },
];

async function main(): Promise<void> {
  const args = parseOptions(process.argv.slice(2));
  if (args.length === 0) ovsFatal(0, 'missing command name; use --help for help');
  const command = COMMANDS.find((c) => c.name === args[0]);
  if (!command) ovsFatal(0, `unknown command '${args[0]}'; use --help for help`);
  let rest = args.slice(1);
  const ctx: Context = { rpc: null, database: null, rawArgs: rest };
  if (command.need !== Need.None) {
    const used = await openRpc(command.minArgs, command.need, rest, ctx);
    rest = rest.slice(used);
  }
  if (rest.length < command.minArgs || rest.length > command.maxArgs) {
    ovsFatal(0, `invalid syntax for '${command.name}' (use --help for help)`);
  }
  await command.run(ctx, rest);
  ctx.rpc?.close();
}

process.on('uncaughtException', (e) => { ovsFatal(0, `internal error: ${(e as Error).stack ?? e}`); });
void UnixctlError;
void main();
