/* condition: "where" clauses (RFC 7047 section 5.1; OVS ovsdb/condition.c).
 *
 * A Condition is a list of clauses [column, function, value] or the booleans
 * true/false that monitor_cond allows.  Clauses are sorted as OVS sorts them
 * (cheap functions first, _uuid first) so that printing a parsed condition
 * matches OVS and "_uuid == x" queries can use the table's UUID map.
 *
 * Transactions need every clause to hold (matchEvery); monitor_cond needs any
 * clause to hold (matchAny), with an empty condition matching everything.
 */
import type { Json } from '../lib/json.js';
import { OvsdbError, syntaxError } from './ovsdb-error.js';
import { type SymbolTable, atomCompare } from './atom.js';
import { type ColumnSchema, N_STD_COLUMNS } from './column.js';
import {
  Datum, datumCompare, datumEquals, datumExcludesAll, datumFromJson, datumIncludesAll, datumKey, datumToJson,
  datumDefault,
} from './datum.js';
import type { Row } from './row.js';
import type { TableSchema } from './schema.js';
import { UINT_MAX } from './types.js';
import { compareStrings } from '../lib/json.js';

/** Clause functions, in OVS's order (which is also the sort order). */
export const FUNCTIONS = ['false', 'true', '==', 'includes', '<=', '<', '>=', '>', 'excludes', '!='] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
const F_FALSE = 0, F_TRUE = 1, F_EQ = 2, F_INCLUDES = 3, F_LE = 4, F_LT = 5, F_GE = 6, F_GT = 7,
  F_EXCLUDES = 8, F_NE = 9;

/** One clause. */
export interface Clause {
  fn: number;
  column: ColumnSchema;
  arg: Datum;
}

/** Looks up a function name; throws "unknown function". */
export function functionFromString(name: string): number {
  const i = (FUNCTIONS as readonly string[]).indexOf(name);
  if (i < 0) throw syntaxError(undefined, 'unknown function', `No function named ${name}.`);
  return i;
}

function clauseFromJson(ts: TableSchema, json: Json, symtab: SymbolTable | null): Clause {
  if (json === true || json === false) {
    const column = ts.columns.get('_uuid')!;
    return { fn: json ? F_TRUE : F_FALSE, column, arg: datumDefault(column.type) };
  }
  if (!Array.isArray(json) || json.length !== 3 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    throw syntaxError(json, null, 'Parse error in condition.');
  }
  const column = ts.columns.get(json[0]);
  if (!column) throw syntaxError(json, 'unknown column', `No column ${json[0]} in table ${ts.name}.`);
  const fn = functionFromString(json[1]);
  let type = column.type;
  switch (fn) {
    case F_LT: case F_LE: case F_GT: case F_GE:
      if (!(type.isScalar() || type.isOptionalScalar())
          || (type.key.type !== 'integer' && type.key.type !== 'real')) {
        throw syntaxError(json, null, `Type mismatch: "${FUNCTIONS[fn]}" operator may not be applied to column ${column.name} of type ${type.toEnglish()}.`);
      }
      type = type.withBounds(1, type.max);
      break;
    case F_EXCLUDES:
      if (!type.isScalar()) type = type.withBounds(0, UINT_MAX);
      break;
    case F_INCLUDES:
      if (!type.isScalar()) type = type.withBounds(0, type.max);
      break;
    default:
      break;
  }
  return { fn, column, arg: datumFromJson(type, json[2]!, symtab) };
}

function compareClauses(a: Clause, b: Clause): number {
  if (a.fn !== b.fn) return a.fn < b.fn ? -1 : 1;
  if (a.column.index !== b.column.index) {
    if (a.column.index < N_STD_COLUMNS || b.column.index < N_STD_COLUMNS) {
      return a.column.index < b.column.index ? -1 : 1;
    }
    return compareStrings(a.column.name, b.column.name);
  }
  return 0;
}

function compareClausesWithData(a: Clause, b: Clause): number {
  return compareClauses(a, b) || datumCompare(a.arg, b.arg, a.column.type);
}

/** A parsed condition. */
export class Condition {
  /** For conditions made only of ==, true and false clauses: column -> set
   * of datum keys (built on first use by matchAny; false if not applicable). */
  private eqIndex: Map<ColumnSchema, Set<string>> | null | false = null;

  constructor(readonly clauses: Clause[]) {}

  private buildEqIndex(): Map<ColumnSchema, Set<string>> | false {
    for (const c of this.clauses) if (c.fn > F_EQ) return false;
    const m = new Map<ColumnSchema, Set<string>>();
    for (const c of this.clauses) {
      if (c.fn !== F_EQ) continue;
      let s = m.get(c.column);
      if (!s) { s = new Set(); m.set(c.column, s); }
      s.add(datumKey(c.arg, c.column.type));
    }
    return m;
  }

