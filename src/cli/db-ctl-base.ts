/* db-ctl-base: the database-command machinery shared by OVS's *ctl tools
 * (OVS's lib/db-ctl-base.c), used by ovs-vsctl.
 *
 * A tool registers its commands (CtlCommandSyntax: name, argument counts,
 * allowed options, and prerequisites/run/postprocess functions) next to the
 * generic ones defined here: get, list, find, set, add, remove, clear,
 * create, destroy, wait-until, comment and show.  ctlParseCommands() splits
 * the command line at "--" into commands with their own options;
 * prerequisites say which columns the IDL must monitor; run() executes a
 * command against the replica inside the transaction, writing to ctx.output
 * or ctx.table.
 *
 * Rows are named as the user typed them: by UUID (or a unique prefix of at
 * least 4 hex digits), "." for a table's only row, or by the table's
 * row-id columns (Bridge by name, Controller via the bridge that points to
 * it, ...).  Table and column names match on unique case-insensitive prefixes
 * with '-' for '_'.  Values use the string syntax of ovsdb/datum.ts.
 *
 * Errors are thrown as CtlError with OVS's exact text; the tool prints
 * "<program>: <text>" and exits 1 before anything is committed.
 */
import { vlogModule } from '../lib/vlog.js';
import {
  type Datum, datumCompare, datumExcludesAll, datumFindKey, datumFromString, datumIncludesAll,
  datumIsDefault, datumSingle, datumSubtract, datumToString, datumUnion, datumEmpty, tokenParse,
} from '../ovsdb/datum.js';
import { type SymbolTable, type OvsdbSymbol, atomFromString, atomToString } from '../ovsdb/atom.js';
import { Type, TYPE_UUID, UINT_MAX } from '../ovsdb/types.js';
import { uuidFromString } from '../ovsdb/uuid.js';
import type { Idl, IdlRow } from '../ovsdb/idl.js';
import type { IdlTxn } from '../ovsdb/idl-txn.js';
import type { IdlClass, IdlColumn, IdlTable } from '../ovsdb/idl-schema.js';
import { Table as OutTable } from '../ovsdb/table-format.js';

const log = vlogModule('db_ctl_base');

/** A command-level error: printed as "<program>: <message>", exit status 1. */
export class CtlError extends Error {}

/** Exits the tool with 'status' (br-exists uses 2). */
export class CtlExit extends Error {
  constructor(readonly status: number) { super(`exit ${status}`); }
}

/** Whether a command may write to the database. */
export type CtlMode = 'RO' | 'RW';

/** A command's definition (OVS's struct ctl_command_syntax). */
export interface CtlCommandSyntax {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** Argument synopsis, e.g. "TABLE RECORD [COLUMN]..." (for --commands). */
  arguments: string;
  prerequisites?: (ctx: CtlContext) => void;
  run?: (ctx: CtlContext) => void;
  postprocess?: (ctx: CtlContext) => void;
  /** Comma-separated options, e.g. "--if-exists,--id=" ('=': takes a value). */
  options: string;
  mode: CtlMode;
}

/** One parsed command of the command line. */
export interface CtlCommand {
  syntax: CtlCommandSyntax;
  /** argv[0] is the command name. */
  argv: string[];
  /** Options by name ("--if-exists"), with their values or null. */
  options: Map<string, string | null>;
  output: string;
  table: OutTable | null;
}

/** How rows of a table can be named (OVS's struct ctl_row_id). */
export interface CtlRowId {
  /** Table holding the name column (may differ from the table itself). */
  table: string;
  nameColumn: string;
  /** Key in a map name column, or null. */
  key: string | null;
  /** Column of 'table' that refers to the row, or null if 'table' is the table itself. */
  uuidColumn: string | null;
}

/** A table for the "show" command (OVS's struct cmd_show_table). */
export interface CmdShowTable {
  table: string;
  nameColumn: string | null;
  columns: string[];
}

/** The state a command runs with (OVS's struct ctl_context). */
export class CtlContext {
  argv: string[] = [];
  options = new Map<string, string | null>();
  output = '';
  table: OutTable | null = null;
  tryAgain = false;
  lastCommand = false;

  constructor(
    readonly idl: Idl,
    readonly txn: IdlTxn | null,
    readonly symtab: SymbolTable | null,
    readonly invalidateCache: (ctx: CtlContext) => void = () => {},
  ) {}

  /** Loads 'command' into the context. */
  initCommand(command: CtlCommand, last: boolean): void {
    this.argv = command.argv;
    this.options = command.options;
    this.output = command.output;
    this.table = command.table;
    this.tryAgain = false;
    this.lastCommand = last;
  }

  /** Stores the results back into 'command'. */
  doneCommand(command: CtlCommand): void {
    command.output = this.output;
    command.table = this.table;
  }

  /** The running transaction (commands' run functions only). */
  get t(): IdlTxn {
    if (!this.txn) throw new Error('no transaction');
    return this.txn;
  }
}

/* ---- Registry (ctl_init). ---- */

let idlClass: IdlClass;
let rowIds: Map<string, CtlRowId[]>;
let showTables: CmdShowTable[] | null = null;
const allCommands = new Map<string, CtlCommandSyntax>();

/** Sets up the generic commands for 'cls' (OVS's ctl_init). */
export function ctlInit(cls: IdlClass, ids: Map<string, CtlRowId[]>, show: CmdShowTable[] | null): void {
  idlClass = cls;
  rowIds = ids;
  showTables = show;
  ctlRegisterCommands(dbCtlCommands);
  if (show) ctlRegisterCommands([{ name: 'show', minArgs: 0, maxArgs: 0, arguments: '', prerequisites: preCmdShow, run: cmdShow, options: '', mode: 'RO' }]);
}

