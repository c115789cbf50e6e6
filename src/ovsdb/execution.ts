/* execution: the "transact" method (RFC 7047 sections 4.1.3 and 5.2; OVS
 * ovsdb/execution.c and the transaction part of ovsdb/trigger.c).
 *
 * transact() runs the operations of one request against a Database in a
 * single Txn and commits it.  Each operation has an executor in the
 * OPERATIONS table; the result array has one object per operation, then on
 * failure the error object and nulls for the operations not reached, and if
 * the commit itself fails, the commit error appended after all results.
 *
 * A "wait" whose condition does not hold yet makes transact() return
 * { status: 'wait' }: the caller (the server) keeps the request and runs it
 * again after the next commit or when the wait's timeout expires, passing the
 * elapsed time so that "timed out" is reported as OVS does.
 */
import type { Json, JsonObject } from '../lib/json.js';
import { OvsdbError, ovsdbError, syntaxError } from './ovsdb-error.js';
import {
  OvsdbParser, OP_ARRAY, OP_BOOLEAN, OP_ID, OP_INTEGER, OP_OBJECT, OP_OPTIONAL, OP_STRING,
} from './ovsdb-parser.js';
import { SymbolTable } from './atom.js';
import { type ColumnSchema, columnSetFromJson } from './column.js';
import { Condition, queryRowArray } from './condition.js';
import { datumCheckConstraints } from './datum.js';
import type { Database } from './database.js';
import { MutationSet } from './mutation.js';
import { type Row, rowCompareColumns, rowEqualColumns, rowFromJson, rowKeyColumns, rowToJson, rowUpdateColumns } from './row.js';
import type { Table } from './table.js';
import type { CommitChange, Txn } from './transaction.js';
import { uuidFromString, uuidGenerate } from './uuid.js';

/** Options for one "transact" request. */
export interface TransactOptions {
  /** The server is read-only: only read-only operations are allowed. */
  readOnly?: boolean;
  /** Milliseconds since the request arrived (for "wait" timeouts). */
  elapsedMs?: number;
  /** True if the requesting session owns lock 'name' (for "assert"); absent means no session. */
  ownsLock?: (name: string) => boolean;
  /** If false, an unsatisfied "wait" fails with "not supported" instead of asking to retry. */
  triggers?: boolean;
  /** Transaction id to record in the history (see Database.commit). */
  txnId?: string;
}

/** The outcome of transact(). */
export type TransactResult =
  | {
    status: 'done';
    /** The JSON-RPC "result": normally an array of operation results. */
    result: Json;
    /** What was committed (null if nothing changed or the transaction failed). */
    change: CommitChange | null;
    /** True if a "commit" operation asked for durability. */
    durable: boolean;
  }
  | {
    status: 'wait';
    /** Smallest "timeout" of the waits (Infinity if none gave one). */
    timeoutMs: number;
  };

interface Execution {
  db: Database;
  txn: Txn;
  symtab: SymbolTable;
  durable: boolean;
  opts: TransactOptions;
  elapsedMs: number;
  timeoutMs: number;
}

type Executor = (x: Execution, p: OvsdbParser, result: JsonObject) => OvsdbError | null;

/** Operation name -> executor and whether it only reads. */
const OPERATIONS: { [op: string]: { readOnly: boolean; exec: Executor } } = {
  insert: { readOnly: false, exec: executeInsert },
  select: { readOnly: true, exec: executeSelect },
  update: { readOnly: false, exec: executeUpdate },
  mutate: { readOnly: false, exec: executeMutate },
  delete: { readOnly: false, exec: executeDelete },
  wait: { readOnly: true, exec: executeWait },
  commit: { readOnly: false, exec: executeCommit },
  abort: { readOnly: true, exec: executeAbort },
  comment: { readOnly: true, exec: executeComment },
  assert: { readOnly: true, exec: executeAssert },
};

