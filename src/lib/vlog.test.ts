import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vlogModule, vlogSetFromString, vlogListText, vlogSetConsoleWriter, RateLimit, Level, KNOWN_MODULES } from './vlog.js';

test('vlog line format and levels', () => {
  const lines: string[] = [];
  vlogSetConsoleWriter((l) => lines.push(l));
  const log = vlogModule('testmod');
  log.info('hello');
  log.dbg('hidden');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|\d{5}\|testmod\|INFO\|hello\n$/);
  assert.equal(vlogSetFromString('testmod:console:dbg'), null);
  log.dbg('shown');
  assert.equal(lines.length, 2);
  assert.match(vlogListText(), /^testmod            DBG        OFF       INFO$/m);
  assert.equal(vlogSetFromString('nosuch'), 'no destination, level, or module "nosuch"');
  assert.equal(vlogSetFromString('console:file'), 'cannot specify multiple destinations');
});

test('rate limiting drops and reports', () => {
  const lines: string[] = [];
  vlogSetConsoleWriter((l) => lines.push(l));
  const log = vlogModule('rltest');
  const rl = new RateLimit(1, 2);
  for (let i = 0; i < 10; i++) log.logRl(rl, Level.WARN, `m${i}`);
  assert.equal(lines.length, 2);
});

test('modules loaded later can be configured early; the list covers the source', () => {
  assert.equal(vlogSetFromString('vsctl:file:dbg'), null);
  assert.equal(vlogModule('vsctl').levels[2], Level.DBG);
  const src = fileURLToPath(new URL('../../../src/', import.meta.url));
  const missing: string[] = [];
  for (const f of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    const code = readFileSync(join(src, f), 'utf8').split('\n').filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l)).join('\n');
    for (const m of code.matchAll(/vlogModule\('([a-z0-9_]+)'\)/g)) {
      if (!KNOWN_MODULES.has(m[1]!)) missing.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});
