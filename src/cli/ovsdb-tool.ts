/* ovsdb-tool: Open vSwitch database management utility (OVS ovsdb/ovsdb-tool.c).
 *
 * Works on standalone database files directly: create, compact, convert,
 * inspect (db-name, schema-cksum, show-log, ...), and run transactions with
 * query/transact.  Output, error texts and exit statuses are the real tool's.
 * Clustered database files can be created (create-cluster, join-cluster),
 * inspected (db-name, db-cid, db-sid, db-local-address, db-is-clustered) and
 * turned standalone (cluster-to-standalone) and shown (show-log);
 * check-cluster reports that clusters are not supported.
 *
 * The file format is ovsdb/log.ts (records) and ovsdb/file.ts (what the
 * records mean); execution of transactions is ovsdb/execution.ts.  Modules
 * beyond the log and the schema are loaded only by the commands that need
 * them, to keep start-up quick.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, printOptionsText, type OptionSpec } from '../lib/command-line.js';
import { vlogModule, vlogSetFromString, vlogSetLevels, Level } from '../lib/vlog.js';
import type { JsonObject } from '../lib/json.js';

const PROGRAM = 'ovsdb-tool';
const VERSION = '3.1.0';

// Module names OVS knows, so that -v can name them before they load.
for (const m of ['ovsdb_log', 'ovsdb_file', 'lockfile', 'storage', 'command_line', 'ovsdb_tool']) vlogModule(m);

/** Ends the program: message on stderr ("ovsdb-tool: ...") and exit status. */
class Exit extends Error {
  constructor(readonly text: string | null, readonly status: number) { super(text ?? ''); }
}

/** OVS's ovs_fatal(0, ...). */
function fatal(text: string): never {
  throw new Exit(text, 1);
}

/** check_ovsdb_error(): runs 'fn', turning an OvsdbError into a fatal error. */
function check<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isOvsdbErrorLike(e)) fatal(String(e));
    throw e;
  }
}

async function checkAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isOvsdbErrorLike(e)) fatal(String(e));
    throw e;
  }
}

function isOvsdbErrorLike(e: unknown): e is { tag: string } {
  return typeof e === 'object' && e !== null && 'tag' in e && typeof (e as { tag: unknown }).tag === 'string' &&
    typeof (e as { toString: unknown }).toString === 'function';
}

let out = '';
function print(s: string): void {
  out += s;
  if (out.length > 1 << 16) flushOut();
}
function flushOut(): void {
  if (out) {
    process.stdout.write(out);
    out = '';
  }
}

/* ---- Defaults (OVS lib/dirs.c). ---- */

function envDir(name: string): string | undefined {
  const v = process.env[name];
  return v ? v : undefined;
}

function defaultDb(): string {
  const dbdir = envDir('OVS_DBDIR');
  if (dbdir) return `${dbdir}/conf.db`;
  const sysconf = process.env['OVS_SYSCONFDIR'];
  return `${sysconf !== undefined ? sysconf : '/etc'}/openvswitch/conf.db`;
}

/** The default schema: $OVS_PKGDATADIR/vswitch.ovsschema, else the schema
 * shipped with ovs-ts (schemas/ beside dist/ or the source tree). */
