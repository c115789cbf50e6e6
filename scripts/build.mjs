// Build: bundle each program into dist/<program>.bundle.cjs behind a start-up
// stub dist/<program>.cjs (what bin/ launches), give each bundle a V8 code
// cache (see code-cache.mjs), and transpile every source and test file into
// build/ (what the tests import).  Type-checking is separate (npm run
// typecheck): esbuild only strips types.
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync, rmSync, readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { stubSource, refreshCodeCaches } from './code-cache.mjs';

const root = new URL('..', import.meta.url).pathname;

/** Program name -> entry file; one launcher in bin/ per program. */
export const programs = {
  'ovsdb-server': 'src/ovsdb/ovsdb-server.ts',
  'ovsdb-tool': 'src/cli/ovsdb-tool.ts',
  'ovsdb-client': 'src/cli/ovsdb-client.ts',
  'ovs-vswitchd': 'src/vswitchd/ovs-vswitchd.ts',
  'ovs-vsctl': 'src/cli/ovs-vsctl.ts',
  'ovs-ofctl': 'src/cli/ovs-ofctl.ts',
  'ovs-appctl': 'src/cli/ovs-appctl.ts',
  'ovs-dpctl': 'src/cli/ovs-dpctl.ts',
  'ovs-ctl': 'src/cli/ovs-ctl.ts',
};

/** Worker-thread entries, bundled beside the programs (dist/<name>.cjs) because a
 * bundle's import.meta.url names the whole program, not the worker's module. */
export const workers = {
  'dpif-netdev-thread': 'src/datapath/dpif-netdev-thread.ts',
  'netdev-relay-thread': 'src/datapath/netdev-relay-thread.ts',
};

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Builds native/ovs_native.node with node-gyp when missing or older than its source. */
function buildNative() {
  const src = join(root, 'native', 'ovs_native.c');
  const out = join(root, 'native', 'build', 'Release', 'ovs_native.node');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs
      && statSync(out).mtimeMs >= statSync(join(root, 'native', 'binding.gyp')).mtimeMs) return;
  const gyp = process.env.npm_config_node_gyp
    ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const args = [gyp, 'rebuild', '--loglevel=warn'];
  if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  console.log('building native addon (node-gyp)...');
  const r = spawnSync(process.execPath, args, { cwd: join(root, 'native'), stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('native addon build failed (node-gyp); see the messages above');
}
buildNative();

/** Writes 'data' to 'path' unless the file already holds exactly that, so an
 * unchanged bundle keeps its mtime (and with it its code cache). */
function writeIfChanged(path, data) {
  try {
    const old = readFileSync(path);
    if (Buffer.compare(old, Buffer.from(data)) === 0) return;
  } catch { /* missing: write it */ }
  mkdirSync(dirname(path), { recursive: true });
  // Through a temporary file and rename(), so a program starting meanwhile
  // reads the old bundle or the new one, never half of one.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

const present = (table) => Object.entries(table).filter(([, src]) => existsSync(join(root, src)));
const programEntries = present(programs);
const workerEntries = present(workers);
rmSync(join(root, 'build'), { recursive: true, force: true });

const bundleOptions = {
  absWorkingDir: root,
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  // CommonJS, not ESM: Node's ESM loader adds ~10 ms to every start, and
  // start-up time is what a command-line tool is judged by.  So programs
  // must not use top-level await (wrap the body in an async main()).
  format: 'cjs',
  target: 'node20',
  // import() of a Node module becomes require(): the start-up stub compiles
  // bundles with vm.Script, which has no loader for import().
  supported: { 'dynamic-import': false },
  sourcemap: 'linked',
  // import.meta.url is worked out on first use: pathToFileURL() at every
  // start costs time most runs do not need.
  define: { 'import.meta.url': '__importMeta.url' },
  banner: {
    js: "const __importMeta = { get url() { return this.u ??= require('node:url').pathToFileURL(__filename).href; } };",
  },
  logLevel: 'warning',
  write: false,
};

const [bundles] = await Promise.all([
  build({
    ...bundleOptions,
    entryPoints: Object.fromEntries([
      ...programEntries.map(([name, src]) => [`${name}.bundle`, src]),
      ...workerEntries.map(([name, src]) => [name, src]),
    ]),
  }),
  build({
    absWorkingDir: root,
    entryPoints: [...walk(join(root, 'src')), ...walk(join(root, 'tests')), ...walk(join(root, 'bench'))],
    outdir: 'build',
    outbase: '.',
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  }),
]);
for (const f of bundles.outputFiles) writeIfChanged(f.path, f.contents);
for (const [name] of programEntries) {
  const bundle = readFileSync(join(root, 'dist', `${name}.bundle.cjs`));
  writeIfChanged(join(root, 'dist', `${name}.cjs`), stubSource(name, !bundle.some((b) => b > 0x7f)));
}
// Bundles of an older layout (dist/<program>.cjs was the bundle itself).
for (const [name] of programEntries) rmSync(join(root, 'dist', `${name}.cjs.map`), { force: true });

await refreshCodeCaches(root, programEntries.map(([name]) => name));
