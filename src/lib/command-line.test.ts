import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, type OptionSpec } from './command-line.js';

const specs: OptionSpec[] = [
  { name: 'pidfile', arg: 'optional' },
  { name: 'target', short: 't', arg: 'required' },
  { name: 'timeout', short: 'T', arg: 'required' },
  { name: 'verbose', short: 'v', arg: 'optional' },
  { name: 'help', short: 'h', arg: 'none' },
];

test('long, short, prefixes and arguments', () => {
  const r = parseCommandLine(['--pidfile', '--targ=x', 'cmd', '-T5', '-vdbg', '--', '--help'], specs);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.options, [
    { name: 'pidfile', value: undefined }, { name: 'target', value: 'x' },
    { name: 'timeout', value: '5' }, { name: 'verbose', value: 'dbg' },
  ]);
  assert.deepEqual(r.args, ['cmd', '--help']);
});

test('stop at first non-option (getopt "+")', () => {
  const r = parseCommandLine(['-t', 'a', 'cmd', '-h'], specs, true);
  assert.deepEqual(r.args, ['cmd', '-h']);
});

test('errors read like getopt', () => {
  assert.equal(parseCommandLine(['--nope'], specs).error, "unrecognized option '--nope'");
  assert.equal(parseCommandLine(['--t'], specs).error, "option '--t' is ambiguous; possibilities: '--target' '--timeout'");
  assert.equal(parseCommandLine(['-x'], specs).error, "invalid option -- 'x'");
  assert.equal(parseCommandLine(['-t'], specs).error, "option requires an argument -- 't'");
  assert.equal(parseCommandLine(['--help=1'], specs).error, "option '--help' doesn't allow an argument");
});

test('strerror gives glibc texts', async () => {
  const { strerror } = await import('./program.js');
  assert.equal(strerror('EEXIST'), 'File exists');
  assert.equal(strerror('EBUSY'), 'Device or resource busy');
  assert.equal(strerror('ECONNREFUSED'), 'Connection refused');
});
