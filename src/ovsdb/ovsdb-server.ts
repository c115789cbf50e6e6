/* ovsdb-server: the database server's main (OVS's ovsdb/ovsdb-server.c).
 *
 * Opens each database file named on the command line (default
 * $OVS_DBDIR/conf.db), adds the built-in _Server database, serves the
 * remotes given by --remote (db:DB,TABLE,COLUMN remotes are re-read after
 * every commit), keeps Manager rows' status up to date, optionally mirrors an
 * active server (--sync-from, replication.ts), and answers ovs-appctl.  This
 * file wires the pieces together: the engine and storage are behind
 * server-db.ts, the protocol behind jsonrpc-server.ts.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { setProgramName, ovsFatal, errorText } from '../lib/program.js';
import { parseDaemonCommandLine } from '../lib/daemon-main.js';
import { Daemon, daemonUsage, monitorStateFile, replayUsage, REPLAY_OPTIONS } from '../lib/daemon.js';
import { SSL_BOOTSTRAP_OPTION, SSL_OPTIONS, SSL_PEER_CA_OPTION, streamUsage } from '../lib/stream-ssl-options.js';
import { ovsDbdir } from '../lib/dirs.js';
import { setSslConfig } from '../lib/stream.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { vlogModule } from '../lib/vlog.js';
import { shashOrder } from '../lib/shash-order.js';
import { OvsdbError } from './ovsdb-error.js';
import { JsonRpcServer, type RemoteOptions } from './jsonrpc-server.js';
import { ServerDb } from './server-db.js';
import { createServerDatabase, updateServerStatus } from './server-schema.js';
import { addRemote, parseDbColumn, queryDbRemotes, queryDbString, updateRemoteStatus } from './server-remotes.js';
import { Replication, parseExcludedTables, excludedTablesText } from './replication.js';

setProgramName('ovsdb-server');
const log = vlogModule('ovsdb_server');

const { daemon: cfg, options, args } = parseDaemonCommandLine([
  { name: 'remote', arg: 'required' },
  { name: 'run', arg: 'required' },
  { name: 'sync-from', arg: 'required' },
  { name: 'sync-exclude-tables', arg: 'required' },
  { name: 'active', arg: 'none' },
  { name: 'no-dbs', arg: 'none' },
  { name: 'disable-file-column-diff', arg: 'none' },
  ...SSL_OPTIONS,
  SSL_PEER_CA_OPTION,
  SSL_BOOTSTRAP_OPTION,
  ...REPLAY_OPTIONS,
], () => `ovsdb-server: Open vSwitch database server
usage: ovsdb-server [OPTIONS] [DATABASE...]
where each DATABASE is a database file in ovsdb format.
The default DATABASE, if none is given, is
${ovsDbdir()}/conf.db.

JSON-RPC options (may be specified any number of times):
  --remote=REMOTE         connect or listen to REMOTE
${streamUsage('JSON-RPC', true, true, true)}${daemonUsage()}
Syncing options:
  --sync-from=SERVER      sync DATABASE from active SERVER and start in
                          backup mode (except with --active)
  --sync-exclude-tables=DB:TABLE,...
                          exclude the TABLE in DB from syncing
  --active                with --sync-from, start in active mode
${replayUsage()}
Other options:
  --run COMMAND           run COMMAND as subprocess then exit
  --unixctl=SOCKET        override default control socket name
  --disable-file-column-diff
                          don't use column diff in database file
  -h, --help              display this help message
  -V, --version           display version information
`);

// ---- Configuration ----

/** Remotes as configured (command line and add-remote), in insertion order. */
const remotes = new Set<string>();
const dbFilenames: string[] = [];
let syncFrom: string | null = null;
let syncExclude: string | null = null;
let active = false;
let addDefaultDb = true;
let runCommand: string | null = null;
const ssl: {
  privateKey: string | null; certificate: string | null; caCert: string | null; bootstrap: boolean; peerCaCert: string | null;
  protocols: string | null; ciphers: string | null;
} = { privateKey: null, certificate: null, caCert: null, bootstrap: false, peerCaCert: null, protocols: null, ciphers: null };

