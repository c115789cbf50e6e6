import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vlogModule, vlogSetFromString, vlogListText, vlogSetConsoleWriter, RateLimit, Level } from './vlog.js';

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
