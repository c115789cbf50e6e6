/* file: standalone OVSDB database files (OVS ovsdb/file.c, plus the
 * file-handling parts of ovsdb-tool.c and storage.c).
 *
 * A standalone database file is a log (log.ts) whose first record is the
 * schema and whose later records are transactions in OVS's on-disk form:
 *
 *     {"<table>": {"<row-uuid>": {<column>: <json>, ...} | null, ...},
 *      "_date": <ms>, "_comment": "...", "_is_diff": true}
 *
 * An inserted row lists its non-default persistent columns; a deleted row is
 * null; a modified row lists its changed columns, with "_is_diff" set as the
 * difference (sets: elements added or removed; maps: pairs added, removed or
 * changed; scalars: the new value), else the new value.  transaction.ts
 * builds these records (CommitChange.toFileRecord) and replays them
 * (txnFromFileJson); this file reads and writes whole databases: replay on
 * open, snapshots for compaction and conversion, schema files, show-log.
 */
import { openSync, readSync, closeSync, fstatSync, renameSync, unlinkSync } from 'node:fs';
import { type Json, type JsonObject, jsonToString } from '../lib/json.js';
import { parseJsonOvs } from '../lib/json-ovs-parse.js';
import { jsonToStringHashOrder } from '../lib/json-shash.js';
import { shashOrder, hmapOrder } from '../lib/shash-order.js';
import { hashString } from '../lib/hash.js';
import { strerror } from '../lib/strerror.js';
import { vlogModule } from '../lib/vlog.js';
import { lockfileLock, lockfileUnlock, followSymlinks, type Lockfile } from '../lib/lockfile.js';
import { OvsdbError } from './ovsdb-error.js';
import { DatabaseSchema, type TableSchema } from './schema.js';
import { type ColumnSchema, COL_UUID } from './column.js';
import { OvsdbLog, OpenMode, OVSDB_MAGIC, RAFT_MAGIC, fsyncParentDir } from './log.js';
import { datumDiff, datumFromJson, datumIsDefault, datumToJson, datumToString } from './datum.js';
import type { Row } from './row.js';
import type { Table } from './table.js';
import { Database } from './database.js';
import { type CommitChange, txnFromFileJson } from './transaction.js';
import { transact } from './execution.js';

const fileLog = vlogModule('ovsdb_file');

/** Reads all of file 'name' as OVS reads a JSON file; throws an error text. */
function readJsonFile(name: string): Json {
  let fd: number;
  try {
    fd = openSync(name, 'r');
  } catch (e) {
    throw `error opening "${name}": ${strerror((e as NodeJS.ErrnoException).code)}`;
  }
  const chunks: Buffer[] = [];
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.max(size, 8192));
    let got = 0;
    for (;;) {
      if (got === buf.length) { chunks.push(Buffer.from(buf.subarray(0, got))); got = 0; }
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    chunks.push(buf.subarray(0, got));
  } catch (e) {
    throw `error reading JSON stream: ${strerror((e as NodeJS.ErrnoException).code)}`;
  } finally {
    closeSync(fd);
  }
  const r = parseJsonOvs(Buffer.concat(chunks).toString('utf8'));
  if ('error' in r) throw r.error;
  return r.value;
}

/** Reads a schema file (OVS's ovsdb_schema_from_file).  Throws OvsdbError. */
export function schemaFromFile(fileName: string): DatabaseSchema {
  let json: Json;
  try {
    json = readJsonFile(fileName);
  } catch (e) {
    if (typeof e !== 'string') throw e;
    throw new OvsdbError('failed to read schema', `"${fileName}" could not be read as JSON (${e})`);
  }
  try {
    return DatabaseSchema.fromJson(json);
  } catch (e) {
    if (e instanceof OvsdbError) throw e.wrap(`failed to parse "${fileName}" as ovsdb schema`);
    throw e;
  }
}

/** An error OVS reports with ovs_fatal() rather than as an ovsdb_error:
 * printed as just its text. */
export class FatalError extends OvsdbError {
  constructor(text: string) {
    super(text);
  }
}

