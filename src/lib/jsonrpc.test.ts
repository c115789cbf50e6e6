import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Server } from 'node:net';
import { JsonRpc, JsonRpcError } from './jsonrpc.js';
import { openPassive } from './stream.js';
import { ReconnectSession } from './reconnect.js';

async function withServer(fn: (path: string, conns: JsonRpc[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jsonrpc-'));
  const path = join(dir, 's.sock');
  const conns: JsonRpc[] = [];
  const server: Server = await openPassive(`punix:${path}`, 0, (sock) => {
    const rpc = new JsonRpc(sock, { name: 'server' });
    rpc.onRequest = (method, params, id) => {
      if (method === 'add') rpc.reply(id, (params as number[]).reduce((a, b) => a + b, 0));
      else rpc.replyError(id, { error: 'unknown method' });
    };
    conns.push(rpc);
  });
  try {
    await fn(path, conns);
  } finally {
    server.close();
    for (const c of conns) c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function rawExchange(path: string, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ path });
    let out = '';
    s.on('data', (b) => { out += b.toString(); });
    s.on('close', () => resolve(out));
    s.on('error', () => {});
    s.write(data);
    setTimeout(() => s.end(), 200);
  });
}

test('requests, replies, errors and echo over a socket', async () => {
  await withServer(async (path) => {
    const rpc = new JsonRpc(connect({ path }), { name: 'client' });
    assert.equal(await rpc.request('add', [1, 2, 3]), 6);
    assert.deepEqual(await rpc.request('echo', ['x', 1]), ['x', 1]);
    await assert.rejects(rpc.request('nope', []), (e: unknown) => e instanceof JsonRpcError &&
      JSON.stringify(e.error) === '{"error":"unknown method"}');
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => rpc.request('add', [i, 1])));
    assert.deepEqual(many, Array.from({ length: 200 }, (_, i) => i + 1));
    rpc.close();
  });
});

test('raw stream: concatenated requests get concatenated replies; garbage closes', async () => {
  await withServer(async (path) => {
    const out = await rawExchange(path, '{"method":"echo","params":[1],"id":"a"}{"method":"add","params":[2,2],"id":7}');
    assert.equal(out, '{"id":"a","result":[1],"error":null}{"id":7,"result":4,"error":null}');
    const bad = await rawExchange(path, '{"method":"echo","params":[1],"id":1}{"method": oops}{"method":"echo","params":[2],"id":2}');
    assert.equal(bad, '{"id":1,"result":[1],"error":null}', 'connection closed after the bad text');
    const shape = await rawExchange(path, '{"method":"add","params":{},"id":1}');
    assert.equal(shape, '');
  });
});

test('reconnect session connects, reconnects after the server drops it', async () => {
  await withServer(async (path, conns) => {
    const s = new ReconnectSession(`unix:${path}`, { defaultPort: 0, minBackoff: 50, maxBackoff: 100, probeInterval: 0 });
    let connects = 0;
    const second = new Promise<void>((resolve) => {
      s.onConnect = (rpc) => {
        connects++;
        if (connects === 1) setTimeout(() => conns[0]!.close(), 20);
        else rpc.request('add', [40, 2]).then((r) => { assert.equal(r, 42); resolve(); });
      };
    });
    s.start();
    await second;
    s.stop();
    assert.equal(connects, 2);
  });
});