function defaultSchema(): string {
  const pkgdatadir = envDir('OVS_PKGDATADIR');
  if (pkgdatadir) return `${pkgdatadir}/vswitch.ovsschema`;
  for (const rel of ['../schemas/vswitch.ovsschema', '../../schemas/vswitch.ovsschema', '../../../schemas/vswitch.ovsschema']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return '/usr/share/openvswitch/vswitch.ovsschema';
}

function logDir(): string {
  return envDir('OVS_LOGDIR') ?? '/var/log/openvswitch';
}

/* ---- Options. ---- */

const OPTIONS: OptionSpec[] = [
  { name: 'more', arg: 'none', short: 'm' },
  { name: 'rbac-role', arg: 'required' },
  { name: 'cid', arg: 'required' },
  { name: 'election-timer', arg: 'required' },
  { name: 'verbose', arg: 'optional', short: 'v' },
  { name: 'help', arg: 'none', short: 'h' },
  { name: 'option', arg: 'none', short: 'o' },
  { name: 'version', arg: 'none', short: 'V' },
];

let showLogVerbosity = 0;
let rbacRole: string | null = null;
let clusterId: string | null = null;
let electionTimer = 0;

function usage(): void {
  print(`${PROGRAM}: Open vSwitch database management utility
usage: ${PROGRAM} [OPTIONS] COMMAND [ARG...]
  create [DB [SCHEMA]]    create DB with the given SCHEMA
  [--election-timer=ms] create-cluster DB CONTENTS LOCAL
    create clustered DB with given CONTENTS and LOCAL address
  [--cid=UUID] join-cluster DB NAME LOCAL REMOTE...
    join clustered DB with given NAME and LOCAL and REMOTE addrs
  compact [DB [DST]]      compact DB in-place (or to DST)
  convert [DB [SCHEMA [DST]]]   convert DB to SCHEMA (to DST)
  db-name [DB]            report name of schema used by DB
  db-version [DB]         report version of schema used by DB
  db-cksum [DB]           report checksum of schema used by DB
  db-cid DB               report cluster ID of clustered DB
  db-sid DB               report server ID of clustered DB
  db-local-address DB     report local address of clustered DB
  db-is-clustered DB      test whether DB is clustered
  db-is-standalone DB     test whether DB is standalone
  schema-name [SCHEMA]    report SCHEMA's name
  schema-version [SCHEMA] report SCHEMA's schema version
  schema-cksum [SCHEMA]   report SCHEMA's checksum
  compare-versions A OP B  compare OVSDB schema version numbers
  query [DB] TRNS         execute read-only transaction on DB
  transact [DB] TRNS      execute read/write transaction on DB
  cluster-to-standalone DB DB    Convert clustered DB to
      standalone DB when cluster is down and cannot be
        revived
  [-m]... show-log [DB]   print DB's log entries
The default DB is ${defaultDb()}.
The default SCHEMA is ${defaultSchema()}.

Logging options:
  -vSPEC, --verbose=SPEC   set logging levels
  -v, --verbose            set maximum verbosity level
  --log-file[=FILE]        enable logging to specified FILE
                           (default: ${logDir()}/${PROGRAM}.log)
  --syslog-method=(libc|unix:file|udp:ip:port)
                           specify how to send messages to syslog daemon
  --syslog-target=HOST:PORT  also send syslog msgs to HOST:PORT via UDP

Other options:
  -m, --more                  increase show-log verbosity
  --rbac-role=ROLE            RBAC role for transact and query commands
  -h, --help                  display this help message
  -V, --version               display version information
`);
  throw new Exit(null, 0);
}

function parseOptions(argv: string[]): string[] {
  const parsed = parseCommandLine(argv, OPTIONS);
  // As getopt_long, options before a bad one take effect first.
  for (const o of parsed.options) {
    switch (o.name) {
      case 'more': showLogVerbosity++; break;
      case 'rbac-role': rbacRole = o.value!; break;
      case 'cid':
        if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(o.value!) ||
            /^[0-]+$/.test(o.value!)) {
          fatal(`${o.value}: not a valid UUID`);
        }
        clusterId = o.value!.toLowerCase();
        break;
      case 'election-timer': {
        const t = parseInt(o.value!, 10) || 0;
        if (t < 100 || t > 600000) fatal('ovsdb error: election timer must be between 100 and 600000, in msec.');
        electionTimer = t;
        break;
      }
      case 'help': usage(); break;
      case 'option':
        print(printOptionsText(OPTIONS));
        throw new Exit(null, 0);
      case 'version':
        print(`${PROGRAM} (Open vSwitch) ${VERSION}\n`);
        throw new Exit(null, 0);
      case 'verbose':
        if (o.value !== undefined) {
          const err = vlogSetFromString(o.value);
          if (err) fatal(`processing "${o.value}": ${err}`);
        } else {
          vlogSetLevels(null, -1, Level.DBG);
        }
        break;
    }
  }
  if (parsed.error) fatal(parsed.error);
  return parsed.args;
}

/* ---- Shared helpers. ---- */

type Schema = import('../ovsdb/schema.js').DatabaseSchema;

async function schemaFromFile(file: string): Promise<Schema> {
  const { schemaFromFile } = await import('../ovsdb/file.js');
  return check(() => schemaFromFile(file));
}

