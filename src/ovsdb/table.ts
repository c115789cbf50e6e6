/* table: the rows of one table, keyed by UUID, plus its unique indexes
 * (OVS ovsdb/table.c, the data part).
 *
 * 'rows' always reflects the current state including an in-progress
 * transaction (transaction.ts swaps row objects in and out and undoes that on
 * abort).  'indexes' hold committed rows only; they are updated at commit,
 * after transaction.ts has checked uniqueness.
 */
import { type ColumnSchema } from './column.js';
import type { OvsdbError } from './ovsdb-error.js';
import { Datum, datumDefault } from './datum.js';
import { Row, rowKeyColumns } from './row.js';
import type { TableSchema } from './schema.js';
import type { TxnTable } from './transaction.js';

/** A table of a Database. */
export class Table {
  /** Rows by UUID. */
  readonly rows = new Map<string, Row>();
  /** One map per schema index: index key -> committed row. */
  readonly indexes: Map<string, Row>[];
  /** The transaction's view of this table while a transaction touches it. */
  txnTable: TxnTable | null = null;
  /** Default datum for every column (for new rows). */
  readonly defaults: Datum[];
  /** Columns that hold strong references. */
  readonly strongRefColumns: ColumnSchema[];
  /** Columns that hold weak references. */
  readonly weakRefColumns: ColumnSchema[];
  /** Columns whose default violates their constraints, with the error (computed by execution.ts). */
  badDefaults: { column: ColumnSchema; error: OvsdbError }[] | null = null;

  constructor(readonly schema: TableSchema) {
    this.indexes = schema.indexes.map(() => new Map<string, Row>());
    this.defaults = schema.columnList.map((c) => datumDefault(c.type));
    this.strongRefColumns = schema.columnList.filter(
      (c) => c.type.key.isStrongRef() || (c.type.value !== null && c.type.value.isStrongRef()));
    this.weakRefColumns = schema.columnList.filter(
      (c) => c.type.key.isWeakRef() || (c.type.value !== null && c.type.value.isWeakRef()));
  }

  /** The table name. */
  get name(): string { return this.schema.name; }

  /** A new row with default values in every column (the UUID is set by the caller). */
  newRow(uuid: string): Row {
    const r = new Row(this, uuid, this.defaults.slice());
    r.fields[0] = new Datum([uuid], null);
    return r;
  }

  /** A row of default values that is never stored (for parsing "update" rows and "wait" rows). */
  scratchRow(): Row {
    return new Row(this, this.defaults[0]!.keys[0] as string, this.defaults.slice());
  }

  /** The row with 'uuid', if any. */
  getRow(uuid: string): Row | undefined {
    return this.rows.get(uuid);
  }

  /** The index keys of 'row' (cached on the row). */
  indexKeysOf(row: Row): string[] {
    let keys = row.indexKeys;
    if (!keys) {
      keys = this.schema.indexes.map((ix) => rowKeyColumns(row, ix));
      row.indexKeys = keys;
    }
    return keys;
  }
}
