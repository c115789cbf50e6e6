// Build: bundle each program into dist/<program>.mjs (what bin/ launches), and
// transpile every source and test file into build/ (what the tests import).
// Type-checking is separate (npm run typecheck): esbuild only strips types.
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';

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

const entries = Object.entries(programs).filter(([, src]) => existsSync(join(root, src)));
rmSync(join(root, 'build'), { recursive: true, force: true });

await Promise.all([
  build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(entries.map(([name, src]) => [name, src])),
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    // CommonJS, not ESM: Node's ESM loader adds ~10 ms to every start, and
    // start-up time is what a command-line tool is judged by.  So programs
    // must not use top-level await (wrap the body in an async main()).
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
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