/** Adds commands to the registry. */
export function ctlRegisterCommands(cmds: CtlCommandSyntax[]): void {
  for (const c of cmds) allCommands.set(c.name, c);
}

/** All registered commands, in name order (OVS's shash iteration is by hash;
 * --commands output is sorted by its consumers). */
export function ctlAllCommands(): CtlCommandSyntax[] {
  return [...allCommands.values()];
}

/* ---- Names of tables and columns. ---- */

function lowerUnderscore(c: string): string {
  return c === '-' ? '_' : c.toLowerCase();
}

/** How well user input 's' matches 'name' (OVS's score_partial_match):
 * exact > case-insensitive full > prefix length > 0 (no match). */
function scorePartialMatch(name: string, s: string): number {
  if (name === s) return Number.MAX_SAFE_INTEGER;
  let score = 0;
  for (; ; score++) {
    const n = score < name.length ? name[score]! : '';
    const c = score < s.length ? s[score]! : '';
    if (lowerUnderscore(n) !== lowerUnderscore(c)) break;
    if (n === '') return Number.MAX_SAFE_INTEGER - 1;
  }
  return score >= s.length ? score : 0;
}

function bestMatch<T>(items: readonly T[], nameOf: (t: T) => string, s: string): { best: T | null; names: string[] } {
  let best: T | null = null;
  let bestScore = 0;
  let names: string[] = [];
  for (const it of items) {
    const score = scorePartialMatch(nameOf(it), s);
    if (score && score >= bestScore) {
      if (score > bestScore) names = [];
      names.push(nameOf(it));
      best = it;
      bestScore = score;
    }
  }
  return { best, names: [...new Set(names)].sort() };
}

/** The table that 'name' designates (OVS's get_table). */
export function getTable(name: string): IdlTable {
  const { best, names } = bestMatch(idlClass.tables, (t) => t.name, name);
  if (!best) throw new CtlError(`unknown table "${name}"`);
  if (names.length > 1) throw new CtlError(`"${name}" matches multiple table names: ${names.join(', ')}`);
  return best;
}

/** The column of 'table' that 'name' designates (OVS's get_column). */
export function getColumn(table: IdlTable, name: string): IdlColumn {
  const { best, names } = bestMatch(table.columns, (c) => c.name, name);
  if (!best) throw new CtlError(`${table.name} does not contain a column whose name matches "${name}"`);
  if (names.length > 1) {
    throw new CtlError(`${table.name} contains more than one column whose name matches "${name}": ${names.join(', ')}`);
  }
  return best;
}

function preGetColumn(ctx: CtlContext, table: IdlTable, name: string): IdlColumn {
  const c = getColumn(table, name);
  ctx.idl.addColumn(c);
  return c;
}

function preGetTable(ctx: CtlContext, name: string): IdlTable {
  const table = getTable(name);
  ctx.idl.addTable(table);
  for (const id of rowIds.get(table.name) ?? []) {
    const idTable = idlClass.tbl(id.table);
    ctx.idl.addColumn(idTable.col(id.nameColumn));
    if (id.uuidColumn) ctx.idl.addColumn(idTable.col(id.uuidColumn));
  }
  return table;
}

/* ---- Finding rows. ---- */

