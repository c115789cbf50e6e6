// Build: bundle each program into dist/<program>.mjs (what bin/ launches), and
// transpile every source and test file into build/ (what the tests import).
// Type-checking is separate (npm run typecheck): esbuild only strips types.
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

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

const entries = Object.entries(programs).filter(([, src]) => existsSync(join(root, src)));
rmSync(join(root, 'build'), { recursive: true, force: true });

await Promise.all([
  build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(entries.map(([name, src]) => [name, src])),
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // Lets bundled code use require() for optional native modules.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
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