for (const o of options) {
  const v = o.value ?? '';
  switch (o.name) {
    case 'remote': remotes.add(v); break;
    case 'run': runCommand = v; break;
    case 'sync-from': syncFrom = v; break;
    case 'sync-exclude-tables': {
      const r = parseExcludedTables(v);
      if ('error' in r) ovsFatal(0, r.error);
      syncExclude = v;
      break;
    }
    case 'active': active = true; break;
    case 'no-dbs': addDefaultDb = false; break;
    case 'private-key': ssl.privateKey = v; break;
    case 'certificate': ssl.certificate = v; break;
    case 'ca-cert': ssl.caCert = v; ssl.bootstrap = false; break;
    case 'bootstrap-ca-cert': ssl.caCert = v; ssl.bootstrap = true; break;
    case 'peer-ca-cert': ssl.peerCaCert = v; break;
    case 'ssl-protocols': ssl.protocols = v; break;
    case 'ssl-ciphers': ssl.ciphers = v; break;
    default: break;
  }
}
for (const a of args) if (!dbFilenames.includes(a)) dbFilenames.push(a);
if (args.length === 0 && addDefaultDb) dbFilenames.push(`${ovsDbdir()}/conf.db`);

// Under --monitor, the databases and remotes added or removed at run time
// survive a crash: a restarted server takes them from the monitor's state
// file instead of the command line (OVS's save_config/load_config).
const stateFile = monitorStateFile();
if (stateFile) {
  try {
    const st = JSON.parse(readFileSync(stateFile, 'utf8')) as { remotes: string[]; dbs: string[] };
    remotes.clear();
    for (const r of st.remotes) remotes.add(r);
    dbFilenames.length = 0;
    dbFilenames.push(...st.dbs);
  } catch { /* first start: nothing saved yet */ }
}

let isBackup = syncFrom !== null && !active;