/** Opens standalone database 'fileName' (OVS's ovsdb_storage_open_standalone):
 * read/write and locked if 'rw'.  Throws OvsdbError, including for a
 * clustered database. */
export function openStandalone(fileName: string, rw: boolean): OvsdbLog {
  const log = OvsdbLog.open(fileName, `${OVSDB_MAGIC}|${RAFT_MAGIC}`, rw ? OpenMode.ReadWrite : OpenMode.ReadOnly);
  if (log.magic === RAFT_MAGIC) {
    log.close();
    throw new OvsdbError('ovsdb error', `${fileName}: cannot apply this operation to clustered database file`);
  }
  return log;
}

/** Reads the schema record from an open standalone log (OVS's
 * ovsdb_storage_read_schema).  Throws OvsdbError. */
export function readSchemaRecord(log: OvsdbLog): { schema: DatabaseSchema; json: JsonObject } {
  const json = log.read();
  if (json === null) throw new FatalError('unexpected end of file reading schema');
  return { schema: DatabaseSchema.fromJson(json), json };
}

/** The schema of standalone database 'fileName'.  Throws OvsdbError. */
export function readStandaloneSchema(fileName: string): DatabaseSchema {
  const log = openStandalone(fileName, false);
  try {
    return readSchemaRecord(log).schema;
  } finally {
    log.close();
  }
}

/** Reorders the members of 'obj' to the insertion order 'keys'. */
function withOrder(obj: JsonObject, keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k]!;
  return out;
}

/** The schema's JSON with members inserted in the order OVS inserts them, so
 * that hash-ordered output (log.ts) is byte-identical with OVS's.  OVS keeps
 * tables and columns in hash maps (schema.ts already adds them in OVS's
 * order) and builds the JSON by iterating those maps. */
export function schemaToFileJson(schema: DatabaseSchema): JsonObject {
  const json = schema.toJson();
  const tables = json['tables'] as JsonObject;
  const tableOrder = shashOrder([...schema.tables.keys()]);
  for (const t of schema.tables.values()) {
    const tj = tables[t.name] as JsonObject;
    const declared = t.columnList.slice(2).map((c) => c.name);
    const order = shashOrder(['_uuid', '_version', ...declared]).filter((n) => n[0] !== '_');
    tj['columns'] = withOrder(tj['columns'] as JsonObject, order);
  }
  json['tables'] = withOrder(tables, tableOrder);
  return json;
}

/* ---- show-log ---- */

