/* schema: OVSDB database and table schemas (RFC 7047 section 3.2; OVS
 * ovsdb/ovsdb.c and ovsdb/table.c, the schema parts).
 *
 * DatabaseSchema.fromJson() parses and validates a .ovsschema document with
 * OVS's error texts; toJson() prints it back the way OVS does (isRoot only
 * when not every table is a root, implicit defaults left out).  Tables get
 * the implicit _uuid and _version columns.  database.ts instantiates a schema.
 */
import { type Json, type JsonObject, isJsonObject } from '../lib/json.js';
import { syntaxError } from './ovsdb-error.js';
import {
  OvsdbParser, OP_ARRAY, OP_BOOLEAN, OP_ID, OP_INTEGER, OP_OBJECT, OP_OPTIONAL, OP_STRING, isId,
} from './ovsdb-parser.js';
import { ColumnSchema, columnFromJson, columnSetFromJson } from './column.js';
import { BaseType, TYPE_UUID, UINT_MAX } from './types.js';
import { shashOrder } from '../lib/shash-order.js';

/** The schema of one table. */
export class TableSchema {
  readonly columns = new Map<string, ColumnSchema>();
  /** Columns in index order (_uuid, _version, then declared columns). */
  readonly columnList: ColumnSchema[] = [];
  /** Unique indexes, each a list of columns. */
  indexes: ColumnSchema[][] = [];
  private hashOrder: ColumnSchema[] | null = null;

  constructor(
    readonly name: string,
    public mutable = true,
    public maxRows = UINT_MAX,
    public isRoot = false,
  ) {
    this.addColumn(new ColumnSchema('_uuid', false, true, TYPE_UUID));
    this.addColumn(new ColumnSchema('_version', false, false, TYPE_UUID));
  }

  /** Appends 'column', assigning its index. */
  addColumn(column: ColumnSchema): void {
    column.index = this.columnList.length;
    this.columns.set(column.name, column);
    this.columnList.push(column);
  }

  /** The column named 'name', if any. */
  getColumn(name: string): ColumnSchema | undefined {
    return this.columns.get(name);
  }

  /** All columns in the order OVS iterates them (its hash-map order): the
   * order of "all columns" in select results, monitors and messages. */
  get allColumns(): ColumnSchema[] {
    if (!this.hashOrder || this.hashOrder.length !== this.columnList.length) {
      this.hashOrder = shashOrder(this.columnList.map((c) => c.name)).map((n) => this.columns.get(n)!);
    }
    return this.hashOrder;
  }

  /** Parses a table schema (OVS's ovsdb_table_schema_from_json). Throws OvsdbError. */
  static fromJson(json: Json, name: string): TableSchema {
    const parser = new OvsdbParser(json, `table schema for table ${name}`);
    const columns = parser.member('columns', OP_OBJECT);
    const mutable = parser.member('mutable', OP_BOOLEAN | OP_OPTIONAL);
    const maxRows = parser.member('maxRows', OP_INTEGER | OP_OPTIONAL);
    const isRoot = parser.member('isRoot', OP_BOOLEAN | OP_OPTIONAL);
    const indexes = parser.member('indexes', OP_ARRAY | OP_OPTIONAL);
    const err = parser.finish();
    if (err) throw err;

    let nMaxRows = UINT_MAX;
    if (maxRows !== undefined) {
      if (Number(maxRows) <= 0) throw syntaxError(json, null, 'maxRows must be at least 1');
      nMaxRows = Math.min(Number(maxRows), UINT_MAX);
    }
    const cols = columns as JsonObject;
    if (Object.keys(cols).length === 0) throw syntaxError(json, null, 'table must have at least one column');

    const ts = new TableSchema(name, mutable === undefined ? true : mutable === true, nMaxRows,
                               isRoot === undefined ? false : isRoot === true);
    for (const cname of shashOrder(Object.keys(cols))) {
      if (cname[0] === '_') throw syntaxError(json, null, 'names beginning with "_" are reserved');
      if (!isId(cname)) throw syntaxError(json, null, 'name must be a valid id');
      ts.addColumn(columnFromJson(cols[cname]!, cname));
    }
    if (indexes !== undefined) {
      for (const ij of indexes as Json[]) {
        const index = columnSetFromJson(ij, ts);
        if (index.length === 0) throw syntaxError(json, null, 'index must have at least one column');
        ts.indexes.push(index);
        for (const c of index) {
          if (!c.persistent) {
            throw syntaxError(json, null, `ephemeral columns (such as ${c.name}) may not be indexed`);
          }
        }
      }
    }
    return ts;
  }

  /** JSON form (OVS's ovsdb_table_schema_to_json). */
  toJson(defaultIsRoot: boolean): Json {
    const o: JsonObject = {};
    if (!this.mutable) o['mutable'] = false;
    if (defaultIsRoot !== this.isRoot) o['isRoot'] = this.isRoot;
    const columns: JsonObject = {};
    for (const c of this.allColumns) {
      if (c.name[0] !== '_') columns[c.name] = c.toJson();
    }
    o['columns'] = columns;
    if (this.maxRows !== UINT_MAX) o['maxRows'] = this.maxRows;
    if (this.indexes.length) o['indexes'] = this.indexes.map((ix) => ix.map((c) => c.name));
    return o;
  }

