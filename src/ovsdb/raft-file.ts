/* raft-file: clustered database files, the parts that need no running
 * cluster (OVS ovsdb/raft.c and raft-private.c file formats, used by
 * ovsdb-tool): creating the first server's file (create-cluster), a joining
 * server's file (join-cluster), reading the header's metadata, and turning a
 * clustered file into a standalone one (cluster-to-standalone).
 *
 * A clustered file is a log (log.ts) with magic "CLUSTER": a Raft header
 * {"server_id", "cluster_id", "name", "local_address", and either
 * "remote_addresses" (still joining) or the snapshot "prev_index",
 * "prev_term", "prev_servers", "prev_eid", "prev_data": [schema, data]},
 * then Raft records, of which log entries ({"term", "index",
 * "data": [schema|null, txn]}) carry database contents; show-log prints
 * them all.  Running a cluster
 * (elections, replication) is not implemented: ovs-ts serves standalone
 * databases only.
 */
import { isIPv6 } from 'node:net';
import { type Json, type JsonObject, jsonToString, jsonParse, compareStrings } from '../lib/json.js';
import { jsonToStringHashOrder } from '../lib/json-shash.js';
import { shashOrder } from '../lib/shash-order.js';
import { vlogModule } from '../lib/vlog.js';
import { OvsdbError } from './ovsdb-error.js';
import { OvsdbLog, OpenMode, OVSDB_MAGIC, RAFT_MAGIC } from './log.js';
import { DatabaseSchema } from './schema.js';
import { FatalError, schemaFromFile, readDatabaseFile, snapshotRecordText, printChangeRecord } from './file.js';
import { isId, OvsdbParser, OP_ANY, OP_ARRAY, OP_INTEGER, OP_OBJECT, OP_OPTIONAL, OP_STRING } from './ovsdb-parser.js';
import { uuidGenerate } from './uuid.js';

const ovsdbLog = vlogModule('ovsdb');
const socketLog = vlogModule('socket_util');

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

/* ---- Metadata. ---- */

/** What `ovsdb-tool db-name/db-cid/db-sid/db-local-address` report. */
export interface ClusterMetadata {
  sid: string;
  /** Null while a joining server has not learned it. */
  cid: string | null;
  name: string;
  local: string;
}

/** Reads the header of clustered log 'log' (OVS's raft_read_metadata).
 * Throws OvsdbError. */
export function readClusterMetadata(log: OvsdbLog): ClusterMetadata {
  const h = log.read();
  if (h === null) throw new OvsdbError('ovsdb error', `${log.displayName}: unexpected end of log reading raft header`);
  const str = (k: string): string => {
    const v = h[k];
    if (typeof v !== 'string') throw new OvsdbError('syntax error', `Parsing raft header failed: Required '${k}' member is missing.`);
    return v;
  };
  const sid = str('server_id');
  const name = str('name');
  const local = str('local_address');
  const cid = h['cluster_id'];
  return { sid, cid: typeof cid === 'string' ? cid : null, name, local };
}

/* ---- Creating files. ---- */

function unbracket(s: string): string {
  return s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
}

/** OVS's inet_parse_active(target, no default port, resolving names):
 * whether 'target' ("HOST:PORT") is acceptable.  Logs OVS's errors.  Names
 * that are not IP addresses are accepted, as OVS accepts them when it cannot
 * resolve them yet. */
function inetParseActive(target: string): boolean {
  let nColons = 0;
  let colon = -1;
  let inBrackets = false;
  for (let i = 0; i < target.length; i++) {
    const c = target[i];
    if (c === '[') inBrackets = true;
    else if (c === ']') inBrackets = false;
    else if (c === ':' && !inBrackets) { nColons++; colon = i; }
  }
  let host: string;
  let port: string | null = null;
  if (nColons > 1) {
    host = target;
  } else if (colon >= 0) {
    host = unbracket(target.slice(0, colon));
    port = unbracket(target.slice(colon + 1));
  } else {
    host = unbracket(target);
  }
  if (port === null) {
    socketLog.err(`${target}: port must be specified`);
    return false;
  }
  if (port !== '') {
    const n = /^[ \t\n\v\f\r]*[+-]?\d+$/.test(port) ? parseInt(port, 10) : NaN;
    if (!(n >= 0 && n <= 65535)) {
      socketLog.err(`${target}: bad port number "${port}"`);
      return false;
    }
  }
  if (host.includes(':')) {
    const addr = host.split('%')[0]!;
    return addr !== '' && isIPv6(addr);
  }
  return true;
}

