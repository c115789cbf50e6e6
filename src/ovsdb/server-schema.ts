/* server-schema: the _Server database that ovsdb-server provides about
 * itself (OVS ovsdb/_server.ovsschema and update_server_status() in
 * ovsdb/ovsdb-server.c).
 *
 * Its Database table has one row per served database: name, model
 * (standalone/clustered/relay), connected, leader, schema (the schema as
 * sorted JSON text), cid, sid and index (for clustered databases).  The
 * server creates it with serverSchema() and calls updateServerStatus()
 * whenever the set of databases or their state changes; clients such as the
 * Python IDL monitor it.  Write operations on _Server are refused by
 * execution.ts ("not allowed ... in reserved database").
 */
import { jsonToString } from '../lib/json.js';
import { Datum } from './datum.js';
import { Database } from './database.js';
import { OvsdbError } from './ovsdb-error.js';
import { DatabaseSchema } from './schema.js';
import { normInt } from './atom.js';
import { uuidGenerate } from './uuid.js';

/** The _Server schema, as OVS 3.1 ships it. */
export const SERVER_SCHEMA_JSON = {
  name: '_Server',
  version: '1.2.0',
  cksum: '3009684573 744',
  tables: {
    Database: {
      columns: {
        name: { type: 'string' },
        model: { type: { key: { type: 'string', enum: ['set', ['standalone', 'clustered', 'relay']] } } },
        connected: { type: 'boolean' },
        leader: { type: 'boolean' },
        schema: { type: { key: { type: 'string' }, min: 0, max: 1 } },
        cid: { type: { key: { type: 'uuid' }, min: 0, max: 1 } },
        sid: { type: { key: { type: 'uuid' }, min: 0, max: 1 } },
        index: { type: { key: { type: 'integer' }, min: 0, max: 1 } },
      },
      isRoot: true,
    },
  },
};

/** A fresh copy of the _Server schema. */
export function serverSchema(): DatabaseSchema {
  return DatabaseSchema.fromJson(structuredClone(SERVER_SCHEMA_JSON));
}

/** The state of one served database, as the Database table shows it. */
export interface ServedDatabase {
  name: string;
  model: 'standalone' | 'clustered' | 'relay';
  connected: boolean;
  leader: boolean;
  /** Null while the schema is unknown (a clustered database joining). */
  schema: DatabaseSchema | null;
  cid?: string | null;
  sid?: string | null;
  /** Applied log index (clustered); 0 or absent for none. */
  index?: number;
}

const schemaText = new WeakMap<DatabaseSchema, string>();

function schemaString(s: DatabaseSchema): string {
  let t = schemaText.get(s);
  if (t === undefined) {
    t = jsonToString(s.toJson(), { sort: true });
    schemaText.set(s, t);
  }
  return t;
}

/** Brings the _Server Database table in line with 'dbs' (rows added, updated, deleted). */
export function updateServerStatus(serverDb: Database, dbs: readonly ServedDatabase[]): OvsdbError | null {
  const table = serverDb.getTable('Database')!;
  const cols = table.schema.columns;
  const col = (n: string): number => cols.get(n)!.index;
  const byName = new Map(dbs.map((d) => [d.name, d]));
  const txn = serverDb.newTxn();
  const fill = (fields: Datum[], d: ServedDatabase): void => {
    fields[col('name')] = new Datum([d.name], null);
    fields[col('model')] = new Datum([d.model], null);
    fields[col('connected')] = new Datum([d.connected], null);
    fields[col('leader')] = new Datum([d.leader], null);
    fields[col('cid')] = new Datum(d.cid ? [d.cid] : [], null);
    fields[col('sid')] = new Datum(d.sid ? [d.sid] : [], null);
    fields[col('index')] = new Datum(d.index ? [normInt(d.index)] : [], null);
    fields[col('schema')] = new Datum(d.schema ? [schemaString(d.schema)] : [], null);
  };
  const seen = new Set<string>();
  for (const row of [...table.rows.values()]) {
    const name = row.fields[col('name')]!.keys[0] as string;
    const d = byName.get(name);
    if (!d) {
      txn.rowDelete(row);
    } else {
      seen.add(name);
      fill(txn.rowModify(row).fields, d);
    }
  }
  for (const d of dbs) {
    if (seen.has(d.name)) continue;
    const row = table.newRow(uuidGenerate());
    fill(row.fields, d);
    txn.rowInsert(row);
  }
  const r = serverDb.commit(txn);
  return r instanceof OvsdbError ? r : null;
}

/** Creates the _Server database. */
export function createServerDatabase(): Database {
  return new Database(serverSchema());
}
