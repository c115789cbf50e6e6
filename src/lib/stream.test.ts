import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseActive, parsePassive, StreamAddressError, directRead, socketFd, writeDirect } from './stream.js';

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

test('direct I/O: reads, large writes in order, pause/resume, end and connection count', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stream-direct-'));
  const path = join(dir, 's');
  const received: string[] = [];
  let direct: net.Socket | null = null;
  const ended = new Promise<void>((resolve) => {
    const server = net.createServer((s) => {
      direct = directRead(s, (chunk) => { received.push(chunk.toString('latin1')); });
      assert.ok(direct);
      direct.on('end', () => {
        direct!.end();
        direct!.on('close', () => {
          // The accepted socket closes with the direct one: the server's count drops.
          setImmediate(() => server.getConnections((e, n) => {
            assert.equal(e, null);
            assert.equal(n, 0);
            server.close();
            resolve();
          }));
        });
      });
    });
    server.listen(path);
  });
  await new Promise((r) => setTimeout(r, 10));
  const client = net.connect(path);
  await new Promise((r) => client.once('connect', r));
  let got = '';
  client.setEncoding('latin1');
  client.on('data', (d: string) => { got += d; });
  client.write('hello');
  while (received.join('') !== 'hello') await new Promise((r) => setTimeout(r, 5));
  const d = direct!;
  const fd = socketFd(d);
  assert.ok(fd >= 0);
  // Far more than a socket buffer takes at once: the rest is queued in the
  // socket, and later writes queue behind it.
  const big = 'x'.repeat(4 << 20);
  assert.equal(writeDirect(d, fd, big), big.length);
  assert.equal(writeDirect(d, fd, 'tail'), 4);
  d.pause();
  client.write('while paused');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(received.join(''), 'hello');
  d.resume();
  while (received.join('') !== 'hellowhile paused') await new Promise((r) => setTimeout(r, 5));
  while (got.length < big.length + 4) await new Promise((r) => setTimeout(r, 5));
  assert.equal(got.length, big.length + 4);
  assert.ok(got.endsWith('xtail'));
  client.end();
  await ended;
  rmSync(dir, { recursive: true, force: true });
});