/** Composes the transaction (OVS's ovsdb_execute_compose): returns results and, unless an operation failed, the Txn. */
export function executeCompose(db: Database, params: Json, opts: TransactOptions = {}):
    { results: Json; txn: Txn | null; durable: boolean; wait: number | null } {
  if (!Array.isArray(params) || params.length === 0 || params[0] !== db.schema.name) {
    const err = !Array.isArray(params)
      ? syntaxError(params, null, 'array expected')
      : syntaxError(params, null, 'database name expected as first parameter');
    return { results: err.toJson(), txn: null, durable: false, wait: null };
  }
  const x: Execution = {
    db, txn: db.newTxn(), symtab: new SymbolTable(), durable: false, opts,
    elapsedMs: opts.elapsedMs ?? 0, timeoutMs: Infinity,
  };
  const nOps = params.length - 1;
  const results: Json[] = [];
  let error: OvsdbError | null = null;
  for (let i = 1; i <= nOps; i++) {
    const p = new OvsdbParser(params[i], () => `ovsdb operation ${i} of ${nOps}`);
    const opJson = p.member('op', OP_ID);
    const result: JsonObject = {};
    let ro = false;
    let opName: string | null = null;
    if (opJson !== undefined) {
      opName = opJson as string;
      const op = Object.prototype.hasOwnProperty.call(OPERATIONS, opName) ? OPERATIONS[opName] : undefined;
      if (op) {
        ro = op.readOnly;
        try {
          error = op.exec(x, p, result);
        } catch (e) {
          if (!(e instanceof OvsdbError)) {
            x.txn.abort();
            throw e;
          }
          error = e;
        }
      } else {
        p.raise(`No operation "${opName}"`);
      }
    }
    // A parse error overrides any other error.
    const parseError = p.finish();
    if (parseError) error = parseError;
    if (!ro && !error) {
      if (opts.readOnly) {
        error = ovsdbError('not allowed', `${opName} operation not allowed when database server is in read only mode`);
      } else if (db.schema.name[0] === '_') {
        error = ovsdbError('not allowed', `${opName} operation not allowed on table in reserved database ${db.schema.name}`);
      }
    }
    if (error) {
      results.push(error.toJson());
      if (error.tag === 'not supported' && opts.triggers !== false) {
        x.txn.abort();
        return { results: null, txn: null, durable: false, wait: x.timeoutMs };
      }
      break;
    }
    results.push(result);
  }
  while (results.length < nOps) results.push(null);
  if (error) {
    x.txn.abort();
    return { results, txn: null, durable: x.durable, wait: null };
  }
  return { results, txn: x.txn, durable: x.durable, wait: null };
}

/**
 * The check the JSON-RPC layer makes before transact, monitor and the like
 * (OVS's ovsdb_jsonrpc_lookup_db): params must start with a known database
 * name.  'exists' tells whether a database is served; returns the error for
 * the JSON-RPC "error" member, or null.
 */
export function lookupDbError(method: string, params: Json, exists: (name: string) => boolean): OvsdbError | null {
  const first = Array.isArray(params) ? params[0] : undefined;
  if (typeof first !== 'string') {
    return syntaxError(params, null, `${method} request params must begin with <db-name>`);
  }
  if (!exists(first)) {
    return syntaxError(params, 'unknown database', `${method} request specifies unknown database ${first}`);
  }
  return null;
}

/** Runs and commits one "transact" request (params: [db-name, op...]). */
export function transact(db: Database, params: Json, opts: TransactOptions = {}): TransactResult {
  const c = executeCompose(db, params, opts);
  if (c.wait !== null) return { status: 'wait', timeoutMs: c.wait };
  if (!c.txn) return { status: 'done', result: c.results, change: null, durable: c.durable };
  const r = db.commit(c.txn, c.durable, opts.txnId);
  if (r instanceof OvsdbError) {
    (c.results as Json[]).push(r.toJson());
    return { status: 'done', result: c.results, change: null, durable: c.durable };
  }
  return { status: 'done', result: c.results, change: r, durable: c.durable };
}

/* ---- Executors. ---- */

function parseTable(x: Execution, p: OvsdbParser, member: string): Table | null {
  const json = p.member(member, OP_ID);
  if (json === undefined) return null;
  const table = x.db.tables.get(json as string);
  if (!table) p.raise(`No table named ${json as string}.`);
  return table ?? null;
}

/** Columns whose default value violates the column's constraints (checked on insert). */
function defaultViolations(table: Table): { column: ColumnSchema; error: OvsdbError }[] {
  let v = table.badDefaults;
  if (!v) {
    v = [];
    for (const c of table.schema.allColumns) {
      const d = table.defaults[c.index]!;
      if (d.keys.length !== 1) continue;
      const e = datumCheckConstraints(d, c.type);
      if (e) v.push({ column: c, error: e });
    }
    table.badDefaults = v;
  }
  return v;
}

