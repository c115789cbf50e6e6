// Runs every *.test.js under build/ (transpiled from src/ and tests/) with node:test.
// Arguments filter test files by substring: `node scripts/test.mjs jsonrpc vlog`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
})(join(root, 'build'));
const filters = process.argv.slice(2);
const selected = files.filter((f) => filters.length === 0 || filters.some((w) => f.includes(w))).sort();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=240000', ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
