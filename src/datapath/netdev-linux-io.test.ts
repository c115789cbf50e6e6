// Tests for netdev-linux-io: ioctls on lo and on a tap we create, and batched
// AF_PACKET I/O over a veth pair whose two ends are both ours (root only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import { DpPacketBatch } from './dp-packet.js';
import {
  getIfindex, getMtu, setMtu, getEtherAddr, setEtherAddr, getIfFlags, updateIfFlags, IffFlags,
  openTap, openPacketSocket, recvPacketBatch, sendPacketBatch, FdWatcher, getSysStats,
  getSysCarrier, getLinkState, getOffload, setOffload, getLinkSettings, getSysSpeed,
} from './netdev-linux-io.js';

const isRoot = process.getuid?.() === 0;
const hasIp = spawnSync('ip', ['-V']).status === 0;
const skip = !isRoot || !hasIp ? 'needs root and ip(8)' : false;

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

test('ioctls on lo and on a missing device', () => {
  assert.equal(getIfindex('lo'), 1);
  assert.equal(getIfindex('ovt-nosuchdev'), -19);
  assert.ok(getMtu('lo') >= 1500);
  assert.ok(getIfFlags('lo') & IffFlags.LOOPBACK);
  assert.equal(getEtherAddr('lo', new Uint8Array(6)), 95);
  assert.equal(getMtu('an-interface-name-too-long'), -22);
  assert.equal(typeof getSysStats('lo'), 'object');
  assert.equal(getSysStats('ovt-nosuchdev'), -19);
  assert.equal(getSysStats('../lo'), -19);
});

test('tap device: MAC, MTU, flags', { skip }, () => {
  const name = `ovt-tap${process.pid % 10000}`;
  const fd = openTap(name, true);
  assert.ok(fd >= 0, `openTap: ${fd}`);
  try {
    assert.ok(getIfindex(name) > 0);
    const mac = Uint8Array.of(0x02, 0x11, 0x22, 0x33, 0x44, 0x55);
    assert.equal(setEtherAddr(name, mac), 0);
    const got = new Uint8Array(6);
    assert.equal(getEtherAddr(name, got), 0);
    assert.deepEqual(got, mac);
    assert.equal(setMtu(name, 1400), 0);
    assert.equal(getMtu(name), 1400);
    assert.ok(updateIfFlags(name, 0, IffFlags.UP) >= 0);
    assert.ok(getIfFlags(name) & IffFlags.UP);
    assert.ok(updateIfFlags(name, IffFlags.UP, 0) & IffFlags.UP);
    assert.equal(getIfFlags(name) & IffFlags.UP, 0);
  } finally {
    closeSync(fd);
  }
  assert.equal(getIfindex(name), -19);
});

test('AF_PACKET batch send and receive over a veth pair, with readiness', { skip }, async () => {
  const a = `ovt-a${process.pid % 10000}`, b = `ovt-b${process.pid % 10000}`;
  ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  const fds: number[] = [];
  try {
    for (const d of [a, b]) {
      spawnSync('sysctl', ['-qw', `net.ipv6.conf.${d}.disable_ipv6=1`]);
      ip('link', 'set', d, 'up');
    }
    assert.equal(getSysCarrier(a), 1);
    assert.equal(getLinkState(a), 1);
    const settings = getLinkSettings(a);
    assert.equal(typeof settings, 'object');
    assert.ok(getSysSpeed(a) === -1 || getSysSpeed(a) > 0);
    assert.equal(setOffload(a, 'tx', false), 0);
    assert.equal(getOffload(a, 'tx'), 0);
    assert.equal(setOffload(a, 'tx', true), 0);
    assert.equal(getOffload(a, 'tx'), 1);

    const txFd = openPacketSocket(a);
    const rxFd = openPacketSocket(b);
    assert.ok(txFd >= 0 && rxFd >= 0, `sockets: ${txFd} ${rxFd}`);
    fds.push(txFd, rxFd);

    const tx = new DpPacketBatch(8, 2048);
    const frame = new Uint8Array(60);
    frame.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5]); // local experimental ethertype
    for (let i = 0; i < 8; i++) {
      frame[14] = i;
      assert.ok(tx.append(frame));
    }
    // A tagged frame: the kernel strips the tag and reports it as auxdata.
    const tagged = new Uint8Array(64);
    tagged.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x81, 0x00, 0x20, 0x0a, 0x88, 0xb5, 0xee]);

    const rx = new DpPacketBatch(16, 2048);
    const ready = new Promise<number>((resolve) => {
      const w = new FdWatcher(rxFd, 1, (ev) => { w.stop(); resolve(ev); });
    });
    assert.equal(sendPacketBatch(txFd, tx), 8);
    assert.equal(await ready, 1);

    let got = 0;
    for (let tries = 0; tries < 100 && got < 8; tries++) {
      const n = recvPacketBatch(rxFd, rx);
      assert.ok(n >= 0);
      for (let i = 0; i < n; i++) {
        assert.equal(rx.sizes[i], 60);
        assert.equal(rx.data[rx.offsets[i]! + 14], got);
        got++;
      }
      if (n === 0) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(got, 8);
    assert.equal(recvPacketBatch(rxFd, rx), 0);

    tx.count = 0;
    tx.append(tagged);
    assert.equal(sendPacketBatch(txFd, tx), 1);
    let n = 0;
    for (let tries = 0; tries < 100 && n === 0; tries++) {
      n = recvPacketBatch(rxFd, rx);
      if (n === 0) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(n, 1);
    assert.equal(rx.sizes[0], 60);
    assert.equal(rx.olFlags[0]! & 8, 8);
    assert.equal(rx.vlanTci[0], 0x200a);
    assert.equal(rx.vlanTpid[0], 0x8100);
    assert.ok(rx.pushVlan(0, rx.vlanTpid[0]!, rx.vlanTci[0]!));
    assert.deepEqual(rx.packet(0).subarray(0, 19), tagged.subarray(0, 19));
  } finally {
    for (const fd of fds) closeSync(fd);
    spawnSync('ip', ['link', 'del', a]);
  }
});