/** Opens 'file' read-only and returns its first record and magic. */
async function readFirstRecord(file: string): Promise<{ magic: string; json: JsonObject | null }> {
  const { OvsdbLog, OpenMode, OVSDB_MAGIC, RAFT_MAGIC } = await import('../ovsdb/log.js');
  const log = check(() => OvsdbLog.open(file, `${OVSDB_MAGIC}|${RAFT_MAGIC}`, OpenMode.ReadOnly));
  try {
    return { magic: log.magic, json: check(() => log.read()) };
  } finally {
    log.close();
  }
}

/** read_standalone_schema(): the schema of standalone database 'file'. */
async function readStandaloneSchema(file: string): Promise<Schema> {
  const { readStandaloneSchema } = await import('../ovsdb/file.js');
  return check(() => readStandaloneSchema(file));
}

/** The header metadata of clustered database 'file' (fatal if standalone). */
async function readClusterMetadata(file: string): Promise<import('../ovsdb/raft-file.js').ClusterMetadata> {
  const { OvsdbLog, OpenMode } = await import('../ovsdb/log.js');
  const { readClusterMetadata: read } = await import('../ovsdb/raft-file.js');
  const log = check(() => OvsdbLog.open(file, 'JSON|CLUSTER', OpenMode.ReadOnly));
  try {
    if (log.magic !== 'CLUSTER') fatal(`${file}: not a clustered database`);
    return check(() => read(log));
  } finally {
    log.close();
  }
}

function notSupported(command: string): never {
  fatal(`${command}: clustered databases are not supported`);
}

/* ---- Commands. ---- */

type Handler = (argv: string[]) => Promise<void> | void;

interface Command {
  name: string;
  usage: string | null;
  min: number;
  max: number;
  run: Handler;
}

async function doCreate(argv: string[]): Promise<void> {
  const dbFile = argv[1] ?? defaultDb();
  const schemaFile = argv[2] ?? defaultSchema();
  const schema = await schemaFromFile(schemaFile);
  const { OvsdbLog, OpenMode, OVSDB_MAGIC } = await import('../ovsdb/log.js');
  const { schemaToFileJson } = await import('../ovsdb/file.js');
  const log = check(() => OvsdbLog.open(dbFile, OVSDB_MAGIC, OpenMode.CreateExcl));
  try {
    check(() => log.write(schemaToFileJson(schema)));
    check(() => log.commitBlock());
  } finally {
    log.close();
  }
}

async function compactOrConvert(src: string, dst: string | null, newSchema: Schema | null, comment: string): Promise<void> {
  const { compactOrConvert } = await import('../ovsdb/file.js');
  await checkAsync(async () => compactOrConvert(src, dst, newSchema, comment));
}

async function doCompact(argv: string[]): Promise<void> {
  await compactOrConvert(argv[1] ?? defaultDb(), argv[2] ?? null, null, `compacted by ovsdb-tool ${VERSION}`);
}

async function doConvert(argv: string[]): Promise<void> {
  const db = argv[1] ?? defaultDb();
  const schemaFile = argv[2] ?? defaultSchema();
  const schema = await schemaFromFile(schemaFile);
  await compactOrConvert(db, argv[3] ?? null, schema, `converted by ovsdb-tool ${VERSION}`);
}

async function doNeedsConversion(argv: string[]): Promise<void> {
  const schema1 = await readStandaloneSchema(argv[1] ?? defaultDb());
  const schema2 = await schemaFromFile(argv[2] ?? defaultSchema());
  print(schema1.equals(schema2) ? 'no\n' : 'yes\n');
}

async function doDbName(argv: string[]): Promise<void> {
  const file = argv[1] ?? defaultDb();
  const { magic, json } = await readFirstRecord(file);
  if (magic === 'JSON') {
    if (json === null) fatal('ovsdb error: unexpected end of file reading schema');
    const { DatabaseSchema } = await import('../ovsdb/schema.js');
    print(`${check(() => DatabaseSchema.fromJson(json)).name}\n`);
  } else {
    print(`${(await readClusterMetadata(file)).name}\n`);
  }
}

async function doDbVersion(argv: string[]): Promise<void> {
  print(`${(await readStandaloneSchema(argv[1] ?? defaultDb())).version}\n`);
}