/** Formats 'ms' (UTC) as " %Y-%m-%d %H:%M:%S.###". */
function formatDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return ` ${String(d.getUTCFullYear()).padStart(4, '0')}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function printDbChanges(record: JsonObject, names: Map<string, string>, schema: DatabaseSchema | null,
                        verbosity: number, print: (s: string) => void): void {
  const diff = record['_is_diff'] === true;
  let first = true;
  for (const table of shashOrder(Object.keys(record))) {
    const rows = record[table];
    if (table[0] === '_' || !isObject(rows)) continue;
    if (first) { print('\n'); first = false; }
    const tableSchema = schema?.tables.get(table) ?? null;
    for (const rowUuid of shashOrder(Object.keys(rows))) {
      const columns = rows[rowUuid]!;
      const oldName = names.get(rowUuid);
      let newName: string | undefined;
      if (isObject(columns) && columns['name'] !== undefined) newName = jsonToString(columns['name'], { sort: true });
      let s = `  table ${table}`;
      if (oldName === undefined) {
        s += newName !== undefined ? ` insert row ${newName} (${rowUuid.slice(0, 8)}):\n` : ` insert row ${rowUuid.slice(0, 8)}:\n`;
      } else {
        s += ` row ${oldName} (${rowUuid.slice(0, 8)})${diff ? ' diff' : ''}:\n`;
      }
      print(s);
      if (isObject(columns)) {
        if (verbosity > 1) {
          for (const column of shashOrder(Object.keys(columns))) {
            const value = columns[column]!;
            const cs = tableSchema?.columns.get(column);
            let text: string | null = null;
            if (cs) {
              try {
                text = datumToString(datumFromJson(cs.type, value, null), cs.type);
              } catch (e) {
                if (!(e instanceof OvsdbError)) throw e;
              }
            }
            text ??= jsonToString(value, { sort: true });
            print(`    ${column}=${text}\n`);
          }
        }
        if (newName !== undefined && (oldName === undefined || oldName !== newName)) {
          names.set(rowUuid, newName);
        } else if (oldName === undefined) {
          names.set(rowUuid, rowUuid.slice(0, 8));
        }
      } else if (columns === null) {
        print('    delete row\n');
        names.delete(rowUuid);
      }
    }
  }
}

/** Prints one transaction record as show-log does (date, comment, changes). */
export function printChangeRecord(json: JsonObject, schema: DatabaseSchema | null, names: Map<string, string>,
                           verbosity: number, print: (s: string) => void): void {
  const date = json['_date'];
  if (typeof date === 'number' && Number.isInteger(date) || typeof date === 'bigint') {
    let t = Number(date);
    if (t < 2147483647) t *= 1000; // Old files stored seconds.
    print(formatDate(t));
  }
  const comment = json['_comment'];
  if (typeof comment === 'string') print(` "${comment}"`);
  if (verbosity > 0) printDbChanges(json, names, schema, verbosity, print);
}

/** Prints the records of standalone log 'log' as `ovsdb-tool show-log` does
 * ('verbosity' is the number of -m options).  Throws OvsdbError on a read
 * error, after printing the records before it. */
export function showLogStandalone(log: OvsdbLog, verbosity: number, print: (s: string) => void): void {
  const names = new Map<string, string>();
  let schema: DatabaseSchema | null = null;
  for (let i = 0; ; i++) {
    const json = log.read();
    if (json === null) break;
    print(`record ${i}:`);
    if (i === 0) {
      schema = DatabaseSchema.fromJson(json);
      print(` "${schema.name}" schema, version="${schema.version}", cksum="${schema.cksum}"\n`);
    } else {
      printChangeRecord(json, schema, names, verbosity, print);
    }
    print('\n');
  }
}

/* ---- Whole databases: read, snapshot, compact/convert, transact. ---- */

/** Renames 'from' to 'to' as OVS's ovsdb-tool does; throws a FatalError. */
export function renameOrFail(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    throw new FatalError(`failed to rename "${from}" to "${to}" (${strerror((e as NodeJS.ErrnoException).code)})`);
  }
}

/** Removes 'name', ignoring errors. */
export function removeQuietly(name: string): void {
  try { unlinkSync(name); } catch { /* ignore */ }
}


/* ---- Record text, in OVS's member order. ---- */

interface TableOrder {
  /** Persistent columns other than _uuid, in the order OVS iterates them. */
  columns: ColumnSchema[];
  /** Output order for a set of present columns, by their joined indexes. */
  subsets: Map<string, ColumnSchema[]>;
}

const tableOrders = new WeakMap<TableSchema, TableOrder>();
const topOrders = new Map<string, string[]>();

function tableOrder(ts: TableSchema): TableOrder {
  let o = tableOrders.get(ts);
  if (!o) {
    o = { columns: ts.allColumns.filter((c) => c.index !== COL_UUID && c.persistent), subsets: new Map() };
    tableOrders.set(ts, o);
  }
  return o;
}

/** Output order of the row members 'present' (given in OVS's iteration order). */
function columnsOutputOrder(o: TableOrder, present: ColumnSchema[]): ColumnSchema[] {
  if (present.length < 2) return present;
  let key = '';
  for (const c of present) key += `${c.index},`;
  let order = o.subsets.get(key);
  if (!order) {
    const byName = new Map(present.map((c) => [c.name, c]));
    order = shashOrder(present.map((c) => c.name)).map((n) => byName.get(n)!);
    if (o.subsets.size > 4096) o.subsets.clear();
    o.subsets.set(key, order);
  }
  return order;
}

function topOutputOrder(keys: string[]): string[] {
  const key = keys.join('\u0000');
  let order = topOrders.get(key);
  if (!order) {
    order = shashOrder(keys);
    if (topOrders.size > 4096) topOrders.clear();
    topOrders.set(key, order);
  }
  return order;
}

/** The JSON text of one row of a record, or null if it lists nothing (a
 * modification of non-persistent columns only).  'old' null: an insert (all
 * non-default columns); 'nw' null: a delete. */
function rowText(ts: TableSchema, old: Row | null, nw: Row | null, changed: readonly boolean[] | null,
                 useDiff: boolean): string | null {
  if (!nw) return 'null';
  const o = tableOrder(ts);
  const present: ColumnSchema[] = [];
  for (const c of o.columns) {
    const i = c.index;
    if (old ? (changed === null || changed[i] === true) : !datumIsDefault(nw.fields[i]!, c.type)) present.push(c);
  }
  if (old && present.length === 0) return null;
  let s = '{';
  let first = true;
  for (const c of columnsOutputOrder(o, present)) {
    const i = c.index;
    const d = old && useDiff ? datumDiff(old.fields[i]!, nw.fields[i]!, c.type) : nw.fields[i]!;
    if (!first) s += ',';
    first = false;
    s += `${JSON.stringify(c.name)}:${jsonToString(datumToJson(d, c.type))}`;
  }
  return s + '}';
}

/** Appends '"_comment", "_is_diff", "_date"' members to 'members' (text by
 * name) and returns the record text in OVS's member order. */
function annotatedText(members: Map<string, string>, comment: string | null, useDiff: boolean, dateMs: number): string {
  if (comment !== null) members.set('_comment', JSON.stringify(comment));
  if (useDiff) members.set('_is_diff', 'true');
  members.set('_date', String(Math.floor(dateMs)));
  let s = '{';
  let first = true;
  for (const k of topOutputOrder([...members.keys()])) {
    if (!first) s += ',';
    first = false;
    s += `${JSON.stringify(k)}:${members.get(k)!}`;
  }
  return s + '}';
}

/** The on-disk record for committed change 'change' as JSON text exactly as
 * OVS would write it (OVS's ovsdb_file_txn_to_json + annotate), or null if
 * nothing persistent changed. */
export function commitRecordText(change: CommitChange, dateMs: number = Date.now(), useDiff = true): string | null {
  const tables = new Map<string, { uuids: string[]; rows: Map<string, string> }>();
  for (const rc of change.rows) {
    const text = rowText(rc.table.schema, rc.oldRow, rc.newRow, rc.changed, useDiff);
    if (text === null) continue;
    let t = tables.get(rc.table.name);
    if (!t) {
      t = { uuids: [], rows: new Map() };
      tables.set(rc.table.name, t);
    }
    if (!t.rows.has(rc.uuid)) t.uuids.push(rc.uuid);
    t.rows.set(rc.uuid, text);
  }
  if (tables.size === 0) return null;
  const members = new Map<string, string>();
  for (const [name, t] of tables) members.set(name, objectText(t.uuids, t.rows));
  return annotatedText(members, change.comment, useDiff, dateMs);
}

function objectText(keys: string[], texts: Map<string, string>): string {
  let s = '{';
  let first = true;
  for (const k of keys.length > 1 ? shashOrder(keys) : keys) {
    if (!first) s += ',';
    first = false;
    s += `${JSON.stringify(k)}:${texts.get(k)!}`;
  }
  return s + '}';
}

/** The rows of each table in the order OVS's row hash map iterates them. */
function snapshotTables(db: Database): { table: Table; rows: Row[] }[] {
  const out: { table: Table; rows: Row[] }[] = [];
  for (const name of shashOrder(shashOrder([...db.schema.tables.keys()]))) {
    const table = db.tables.get(name)!;
    if (table.rows.size === 0) continue;
    const rows = [...table.rows.values()];
    const hashes = new Uint32Array(rows.length);
    for (let i = 0; i < rows.length; i++) hashes[i] = parseInt(rows[i]!.uuid.slice(0, 8), 16);
    out.push({ table, rows: hmapOrder(hashes).map((i) => rows[i]!) });
  }
  return out;
}

/** The whole database as one record (OVS's ovsdb_to_txn_json), in chunks
 * of text; between chunks an async consumer may let other work run.  The
 * rows are captured when the generator starts (rows are immutable, so later
 * commits do not disturb it). */
export function* snapshotRecordChunks(db: Database, comment: string | null, useDiff: boolean,
                                      dateMs: number = Date.now(), rowsPerChunk = 500): Generator<string> {
  const tables = snapshotTables(db);
  const members: string[] = tables.map((t) => t.table.name);
  if (comment !== null) members.push('_comment');
  if (useDiff) members.push('_is_diff');
  members.push('_date');
  const byName = new Map(tables.map((t) => [t.table.name, t]));
  let s = '{';
  let first = true;
  let n = 0;
  for (const k of shashOrder(members)) {
    if (!first) s += ',';
    first = false;
    s += `${JSON.stringify(k)}:`;
    const t = byName.get(k);
    if (!t) {
      s += k === '_comment' ? JSON.stringify(comment) : k === '_is_diff' ? 'true' : String(Math.floor(dateMs));
      continue;
    }
    // Member order: OVS's hash order of the row UUIDs, inserted in row-map
    // order.  Hashing is sliced too (empty chunks let the consumer yield).
    const rows = t.rows;
    const hashes = new Uint32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      hashes[i] = hashString(rows[i]!.uuid, 0);
      if (i % (rowsPerChunk * 10) === rowsPerChunk * 10 - 1) yield '';
    }
    s += '{';
    let firstRow = true;
    for (const i of rows.length > 1 ? hmapOrder(hashes) : [0]) {
      const r = rows[i]!;
      if (!firstRow) s += ',';
      firstRow = false;
      s += `${JSON.stringify(r.uuid)}:${rowText(t.table.schema, null, r, null, false)!}`;
      if (++n % rowsPerChunk === 0) {
        yield s;
        s = '';
      }
    }
    s += '}';
  }
  yield s + '}';
}

/** snapshotRecordChunks() as one string. */
export function snapshotRecordText(db: Database, comment: string | null, useDiff: boolean, dateMs: number = Date.now()): string {
  return [...snapshotRecordChunks(db, comment, useDiff, dateMs, Infinity)].join('');
}

/** The schema record's JSON text for 'schema', as OVS writes it. */
export function schemaRecordText(schema: DatabaseSchema): string {
  return jsonToStringHashOrder(schemaToFileJson(schema));
}

/* ---- Reading a whole database. ---- */

/** How to treat a read error after the schema (OVS: the tool gives up, the
 * server keeps what it read and overwrites the rest on its next write). */
export const enum OnReadError {
  /** Throw the error (ovsdb-tool). */
  Fail,
  /** Keep the records read so far; if the bad part is the tail of the file
   * (no valid record follows it), log a warning and truncate it; if valid
   * records follow (corruption in the middle), throw. */
  TruncateTail,
}

/** A database read from a standalone file, with its open log. */
export interface OpenedFile {
  db: Database;
  log: OvsdbLog;
  /** The schema record as stored (differs from db.schema when converting). */
  schemaJson: JsonObject;
  /** Records read after the schema. */
  nTransactions: number;
}

/** Reads standalone database 'fileName' (OVS's ovsdb_file_read): opens it
 * (locked if 'rw'), reads the schema (or uses 'newSchema', ignoring unknown
 * tables and columns in the data) and replays every transaction.  A record
 * that cannot be committed ends the replay there (it will be overwritten),
 * as does, unless 'onReadError' is Fail, one that does not parse.
 * Throws OvsdbError. */
export function readDatabaseFile(fileName: string, rw: boolean, newSchema: DatabaseSchema | null = null,
                                 onReadError: OnReadError = OnReadError.Fail,
                                 warn: (msg: string) => void = (msg) => fileLog.warn(msg)): OpenedFile {
  const log = openStandalone(fileName, rw);
  try {
    const { schema, json: schemaJson } = readSchemaRecord(log);
    const db = new Database(newSchema ?? schema);
    let n = 0;
    for (;;) {
      let json: JsonObject | null;
      try {
        json = log.read();
      } catch (e) {
        if (onReadError === OnReadError.Fail || !(e instanceof OvsdbError)) throw e;
        if (log.hasValidRecordAfterError()) throw e;
        warn(e.toString());
        if (rw) log.truncateUnread();
        break;
      }
      if (json === null) break;
      n++;
      if (n === 1) log.markBase();
      const txn = db.newTxn();
      try {
        txnFromFileJson(txn, json, newSchema !== null);
      } catch (e) {
        txn.abort();
        // Tools stop; the server logs it and keeps what came before, and its
        // next write replaces the record (as OVS's read_db()).
        if (onReadError === OnReadError.Fail || !(e instanceof OvsdbError)) throw e;
        warn(e.toString());
        log.unread();
        break;
      }
      const r = db.commit(txn);
      if (r instanceof OvsdbError) {
        log.unread();
        break;
      }
    }
    return { db, log, schemaJson, nTransactions: n };
  } catch (e) {
    log.close();
    throw e;
  }
}

/* ---- ovsdb-tool operations. ---- */

function lockOrFail(name: string): Lockfile {
  const r = lockfileLock(name);
  if (r.error) throw new FatalError(`${name}: failed to lock lockfile (${strerror(r.error)})`);
  return r.lock!;
}

/** Writes 'db' to 'fileName' as a schema record and one snapshot record
 * (OVS's write_standalone_db): creates or overwrites, no lock, no sync. */
export function writeStandaloneDb(fileName: string, comment: string | null, db: Database, useDiff = false): void {
  const log = OvsdbLog.open(fileName, OVSDB_MAGIC, OpenMode.Create, false);
  try {
    log.writeText(schemaRecordText(db.schema));
    log.writeText(snapshotRecordText(db, comment, useDiff));
  } catch (e) {
    log.close();
    removeQuietly(fileName);
    throw e;
  }
  log.close();
}

/** `ovsdb-tool compact` / `convert`: reads 'src' (converted to 'newSchema'
 * if given) and writes it compacted to 'dst', or in place (through
 * "<src>.tmp" and a rename) if 'dst' is null.  Throws OvsdbError. */
export function compactOrConvert(src: string, dst: string | null, newSchema: DatabaseSchema | null, comment: string): void {
  const inPlace = dst === null;
  const srcName = followSymlinks(src);
  const dstName = inPlace ? `${srcName}.tmp` : followSymlinks(dst);
  const srcLock = inPlace ? lockOrFail(srcName) : null;
  let dstLock: Lockfile | null = null;
  try {
    dstLock = lockOrFail(dstName);
    const { db, log } = readDatabaseFile(srcName, false, newSchema);
    log.close();
    writeStandaloneDb(dstName, comment, db);
    if (inPlace) {
      renameOrFail(dstName, srcName);
      fsyncParentDir(dstName);
    }
  } finally {
    lockfileUnlock(dstLock);
    lockfileUnlock(srcLock);
  }
}

/** `ovsdb-tool query` / `transact`: runs transaction text 'request' against
 * database 'fileName', writing the result to the file if 'rw' (a query
 * that changes something fails to write, as in OVS).  Returns the result
 * as sorted JSON text, or the parse error for bad JSON.  Throws OvsdbError. */
export function transactFile(fileName: string, request: string, rw: boolean, _rbacRole: string | null):
    { text: string } | { parseError: string } {
  const { db, log } = readDatabaseFile(fileName, rw);
  try {
    const parsed = parseJsonOvs(request);
    if ('error' in parsed) return { parseError: parsed.error };
    db.setStorageHook((change) => {
      const text = commitRecordText(change);
      if (text === null) return null;
      try {
        log.writeText(text);
        if (change.durable) log.commitBlock();
      } catch (e) {
        if (e instanceof OvsdbError) return e;
        throw e;
      }
      return null;
    });
    const r = transact(db, parsed.value, {});
    const result = r.status === 'done' ? r.result : [];
    return { text: jsonToString(result, { sort: true }) };
  } finally {
    log.close();
  }
}
