/* column: the schema of one OVSDB column and lists of columns (OVS
 * ovsdb/column.c).
 *
 * Every table has the implicit columns _uuid (index 0) and _version (index
 * 1); declared columns follow in schema order.  A column's 'index' is its
 * position in Row.fields (row.ts).  Column sets ("columns": [...] in select,
 * wait and monitor requests, and table indexes) are plain arrays here.
 */
import type { Json } from '../lib/json.js';
import { syntaxError } from './ovsdb-error.js';
import { OvsdbParser, OP_BOOLEAN, OP_OBJECT, OP_OPTIONAL, OP_STRING } from './ovsdb-parser.js';
import { Type, typeFromJson } from './types.js';

/** Index of the _uuid column. */
export const COL_UUID = 0;
/** Index of the _version column. */
export const COL_VERSION = 1;
/** Number of implicit columns. */
export const N_STD_COLUMNS = 2;

/** One column of a table schema. */
export class ColumnSchema {
  /** Position in Row.fields; set when added to a table schema. */
  index = -1;

  constructor(
    readonly name: string,
    public mutable: boolean,
    public persistent: boolean,
    readonly type: Type,
  ) {}

  /** JSON form (OVS's ovsdb_column_to_json). */
  toJson(): Json {
    const o: { [k: string]: Json } = {};
    if (!this.mutable) o['mutable'] = false;
    if (!this.persistent) o['ephemeral'] = true;
    o['type'] = this.type.toJson();
    return o;
  }

  /** A copy, not attached to any table. */
  clone(): ColumnSchema {
    return new ColumnSchema(this.name, this.mutable, this.persistent, this.type);
  }
}

/** Parses a column schema (OVS's ovsdb_column_from_json). Throws OvsdbError. */
export function columnFromJson(json: Json, name: string): ColumnSchema {
  const parser = new OvsdbParser(json, `schema for column ${name}`);
  const mutableJson = parser.member('mutable', OP_BOOLEAN | OP_OPTIONAL);
  const ephemeral = parser.member('ephemeral', OP_BOOLEAN | OP_OPTIONAL);
  const typeJson = parser.member('type', OP_STRING | OP_OBJECT);
  const err = parser.finish();
  if (err) throw err;
  const type = typeFromJson(typeJson!);
  let mutable = mutableJson === undefined || mutableJson === true;
  // A weak reference must stay mutable: deleting its target changes it.
  if (!mutable && (type.key.isWeakRef() || (type.value !== null && type.value.isWeakRef()))) mutable = true;
  const persistent = ephemeral === undefined ? true : ephemeral !== true;
  return new ColumnSchema(name, mutable, persistent, type);
}

/** Anything that has columns by name (a table schema). */
export interface ColumnLookup {
  readonly name: string;
  readonly columns: Map<string, ColumnSchema>;
  readonly columnList: ColumnSchema[];
  readonly allColumns: ColumnSchema[];
}

/** Parses a list of distinct column names; undefined means all columns (OVS's ovsdb_column_set_from_json). */
export function columnSetFromJson(json: Json | undefined, ts: ColumnLookup): ColumnSchema[] {
  if (json === undefined) return ts.allColumns.slice();
  if (Array.isArray(json)) {
    const set: ColumnSchema[] = [];
    for (const e of json) {
      if (typeof e !== 'string') break;
      const c = ts.columns.get(e);
      if (!c) throw syntaxError(json, null, `${e} is not a valid column name`);
      if (set.includes(c)) break;
      set.push(c);
    }
    if (set.length === json.length) return set;
  }
  throw syntaxError(json, null, 'array of distinct column names expected');
}

/** JSON form of a column set. */
export function columnSetToJson(set: ColumnSchema[]): Json {
  return set.map((c) => c.name);
}

/** English form: 'column "a"', 'columns "a" and "b"', 'columns "a", "b", and "c"'. */
export function columnSetToString(set: ColumnSchema[]): string {
  if (set.length === 0) return 'no columns';
  let s = set.length > 1 ? 'columns ' : 'column ';
  for (let i = 0; i < set.length; i++) s += englishListDelimiter(i, set.length) + `"${set[i]!.name}"`;
  return s;
}

/** OVS's english_list_delimiter(): "", ", ", " and ", ", and ". */
export function englishListDelimiter(index: number, total: number): string {
  return index === 0 ? '' : index < total - 1 ? ', ' : total > 2 ? ', and ' : ' and ';
}
