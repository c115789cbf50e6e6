// Tests for dpif-netdev-dpcls: megaflow insert, lookup, remove, many masks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dpcls } from './dpif-netdev-dpcls.js';
import { FLOW_WORDS, W, newFlowKey, flowExtract } from './flow.js';
import { parseFlowKey } from './odp-util.js';
import { flowCompose } from './flow-compose.js';

function megaflow(text: string): [Uint32Array, Uint32Array] {
  const key = newFlowKey(), mask = newFlowKey();
  assert.equal(parseFlowKey(text, key, mask), null);
  return [key, mask];
}

function add(cls: Dpcls, text: string, id: number): boolean {
  const [key, mask] = megaflow(text);
  return cls.insert(key, 0, mask, 0, id);
}

function packetKey(text: string, inPort = 1): Uint32Array {
  const [k] = megaflow(text);
  const pkt = flowCompose(k, 0, 10);
  const key = newFlowKey();
  flowExtract(pkt, 0, pkt.length, inPort, key);
  return key;
}

const TCP = (src: string, dst: string, sport: number, dport: number) =>
  `in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=${src},dst=${dst},proto=6,tos=0,ttl=64,frag=no),tcp(src=${sport},dst=${dport}),tcp_flags(ack)`;

test('lookup finds the megaflow whose masked key matches', () => {
  const cls = new Dpcls();
  assert.ok(add(cls, 'recirc_id(0),in_port(1),eth_type(0x0800),ipv4(dst=10.0.0.0/255.255.255.0,frag=no)', 7));
  assert.ok(add(cls, 'recirc_id(0),in_port(1),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=22)', 8));
  assert.ok(!add(cls, 'recirc_id(0),in_port(1),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=22)', 9));
  assert.equal(cls.count, 2);
  assert.equal(cls.subtableCount, 2);
  assert.equal(cls.lookup(packetKey(TCP('1.1.1.1', '10.0.0.5', 1000, 80))), 7);
  assert.equal(cls.lookup(packetKey(TCP('1.1.1.1', '10.0.1.5', 1000, 22))), 8);
  assert.equal(cls.lookup(packetKey(TCP('1.1.1.1', '10.0.1.5', 1000, 80))), -1);
  assert.equal(cls.lookup(packetKey(TCP('1.1.1.1', '10.0.0.5', 1000, 80), 2)), -1);
});

test('remove, and many flows in one subtable', () => {
  const cls = new Dpcls();
  const [, mask] = megaflow('in_port(1),eth_type(0x0800),ipv4(src=0.0.0.0,frag=no)');
  const key = newFlowKey();
  for (let i = 0; i < 5000; i++) {
    key.fill(0);
    key[W.IN_PORT] = 1; key[W.DL_TYPE] = 0x0800; key[W.NW_SRC] = 0x0a000000 + i;
    assert.ok(cls.insert(key, 0, mask, 0, i));
  }
  assert.equal(cls.count, 5000);
  assert.equal(cls.subtableCount, 1);
  const keys = new Uint32Array(FLOW_WORDS * 3);
  const ids = new Int32Array(3);
  for (const [j, src] of [[0, 17], [1, 4999], [2, 6000]] as const) {
    keys[j * FLOW_WORDS + W.IN_PORT] = 1;
    keys[j * FLOW_WORDS + W.DL_TYPE] = 0x0800;
    keys[j * FLOW_WORDS + W.NW_SRC] = 0x0a000000 + src;
    keys[j * FLOW_WORDS + W.TP] = 12345; // not in the mask
  }
  assert.equal(cls.lookupBatch(keys, 3, ids), 1);
  assert.deepEqual([...ids], [17, 4999, -1]);
  for (let i = 0; i < 5000; i += 2) {
    key[W.NW_SRC] = 0x0a000000 + i;
    assert.equal(cls.remove(key, 0, mask, 0), i);
  }
  assert.equal(cls.count, 2500);
  assert.equal(cls.lookup(keys, 0), 17);
  keys[W.NW_SRC] = 0x0a000000 + 16;
  assert.equal(cls.lookup(keys, 0), -1);
  for (let i = 1; i < 5000; i += 2) {
    key[W.NW_SRC] = 0x0a000000 + i;
    cls.remove(key, 0, mask, 0);
  }
  assert.equal(cls.count, 0);
  assert.equal(cls.subtableCount, 0);
});