  /** A deep copy of the schema (columns are re-created). */
  clone(): TableSchema {
    const ts = new TableSchema(this.name, this.mutable, this.maxRows, this.isRoot);
    for (const c of this.columnList) if (c.name[0] !== '_') ts.addColumn(c.clone());
    ts.indexes = this.indexes.map((ix) => ix.map((c) => ts.columns.get(c.name)!));
    return ts;
  }
}

/** Checks "x.y.z" (OVS's ovsdb_is_valid_version). */
export function isValidVersion(s: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(s);
  return m !== null && m.slice(1).every((p) => Number(p) <= UINT_MAX);
}

/** A database schema. */
export class DatabaseSchema {
  readonly tables = new Map<string, TableSchema>();

  constructor(readonly name: string, readonly version: string, readonly cksum: string) {}

  /** Parses a database schema (OVS's ovsdb_schema_from_json). Throws OvsdbError. */
  static fromJson(json: Json): DatabaseSchema {
    const parser = new OvsdbParser(json, 'database schema');
    const name = parser.member('name', OP_ID);
    const versionJson = parser.member('version', OP_STRING | OP_OPTIONAL);
    const cksum = parser.member('cksum', OP_STRING | OP_OPTIONAL);
    const tables = parser.member('tables', OP_OBJECT);
    const err = parser.finish();
    if (err) throw err;

    let version = '';
    if (versionJson !== undefined) {
      version = versionJson as string;
      if (!isValidVersion(version)) throw syntaxError(json, null, `schema version "${version}" not in format x.y.z`);
    }
    const schema = new DatabaseSchema(name as string, version, cksum === undefined ? '' : cksum as string);
    const tj = tables as JsonObject;
    for (const tname of shashOrder(Object.keys(tj))) {
      if (tname[0] === '_') throw syntaxError(json, null, 'names beginning with "_" are reserved');
      if (!isId(tname)) throw syntaxError(json, null, 'name must be a valid id');
      schema.tables.set(tname, TableSchema.fromJson(tj[tname]!, tname));
    }
    // Schemas from before "isRoot" existed: no root set means all roots.
    if (schema.rootSetSize() === 0) for (const t of schema.tables.values()) t.isRoot = true;

    for (const t of schema.tables.values()) {
      for (const c of t.columnList) {
        checkRefTable(schema, c, c.type.key, 'key');
        if (c.type.value) checkRefTable(schema, c, c.type.value, 'value');
      }
    }
    return schema;
  }

  /** Number of root tables. */
  rootSetSize(): number {
    let n = 0;
    for (const t of this.tables.values()) if (t.isRoot) n++;
    return n;
  }

  /** JSON form (OVS's ovsdb_schema_to_json). */
  toJson(): JsonObject {
    const o: JsonObject = { name: this.name };
    if (this.version) o['version'] = this.version;
    if (this.cksum) o['cksum'] = this.cksum;
    const defaultIsRoot = this.rootSetSize() === this.tables.size;
    // Members go in OVS's hash-map iteration order, so that serializing in
    // its order (as database files are written) gives OVS's bytes.
    const tables: JsonObject = {};
    for (const name of shashOrder([...this.tables.keys()])) tables[name] = this.tables.get(name)!.toJson(defaultIsRoot);
    o['tables'] = tables;
    return o;
  }

  /** A deep copy. */
  clone(): DatabaseSchema {
    const s = new DatabaseSchema(this.name, this.version, this.cksum);
    for (const [n, t] of this.tables) s.tables.set(n, t.clone());
    return s;
  }

  /** True if the schemas print identically. */
  equals(other: DatabaseSchema): boolean {
    return jsonEqual(this.toJson(), other.toJson());
  }

  /** Error text if some non-implicit column is ephemeral (clustered databases forbid that), else null. */
  checkForEphemeralColumns(): string | null {
    for (const t of this.tables.values()) {
      for (const c of t.columnList) {
        if (c.index >= 2 && !c.persistent) {
          return `Table ${t.name} column ${c.name} is ephemeral but clustered databases do not support ephemeral columns.`;
        }
      }
    }
    return null;
  }
}

function checkRefTable(schema: DatabaseSchema, column: ColumnSchema, base: BaseType, which: string): void {
  if (base.type !== 'uuid' || base.refTableName === null) return;
  const ref = schema.tables.get(base.refTableName);
  if (!ref) {
    throw syntaxError(undefined, null,
      `column ${column.name} ${which} refers to undefined table ${base.refTableName}`);
  }
  // A strong reference to a non-root table must survive a restart, or the
  // referenced row would be garbage collected when the log is replayed.
  if (base.refType === 'strong' && !ref.isRoot) column.persistent = true;
}

/** Structural JSON equality (object member order ignored). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return typeof a === 'bigint' || typeof b === 'bigint' ? String(a) === String(b) : false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b) || !isJsonObject(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b as JsonObject);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!(k in (b as JsonObject)) || !jsonEqual((a as JsonObject)[k]!, (b as JsonObject)[k]!)) return false;
  }
  return true;
}
