// Log line patterns (-vPATTERN:destination:pattern) as OVS formats them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogLine } from './vlog-pattern.js';
import { vlogSetFromString, vlogModule, vlogSetConsoleWriter, vlogPatternsText } from './vlog.js';

const f = { module: 'vsctl', level: 'WARN', levelNum: 3, message: 'hi', seqno: 7, time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) };

test('escapes, widths and times', () => {
  assert.equal(formatLogLine('%c|%p|%m', f), 'vsctl|WARN|hi');
  assert.equal(formatLogLine('%05N|%-6c|%6p|%%', f), '00007|vsctl |  WARN|%');
  assert.equal(formatLogLine('%D{%Y-%m-%dT%H:%M:%S.###Z}', f), '2026-01-02T03:04:05.006Z');
  assert.equal(formatLogLine('%D', f), '2026-01-02 03:04:05.006');
});

test('vlog uses a pattern set on the console', () => {
  const lines: string[] = [];
  vlogSetConsoleWriter((l) => lines.push(l));
  assert.equal(vlogSetFromString('PATTERN:console:%c|%p|%m'), null);
  vlogModule('pattern_test').warn('one: two');
  assert.deepEqual(lines, ['pattern_test|WARN|one: two\n']);
  assert.match(vlogPatternsText(), /console  none +%c\|%p\|%m/);
});