/** OVS's raft_address_validate(): "unix:PATH", "tcp:HOST:PORT" or
 * "ssl:HOST:PORT". */
export function validateRaftAddress(address: string): OvsdbError | null {
  if (address.startsWith('unix:')) return null;
  if (address.startsWith('tcp:') || address.startsWith('ssl:')) {
    return inetParseActive(address.slice(4)) ? null : new OvsdbError('ovsdb error', `${address}: syntax error in address`);
  }
  return new OvsdbError('ovsdb error', `${address}: expected "tcp" or "ssl" address`);
}

/** OVS's ovsdb_schema_persist_ephemeral_columns(): clusters keep every column. */
function persistEphemeralColumns(schema: DatabaseSchema, fileName: string): void {
  let n = 0;
  let exampleTable = '';
  let exampleColumn = '';
  for (const tableName of shashOrder([...schema.tables.keys()])) {
    const t = schema.tables.get(tableName)!;
    for (const c of t.allColumns) {
      if (c.index >= 2 && !c.persistent) {
        c.persistent = true;
        exampleTable = t.name;
        exampleColumn = c.name;
        n++;
      }
    }
  }
  if (n) {
    ovsdbLog.warn(`${fileName}: changed ${n} columns in '${schema.name}' database from ephemeral to persistent, including '${exampleColumn}' column in '${exampleTable}' table, because clusters do not support ephemeral columns`);
  }
}

/** `ovsdb-tool create-cluster DB CONTENTS LOCAL`: 'contents' is a schema
 * file or a standalone database.  Throws OvsdbError. */
export function createCluster(dbFileName: string, contents: string, local: string, electionTimer: number): void {
  let schema: DatabaseSchema;
  let dataText: string;
  try {
    schema = schemaFromFile(contents);
    dataText = '{}';
  } catch (e) {
    if (!(e instanceof OvsdbError)) throw e;
    const { db, log } = readDatabaseFile(contents, false);
    log.close();
    schema = db.schema;
    dataText = snapshotRecordText(db, `created from ${contents}`, true);
  }
  persistEphemeralColumns(schema, contents);
  const err = validateRaftAddress(local);
  if (err) throw err;
  const log = OvsdbLog.open(dbFileName, RAFT_MAGIC, OpenMode.CreateExcl);
  try {
    const sid = uuidGenerate();
    const header: JsonObject = {
      server_id: sid,
      cluster_id: uuidGenerate(),
      local_address: local,
      name: schema.name,
      prev_servers: { [sid]: local },
      prev_index: 1,
      prev_term: 1,
      prev_data: ['\u0000PREV_DATA'],
      prev_eid: uuidGenerate(),
    };
    // Raft keeps entry data serialized with sorted members.
    const prevData = `[${jsonToString(schema.toJson(), { sort: true })},${jsonToString(jsonParse(dataText), { sort: true })}]`;
    log.writeText(jsonToStringHashOrder(header).replace('["\\u0000PREV_DATA"]', () => prevData));
    if (electionTimer > 0) log.write({ term: 1, index: 2, election_timer: electionTimer });
    log.commitBlock();
  } finally {
    log.close();
  }
}

/** `ovsdb-tool [--cid=UUID] join-cluster DB NAME LOCAL REMOTE...`.
 * Throws OvsdbError. */
export function joinCluster(dbFileName: string, name: string, local: string, remotes: string[], cid: string | null): void {
  if (!isId(name)) {
    throw new FatalError(`${name}: not a valid schema name (use "schema-name" command to find the correct name)`);
  }
  const unique = [...new Set(remotes)];
  let err = validateRaftAddress(local);
  if (err) throw err;
  for (const r of shashOrder(unique)) {
    err = validateRaftAddress(r);
    if (err) throw err;
    if (r === local) throw new OvsdbError('ovsdb error', 'remote addresses cannot be the same as the local address');
  }
  const log = OvsdbLog.open(dbFileName, RAFT_MAGIC, OpenMode.CreateExcl);
  try {
    const header: JsonObject = { server_id: uuidGenerate() };
    if (cid !== null) header['cluster_id'] = cid;
    header['local_address'] = local;
    header['name'] = name;
    // The addresses go through two hash sets: the tool's, then the header's
    // copy of it (made with its final size reserved).
    header['remote_addresses'] = shashOrder(shashOrder(unique), unique.length);
    log.write(header);
    log.commitBlock();
  } finally {
    log.close();
  }
}

