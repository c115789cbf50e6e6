import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, printOptionsText, type OptionSpec } from './command-line.js';

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

test('prefix matches that spell one option are not ambiguous (glibc)', () => {
  const aliases: OptionSpec[] = [{ name: 'option', short: 'o', arg: 'none' }, { name: 'options', short: 'o', arg: 'none' }];
  const r = parseCommandLine(['--opt'], aliases);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.options, [{ name: 'option', value: undefined }]);
});

test('options before a bad one are returned with the error', () => {
  const r = parseCommandLine(['-h', '--nope', '-t', 'x'], specs);
  assert.equal(r.error, "unrecognized option '--nope'");
  assert.deepEqual(r.options, [{ name: 'help', value: undefined }]);
});

test('--option listing as ovs_cmdl_print_options()', () => {
  assert.equal(printOptionsText(specs.slice(1, 5)),
    '--target=ARG\n-t ARG\n--timeout=ARG\n-T ARG\n--verbose=[ARG]\n-v [ARG]\n--help\n-h \n');
});
