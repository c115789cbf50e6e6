/* cluster-to-standalone: turns a clustered database file into a standalone
 * one (`ovsdb-tool cluster-to-standalone`, OVS ovsdb-tool.c), for when a
 * cluster is down for good.
 *
 * A clustered file is a log (log.ts) with magic "CLUSTER": a Raft header
 * (whose "prev_data" is the snapshot: [schema, data]) and then Raft records,
 * of which only log entries ({"term", "index", "data": [schema|null, txn]})
 * carry database contents.  The standalone file gets the snapshot's schema
 * and data and then every entry's transaction, exactly as OVS writes them.
 * Everything else about clusters is out of scope here.
 */
import type { Json, JsonObject } from '../lib/json.js';
import { OvsdbError } from './ovsdb-error.js';
import { OvsdbLog, OpenMode, OVSDB_MAGIC, RAFT_MAGIC } from './log.js';
import { DatabaseSchema } from './schema.js';
import { FatalError } from './file.js';

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function required(json: JsonObject, what: string, member: string): Json {
  const v = json[member];
  if (v === undefined) {
    throw new OvsdbError('syntax error', `Parsing ${what} failed: Required '${member}' member is missing.`);
  }
  return v;
}

/** Writes the snapshot in a Raft header to 'out'. */
function headerToStandalone(h: JsonObject, out: OvsdbLog): void {
  required(h, 'raft header', 'server_id');
  required(h, 'raft header', 'name');
  required(h, 'raft header', 'local_address');
  const index = h['prev_index'];
  if (index === undefined || index === 0) return;
  const data = h['prev_data'];
  if (!Array.isArray(data) || data.length !== 2) throw new FatalError('Incorrect raft header data array length');
  const [schemaJson, dataJson] = data as [Json, Json];
  if (schemaJson !== null) {
    DatabaseSchema.fromJson(schemaJson);
    out.write(schemaJson);
  }
  if (!isObject(dataJson)) throw new FatalError('Invalid raft header data');
  out.write(dataJson);
}

/** Writes the transaction of a Raft log entry record (if it is one) to 'out'. */
function recordToStandalone(r: JsonObject, out: OvsdbLog): void {
  if (typeof r['note'] === 'string') return;
  if (r['commit_index'] !== undefined && r['commit_index'] !== 0) return;
  required(r, 'raft log record', 'term');
  if (r['leader'] !== undefined || r['vote'] !== undefined) return;
  if (r['index'] === undefined || r['index'] === 0) return;
  const data = r['data'];
  if (data === undefined) return;
  if (!Array.isArray(data) || data.length !== 2) throw new FatalError('Incorrect raft record array length');
  if (data[1] !== null) out.write(data[1]!);
}

/** `ovsdb-tool cluster-to-standalone DB CLUSTERDB`.  Throws OvsdbError. */
export function clusterToStandalone(dbFileName: string, clusterFileName: string): void {
  const src = OvsdbLog.open(clusterFileName, `${OVSDB_MAGIC}|${RAFT_MAGIC}`, OpenMode.ReadOnly);
  try {
    const out = OvsdbLog.open(dbFileName, OVSDB_MAGIC, OpenMode.CreateExcl);
    try {
      if (src.magic !== RAFT_MAGIC) throw new FatalError('Database is not clustered db.\n');
      for (let i = 0; ; i++) {
        const json = src.read();
        if (json === null) break;
        if (i === 0) headerToStandalone(json, out);
        else recordToStandalone(json, out);
      }
      out.commitBlock();
    } finally {
      out.close();
    }
  } finally {
    src.close();
  }
}