/* ---- show-log of a clustered file. ---- */

interface ParsedHeader {
  sid: string;
  cid: string | null;
  name: string;
  local: string;
  remotes: string[] | null;
  servers: JsonObject | null;
  snapIndex: number;
  snapTerm: number;
  snapEid: string | null;
  snapData: Json | undefined;
}

type ParsedRecord =
  | { type: 'note'; comment: string | null; note: string }
  | { type: 'commit_index'; comment: string | null; index: number }
  | { type: 'leader' | 'vote'; comment: string | null; term: number; sid: string }
  | { type: 'term'; comment: string | null; term: number }
  | { type: 'entry'; comment: string | null; term: number; index: number; servers: JsonObject | null; eid: string | null; data: Json | undefined };

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function parseUuid(p: OvsdbParser, name: string, optional: boolean): string | null {
  const v = p.member(name, OP_STRING | (optional ? OP_OPTIONAL : 0));
  if (v === undefined) return null;
  if (!UUID_RE.test(v as string)) {
    p.raise(`${name} is not a valid UUID`);
    return null;
  }
  return (v as string).toLowerCase();
}

function parseUint(p: OvsdbParser, name: string, optional: boolean): number {
  const v = p.member(name, OP_INTEGER | (optional ? OP_OPTIONAL : 0));
  return v === undefined ? 0 : Number(v);
}

function parseRaftHeader(json: JsonObject): ParsedHeader | OvsdbError {
  const p = new OvsdbParser(json, 'raft header');
  const sid = parseUuid(p, 'server_id', false) ?? '';
  const name = p.member('name', OP_STRING) as string | undefined ?? '';
  const local = p.member('local_address', OP_STRING) as string | undefined ?? '';
  const remotes = p.member('remote_addresses', OP_ARRAY | OP_OPTIONAL) as Json[] | undefined;
  const h: ParsedHeader = {
    sid, cid: null, name, local, remotes: null, servers: null, snapIndex: 0, snapTerm: 0, snapEid: null, snapData: undefined,
  };
  if (remotes !== undefined) {
    const list = remotes.filter((r): r is string => typeof r === 'string');
    h.remotes = shashOrder([...new Set(list)]);
  } else {
    h.servers = (p.member('prev_servers', OP_OBJECT) as JsonObject | undefined) ?? null;
    h.snapIndex = parseUint(p, 'prev_index', true);
    if (h.snapIndex) {
      h.snapData = p.member('prev_data', OP_ANY);
      h.snapEid = parseUuid(p, 'prev_eid', false);
      h.snapTerm = parseUint(p, 'prev_term', false);
      parseUint(p, 'prev_election_timer', true);
    }
  }
  h.cid = parseUuid(p, 'cluster_id', remotes !== undefined);
  return p.finish() ?? h;
}

function parseRaftRecord(json: JsonObject): ParsedRecord | OvsdbError {
  const p = new OvsdbParser(json, 'raft log record');
  const comment = (p.member('comment', OP_STRING | OP_OPTIONAL) as string | undefined) ?? null;
  let r: ParsedRecord;
  const note = p.member('note', OP_STRING | OP_OPTIONAL) as string | undefined;
  const commitIndex = note === undefined ? parseUint(p, 'commit_index', true) : 0;
  if (note !== undefined) {
    r = { type: 'note', comment, note };
  } else if (commitIndex) {
    r = { type: 'commit_index', comment, index: commitIndex };
  } else {
    const term = parseUint(p, 'term', false);
    const leader = parseUuid(p, 'leader', true);
    const vote = leader === null ? parseUuid(p, 'vote', true) : null;
    if (leader !== null) {
      if (/^[0-]+$/.test(leader)) p.raise('record says leader is all-zeros SID');
      r = { type: 'leader', comment, term, sid: leader };
    } else if (vote !== null) {
      if (/^[0-]+$/.test(vote)) p.raise('record votes for all-zeros SID');
      r = { type: 'vote', comment, term, sid: vote };
    } else {
      const index = parseUint(p, 'index', true);
      if (!index) {
        r = { type: 'term', comment, term };
      } else {
        const servers = (p.member('servers', OP_OBJECT | OP_OPTIONAL) as JsonObject | undefined) ?? null;
        parseUint(p, 'election_timer', true);
        const data = p.member('data', OP_OBJECT | OP_ARRAY | OP_OPTIONAL);
        const eid = data !== undefined ? parseUuid(p, 'eid', false) : null;
        r = { type: 'entry', comment, term, index, servers, eid, data };
      }
    }
  }
  return p.finish() ?? r;
}