async function doDbCksum(argv: string[]): Promise<void> {
  print(`${(await readStandaloneSchema(argv[1] ?? defaultDb())).cksum}\n`);
}

async function doDbCid(argv: string[]): Promise<void> {
  const md = await readClusterMetadata(argv[1]!);
  if (!md.cid) {
    flushOut();
    process.stderr.write(`${argv[1]}: cluster ID not yet known\n`);
    throw new Exit(null, 2);
  }
  print(`${md.cid}\n`);
}

async function doDbSid(argv: string[]): Promise<void> {
  print(`${(await readClusterMetadata(argv[1]!)).sid}\n`);
}

async function doDbLocalAddress(argv: string[]): Promise<void> {
  print(`${(await readClusterMetadata(argv[1]!)).local}\n`);
}

async function dbHasMagic(argv: string[], magic: string): Promise<void> {
  const { OvsdbLog, OpenMode } = await import('../ovsdb/log.js');
  const log = check(() => OvsdbLog.open(argv[1]!, 'JSON|CLUSTER', OpenMode.ReadOnly));
  const actual = log.magic;
  log.close();
  if (actual !== magic) throw new Exit(null, 2);
}

async function doSchemaName(argv: string[]): Promise<void> {
  print(`${(await schemaFromFile(argv[1] ?? defaultSchema())).name}\n`);
}

async function doSchemaVersion(argv: string[]): Promise<void> {
  print(`${(await schemaFromFile(argv[1] ?? defaultSchema())).version}\n`);
}

async function doSchemaCksum(argv: string[]): Promise<void> {
  print(`${(await schemaFromFile(argv[1] ?? defaultSchema())).cksum}\n`);
}

async function transact(argv: string[], rw: boolean): Promise<void> {
  const dbFile = argv.length >= 3 ? argv[1]! : defaultDb();
  const transaction = argv[argv.length - 1]!;
  const { transactFile } = await import('../ovsdb/file.js');
  const result = check(() => transactFile(dbFile, transaction, rw, rbacRole));
  if ('parseError' in result) fatal(`"${transaction}": ${result.parseError}`);
  print(`${result.text}\n`);
}

async function doShowLog(argv: string[]): Promise<void> {
  const file = argv[1] ?? defaultDb();
  const { OvsdbLog, OpenMode } = await import('../ovsdb/log.js');
  const log = check(() => OvsdbLog.open(file, 'JSON|CLUSTER', OpenMode.ReadOnly));
  try {
    if (log.magic === 'JSON') {
      const { showLogStandalone } = await import('../ovsdb/file.js');
      check(() => showLogStandalone(log, showLogVerbosity, print));
    } else {
      const { showLogCluster } = await import('../ovsdb/raft-file.js');
      check(() => showLogCluster(log, showLogVerbosity, print));
    }
  } finally {
    log.close();
  }
}

const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)$/;