function isHexDigit(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

/** Length of 's' if it could be the beginning of a UUID, else 0 (OVS's uuid_is_partial_string). */
function uuidPartialLength(s: string): number {
  const tmpl = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
  if (s.length > tmpl.length) return 0;
  for (let i = 0; i < s.length; i++) {
    if (tmpl[i] === 'x' ? !isHexDigit(s[i]!) : s[i] !== '-') return 0;
  }
  return s.length;
}

function recordIdEquals(name: Datum, type: 'string' | 'integer', recordId: string): boolean {
  const atom = name.keys[0]!;
  if (type === 'string') {
    const s = atom as string;
    if (s === recordId) return true;
    return recordId.length >= 4 && uuidFromString(s) !== null && s.startsWith(recordId);
  }
  return BigInt(atom as number) === strtoll(recordId);
}

/** C's strtoll(s, NULL, 10), saturating, 0 when no digits. */
function strtoll(s: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0n;
  const v = BigInt(m[1]!);
  const max = 9223372036854775807n;
  return v > max ? max : v < -max - 1n ? -max - 1n : v;
}

function getRowById(ctx: CtlContext, table: IdlTable, id: CtlRowId, recordId: string): { row: IdlRow | null; multiple: boolean } {
  const idTable = idlClass.tbl(id.table);
  const nameCol = idTable.col(id.nameColumn);
  const nameType = (id.key ? nameCol.type.value!.type : nameCol.type.key.type) as 'string' | 'integer';
  if (nameType === 'integer' && !/^\d+$/.test(recordId)) return { row: null, multiple: false };
  let referrer: IdlRow | null = null;
  for (const row of ctx.idl.rows(idTable)) {
    const d = row.get(nameCol);
    let name: Datum | null = null;
    if (!id.key) {
      name = d.keys.length === 1 ? d : null;
    } else {
      const i = datumFindKey(d, id.key, 'string');
      if (i >= 0) name = datumSingle(d.values![i]!);
    }
    if (!name) continue;
    if (recordIdEquals(name, nameType, recordId)) {
      if (referrer) return { row: null, multiple: true };
      referrer = row;
    }
  }
  if (!referrer) return { row: null, multiple: false };
  if (!id.uuidColumn) return { row: referrer, multiple: false };
  const uc = idTable.col(id.uuidColumn);
  ctx.txn?.verify(referrer, uc);
  const u = referrer.get(uc);
  return { row: u.keys.length === 1 ? ctx.idl.getRow(table, u.keys[0] as string) : null, multiple: false };
}

/** Finds the row of 'table' that 'recordId' names (OVS's ctl_get_row). */
export function ctlGetRow(ctx: CtlContext, table: IdlTable, recordId: string, mustExist: boolean): IdlRow | null {
  let row: IdlRow | null = null;
  const u = uuidFromString(recordId);
  if (u) row = ctx.idl.getRow(table, u);
  if (!row && recordId === '.') {
    const rows = ctx.idl.rowList(table);
    if (rows.length === 1) row = rows[0]!;
  }
  if (!row) {
    for (const id of rowIds.get(table.name) ?? []) {
      const r = getRowById(ctx, table, id, recordId);
      if (r.multiple) throw new CtlError(`multiple rows in ${id.table} match "${recordId}"`);
      if (r.row) { row = r.row; break; }
    }
  }
  if (!row && uuidPartialLength(recordId) >= 4) {
    for (const r of ctx.idl.rows(table)) {
      if (r.uuid.startsWith(recordId)) {
        if (!row) row = r;
        else {
          throw new CtlError(`${table.name} contains 2 or more rows whose UUIDs begin with ${recordId}: at least ${row.uuid} and ${r.uuid}`);
        }
      }
    }
  }
  if (mustExist && !row) throw new CtlError(`no row "${recordId}" in table ${table.name}`);
  return row;
}

/* ---- Parsing "column[:key][=value]" arguments. ---- */

function missingOperatorError(arg: string, ops: string[]): string {
  let s = `${arg}: argument does not end in "${ops[0]}"`;
  if (ops.length === 2) s += ` or "${ops[1]}"`;
  else if (ops.length > 2) {
    for (let i = 1; i < ops.length - 1; i++) s += `, "${ops[i]}"`;
    s += `, or "${ops[ops.length - 1]}"`;
  }
  return s + ' followed by a value.';
}

interface ColumnKeyValue {
  column: IdlColumn;
  key: string | null;
  op: number;
  value: string | null;
}

/** Splits 'arg' into column, optional ":key" and (if 'ops' is given) an
 * operator and value (OVS's parse_column_key_value). */
function parseColumnKeyValue(arg: string, table: IdlTable, ops: string[] | null): ColumnKeyValue {
  let t = tokenParse(arg, 0);
  if ('error' in t) throw new CtlError(t.error);
  if (t.token === '') throw new CtlError(`${arg}: missing column name`);
  const column = getColumn(table, t.token);
  let p = t.end;
  let key: string | null = null;
  if (arg[p] === ':') {
    t = tokenParse(arg, p + 1);
    if ('error' in t) throw new CtlError(t.error);
    key = t.token;
    p = t.end;
  }
  if (ops) {
    let best = -1;
    let bestLen = 0;
    ops.forEach((op, i) => {
      if (op.length > bestLen && arg.startsWith(op, p) && p + op.length < arg.length) {
        best = i;
        bestLen = op.length;
      }
    });
    if (best < 0) throw new CtlError(missingOperatorError(arg, ops));
    return { column, key, op: best, value: arg.slice(p + bestLen) };
  }
  if (p < arg.length) throw new CtlError(`${arg}: trailing garbage "${arg.slice(p)}" in argument`);
  return { column, key, op: -1, value: null };
}

function preParseColumnKeyValue(ctx: CtlContext, arg: string, table: IdlTable): void {
  const t = tokenParse(arg, 0);
  if ('error' in t) throw new CtlError(t.error);
  if (t.token === '') throw new CtlError(`${arg}: missing column name`);
  preGetColumn(ctx, table, t.token);
}

function checkMutable(row: IdlRow, column: IdlColumn): void {
  if (!column.mutable && row.old) {
    throw new CtlError(`cannot modify read-only column ${column.name} in table ${row.table.name}`);
  }
}

function parseDatum(type: Type, s: string, symtab: SymbolTable | null): Datum {
  const d = datumFromString(type, s, symtab);
  if (typeof d === 'string') throw new CtlError(d);
  return d;
}

function parseAtom(type: Type, which: 'key' | 'value', s: string, symtab: SymbolTable | null) {
  const base = which === 'key' ? type.key : type.value!;
  const a = atomFromString(base, s, symtab);
  if (typeof a === 'string') throw new CtlError(a);
  return a.atom;
}

/* ---- Conditions (find, wait-until). ---- */

const RELOPS = ['=', '!=', '<', '>', '<=', '>=', '{=}', '{!=}', '{<}', '{>}', '{<=}', '{>=}', '{in}', '{not-in}'];

function evaluateRelop(a: Datum, b: Datum, type: Type, op: string): boolean {
  switch (op) {
    case '=': case '{=}': return datumCompare(a, b, type) === 0;
    case '!=': case '{!=}': return datumCompare(a, b, type) !== 0;
    case '<': return datumCompare(a, b, type) < 0;
    case '>': return datumCompare(a, b, type) > 0;
    case '<=': return datumCompare(a, b, type) <= 0;
    case '>=': return datumCompare(a, b, type) >= 0;
    case '{<}': return b.keys.length > a.keys.length && datumIncludesAll(a, b, type);
    case '{>}': return a.keys.length > b.keys.length && datumIncludesAll(b, a, type);
    case '{<=}': case '{in}': return datumIncludesAll(a, b, type);
    case '{>=}': return datumIncludesAll(b, a, type);
    default: return datumExcludesAll(a, b, type);
  }
}

function checkCondition(table: IdlTable, row: IdlRow, arg: string, symtab: SymbolTable | null): boolean {
  const { column, key, op, value } = parseColumnKeyValue(arg, table, RELOPS);
  const relop = RELOPS[op]!;
  if (value === null) throw new CtlError(`${arg}: missing value`);
  const ct = column.type;
  const have = row.get(column);
  if (key !== null) {
    if (!ct.value) throw new CtlError(`cannot specify key to check for non-map column ${column.name}`);
    const wantKey = parseAtom(ct, 'key', key, symtab);
    const vtype = new Type(ct.value, null, ct.min, UINT_MAX);
    const b = parseDatum(vtype, value, symtab);
    const i = datumFindKey(have, wantKey, ct.key.type);
    if (i < 0 && !relop.startsWith('{')) return false;
    const a = i >= 0 ? datumSingle(have.values![i]!) : datumEmpty(vtype);
    return evaluateRelop(a, b, vtype, relop);
  }
  const want = parseDatum(ct, value, symtab);
  return evaluateRelop(have, want, ct.withBounds(ct.min, UINT_MAX), relop);
}

/* ---- Setting columns. ---- */

function setColumn(table: IdlTable, row: IdlRow, arg: string, ctx: CtlContext, partial: boolean): void {
  const { column, key, value } = parseColumnKeyValue(arg, table, ['=']);
  if (value === null) throw new CtlError(`${arg}: missing value`);
  checkMutable(row, column);
  const ct = column.type;
  const txn = ctx.t;
  if (key !== null) {
    if (!ct.value) throw new CtlError(`cannot specify key to set for non-map column ${column.name}`);
    const k = parseAtom(ct, 'key', key, ctx.symtab);
    const v = parseAtom(ct, 'value', value, ctx.symtab);
    const pair = datumSingle(k, v);
    if (partial) {
      txn.writePartialMap(row, column, pair);
    } else {
      const merged = datumUnion(pair, row.get(column), ct);
      txn.verify(row, column);
      txn.write(row, column, merged);
    }
  } else {
    txn.write(row, column, parseDatum(ct, value, ctx.symtab));
  }
}

/** Sets a column of a row from "column[:key]=value" text (OVS's ctl_set_column). */
export function ctlSetColumn(tableName: string, row: IdlRow, arg: string, ctx: CtlContext): void {
  setColumn(getTable(tableName), row, arg, ctx, false);
}

/* ---- Symbols (--id=@name). ---- */

function createSymbol(symtab: SymbolTable, id: string): { symbol: OvsdbSymbol; isNew: boolean } {
  if (id[0] !== '@') throw new CtlError(`row id "${id}" does not begin with "@"`);
  const isNew = symtab.get(id) === undefined;
  const symbol = symtab.insert(id);
  if (symbol.created) throw new CtlError(`row id "${id}" may only be specified on one --id option`);
  symbol.created = true;
  return { symbol, isNew };
}

/* ---- The generic commands. ---- */

function preCmdGet(ctx: CtlContext): void {
  const id = ctx.options.get('--id');
  if (id === undefined && ctx.argv.length <= 3 && process.stdout.isTTY) {
    log.warn('"get" command without row arguments or "--id" is possibly erroneous');
  }
  const table = preGetTable(ctx, ctx.argv[1]!);
  for (const a of ctx.argv.slice(3)) {
    if (a.toLowerCase() === '_uuid' || a.toLowerCase() === '-uuid') continue;
    preParseColumnKeyValue(ctx, a, table);
  }
}

function cmdGet(ctx: CtlContext): void {
  const id = ctx.options.get('--id');
  const mustExist = !ctx.options.has('--if-exists');
  const recordId = ctx.argv[2]!;
  if (id !== undefined && !mustExist) throw new CtlError('--if-exists and --id may not be specified together');
  const table = getTable(ctx.argv[1]!);
  const row = ctlGetRow(ctx, table, recordId, mustExist);
  if (!row) return;
  if (id !== undefined) {
    const { symbol, isNew } = createSymbol(ctx.symtab!, id ?? '');
    if (!isNew) throw new CtlError(`row id "${id}" specified on "get" command was used before it was defined`);
    symbol.uuid = row.uuid;
    // The row exists already: no warning about it being unreferenced.
    symbol.strongRef = true;
  }
  for (const a of ctx.argv.slice(3)) {
    if (a.toLowerCase() === '_uuid' || a.toLowerCase() === '-uuid') {
      ctx.output += row.uuid + '\n';
      continue;
    }
    const { column, key } = parseColumnKeyValue(a, table, null);
    ctx.txn?.verify(row, column);
    const d = row.get(column);
    if (key !== null) {
      if (!column.type.value) throw new CtlError(`cannot specify key to get for non-map column ${column.name}`);
      const k = parseAtom(column.type, 'key', key, ctx.symtab);
      const i = datumFindKey(d, k, column.type.key.type);
      if (i < 0) {
        if (mustExist) throw new CtlError(`no key "${key}" in ${table.name} record "${recordId}" column ${column.name}`);
      } else {
        ctx.output += atomToString(d.values![i]!, column.type.value.type);
      }
    } else {
      ctx.output += datumToString(d, column.type);
    }
    ctx.output += '\n';
  }
}

/** Column list for list/find; null entries stand for _uuid. */
function parseColumnNames(names: string | null | undefined, table: IdlTable): (IdlColumn | null)[] {
  if (names === undefined || names === null) return [null, ...table.columns];
  const out: (IdlColumn | null)[] = [];
  for (const n of names.split(/[, ]+/).filter((x) => x.length > 0)) {
    out.push(n.toLowerCase() === '_uuid' ? null : getColumn(table, n));
  }
  if (!out.length) throw new CtlError('must specify at least one column name');
  return out;
}

function preListColumns(ctx: CtlContext, table: IdlTable, names: string | null | undefined): void {
  for (const c of parseColumnNames(names, table)) if (c) ctx.idl.addColumn(c);
}

function listMakeTable(columns: (IdlColumn | null)[]): OutTable {
  const t = new OutTable();
  for (const c of columns) t.addColumn(c ? c.name : '_uuid');
  return t;
}

function listRecord(row: IdlRow, columns: (IdlColumn | null)[], out: OutTable): void {
  out.addRow();
  for (const c of columns) {
    if (!c) out.addCell({ datum: datumSingle(row.uuid), type: TYPE_UUID });
    else out.addCell({ datum: row.get(c), type: c.type });
  }
}

function preCmdList(ctx: CtlContext): void {
  const table = preGetTable(ctx, ctx.argv[1]!);
  preListColumns(ctx, table, ctx.options.get('--columns'));
}

function cmdList(ctx: CtlContext): void {
  const mustExist = !ctx.options.has('--if-exists');
  const table = getTable(ctx.argv[1]!);
  const columns = parseColumnNames(ctx.options.get('--columns'), table);
  const out = ctx.table = listMakeTable(columns);
  if (ctx.argv.length > 2) {
    for (const id of ctx.argv.slice(2)) {
      const row = ctlGetRow(ctx, table, id, mustExist);
      if (row) listRecord(row, columns, out);
    }
  } else {
    for (const row of ctx.idl.rows(table)) listRecord(row, columns, out);
  }
}

function preCmdFind(ctx: CtlContext): void {
  const table = preGetTable(ctx, ctx.argv[1]!);
  preListColumns(ctx, table, ctx.options.get('--columns'));
  for (const a of ctx.argv.slice(2)) preParseColumnKeyValue(ctx, a, table);
}

function cmdFind(ctx: CtlContext): void {
  const table = getTable(ctx.argv[1]!);
  const columns = parseColumnNames(ctx.options.get('--columns'), table);
  const out = ctx.table = listMakeTable(columns);
  for (const row of ctx.idl.rows(table)) {
    let ok = true;
    for (const a of ctx.argv.slice(2)) {
      if (!checkCondition(table, row, a, ctx.symtab)) { ok = false; break; }
    }
    if (ok) listRecord(row, columns, out);
  }
}

function preCmdSet(ctx: CtlContext): void {
  const table = preGetTable(ctx, ctx.argv[1]!);
  for (const a of ctx.argv.slice(3)) preParseColumnKeyValue(ctx, a, table);
}

function cmdSet(ctx: CtlContext): void {
  const mustExist = !ctx.options.has('--if-exists');
  const table = getTable(ctx.argv[1]!);
  const row = ctlGetRow(ctx, table, ctx.argv[2]!, mustExist);
  if (!row) return;
  for (const a of ctx.argv.slice(3)) setColumn(table, row, a, ctx, ctx.lastCommand);
  ctx.invalidateCache(ctx);
}

function preCmdAddRemove(ctx: CtlContext): void {
  const table = preGetTable(ctx, ctx.argv[1]!);
  preGetColumn(ctx, table, ctx.argv[3]!);
}

function cmdAdd(ctx: CtlContext): void {
  const mustExist = !ctx.options.has('--if-exists');
  const table = getTable(ctx.argv[1]!);
  const column = getColumn(table, ctx.argv[3]!);
  const row = ctlGetRow(ctx, table, ctx.argv[2]!, mustExist);
  if (!row) return;
  checkMutable(row, column);
  const type = column.type;
  let nw = ctx.lastCommand ? datumEmpty(type) : row.get(column);
  const addType = type.withBounds(1, UINT_MAX);
  for (const a of ctx.argv.slice(4)) nw = datumUnion(nw, parseDatum(addType, a, ctx.symtab), type);
  if (!ctx.lastCommand && nw.keys.length > type.max) {
    throw new CtlError(`"add" operation would put ${nw.keys.length} ${type.value ? 'pairs' : 'values'} in column ${column.name} of table ${table.name} but the maximum number is ${type.max}`);
  }
  const txn = ctx.t;
  if (ctx.lastCommand) {
    // Partial updates, one element at a time.
    for (let i = 0; i < nw.keys.length; i++) {
      if (type.value) txn.writePartialMap(row, column, datumSingle(nw.keys[i]!, nw.values![i]!));
      else txn.writePartialSet(row, column, datumSingle(nw.keys[i]!));
    }
  } else {
    txn.verify(row, column);
    txn.write(row, column, nw);
  }
  ctx.invalidateCache(ctx);
}

function cmdRemove(ctx: CtlContext): void {
  const mustExist = !ctx.options.has('--if-exists');
  const table = getTable(ctx.argv[1]!);
  const column = getColumn(table, ctx.argv[3]!);
  const row = ctlGetRow(ctx, table, ctx.argv[2]!, mustExist);
  if (!row) return;
  checkMutable(row, column);
  const type = column.type;
  let old = row.get(column);
  for (const a of ctx.argv.slice(4)) {
    let rmType = type.withBounds(1, UINT_MAX);
    let rm = datumFromString(rmType, a, ctx.symtab);
    if (typeof rm === 'string') {
      if (!type.value) throw new CtlError(rm);
      rmType = new Type(type.key, null, 1, UINT_MAX);
      rm = parseDatum(rmType, a, ctx.symtab);
    }
    old = datumSubtract(old, type, rm, rmType);
  }
  if (old.keys.length < type.min) {
    throw new CtlError(`"remove" operation would put ${old.keys.length} ${type.value ? 'pairs' : 'values'} in column ${column.name} of table ${table.name} but the minimum number is ${type.min}`);
  }
  ctx.t.verify(row, column);
  ctx.t.write(row, column, old);
  ctx.invalidateCache(ctx);
}

function preCmdClear(ctx: CtlContext): void {
  const table = preGetTable(ctx, ctx.argv[1]!);
  for (const a of ctx.argv.slice(3)) preGetColumn(ctx, table, a);
}

function cmdClear(ctx: CtlContext): void {
  const mustExist = !ctx.options.has('--if-exists');
  const table = getTable(ctx.argv[1]!);
  const row = ctlGetRow(ctx, table, ctx.argv[2]!, mustExist);
  if (!row) return;
  for (const a of ctx.argv.slice(3)) {
    const column = getColumn(table, a);
    checkMutable(row, column);
    if (column.type.min > 0) {
      throw new CtlError(`"clear" operation cannot be applied to column ${column.name} of table ${table.name}, which is not allowed to be empty`);
    }
    ctx.t.write(row, column, datumEmpty(column.type));
  }
  ctx.invalidateCache(ctx);
}

function preCreate(ctx: CtlContext): void {
  const id = ctx.options.get('--id');
  const table = getTable(ctx.argv[1]!);
  if (id === undefined && !table.isRoot) {
    log.warn(`applying "create" command to table ${table.name} without --id option will have no effect`);
  }
}

function cmdCreate(ctx: CtlContext): void {
  const id = ctx.options.get('--id');
  const table = getTable(ctx.argv[1]!);
  let row: IdlRow;
  if (id !== undefined && id !== null && uuidFromString(id)) {
    row = ctx.t.insertPersistUuid(table, uuidFromString(id)!);
  } else if (id !== undefined) {
    const { symbol } = createSymbol(ctx.symtab!, id ?? '');
    // Rows of root tables stay even when unreferenced: no warning for them.
    if (table.isRoot) symbol.strongRef = true;
    row = ctx.t.insert(table, symbol.uuid);
  } else {
    row = ctx.t.insert(table);
  }
  for (const a of ctx.argv.slice(2)) setColumn(table, row, a, ctx, false);
  ctx.output += row.uuid;
}

function postCreate(ctx: CtlContext): void {
  const dummy = uuidFromString(ctx.output);
  if (!dummy) throw new Error('create output is not a UUID');
  const real = ctx.txn?.getInsertUuid(dummy);
  if (real) ctx.output = real;
  ctx.output += '\n';
}

function preCmdDestroy(ctx: CtlContext): void {
  preGetTable(ctx, ctx.argv[1]!);
}

function cmdDestroy(ctx: CtlContext): void {
  const mustExist = !ctx.options.has('--if-exists');
  const deleteAll = ctx.options.has('--all');
  const table = getTable(ctx.argv[1]!);
  if (deleteAll && ctx.argv.length > 2) throw new CtlError('--all and records argument should not be specified together');
  if (deleteAll && !mustExist) throw new CtlError('--all and --if-exists should not be specified together');
  if (!deleteAll && ctx.argv.length === 2) {
    log.warn('either --all or records argument should be specified');
    return;
  }
  if (deleteAll) {
    for (const row of ctx.idl.rowList(table)) ctx.t.delete(row);
  } else {
    for (const id of ctx.argv.slice(2)) {
      const row = ctlGetRow(ctx, table, id, mustExist);
      if (row) ctx.t.delete(row);
    }
  }
  ctx.invalidateCache(ctx);
}

function preCmdWaitUntil(ctx: CtlContext): void {
  const table = preGetTable(ctx, ctx.argv[1]!);
  for (const a of ctx.argv.slice(3)) preParseColumnKeyValue(ctx, a, table);
}

function cmdWaitUntil(ctx: CtlContext): void {
  const table = getTable(ctx.argv[1]!);
  const row = ctlGetRow(ctx, table, ctx.argv[2]!, false);
  if (!row) { ctx.tryAgain = true; return; }
  for (const a of ctx.argv.slice(3)) {
    if (!checkCondition(table, row, a, ctx.symtab)) { ctx.tryAgain = true; return; }
  }
}

/* ---- show ---- */

function preCmdShow(ctx: CtlContext): void {
  for (const s of showTables!) {
    const t = idlClass.tbl(s.table);
    ctx.idl.addTable(t);
    if (s.nameColumn) ctx.idl.addColumn(t.col(s.nameColumn));
    for (const c of s.columns) ctx.idl.addColumn(t.col(c));
  }
}

function showFor(table: string): CmdShowTable | undefined {
  return showTables!.find((s) => s.table === table);
}

function showRow(ctx: CtlContext, row: IdlRow, level: number, shown: Set<string>): void {
  const show = showFor(row.table.name);
  let out = ' '.repeat(level * 4);
  if (show && show.nameColumn) {
    const nc = row.table.col(show.nameColumn);
    out += `${show.table} ` + datumToString(row.get(nc), nc.type);
  } else {
    out += row.uuid;
  }
  ctx.output += out + '\n';
  if (!show || shown.has(show.table)) return;
  shown.add(show.table);
  for (const cn of show.columns) {
    const column = row.table.col(cn);
    const d = row.get(column);
    const type = column.type;
    if (type.key.type === 'uuid' && type.key.refTableName) {
      const refShow = showFor(type.key.refTableName);
      if (refShow) {
        const refTable = idlClass.tbl(refShow.table);
        for (const u of d.keys) {
          const r = ctx.idl.getRow(refTable, u as string);
          if (r) showRow(ctx, r, level + 1, shown);
        }
        continue;
      }
    } else if (type.value && type.value.type === 'uuid' && type.value.refTableName) {
      const refShow = showFor(type.value.refTableName);
      if (refShow && refShow.nameColumn) {
        const refTable = idlClass.tbl(refShow.table);
        const nc = refTable.col(refShow.nameColumn);
        ctx.output += ' '.repeat((level + 1) * 4) + `${column.name}:\n`;
        for (let j = 0; j < d.keys.length; j++) {
          const r = ctx.idl.getRow(refTable, d.values![j] as string);
          ctx.output += ' '.repeat((level + 2) * 4) + atomToString(d.keys[j]!, type.key.type) + '='
            + (r ? datumToString(r.get(nc), nc.type) : '"<null>"') + '\n';
        }
        continue;
      }
    }
    if (!datumIsDefault(d, type)) {
      ctx.output += ' '.repeat((level + 1) * 4) + `${column.name}: ${datumToString(d, type)}\n`;
    }
  }
  shown.delete(show.table);
}

function cmdShow(ctx: CtlContext): void {
  const shown = new Set<string>();
  for (const row of ctx.idl.rows(showTables![0]!.table)) showRow(ctx, row, 0, shown);
}

const dbCtlCommands: CtlCommandSyntax[] = [
  { name: 'comment', minArgs: 0, maxArgs: Infinity, arguments: '[ARG]...', options: '', mode: 'RO' },
  { name: 'get', minArgs: 2, maxArgs: Infinity, arguments: 'TABLE RECORD [COLUMN[:KEY]]...', prerequisites: preCmdGet, run: cmdGet, options: '--if-exists,--id=', mode: 'RO' },
  { name: 'list', minArgs: 1, maxArgs: Infinity, arguments: 'TABLE [RECORD]...', prerequisites: preCmdList, run: cmdList, options: '--if-exists,--columns=', mode: 'RO' },
  { name: 'find', minArgs: 1, maxArgs: Infinity, arguments: 'TABLE [COLUMN[:KEY]=VALUE]...', prerequisites: preCmdFind, run: cmdFind, options: '--columns=', mode: 'RO' },
  { name: 'set', minArgs: 3, maxArgs: Infinity, arguments: 'TABLE RECORD COLUMN[:KEY]=VALUE...', prerequisites: preCmdSet, run: cmdSet, options: '--if-exists', mode: 'RW' },
  { name: 'add', minArgs: 4, maxArgs: Infinity, arguments: 'TABLE RECORD COLUMN [KEY=]VALUE...', prerequisites: preCmdAddRemove, run: cmdAdd, options: '--if-exists', mode: 'RW' },
  { name: 'remove', minArgs: 4, maxArgs: Infinity, arguments: 'TABLE RECORD COLUMN KEY|VALUE|KEY=VALUE...', prerequisites: preCmdAddRemove, run: cmdRemove, options: '--if-exists', mode: 'RW' },
  { name: 'clear', minArgs: 3, maxArgs: Infinity, arguments: 'TABLE RECORD COLUMN...', prerequisites: preCmdClear, run: cmdClear, options: '--if-exists', mode: 'RW' },
  { name: 'create', minArgs: 2, maxArgs: Infinity, arguments: 'TABLE COLUMN[:KEY]=VALUE...', prerequisites: preCreate, run: cmdCreate, postprocess: postCreate, options: '--id=', mode: 'RW' },
  { name: 'destroy', minArgs: 1, maxArgs: Infinity, arguments: 'TABLE [RECORD]...', prerequisites: preCmdDestroy, run: cmdDestroy, options: '--if-exists,--all', mode: 'RW' },
  { name: 'wait-until', minArgs: 2, maxArgs: Infinity, arguments: 'TABLE RECORD [COLUMN[:KEY]=VALUE]...', prerequisites: preCmdWaitUntil, run: cmdWaitUntil, options: '', mode: 'RO' },
];

/* ---- Parsing the command line into commands. ---- */

function parseCommand(argv: string[], localOptions: Map<string, string | null>): CtlCommand {
  const options = new Map(localOptions);
  localOptions.clear();
  let i = 0;
  for (; i < argv.length; i++) {
    const option = argv[i]!;
    if (option[0] !== '-') break;
    const eq = option.indexOf('=');
    const key = eq >= 0 ? option.slice(0, eq) : option;
    const value = eq >= 0 ? option.slice(eq + 1) : null;
    if (options.has(key)) throw new CtlError(`'${option}' option specified multiple times`);
    options.set(key, value);
  }
  if (i === argv.length) throw new CtlError('missing command name (use --help for help)');
  const name = argv[i]!;
  const p = allCommands.get(name);
  if (!p) throw new CtlError(`unknown command '${name}'; use --help for help`);
  for (const [opt, value] of options) {
    const s = p.options.indexOf(opt);
    const end = s < 0 ? undefined : p.options[s + opt.length] ?? '';
    if (end === undefined || !'=,? '.includes(end)) {
      throw new CtlError(`'${name}' command has no '${opt}' option`);
    }
    if (end !== '?' && (end === '=') !== (value !== null)) {
      if (end === '=') throw new CtlError(`missing argument to '${opt}' option on '${name}' command`);
      throw new CtlError(`'${opt}' option on '${name}' does not accept an argument`);
    }
  }
  const nArg = argv.length - i - 1;
  if (nArg < p.minArgs) throw new CtlError(`'${p.name}' command requires at least ${p.minArgs} arguments`);
  if (nArg > p.maxArgs) {
    if (argv.slice(i + 1).some((a) => a[0] === '-')) {
      throw new CtlError(`'${p.name}' command takes at most ${p.maxArgs} arguments (note that options must precede command names and follow a "--" argument)`);
    }
    throw new CtlError(`'${p.name}' command takes at most ${p.maxArgs} arguments`);
  }
  return { syntax: p, argv: argv.slice(i), options, output: '', table: null };
}

/** Splits 'args' at "--" into commands (OVS's ctl_parse_commands).
 * 'localOptions' (command options given before the first command) go to
 * the first command. */
export function ctlParseCommands(args: string[], localOptions: Map<string, string | null>): CtlCommand[] {
  const commands: CtlCommand[] = [];
  let start = 0;
  for (let i = 0; i <= args.length; i++) {
    if (i === args.length || args[i] === '--') {
      if (i > start) {
        commands.push(parseCommand(args.slice(start, i), localOptions));
      } else if (localOptions.size) {
        throw new CtlError('missing command name (use --help for help)');
      }
      start = i + 1;
    }
  }
  if (!commands.length) throw new CtlError('missing command name (use --help for help)');
  return commands;
}

/** True if any command may write (OVS's ctl_might_write_to_db). */
export function ctlMightWriteToDb(commands: CtlCommand[]): boolean {
  return commands.some((c) => c.syntax.mode === 'RW');
}

/** Long options that the commands accept when given before the command name
 * (OVS's ctl_add_cmd_options). */
export function ctlCommandOptions(): { name: string; arg: 'none' | 'required' | 'optional' }[] {
  const out = new Map<string, 'none' | 'required' | 'optional'>();
  for (const p of allCommands.values()) {
    for (const o of p.options.split(',')) {
      if (!o) continue;
      const name = o.slice(2);
      const n = name.search(/[=?]/);
      const arg = n < 0 ? 'none' : name[n] === '=' ? 'required' : 'optional';
      out.set(n < 0 ? name : name.slice(0, n), arg);
    }
  }
  return [...out].map(([name, arg]) => ({ name, arg }));
}

/** The "Database commands" part of --help (OVS's ctl_get_db_cmd_usage). */
export function ctlDbCmdUsage(): string {
  return `Database commands:
  list TBL [REC]              list RECord (or all records) in TBL
  find TBL CONDITION...       list records satisfying CONDITION in TBL
  get TBL REC COL[:KEY]       print values of COLumns in RECord in TBL
  set TBL REC COL[:KEY]=VALUE set COLumn values in RECord in TBL
  add TBL REC COL [KEY=]VALUE add (KEY=)VALUE to COLumn in RECord in TBL
  remove TBL REC COL [KEY=]VALUE  remove (KEY=)VALUE from COLumn
  clear TBL REC COL           clear values from COLumn in RECord in TBL
  create TBL COL[:KEY]=VALUE  create and initialize new record
  destroy TBL REC             delete RECord from TBL
  wait-until TBL REC [COL[:KEY]=VALUE]  wait until condition is true
Potentially unsafe database commands require --force option.
`;
}

/** How rows of each table can be named, for --help (OVS's ctl_list_db_tables_usage). */
export function ctlListDbTablesUsage(): string {
  let s = 'Database commands may reference a row in each table in the following ways:\n';
  for (const t of idlClass.tables) {
    const opts = ['by UUID'];
    if (t.isSingleton) opts.push('as "."');
    for (const id of rowIds.get(t.name) ?? []) {
      let o: string;
      if (id.uuidColumn) {
        o = `via "${id.uuidColumn}"`;
        if (id.table !== t.name) o += ` of ${id.table}`;
        o += id.key ? ` with matching "${id.nameColumn}:${id.key}"` : ` with matching "${id.nameColumn}"`;
      } else if (id.key) {
        o = `by "${id.nameColumn}:${id.key}"`;
      } else {
        o = `by "${id.nameColumn}"`;
      }
      opts.push(o);
    }
    s += `  ${t.name}:` + opts.map((o) => `\n    ${o}`).join('') + '\n';
  }
  return s;
}

/** The --commands listing (OVS's ctl_print_commands), commands in the order 'names'. */
export function ctlCommandsText(names: string[]): string {
  let s = '';
  for (const name of names) {
    const p = allCommands.get(name);
    if (!p) continue;
    for (const item of p.options.split(',')) if (item) s += `[${item}] `;
    s += `,${p.name},${commandArguments(p.arguments)}\n`;
  }
  return s;
}

/** Argument synopsis in bash-completion form: "!arg" required, "?arg"
 * optional, "*arg" any number, "+arg" one or more (OVS's print_command_arguments). */
function commandArguments(args: string): string {
  const n = args.length;
  if (!n) return '';
  const out: string[] = [];
  let oew = 0;
  let inRepeated = false;
  let wholeOptional = false;
  for (let i = n - 1; i >= 0; i--) {
    const c = args[i]!;
    switch (c) {
      case ']':
        oew <<= 1;
        if (i + 1 >= n || args[i + 1] === ' ' || args[i + 1] === '.') oew |= 1;
        break;
      case '[':
        if ((i === 0 || args[i - 1] === ' ') && (oew & 1)) {
          out.push(inRepeated ? '*' : '?');
          wholeOptional = true;
        } else {
          out.push('?');
          wholeOptional = false;
        }
        oew >>= 1;
        break;
      case ' ':
        if (!wholeOptional) out.push(inRepeated ? '+' : '!');
        out.push(' ');
        inRepeated = false;
        wholeOptional = false;
        break;
      case '.':
        inRepeated = true;
        break;
      default:
        out.push(c);
    }
  }
  if (args[0] !== '[' && out.length) out.push(inRepeated ? '+' : '!');
  return out.reverse().join('');
}
