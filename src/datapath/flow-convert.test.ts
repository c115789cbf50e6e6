/* Tests for flow-convert: datapath keys extracted from real packets convert to
 * exactly the flow openflow/flow-extract.ts extracts, and back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FL, FLOW_SIZE } from '../openflow/flow.js';
import { flowExtract as ofFlowExtract } from '../openflow/flow-extract.js';
import { FLOW_WORDS, W, flowExtract } from './flow.js';
import { parseFlowKey } from './odp-util.js';
import { flowCompose } from './flow-compose.js';
import { keyToFlow, flowToKey } from './flow-convert.js';

const FLOWS = [
  'in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=50:54:00:00:00:01,tha=00:00:00:00:00:00)',
  'in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0x10,ttl=64,frag=no),tcp(src=1234,dst=80)',
  'in_port(2),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=53,dst=5353)',
  'in_port(3),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)',
  'in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x86dd),ipv6(src=fe80::1,dst=fe80::2,label=0x12345,proto=17,tclass=0,hlimit=64,frag=no),udp(src=546,dst=547)',
  'in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1,dst=2))',
];

test('keyToFlow matches the OpenFlow extractor and flowToKey inverts it', () => {
  const key = new Uint32Array(FLOW_WORDS), mask = new Uint32Array(FLOW_WORDS);
  const key2 = new Uint32Array(FLOW_WORDS), flow = new Uint8Array(FLOW_SIZE);
  for (const text of FLOWS) {
    parseFlowKey(text, key, mask);
    const pkt = flowCompose(key, 0, 10);
    flowExtract(pkt, 0, pkt.length, 7, key, 0);
    keyToFlow(key, 0, flow);
    const ref = ofFlowExtract(pkt).flow;
    ref[FL.IN_PORT + 3] = 7;
    assert.deepEqual([...flow], [...ref], text);
    flowToKey(flow, key2, 0);
    key2[W.TCP_FLAGS] = key[W.TCP_FLAGS]!;
    assert.deepEqual([...key2], [...key], text);
  }
});

test('fragment types convert both ways; a fragment mask becomes exact', () => {
  const key = new Uint32Array(FLOW_WORDS), flow = new Uint8Array(FLOW_SIZE);
  for (const [odp, fl] of [[0, 0], [1, 1], [2, 3]] as const) {
    key[W.NW_INFO] = (6 << 24 | odp) >>> 0;
    keyToFlow(key, 0, flow);
    assert.equal(flow[FL.NW_FRAG], fl);
    flowToKey(flow, key, 0);
    assert.equal(key[W.NW_INFO]! & 0xff, odp);
  }
  const m = new Uint8Array(FLOW_SIZE);
  m[FL.NW_FRAG] = 1; m[FL.DL_SRC] = 0xff;
  flowToKey(m, key, 0, true);
  assert.equal(key[W.NW_INFO], 0xff);
  assert.equal(key[W.ETH_SRC_HI], 0xff00);
});