function executeInsert(x: Execution, p: OvsdbParser, result: JsonObject): OvsdbError | null {
  const table = parseTable(x, p, 'table');
  const uuidJson = p.member('uuid', OP_STRING | OP_OPTIONAL);
  const uuidName = p.member('uuid-name', OP_ID | OP_OPTIONAL);
  const rowJson = p.member('row', OP_OBJECT);
  if (p.error) return p.error;
  const t = table!;
  let rowUuid: string;
  if (uuidJson !== undefined) {
    const u = uuidFromString(uuidJson as string);
    if (u === null) return syntaxError(uuidJson, null, 'bad uuid');
    if (!x.txn.mayCreateRow(t, u)) {
      return syntaxError(uuidJson, 'duplicate uuid',
        'This UUID would duplicate a UUID already present within the table or deleted within the same transaction.');
    }
    rowUuid = u;
  }
  if (uuidName !== undefined) {
    const sym = x.symtab.insert(uuidName as string);
    if (sym.created) {
      return syntaxError(uuidName, 'duplicate uuid-name', 'This "uuid-name" appeared on an earlier "insert" operation.');
    }
    if (uuidJson !== undefined) sym.uuid = rowUuid!;
    else rowUuid = sym.uuid;
    sym.created = true;
  } else if (uuidJson === undefined) {
    rowUuid = uuidGenerate();
  }
  const row = t.newRow(rowUuid!);
  const uuidDatum = row.fields[0];
  rowFromJson(row, rowJson!, x.symtab, null);
  // "_uuid" (or "_version") may be given in the row; OVS overrides them.
  if (row.fields[0] !== uuidDatum) row.fields[0] = uuidDatum!;
  for (const v of defaultViolations(t)) {
    if (row.fields[v.column.index] === t.defaults[v.column.index]) return v.error;
  }
  x.txn.rowInsert(row);
  result['uuid'] = ['uuid', rowUuid!];
  return null;
}

function distinctRows(rows: Row[], columns: ColumnSchema[]): Row[] {
  if (columns.some((c) => c.index === 0)) return rows;
  const seen = new Set<string>();
  const out: Row[] = [];
  for (const r of rows) {
    const k = rowKeyColumns(r, columns);
    if (!seen.has(k)) { seen.add(k); out.push(r); }
  }
  return out;
}

function executeSelect(x: Execution, p: OvsdbParser, result: JsonObject): OvsdbError | null {
  const table = parseTable(x, p, 'table');
  const where = p.member('where', OP_ARRAY);
  const columnsJson = p.member('columns', OP_ARRAY | OP_OPTIONAL);
  const sortJson = p.member('sort', OP_ARRAY | OP_OPTIONAL);
  if (p.error) return p.error;
  const ts = table!.schema;
  const cnd = Condition.fromJson(ts, where!, x.symtab);
  const columns = columnSetFromJson(columnsJson, ts);
  const sort = columnSetFromJson(sortJson, ts);
  const rows = distinctRows(queryRowArray(table!.rows, cnd), columns);
  if (sort.length && rows.length > 1) rows.sort((a, b) => rowCompareColumns(a, b, sort));
  result['rows'] = rows.map((r) => rowToJson(r, columns));
  return null;
}

function executeUpdate(x: Execution, p: OvsdbParser, result: JsonObject): OvsdbError | null {
  const table = parseTable(x, p, 'table');
  const where = p.member('where', OP_ARRAY);
  const rowJson = p.member('row', OP_OBJECT);
  if (p.error) return p.error;
  const t = table!;
  const update = t.scratchRow();
  const columns: ColumnSchema[] = [];
  rowFromJson(update, rowJson!, x.symtab, columns);
  for (const c of columns) {
    if (!c.mutable) {
      return syntaxError(p.json ?? undefined, 'constraint violation',
        `Cannot update immutable column ${c.name} in table ${t.name}.`);
    }
  }
  const cnd = Condition.fromJson(t.schema, where!, x.symtab);
  let n = 0;
  for (const row of queryRowArray(t.rows, cnd)) {
    n++;
    if (!rowEqualColumns(row, update, columns)) rowUpdateColumns(x.txn.rowModify(row), update, columns, false);
  }
  result['count'] = n;
  return null;
}

