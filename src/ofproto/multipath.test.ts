/* Tests for multipath.ts: link choices recorded from Open vSwitch 3.1's
 * ofproto/trace (multipath(eth_src,50,hrw,12,0,...) on two source MACs), and
 * the wildcards each hash-fields choice un-wildcards. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowHashFields, flowMaskHashFields, multipathAlgorithm, NX_HASH_FIELDS } from './multipath.js';
import { FL, FLOW_SIZE, ETH_TYPE_IP, IPPROTO_UDP } from '../openflow/flow.js';

function flowWithSrc(mac: number[]): Uint8Array {
  const f = new Uint8Array(FLOW_SIZE);
  f.set(mac, FL.DL_SRC);
  f.set([0x50, 0x54, 0, 0, 0, 9], FL.DL_DST);
  return f;
}

test('multipath hrw over eth_src picks the links OVS picks', () => {
  const link = (mac: number[]) => multipathAlgorithm(flowHashFields(flowWithSrc(mac), NX_HASH_FIELDS.ETH_SRC, 50), 2, 13, 0);
  assert.equal(link([0x50, 0x54, 0, 0, 0, 0x01]), 1);
  assert.equal(link([0x50, 0x54, 0, 0, 0, 0x21]), 9);
});

test('hash fields un-wildcard what they read', () => {
  const f = flowWithSrc([1, 2, 3, 4, 5, 6]);
  f[FL.DL_TYPE] = ETH_TYPE_IP >> 8; f[FL.DL_TYPE + 1] = ETH_TYPE_IP & 0xff;
  f[FL.NW_PROTO] = IPPROTO_UDP;
  const wc = new Uint8Array(FLOW_SIZE);
  flowMaskHashFields(f, wc, NX_HASH_FIELDS.SYMMETRIC_L4);
  assert.equal(wc[FL.NW_PROTO], 0xff);
  assert.equal(wc[FL.TP_SRC], 0, 'UDP ports are not part of the symmetric L4 hash');
  assert.deepEqual([...wc.subarray(FL.NW_SRC, FL.NW_SRC + 4)], [255, 255, 255, 255]);
  const wc2 = new Uint8Array(FLOW_SIZE);
  flowMaskHashFields(f, wc2, NX_HASH_FIELDS.SYMMETRIC_L3L4_UDP);
  assert.deepEqual([...wc2.subarray(FL.TP_SRC, FL.TP_SRC + 4)], [255, 255, 255, 255]);
  assert.equal(wc2[FL.DL_SRC], 0);
});