  /** Parses a "where" array (OVS's ovsdb_condition_from_json). Throws OvsdbError. */
  static fromJson(ts: TableSchema, json: Json, symtab: SymbolTable | null): Condition {
    const arr = json as Json[];
    const clauses = new Array<Clause>(arr.length);
    for (let i = 0; i < arr.length; i++) clauses[i] = clauseFromJson(ts, arr[i]!, symtab);
    if (clauses.length > 1) clauses.sort(compareClausesWithData);
    return new Condition(clauses);
  }

  /** JSON form. */
  toJson(): Json {
    return this.clauses.map((c) => (c.fn === F_TRUE || c.fn === F_FALSE) ? c.fn === F_TRUE
      : [c.column.name, FUNCTIONS[c.fn]!, datumToJson(c.arg, c.column.type)]);
  }

  /** True if there are no clauses. */
  isEmpty(): boolean { return this.clauses.length === 0; }

  /** True if the condition is trivially true (OVS's ovsdb_condition_is_true). */
  isTrue(): boolean {
    const c = this.clauses;
    return c.length === 0 || c[0]!.fn === F_TRUE || (c.length >= 2 && c[1]!.fn === F_TRUE);
  }

  /** True if the condition is exactly [false]. */
  isFalse(): boolean {
    return this.clauses.length === 1 && this.clauses[0]!.fn === F_FALSE;
  }

  /** If the first clause is "_uuid == <uuid>", that UUID (for indexed lookup). */
  uuidLookup(): string | null {
    const c = this.clauses[0];
    return c && c.column.index === 0 && c.fn === F_EQ ? c.arg.keys[0] as string : null;
  }

  /** True if every clause holds for 'fields' (a Row's fields). */
  matchEvery(fields: readonly Datum[]): boolean {
    for (const c of this.clauses) if (!evaluateClause(fields[c.column.index]!, c)) return false;
    return true;
  }

  /** True if the condition is empty or any clause holds (monitor_cond semantics). */
  matchAny(fields: readonly Datum[]): boolean {
    if (this.clauses.length === 0) return true;
    if (this.eqIndex === null) this.eqIndex = this.buildEqIndex();
    if (this.eqIndex) {
      if (this.isTrue()) return true;
      for (const [column, keys] of this.eqIndex) {
        if (keys.has(datumKey(fields[column.index]!, column.type))) return true;
      }
      return false;
    }
    for (const c of this.clauses) if (evaluateClause(fields[c.column.index]!, c)) return true;
    return false;
  }

  /** Columns used by the clauses (with repetitions). */
  columns(): ColumnSchema[] {
    return this.clauses.map((c) => c.column);
  }

  /** Three-way comparison (OVS's ovsdb_condition_cmp_3way). */
  compare(other: Condition): number {
    const a = this.clauses, b = other.clauses;
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    for (let i = 0; i < a.length; i++) {
      const r = compareClausesWithData(a[i]!, b[i]!);
      if (r) return r;
    }
    return 0;
  }
}

function evaluateClause(field: Datum, c: Clause): boolean {
  const fn = c.fn;
  if (fn === F_TRUE) return true;
  if (fn === F_FALSE) return false;
  const type = c.column.type;
  const arg = c.arg;
  const scalarish = type.value === null && type.max === 1;
  if (scalarish && type.min === 0 && field.keys.length === 0
      && (fn === F_LT || fn === F_LE || fn === F_GT || fn === F_GE)) {
    return false;
  }
  if (scalarish && field.keys.length === 1 && arg.keys.length === 1) {
    const cmp = atomCompare(field.keys[0]!, arg.keys[0]!, type.key.type);
    switch (fn) {
      case F_LT: return cmp < 0;
      case F_LE: return cmp <= 0;
      case F_EQ: case F_INCLUDES: return cmp === 0;
      case F_NE: case F_EXCLUDES: return cmp !== 0;
      case F_GE: return cmp >= 0;
      case F_GT: return cmp > 0;
      default: return false;
    }
  }
  switch (fn) {
    case F_EQ: return datumEquals(field, arg, type);
    case F_NE: return !datumEquals(field, arg, type);
    case F_INCLUDES: return datumIncludesAll(arg, field, type);
    case F_EXCLUDES: return datumExcludesAll(arg, field, type);
    default: return false;
  }
}

/** Rows of 'rows' (a table's row map) matching every clause of 'cnd', in table order. */
export function* queryRows(rows: Map<string, Row>, cnd: Condition): Generator<Row> {
  const u = cnd.uuidLookup();
  if (u !== null) {
    const r = rows.get(u);
    if (r && cnd.matchEvery(r.fields)) yield r;
    return;
  }
  for (const r of rows.values()) if (cnd.matchEvery(r.fields)) yield r;
}

/** Collects the matching rows into an array (safe against concurrent modification). */
export function queryRowArray(rows: Map<string, Row>, cnd: Condition): Row[] {
  const u = cnd.uuidLookup();
  if (u !== null) {
    const r = rows.get(u);
    return r && cnd.matchEvery(r.fields) ? [r] : [];
  }
  const out: Row[] = [];
  for (const r of rows.values()) if (cnd.matchEvery(r.fields)) out.push(r);
  return out;
}

export { OvsdbError };