function serversText(name: string, servers: JsonObject | null): string {
  if (!servers) return '';
  const parts = Object.keys(servers).sort(compareStrings)
    .map((sid) => `${sid.slice(0, 4)}(${jsonToString(servers[sid]!, { sort: true })})`);
  return ` ${name}: ${parts.join(', ')}\n`;
}

interface ShowState { schema: DatabaseSchema | null; names: Map<string, string> }

function printData(prefix: string, data: Json | undefined, st: ShowState, verbosity: number, print: (s: string) => void): void {
  if (data === undefined || data === null) return;
  if (!Array.isArray(data) || data.length !== 2) {
    print(' ***invalid data***\n');
    return;
  }
  if (data[0] !== null) {
    const schema = DatabaseSchema.fromJson(data[0]!);
    print(` ${prefix}schema: "${schema.name}", version="${schema.version}", cksum="${schema.cksum}"\n`);
    st.schema = schema;
  }
  const txn = data[1];
  if (isObject(txn)) printChangeRecord(txn, st.schema, st.names, verbosity, print);
}

/** Prints the records of clustered log 'log' as `ovsdb-tool show-log` does.
 * Throws OvsdbError on a read error or a bad schema. */
export function showLogCluster(log: OvsdbLog, verbosity: number, print: (s: string) => void): void {
  const st: ShowState = { schema: null, names: new Map() };
  for (let i = 0; ; i++) {
    const json = log.read();
    if (json === null) break;
    print(`record ${i}:\n`);
    if (i === 0) {
      const h = parseRaftHeader(json);
      if (h instanceof OvsdbError) {
        print(`${h.toString()}\n`);
      } else {
        print(` name: "${h.name}'\n`);
        print(` local address: "${h.local}"\n`);
        print(` server_id: ${h.sid.slice(0, 4)}\n`);
        if (h.cid !== null && !/^[0-]+$/.test(h.cid)) print(` cluster_id: ${h.cid.slice(0, 4)}\n`);
        if (h.remotes && h.remotes.length) print(` remote_addresses:${h.remotes.map((r) => ` ${r}`).join('')}\n`);
        if (h.snapIndex) {
          print(` prev_index: ${h.snapIndex}\n`);
          print(` prev_term: ${h.snapTerm}\n`);
          print(serversText('prev_servers', h.servers));
          if (h.snapEid !== null && !/^[0-]+$/.test(h.snapEid)) print(` prev_eid: ${h.snapEid.slice(0, 4)}\n`);
          printData('prev_', h.snapData, st, verbosity, print);
        }
      }
    } else {
      const r = parseRaftRecord(json);
      if (r instanceof OvsdbError) {
        print(`${r.toString()}\n`);
      } else {
        if (r.comment !== null) print(` comment: "${r.comment}"\n`);
        if ('term' in r && r.term) print(` term: ${r.term}\n`);
        switch (r.type) {
          case 'entry':
            print(` index: ${r.index}\n`);
            print(serversText('servers', r.servers));
            if (r.eid !== null && !/^[0-]+$/.test(r.eid)) print(` eid: ${r.eid.slice(0, 4)}\n`);
            printData('', r.data, st, verbosity, print);
            break;
          case 'term': break;
          case 'vote': print(` vote: ${r.sid.slice(0, 4)}\n`); break;
          case 'note': print(` note: "${r.note}"\n`); break;
          case 'commit_index': print(` commit_index: ${r.index}\n`); break;
          case 'leader': print(` leader: ${r.sid.slice(0, 4)}\n`); break;
        }
      }
    }
    print('\n');
  }
}
