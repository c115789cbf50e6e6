import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Connmgr, type Ofconn } from './connmgr.js';
import { VconnStream as Vconn } from '../openflow/vconn-stream.js';
import { decodeMsg, type OfpMsg } from '../openflow/ofp-msgs.js';
import { OfpError } from '../openflow/ofp-errors.js';
import { encodeEchoRequest, encodeBarrierRequest } from '../openflow/ofp-hello.js';
import { encodeRoleRequest, ROLE_SECONDARY } from '../openflow/ofp-connection.js';

function nextMessage(v: Vconn): Promise<OfpMsg> {
  return new Promise((resolve) => { v.onMessage = (m) => resolve(decodeMsg(m) as OfpMsg); });
}

test('management socket: hello negotiation, echo, barrier, errors, roles', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'connmgr-'));
  const seen: string[] = [];
  const mgr = new Connmgr('br0', {
    handleMessage(_c: Ofconn, msg: OfpMsg) {
      seen.push(msg.info.type);
      throw new OfpError('OFPBRC_BAD_TYPE');
    },
  });
  try {
    const path = join(dir, 'br0.mgmt');
    await mgr.setManagementSocket(path);
    const v = await Vconn.connect(`unix:${path}`, 1 << 4);
    assert.equal(v.version, 4);

    v.send(encodeEchoRequest(4, 77, new Uint8Array([1, 2, 3])));
    const echo = await nextMessage(v);
    assert.equal(echo.info.type, 'ECHO_REPLY');
    assert.equal(echo.xid, 77);

    v.send(encodeBarrierRequest(4, 78));
    assert.equal((await nextMessage(v)).info.type, 'BARRIER_REPLY');

    // A features request goes to the handler, which fails it.
    v.send(new Uint8Array([4, 5, 0, 8, 0, 0, 0, 79]));
    const err = await nextMessage(v);
    assert.equal(err.info.type, 'ERROR');
    assert.equal(err.xid, 79);
    assert.deepEqual(seen, ['FEATURES_REQUEST']);

    // Any connection may take a role, service connections included (as in OVS).
    v.send(encodeRoleRequest({ role: ROLE_SECONDARY, generationId: 1n }, 4, 80));
    assert.equal((await nextMessage(v)).info.type, 'ROLE_REPLY');

    // A message of another version gets OFPBRC_BAD_VERSION.
    v.send(new Uint8Array([1, 5, 0, 8, 0, 0, 0, 81]));
    const bad = await nextMessage(v);
    assert.equal(bad.info.type, 'ERROR');
    v.close();

    // No common version: the switch says so and hangs up.
    mgr.allowedVersions = 1 << 1;
    await assert.rejects(Vconn.connect(`unix:${path}`, 1 << 6));

    if (existsSync('/usr/bin/ovs-ofctl')) {
      mgr.allowedVersions = 0x7e;
      // The real ovs-ofctl connects, negotiates and gets its echo reply.
      await promisify(execFile)('/usr/bin/ovs-ofctl', ['probe', `unix:${path}`], { timeout: 10000 });
    }
  } finally {
    mgr.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
