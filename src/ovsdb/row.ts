/* row: one row of a table (OVS ovsdb/row.c).
 *
 * A Row holds one Datum per column (fields[column.index]; fields[0] is the
 * _uuid and fields[1] the _version) plus bookkeeping used by transactions:
 * the number of strong references to it (nRefs), the weak references that
 * point at it (weakIn) and the transaction row it belongs to, if any.
 *
 * Committed rows are never modified: a transaction that changes a row works
 * on a copy (copy() is shallow because datums are immutable), so old and new
 * versions can be handed to monitors and to storage without cloning data.
 */
import type { Json, JsonObject } from '../lib/json.js';
import { OvsdbError, syntaxError } from './ovsdb-error.js';
import type { SymbolTable } from './atom.js';
import { type ColumnSchema, COL_UUID, COL_VERSION, englishListDelimiter } from './column.js';
import {
  Datum, datumCompare, datumEquals, datumFromJson, datumFromJsonScalarFast, datumKey, datumToJson,
  datumToString, datumApplyDiff,
} from './datum.js';
import type { TableSchema } from './schema.js';
import type { Table } from './table.js';
import type { TxnRow } from './transaction.js';

/** A weak reference from a source row's column to a destination row. */
export interface WeakRef {
  srcTable: Table;
  src: string;
  dstTable: Table;
  dst: string;
  columnIndex: number;
  /** True if the key holds the reference, false if the value does. */
  byKey: boolean;
  key: unknown;
  value: unknown;
  /** Identity within the destination row's weakIn map. */
  id: string;
}

/** A row of a table. */
export class Row {
  /** Strong references to this row from other rows. */
  nRefs = 0;
  /** Weak references pointing at this row, by WeakRef.id. */
  weakIn: Map<string, WeakRef> | null = null;
  /** The transaction row while a transaction holds this row. */
  txnRow: TxnRow | null = null;
  /** Cached unique-index keys, one per table index (computed at commit). */
  indexKeys: string[] | null = null;

  constructor(readonly table: Table, public uuid: string, readonly fields: Datum[]) {}

  /** A shallow copy (same datums) with the same UUID and reference counts. */
  copy(): Row {
    const r = new Row(this.table, this.uuid, this.fields.slice());
    r.nRefs = this.nRefs;
    r.weakIn = this.weakIn;
    return r;
  }

  /** Sets the _uuid. */
  setUuid(uuid: string): void {
    this.uuid = uuid;
    this.fields[COL_UUID] = new Datum([uuid], null);
  }

  /** Sets the _version. */
  setVersion(version: string): void {
    this.fields[COL_VERSION] = new Datum([version], null);
  }

  /** The _version UUID. */
  get version(): string {
    return this.fields[COL_VERSION]!.keys[0] as string;
  }
}

/** Parses the columns in 'json' into 'row' (OVS's ovsdb_row_from_json); returns the columns set. */
export function rowFromJson(row: Row, json: Json, symtab: SymbolTable | null,
                            included: ColumnSchema[] | null): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw syntaxError(json, null, 'row must be JSON object');
  }
  const ts = row.table.schema;
  for (const name in json) {
    const column = ts.columns.get(name);
    if (!column) throw syntaxError(json, 'unknown column', `No column ${name} in table ${ts.name}.`);
    const v = json[name]!;
    const d = datumFromJsonScalarFast(column.type, v, symtab) ?? datumFromJson(column.type, v, symtab);
    row.fields[column.index] = d;
    if (included) included.push(column);
  }
}

/** Applies a row of diffs (monitor_cond / on-disk "_is_diff" form) to 'row'. */
export function rowApplyDiffJson(row: Row, json: Json): void {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw syntaxError(json, null, 'row must be JSON object');
  }
  const ts = row.table.schema;
  for (const name in json) {
    const column = ts.columns.get(name);
    if (!column) throw syntaxError(json, 'unknown column', `No column ${name} in table ${ts.name}.`);
    const diff = datumFromJson(column.type, json[name]!, null);
    row.fields[column.index] = datumApplyDiff(row.fields[column.index]!, diff, column.type);
  }
}

/** JSON object with the given columns of 'row'. */
export function rowToJson(row: Row, columns: readonly ColumnSchema[]): JsonObject {
  const o: JsonObject = {};
  for (const c of columns) o[c.name] = datumToJson(row.fields[c.index]!, c.type);
  return o;
}

/** True if 'a' and 'b' agree on 'columns'. */
export function rowEqualColumns(a: Row, b: Row, columns: readonly ColumnSchema[]): boolean {
  for (const c of columns) {
    if (!datumEquals(a.fields[c.index]!, b.fields[c.index]!, c.type)) return false;
  }
  return true;
}

/** Three-way comparison of 'a' and 'b' on 'columns', in order. */
export function rowCompareColumns(a: Row, b: Row, columns: readonly ColumnSchema[]): number {
  for (const c of columns) {
    const r = datumCompare(a.fields[c.index]!, b.fields[c.index]!, c.type);
    if (r) return r;
  }
  return 0;
}

/** A string key equal for two rows exactly when rowEqualColumns() holds. */
export function rowKeyColumns(row: Row, columns: readonly ColumnSchema[]): string {
  if (columns.length === 1) {
    const c = columns[0]!;
    return datumKey(row.fields[c.index]!, c.type);
  }
  let s = '';
  for (const c of columns) s += datumKey(row.fields[c.index]!, c.type) + '\u0002';
  return s;
}

/** Copies 'columns' from 'src' into 'dst' (or XORs them in as diffs). Throws OvsdbError. */
export function rowUpdateColumns(dst: Row, src: Row, columns: readonly ColumnSchema[], xor: boolean): void {
  for (const c of columns) {
    if (xor) dst.fields[c.index] = datumApplyDiff(dst.fields[c.index]!, src.fields[c.index]!, c.type);
    else dst.fields[c.index] = src.fields[c.index]!;
  }
}

/** The values of 'columns' in string syntax, as an English list (for error messages). */
export function rowColumnsToString(row: Row, columns: readonly ColumnSchema[]): string {
  let s = '';
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    s += englishListDelimiter(i, columns.length) + datumToString(row.fields[c.index]!, c.type);
  }
  return s;
}

/** "col:value,col:value,..." for every column (OVS's ovsdb_row_to_string, used in logs). */
export function rowToString(row: Row, ts: TableSchema): string {
  return ts.allColumns.map((c) => `${c.name}:${datumToString(row.fields[c.index]!, c.type)}`).join(',');
}

export { OvsdbError };
