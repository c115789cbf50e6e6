import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseActive, parsePassive, StreamAddressError } from './stream.js';

test('active addresses', () => {
  assert.deepEqual(parseActive('tcp:127.0.0.1:6641', 6640), { kind: 'tcp', host: '127.0.0.1', port: 6641 });
  assert.deepEqual(parseActive('tcp:10.0.0.1', 6640), { kind: 'tcp', host: '10.0.0.1', port: 6640 });
  assert.deepEqual(parseActive('tcp:[::1]:99', 6640), { kind: 'tcp', host: '::1', port: 99 });
  assert.deepEqual(parseActive('unix:/x/db.sock', 6640), { kind: 'unix', path: '/x/db.sock' });
  assert.throws(() => parseActive('tcp:::1:5', 6640), StreamAddressError);
  assert.throws(() => parseActive('tcp:1.2.3.4:99999', 6640), StreamAddressError);
  assert.throws(() => parseActive('foo:bar', 6640), /unknown stream type/);
});

test('passive addresses', () => {
  assert.deepEqual(parsePassive('ptcp:6640', 1), { kind: 'ptcp', host: '0.0.0.0', port: 6640 });
  assert.deepEqual(parsePassive('ptcp:0:127.0.0.1', 1), { kind: 'ptcp', host: '127.0.0.1', port: 0 });
  assert.deepEqual(parsePassive('ptcp:6640:[::1]', 1), { kind: 'ptcp', host: '::1', port: 6640 });
  assert.deepEqual(parsePassive('ptcp:', 6653), { kind: 'ptcp', host: '0.0.0.0', port: 6653 });
  assert.deepEqual(parsePassive('punix:/tmp/s', 1), { kind: 'punix', path: '/tmp/s' });
});