// Everything from here on runs inside main(): programs are CommonJS bundles,
// which cannot use top-level await.
async function main(): Promise<void> {
  const daemon = await Daemon.start(cfg, () => memoryReport());
  const jsonrpc = new JsonRpcServer(isBackup);

  /** Served databases by name (including _Server). */
  const allDbs = new Map<string, ServerDb>();

  // ---- Databases ----

  function isAlreadyOpen(filename: string): boolean {
    let s;
    try { s = statSync(filename); } catch { return false; }
    for (const db of allDbs.values()) {
      if (!db.storage) continue;
      try {
        const s2 = statSync(db.filename);
        if (s.dev === s2.dev && s.ino === s2.ino) return true;
      } catch { /* gone */ }
    }
    return false;
  }

  /** Opens database file 'filename' and starts serving it; returns an error text. */
  function openDb(filename: string): string | null {
    if (isAlreadyOpen(filename)) return `ovsdb error: ${filename}: already open`;
    let db: ServerDb;
    try {
      db = ServerDb.open(filename);
    } catch (e) {
      if (e instanceof OvsdbError) return e.toString();
      throw e;
    }
    const name = db.name;
    const error = name.startsWith('_') ? `ovsdb error: ${name}: names beginning with "_" are reserved`
      : allDbs.has(name) ? `ovsdb error: ${name}: duplicate database name` : null;
    if (error) {
      db.close();
      return error;
    }
    addDb(db);
    return null;
  }

  function addDb(db: ServerDb): void {
    db.onCommit = () => scheduleReconfigure(true);
    db.onReplace = () => {
      jsonrpc.cancelDb(db, true);
      jsonrpc.reconnect(false, `committed ${db.name} database schema conversion`);
      serverStatusChanged();
    };
    jsonrpc.addDb(db);
    allDbs.set(db.name, db);
    serverStatusChanged();
  }

  function removeDb(name: string, comment: string): void {
    const db = allDbs.get(name);
    if (!db) return;
    jsonrpc.removeDb(db, comment);
    allDbs.delete(name);
    db.close();
    serverStatusChanged();
    if (isBackup) restartReplication();
  }

  const serverDb = new ServerDb(createServerDatabase(), null, '<internal>');
  let replication: Replication | null = null;
  let replicationProbeInterval = 60000;

  /** Rewrites the _Server Database table (after databases come or go). */
  function updateServerDbStatus(): void {
    const dbs = [...allDbs.values()].map((d) => ({
      name: d.name, model: 'standalone' as const, connected: true, leader: true, schema: d.schema,
    }));
    const err = updateServerStatus(serverDb.db, dbs);
    if (err) log.err(`Failed to update _Server: ${err.toString()}`);
  }

  let statusScheduled = false;
  function serverStatusChanged(): void {
    if (statusScheduled) return;
    statusScheduled = true;
    setImmediate(() => { statusScheduled = false; updateServerDbStatus(); });
  }

  // ---- Remotes and SSL ----

  let remotesError: string | null = null;
  let sslError: string | null = null;

  function reportErrorIfChanged(error: string | null, last: string | null): string | null {
    if (error !== null && error !== last) log.warn(error);
    return error;
  }

  /** Computes the wanted remotes; returns them with the configuration errors. */
  function resolveRemotes(): { wanted: Map<string, RemoteOptions>; errors: string[] } {
    const wanted = new Map<string, RemoteOptions>();
    const errors: string[] = [];
    for (const name of remotes) {
      if (name.startsWith('db:')) queryDbRemotes(name, allDbs, wanted, errors);
      else addRemote(wanted, name);
    }
    return { wanted, errors };
  }

  async function reconfigureRemotes(): Promise<string | null> {
    const { wanted, errors } = resolveRemotes();
    await jsonrpc.setRemotes(wanted);
    return errors.length ? errors.map((e) => e + '\n').join('') : null;
  }

  let sslConfigText = '';
  function reconfigureSsl(): string | null {
    const errors: string[] = [];
    const key = queryDbString(allDbs, ssl.privateKey, errors);
    const cert = queryDbString(allDbs, ssl.certificate, errors);
    const ca = queryDbString(allDbs, ssl.caCert, errors);
    const protocols = queryDbString(allDbs, ssl.protocols, errors);
    const ciphers = queryDbString(allDbs, ssl.ciphers, errors);
    const text = JSON.stringify([key, cert, ca, protocols, ciphers]);
    if (text !== sslConfigText) {
      const first = sslConfigText === '';
      sslConfigText = text;
      setSslConfig({
        privateKey: key ?? undefined, certificate: cert ?? undefined, caCert: ca ?? undefined,
        bootstrapCaCert: ssl.bootstrap, peerCaCert: ssl.peerCaCert ?? undefined,
        protocols: protocols ?? undefined, ciphers: ciphers ?? undefined,
      });
      // Listeners and connections made with the old certificates start over.
      if (!first) jsonrpc.dropSslRemotes();
    }
    return errors.length ? errors.map((e) => e + '\n').join('') : null;
  }

  let reconfigureScheduled = false;
  let dbRefsKey = '';
  let dbRefs = false;
  /** True if some remote or SSL setting reads a database (cached until the
   * settings change). */
  function refersToDatabases(): boolean {
    const key = `${remotes.size}\0${ssl.privateKey}\0${ssl.certificate}\0${ssl.caCert}\0${ssl.protocols}\0${ssl.ciphers}`;
    if (key !== dbRefsKey) {
      dbRefsKey = key;
      dbRefs = [...remotes, ssl.privateKey, ssl.certificate, ssl.caCert, ssl.protocols, ssl.ciphers]
        .some((r) => r?.startsWith('db:'));
    }
    return dbRefs;
  }
  /** Re-reads db: remotes and SSL settings once this event-loop turn is over
   * (after commits, only when some setting refers to a database). */
  function scheduleReconfigure(afterCommit = false): void {
    if (reconfigureScheduled || (afterCommit && !refersToDatabases())) return;
    reconfigureScheduled = true;
    setImmediate(() => {
      reconfigureScheduled = false;
      jsonrpc.setReadOnly(isBackup);
      sslError = reportErrorIfChanged(reconfigureSsl(), sslError);
      void reconfigureRemotes().then((e) => { remotesError = reportErrorIfChanged(e, remotesError); });
    });
  }

  // Open the databases (declarations above are all initialized by now).
  for (const f of dbFilenames) {
    const err = openDb(f);
    if (err) ovsFatal(0, err);
  }
  allDbs.set('_Server', serverDb);
  jsonrpc.addDb(serverDb);

  {
    const { wanted, errors } = resolveRemotes();
    let error = errors.length ? errors.map((e) => e + '\n').join('') : null;
    if (!error) error = reconfigureSsl();
    if (error) ovsFatal(0, error);
    await jsonrpc.setRemotes(wanted);
  }
  updateServerDbStatus();

  // Manager status every 2.5 seconds; remotes that failed to listen (or wait
  // for SSL settings) are retried at the same pace.
  setInterval(() => {
    updateRemoteStatus(jsonrpc, remotes, allDbs);
    scheduleReconfigure();
  }, 2500).unref();
  updateRemoteStatus(jsonrpc, remotes, allDbs);

  // ---- Replication ----


  function restartReplication(): void {
    replication?.stop();
    const local = new Map([...allDbs].filter(([name]) => !name.startsWith('_')));
    replication = new Replication(syncFrom!, syncExclude, local, jsonrpc.uuid, replicationProbeInterval);
    replication.onDead = () => {
      // The active server is gone for good: become active ourselves.
      replication?.stop();
      replication = null;
      isBackup = false;
      jsonrpc.setReadOnly(false);
    };
    replication.start();
  }

  if (isBackup) restartReplication();

  // ---- unixctl ----

  unixctlCommandRegister('exit', '', 0, 0, () => { setImmediate(() => void daemon.exit(0)); });

  unixctlCommandRegister('ovsdb-server/compact', '', 0, 1, async (a) => {
    const name = a[0];
    if (name && name.startsWith('_')) throw new UnixctlError('cannot compact built-in databases');
    let n = 0;
    let errors = '';
    for (const [dbName, db] of allDbs) {
      if (name ? dbName !== name : dbName.startsWith('_')) continue;
      n++;
      if (!db.storage) continue;
      log.info(`compacting ${dbName} database by user request`);
      try {
        await db.storage.compact();
      } catch (e) {
        errors += `${e instanceof OvsdbError ? e.toString() : String(e)}\n`;
      }
    }
    if (!n) throw new UnixctlError('no database by that name');
    if (errors) throw new UnixctlError(errors);
  });

  unixctlCommandRegister('ovsdb-server/memory-trim-on-compaction', 'on|off', 1, 1, (a) => {
    if (a[0] !== 'on' && a[0] !== 'off') throw new UnixctlError('invalid argument');
    log.info(`memory trimming after compaction ${a[0] === 'on' ? 'enabled' : 'disabled'}.`);
  });

  unixctlCommandRegister('ovsdb-server/reconnect', '', 0, 0, () => {
    jsonrpc.reconnect(true, 'user ran ovsdb-server/reconnect');
  });

  unixctlCommandRegister('ovsdb-server/add-remote', 'REMOTE', 1, 1, (a) => {
    const remote = a[0]!;
    if (remote.startsWith('db:')) {
      const r = parseDbColumn(allDbs, remote);
      if ('error' in r) throw new UnixctlError(r.error);
    }
    remotes.add(remote);
    dbRefsKey = '';
    saveState();
    scheduleReconfigure();
  });

  unixctlCommandRegister('ovsdb-server/remove-remote', 'REMOTE', 1, 1, (a) => {
    if (!remotes.delete(a[0]!)) throw new UnixctlError('no such remote');
    dbRefsKey = '';
    saveState();
    scheduleReconfigure();
  });

  /** Writes the remotes and database files for a monitor's next start. */
  function saveState(): void {
    if (!stateFile) return;
    const dbs = [...allDbs.values()].filter((d) => d !== serverDb).map((d) => (d as ServerDb).filename);
    try {
      writeFileSync(stateFile, JSON.stringify({ remotes: [...remotes], dbs }));
    } catch (e) {
      log.warn(`${stateFile}: could not save configuration (${errorText(e)})`);
    }
  }
  saveState();

  unixctlCommandRegister('ovsdb-server/list-remotes', '', 0, 0, () =>
    [...remotes].sort(strcmp).map((r) => r + '\n').join(''));

  unixctlCommandRegister('ovsdb-server/add-db', 'DB', 1, 1, (a) => {
    const err = openDb(a[0]!);
    if (err) throw new UnixctlError(err);
    saveState();
    scheduleReconfigure();
    if (isBackup) restartReplication();
  });

  unixctlCommandRegister('ovsdb-server/remove-db', 'DB', 1, 1, (a) => {
    const name = a[0]!;
    if (!allDbs.has(name)) throw new UnixctlError('Failed to find the database.');
    if (name.startsWith('_')) throw new UnixctlError('Cannot remove reserved database.');
    removeDb(name, `removing ${name} database by user request`);
    saveState();
    scheduleReconfigure();
  });

  unixctlCommandRegister('ovsdb-server/list-dbs', '', 0, 0, () =>
    [...allDbs.keys()].sort(strcmp).map((n) => n + '\n').join(''));

  const tlogEnabled = new Set<string>();
  unixctlCommandRegister('ovsdb-server/tlog-set', 'DB:TABLE on|off', 2, 2, (a) => {
    const cmd = a[1]!.toLowerCase();
    if (cmd !== 'on' && cmd !== 'off') throw new UnixctlError('invalid command argument');
    const parts = a[0]!.split(':').filter((p) => p.length > 0);
    if (parts.length !== 2) throw new UnixctlError('invalid DB:TABLE argument');
    const db = allDbs.get(parts[0]!);
    if (!db) throw new UnixctlError('no such database');
    if (!db.db.getTable(parts[1]!)) throw new UnixctlError('no such table');
    const key = `${parts[0]}:${parts[1]}`;
    if (cmd === 'on') tlogEnabled.add(key); else tlogEnabled.delete(key);
  });

  unixctlCommandRegister('ovsdb-server/tlog-list', '', 0, 0, () => {
    let s = 'database        table                       logging\n';
    s += '--------        -----                       -------\n';
    for (const name of [...allDbs.keys()].sort(strcmp)) {
      s += `${name.padEnd(16)} \n`;
      for (const t of [...allDbs.get(name)!.db.tables.keys()].sort(strcmp)) {
        s += `                ${t.padEnd(27)} ${tlogEnabled.has(`${name}:${t}`) ? 'ON' : 'OFF'}\n`;
      }
    }
    return s;
  });

  unixctlCommandRegister('ovsdb-server/perf-counters-show', '', 0, 0, () => '');
  unixctlCommandRegister('ovsdb-server/perf-counters-clear', '', 0, 0, () => {});

  unixctlCommandRegister('ovsdb-server/set-active-ovsdb-server', '', 1, 1, (a) => {
    syncFrom = a[0]!;
  });

  unixctlCommandRegister('ovsdb-server/get-active-ovsdb-server', '', 0, 0, () => syncFrom ?? '');

  unixctlCommandRegister('ovsdb-server/connect-active-ovsdb-server', '', 0, 0, () => {
    if (!syncFrom) return 'Unable to connect: active server is not specified.\n';
    restartReplication();
    if (!isBackup) {
      isBackup = true;
      jsonrpc.setReadOnly(true);
    }
  });

  unixctlCommandRegister('ovsdb-server/disconnect-active-ovsdb-server', '', 0, 0, () => {
    replication?.stop();
    replication = null;
    isBackup = false;
    jsonrpc.setReadOnly(false);
  });

  unixctlCommandRegister('ovsdb-server/set-active-ovsdb-server-probe-interval', '', 1, 1, (a) => {
    const v = a[0]!;
    if (!/^[-+]?\d+$/.test(v.trim()) || Math.abs(Number(v)) > 2147483647) {
      return 'Invalid probe interval, integer value expected';
    }
    replicationProbeInterval = Number(v);
    if (isBackup) replication?.setProbeInterval(replicationProbeInterval);
  });

  unixctlCommandRegister('ovsdb-server/set-sync-exclude-tables', '', 0, 1, (a) => {
    const v = a[0] ?? null;
    if (v !== null) {
      const r = parseExcludedTables(v);
      if ('error' in r) return r.error;
    }
    syncExclude = v;
    if (isBackup) restartReplication();
  });

  unixctlCommandRegister('ovsdb-server/get-sync-exclude-tables', '', 0, 0, () =>
    excludedTablesText(syncExclude));

  unixctlCommandRegister('ovsdb-server/sync-status', '', 0, 0, () => {
    let s = `state: ${isBackup ? 'backup' : 'active'}\n`;
    if (isBackup) s += replication ? replication.status() : `not connected to ${syncFrom}`;
    return s;
  });

  unixctlCommandRegister('ovsdb-server/get-db-storage-status', 'DB', 1, 1, (a) => {
    if (!allDbs.has(a[0]!)) throw new UnixctlError('Failed to find the database.');
    return 'status: ok';
  });

  unixctlCommandRegister('ovsdb-server/disable-monitor-cond', '', 0, 0, () => {
    jsonrpc.monitorCondEnabled = false;
    jsonrpc.reconnect(true, 'user ran ovsdb-server/disable-monitor-cond');
  });

  function strcmp(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

  /** memory/show figures, named and sorted as OVS's (zero counters omitted
   * except "monitors" and "n-weak-refs"). */
  function memoryReport(): Record<string, number> {
    let atoms = 0, cells = 0, weak = 0;
    const monitors = new Set<unknown>();
    for (const db of allDbs.values()) {
      atoms += db.db.nAtoms;
      for (const t of db.db.tables.values()) {
        cells += t.rows.size * t.schema.columnList.length;
        if (t.weakRefColumns.length) for (const r of t.rows.values()) weak += r.weakIn?.size ?? 0;
      }
      for (const g of db.monitorGroups.values()) monitors.add(g);
      for (const m of db.members) if (!m.inGroup) monitors.add(m);
    }
    const rpc = jsonrpc.memoryUsage();
    const all: Record<string, number> = {
      atoms, backlog: rpc.backlog, cells, monitors: monitors.size, 'n-weak-refs': weak,
      sessions: rpc.sessions, triggers: rpc.triggers,
    };
    const r: Record<string, number> = {};
    for (const k of Object.keys(all).sort()) {
      if (all[k] || k === 'monitors' || k === 'n-weak-refs') r[k] = all[k]!;
    }
    return r;
  }

  daemon.atExit(() => {
    replication?.stop();
    jsonrpc.close();
    for (const db of allDbs.values()) db.close();
  });

  // --run: run a command, exit when it does.
  if (runCommand) {
    const { spawn } = await import('node:child_process');
    const child = spawn('/bin/sh', ['-c', runCommand], { stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      if (code) ovsFatal(0, `${runCommand}: child exited with status ${code}`);
      if (signal) ovsFatal(0, `${runCommand}: child terminated by signal`);
      void daemon.exit(0);
    });
  }

  daemon.complete(runCommand === null);
  void shashOrder;
}
void main();