function parseVersion(s: string): [number, number, number] {
  const m = VERSION_RE.exec(s);
  if (!m || m.slice(1).some((p) => Number(p) > 4294967295)) fatal(`${s}: not an OVSDB version number in format x.y.z`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function doCompareVersions(argv: string[]): void {
  const a = parseVersion(argv[1]!);
  const b = parseVersion(argv[3]!);
  const cmp = a[0] !== b[0] ? Math.sign(a[0] - b[0]) : a[1] !== b[1] ? Math.sign(a[1] - b[1]) : Math.sign(a[2] - b[2]);
  const ops: Record<string, boolean> = { '<': cmp < 0, '<=': cmp <= 0, '==': cmp === 0, '>=': cmp >= 0, '>': cmp > 0, '!=': cmp !== 0 };
  const op = argv[2]!;
  if (!(op in ops)) fatal(`${op}: not a relational operator`);
  throw new Exit(null, ops[op] ? 0 : 2);
}

async function doCreateCluster(argv: string[]): Promise<void> {
  const { createCluster } = await import('../ovsdb/raft-file.js');
  check(() => createCluster(argv[1]!, argv[2]!, argv[3]!, electionTimer));
}

async function doJoinCluster(argv: string[]): Promise<void> {
  const { joinCluster } = await import('../ovsdb/raft-file.js');
  check(() => joinCluster(argv[1]!, argv[2]!, argv[3]!, argv.slice(4), clusterId));
}

async function doClusterToStandalone(argv: string[]): Promise<void> {
  const { clusterToStandalone } = await import('../ovsdb/raft-file.js');
  check(() => clusterToStandalone(argv[1]!, argv[2]!));
}

function doListCommands(): void {
  let s = 'The available commands are:\n';
  for (const c of COMMANDS) s += `  ${c.name.padEnd(23)} ${c.usage ?? ''}\n`;
  print(s);
}

const COMMANDS: Command[] = [
  { name: 'create', usage: '[db [schema]]', min: 0, max: 2, run: doCreate },
  { name: 'create-cluster', usage: 'db contents local', min: 3, max: 3, run: doCreateCluster },
  { name: 'join-cluster', usage: 'db name local remote...', min: 4, max: Infinity, run: doJoinCluster },
  { name: 'compact', usage: '[db [dst]]', min: 0, max: 2, run: doCompact },
  { name: 'convert', usage: '[db [schema [dst]]]', min: 0, max: 3, run: doConvert },
  { name: 'needs-conversion', usage: null, min: 0, max: 2, run: doNeedsConversion },
  { name: 'db-name', usage: '[db]', min: 0, max: 1, run: doDbName },
  { name: 'db-version', usage: '[db]', min: 0, max: 1, run: doDbVersion },
  { name: 'db-cksum', usage: '[db]', min: 0, max: 1, run: doDbCksum },
  { name: 'db-cid', usage: 'db', min: 1, max: 1, run: doDbCid },
  { name: 'db-sid', usage: 'db', min: 1, max: 1, run: doDbSid },
  { name: 'db-local-address', usage: 'db', min: 1, max: 1, run: doDbLocalAddress },
  { name: 'db-is-clustered', usage: 'db', min: 1, max: 1, run: (a) => dbHasMagic(a, 'CLUSTER') },
  { name: 'db-is-standalone', usage: 'db', min: 1, max: 1, run: (a) => dbHasMagic(a, 'JSON') },
  { name: 'schema-name', usage: '[schema]', min: 0, max: 1, run: doSchemaName },
  { name: 'schema-version', usage: '[schema]', min: 0, max: 1, run: doSchemaVersion },
  { name: 'schema-cksum', usage: '[schema]', min: 0, max: 1, run: doSchemaCksum },
  { name: 'query', usage: '[db] trns', min: 1, max: 2, run: (a) => transact(a, false) },
  { name: 'transact', usage: '[db] trns', min: 1, max: 2, run: (a) => transact(a, true) },
  { name: 'show-log', usage: '[db]', min: 0, max: 1, run: doShowLog },
  { name: 'check-cluster', usage: 'db...', min: 1, max: Infinity, run: () => notSupported('check-cluster') },
  { name: 'compare-versions', usage: 'a op b', min: 3, max: 3, run: doCompareVersions },
  { name: 'help', usage: null, min: 0, max: Infinity, run: usage },
  { name: 'list-commands', usage: null, min: 0, max: Infinity, run: doListCommands },
  { name: 'cluster-to-standalone', usage: 'db clusterdb', min: 2, max: 2, run: doClusterToStandalone },
];

async function main(argv: string[]): Promise<number> {
  try {
    const operands = parseOptions(argv);
    if (operands.length < 1) fatal('missing command name; use --help for help');
    const name = operands[0]!;
    const cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) fatal(`unknown command '${name}'; use --help for help`);
    const nArgs = operands.length - 1;
    if (nArgs < cmd.min) fatal(`'${cmd.name}' command requires at least ${cmd.min} arguments`);
    if (nArgs > cmd.max) fatal(`'${cmd.name}' command takes at most ${cmd.max} arguments`);
    await cmd.run(operands);
    flushOut();
    return 0;
  } catch (e) {
    flushOut();
    if (e instanceof Exit) {
      if (e.text !== null) process.stderr.write(`${PROGRAM}: ${e.text}\n`);
      return e.status;
    }
    process.stderr.write(`${PROGRAM}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 1;
  }
}

// A closed pipe on stdout: OVS ignores SIGPIPE and reports the failed write.
process.stdout.on('error', () => {
  process.stderr.write(`${PROGRAM}: write to stdout failed\n`);
  process.exit(1);
});
void main(process.argv.slice(2)).then((status) => { process.exitCode = status; });