function executeMutate(x: Execution, p: OvsdbParser, result: JsonObject): OvsdbError | null {
  const table = parseTable(x, p, 'table');
  const where = p.member('where', OP_ARRAY);
  const mutationsJson = p.member('mutations', OP_ARRAY);
  if (p.error) return p.error;
  const t = table!;
  const mutations = MutationSet.fromJson(t.schema, mutationsJson!, x.symtab);
  const cnd = Condition.fromJson(t.schema, where!, x.symtab);
  let n = 0;
  for (const row of queryRowArray(t.rows, cnd)) {
    n++;
    mutations.execute(x.txn.rowModify(row));
  }
  result['count'] = n;
  return null;
}

function executeDelete(x: Execution, p: OvsdbParser, result: JsonObject): OvsdbError | null {
  const where = p.member('where', OP_ARRAY);
  const table = parseTable(x, p, 'table');
  if (p.error) return p.error;
  const t = table!;
  const cnd = Condition.fromJson(t.schema, where!, x.symtab);
  let n = 0;
  for (const row of queryRowArray(t.rows, cnd)) {
    n++;
    x.txn.rowDelete(row);
  }
  result['count'] = n;
  return null;
}

function executeWait(x: Execution, p: OvsdbParser): OvsdbError | null {
  const timeout = p.member('timeout', OP_INTEGER | OP_OPTIONAL);
  const where = p.member('where', OP_ARRAY);
  const columnsJson = p.member('columns', OP_ARRAY | OP_OPTIONAL);
  const until = p.member('until', OP_STRING);
  const rowsJson = p.member('rows', OP_ARRAY);
  const table = parseTable(x, p, 'table');
  if (p.error) return p.error;
  const t = table!;
  const cnd = Condition.fromJson(t.schema, where!, x.symtab);
  const columns = columnSetFromJson(columnsJson, t.schema);
  let timeoutMs = Infinity;
  if (timeout !== undefined) {
    timeoutMs = Number(timeout);
    if (timeoutMs < 0) return syntaxError(timeout, null, 'timeout must be nonnegative');
    if (timeoutMs < x.timeoutMs) x.timeoutMs = timeoutMs;
  }
  if (until !== '==' && until !== '!=') return syntaxError(until, null, '"until" must be "==" or "!="');

  const expected = new Set<string>();
  for (const rj of rowsJson as Json[]) {
    const row = t.scratchRow();
    rowFromJson(row, rj, x.symtab, null);
    expected.add(rowKeyColumns(row, columns));
  }
  let equal = true;
  const actual = new Set<string>();
  for (const row of queryRowArray(t.rows, cnd)) {
    const k = rowKeyColumns(row, columns);
    if (!expected.has(k)) { equal = false; break; }
    actual.add(k);
  }
  if (equal) equal = actual.size === expected.size;
  if ((until === '==') !== equal) {
    if (timeout !== undefined && x.elapsedMs >= timeoutMs) {
      return x.elapsedMs
        ? ovsdbError('timed out', `"wait" timed out after ${x.elapsedMs} ms`)
        : ovsdbError('timed out', '"where" clause test failed');
    }
    return ovsdbError('not supported', 'triggers not supported');
  }
  return null;
}

function executeCommit(x: Execution, p: OvsdbParser): OvsdbError | null {
  const durable = p.member('durable', OP_BOOLEAN);
  if (durable === true) x.durable = true;
  return null;
}

function executeAbort(): OvsdbError | null {
  return ovsdbError('aborted', 'aborted by request');
}

function executeComment(x: Execution, p: OvsdbParser): OvsdbError | null {
  const comment = p.member('comment', OP_STRING);
  if (comment !== undefined) x.txn.addComment(comment as string);
  return null;
}

function executeAssert(x: Execution, p: OvsdbParser): OvsdbError | null {
  const lock = p.member('lock', OP_ID);
  if (lock === undefined) return null;
  if (x.opts.ownsLock && x.opts.ownsLock(lock as string)) return null;
  return ovsdbError('not owner', `Asserted lock ${lock as string} not held.`);
}

export { OPERATIONS };
