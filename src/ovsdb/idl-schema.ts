/* idl-schema: the schema an IDL client is compiled against (OVS's
 * ovsdb_idl_class / ovsdb_idl_table_class / ovsdb_idl_column).
 *
 * An IdlClass is built from a schema document (.ovsschema JSON) but parses
 * column types only when first asked for: a short-lived client such as
 * ovs-vsctl touches a handful of columns, and building every Type of the
 * Open_vSwitch schema would cost start-up time for nothing.  Tables and their
 * columns are kept in name order, as OVS's generated IDL code has them (that
 * order shows through in `ovs-vsctl list` and in error messages).
 *
 * idl.ts keeps a replica of the rows of an IdlClass's tables; vswitch-idl.ts
 * embeds the Open_vSwitch schema as an IdlClass.
 */
import type { Json, JsonObject } from '../lib/json.js';
import { compareStrings } from '../lib/json.js';
import { type Type, typeFromJson } from './types.js';

/** One column of an IDL table. */
export class IdlColumn {
  private parsed: Type | null = null;

  constructor(
    readonly table: IdlTable,
    readonly name: string,
    /** Position in the table's column list (name order). */
    readonly index: number,
    private readonly typeJson: Json,
    /** False for columns declared "mutable": false (set only at insert). */
    readonly mutable: boolean,
    /** True for "ephemeral" columns (not written to disk by the server). */
    readonly ephemeral: boolean,
  ) {}

  /** The column's type (parsed on first use). */
  get type(): Type {
    return this.parsed ??= typeFromJson(this.typeJson);
  }

  /** Names of the tables this column refers to (from the schema text,
   * without parsing the type). */
  get refTables(): string[] {
    const t = this.typeJson;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) return [];
    const out: string[] = [];
    for (const part of [t['key'], t['value']]) {
      if (typeof part === 'object' && part !== null && !Array.isArray(part) && typeof part['refTable'] === 'string') {
        out.push(part['refTable']);
      }
    }
    return out;
  }
}

/** One table of an IDL class. */
export class IdlTable {
  private cols: IdlColumn[] | null = null;
  private readonly byName = new Map<string, IdlColumn>();

  constructor(
    readonly idlClass: IdlClass,
    readonly name: string,
    /** Index in the class's table list (name order). */
    readonly index: number,
    /** Rows of root tables live on without references. */
    readonly isRoot: boolean,
    /** maxRows from the schema, or Infinity. */
    readonly maxRows: number,
    /** Unique indexes, as lists of column names. */
    readonly indexes: string[][],
    private readonly columnsJson: JsonObject,
  ) {}

  /** The columns, in name order (built on first use). */
  get columns(): IdlColumn[] {
    if (!this.cols) {
      this.cols = [];
      for (const cn of Object.keys(this.columnsJson).sort(compareStrings)) {
        const json = this.columnsJson[cn] as JsonObject;
        const c = new IdlColumn(this, cn, this.cols.length, json['type'] ?? null,
          json['mutable'] !== false, json['ephemeral'] === true);
        this.cols.push(c);
        this.byName.set(cn, c);
      }
    }
    return this.cols;
  }

  /** True for tables that may hold at most one row (e.g. Open_vSwitch). */
  get isSingleton(): boolean { return this.maxRows === 1; }

  /** The column named 'name' (exact match), if any. */
  column(name: string): IdlColumn | undefined {
    if (!this.cols) void this.columns;
    return this.byName.get(name);
  }

  /** The column named 'name'; throws if there is none (a programming error). */
  col(name: string): IdlColumn {
    if (!this.cols) void this.columns;
    const c = this.byName.get(name);
    if (!c) throw new Error(`table ${this.name} has no column ${name}`);
    return c;
  }
}

/** A database schema as seen by an IDL client. */
export class IdlClass {
  readonly tables: IdlTable[] = [];
  private readonly byName = new Map<string, IdlTable>();

  constructor(
    /** Database name, e.g. "Open_vSwitch". */
    readonly database: string,
    /** Schema version, e.g. "8.3.1". */
    readonly version: string,
  ) {}

  /** The table named 'name' (exact match), if any. */
  table(name: string): IdlTable | undefined { return this.byName.get(name); }

  /** The table named 'name'; throws if there is none (a programming error). */
  tbl(name: string): IdlTable {
    const t = this.byName.get(name);
    if (!t) throw new Error(`schema ${this.database} has no table ${name}`);
    return t;
  }

  /** Builds an IdlClass from a schema document (already JSON-parsed).
   * Throws Error on a document that is not a schema. */
  static fromSchema(schema: Json): IdlClass {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      throw new Error('schema is not a JSON object');
    }
    const s = schema as JsonObject;
    const tables = s['tables'];
    if (typeof s['name'] !== 'string' || typeof tables !== 'object' || tables === null || Array.isArray(tables)) {
      throw new Error('schema lacks "name" or "tables"');
    }
    const cls = new IdlClass(s['name'], typeof s['version'] === 'string' ? s['version'] : '');
    const tableNames = Object.keys(tables).sort(compareStrings);
    const allRoot = !tableNames.some((n) => 'isRoot' in (tables[n] as JsonObject));
    for (const tn of tableNames) {
      const tj = tables[tn] as JsonObject;
      const maxRows = typeof tj['maxRows'] === 'number' ? tj['maxRows'] : Infinity;
      const indexes = Array.isArray(tj['indexes']) ? tj['indexes'] as string[][] : [];
      // As in OVS, a schema without any "isRoot" makes every table a root.
      const table = new IdlTable(cls, tn, cls.tables.length, allRoot || tj['isRoot'] === true, maxRows, indexes,
        tj['columns'] as JsonObject);
      cls.tables.push(table);
      cls.byName.set(tn, table);
    }
    return cls;
  }
}
