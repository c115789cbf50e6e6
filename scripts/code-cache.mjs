// code-cache: start-up stubs and V8 code caches for the bundled programs
// (used by build.mjs).
//
// Node 20 parses and compiles a program's whole bundle at every start (about
// a third of our start-up work beyond Node's own).  So dist/<program>.cjs is a
// small stub that compiles dist/<program>.bundle.cjs through vm.Script with
// cachedData from dist/<program>.bundle.cjs.cache: the bytecode of the
// functions a typical run compiles, made here at build time by running the
// program a few times ("training").  The stub uses the cache only if its
// header names the bundle's current size and mtime and this Node version; V8
// itself refuses a cache made by another V8 or with other flags.  Without a
// usable cache the program runs exactly the same, compiled from source.
//
// The stub is the only start-up path: bin/ launchers, tests and daemons
// re-executing themselves all run dist/<program>.cjs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAGIC = 'OVSTSCC1';

/** Source of dist/<name>.cjs ('ascii': the bundle has only ASCII bytes, so
 * it is read as latin1, which skips UTF-8 decoding).  OVS_TS_CODE_CACHE is for the build only:
 * "compile" writes a cache of the bundle's top level and exits, "train" runs
 * the program and writes the cache of everything compiled so far at exit. */
export function stubSource(name, ascii) {
  return `'use strict';
// ${name}: start-up stub written by scripts/build.mjs (see scripts/code-cache.mjs).
// Runs ${name}.bundle.cjs as Node's CommonJS loader would, with V8's code cache
// ${name}.bundle.cjs.cache when it matches the bundle, so the bundle is not parsed and
// compiled again at every start.
const fs = require('node:fs');
const bundle = __dirname + '/${name}.bundle.cjs';
const cacheFile = bundle + '.cache';
const fd = fs.openSync(bundle, 'r');
const st = fs.fstatSync(fd);
const src = fs.readFileSync(fd, '${ascii ? 'latin1' : 'utf8'}');
fs.closeSync(fd);
const header = '${MAGIC} ' + st.size + ' ' + st.mtimeMs + ' ' + process.version + '\\n';
const mode = process.env.OVS_TS_CODE_CACHE;
let cachedData;
if (mode !== 'compile') {
  try {
    const c = fs.readFileSync(cacheFile);
    if (c.latin1Slice(0, header.length) === header) cachedData = c.subarray(header.length);
  } catch { /* no cache: compile from source */ }
}
const { Script } = require('node:vm');
const script = new Script('(function (exports, require, module, __filename, __dirname) { ' + src + '\\n})',
  { filename: bundle, cachedData });
if (mode === 'compile' || mode === 'train') {
  const save = () => {
    const tmp = cacheFile + '.' + process.pid;
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]));
    fs.renameSync(tmp, cacheFile);
  };
  if (mode === 'compile') { save(); return; }
  process.on('exit', save);
}
script.runInThisContext()(module.exports, require, module, bundle, __dirname);
`;
}

/** The header a fresh cache of dist/<name>.bundle.cjs would carry. */
function expectedHeader(dist, name) {
  const st = statSync(join(dist, `${name}.bundle.cjs`));
  return `${MAGIC} ${st.size} ${st.mtimeMs} ${process.version}\n`;
}

function cacheIsCurrent(dist, name) {
  try {
    const header = expectedHeader(dist, name);
    const c = readFileSync(join(dist, `${name}.bundle.cjs.cache`));
    return c.latin1Slice(0, header.length) === header;
  } catch {
    return false;
  }
}

/** Runs dist/<name>.cjs in a cache mode; failures only cost the cache. */
function runStub(dist, name, mode, args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dist, `${name}.cjs`), ...args], {
      env: { ...env, OVS_TS_CODE_CACHE: mode }, stdio: 'ignore', timeout: 20_000,
    });
    child.on('error', () => resolve(null));
    child.on('exit', (code) => resolve(code));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/* Training runs, per program: argument lists run against a scratch
 * ovsdb-server ('db' is its remote, 'dir' its run directory).  Each run adds
 * what it compiled to the cache.  Programs not listed keep a cache of their
 * top level (daemons other than ovsdb-server, for instance). */
const TRAINING = {
  'ovsdb-tool': (dir, db, schema) => [['schema-version', schema], ['show-log', join(dir, 'conf.db')]],
  'ovs-vsctl': (dir, db) => [
    [`--db=${db}`, '--no-wait', 'init', '--', 'add-br', 'br0', '--', 'add-port', 'br0', 'p1', '--',
      'set', 'Interface', 'p1', 'type=internal', '--', 'br-set-external-id', 'br0', 'k', 'v'],
    [`--db=${db}`, 'list-br'],
    [`--db=${db}`, 'list-ports', 'br0'],
    [`--db=${db}`, 'show'],
    [`--db=${db}`, 'list', 'Bridge'],
    [`--db=${db}`, '--columns=name,ofport', 'find', 'Interface', 'name=p1'],
    [`--db=${db}`, 'get', 'Open_vSwitch', '.', 'next_cfg'],
    [`--db=${db}`, '--no-wait', 'del-br', 'br0'],
  ],
  'ovs-appctl': () => [['--version'], ['-t', 'ovsdb-server', 'version'], ['-t', 'ovsdb-server', 'list-commands']],
  'ovsdb-client': (dir, db) => [['list-dbs', db], ['dump', db, 'Open_vSwitch', 'Bridge']],
  'ovs-ofctl': () => [['--version']],
  'ovs-dpctl': () => [['--version']],
};

/** Brings every program's code cache up to date with its bundle: a fresh
 * top-level cache, then the training runs, which need a scratch database
 * served by our own ovsdb-server (if that fails, the top-level caches stay). */
export async function refreshCodeCaches(root, names) {
  const dist = join(root, 'dist');
  const stale = names.filter((n) => !cacheIsCurrent(dist, n));
  if (stale.length === 0) return;
  const env = { ...process.env };
  delete env['NODE_EXTRA_CA_CERTS'];
  await Promise.all(stale.map((name) => runStub(dist, name, 'compile', [], env)));

  const dir = mkdtempSync(join(tmpdir(), 'ovs-ts-build-'));
  Object.assign(env, { OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir });
  const train = (name) => (stale.includes(name) ? 'train' : '');
  let server = null;
  try {
    const schema = join(root, 'schemas', 'vswitch.ovsschema');
    const db = join(dir, 'conf.db');
    const sock = join(dir, 'db.sock');
    await runStub(dist, 'ovsdb-tool', train('ovsdb-tool'), ['create', db, schema], env);
    if (!existsSync(db)) return;
    server = spawn(process.execPath, [join(dist, 'ovsdb-server.cjs'), db, `--remote=punix:${sock}`, '--pidfile',
      '--no-chdir', `--log-file=${join(dir, 'ovsdb-server.log')}`], {
      env: { ...env, OVS_TS_CODE_CACHE: train('ovsdb-server') }, stdio: 'ignore',
    });
    const exited = new Promise((resolve) => { server.on('exit', resolve); server.on('error', resolve); });
    for (let i = 0; i < 500 && !existsSync(sock) && server.exitCode === null; i++) await sleep(20);
    if (!existsSync(sock)) return;
    // Programs train side by side; one program's runs go one after the
    // other, each adding to the cache the previous one wrote.
    await Promise.all(stale.map(async (name) => {
      for (const args of TRAINING[name]?.(dir, `unix:${sock}`, schema) ?? []) await runStub(dist, name, 'train', args, env);
    }));
    // SIGTERM: the server exits through process.exit(), which saves its cache.
    server.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
  } finally {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
