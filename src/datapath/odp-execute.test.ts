/* Tests for odp-execute: set and set_masked rewrite packets built by
 * flow-compose, the key re-extracted shows the new values, and the
 * checksums (verified from scratch) stay valid. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OdpKey } from './odp-actions.js';
import { odpSetField } from './odp-execute.js';
import { parseFlowKey, formatFlowKey } from './odp-util.js';
import { flowCompose } from './flow-compose.js';
import { FLOW_WORDS, flowExtract } from './flow.js';
import { csum, csumPartial, csumFinish } from '../lib/packets/checksum.js';

function pkt(text: string): Uint8Array {
  const key = new Uint32Array(FLOW_WORDS), mask = new Uint32Array(FLOW_WORDS);
  parseFlowKey(text, key, mask);
  return flowCompose(key, 0, 13);
}

function keyText(p: Uint8Array): string {
  const key = new Uint32Array(FLOW_WORDS);
  flowExtract(p, 0, p.length, 1, key, 0);
  return formatFlowKey(key, 0);
}

/** L4 checksum over the pseudo-header verifies to 0. */
function l4Ok(p: Uint8Array, l3: number, v6: boolean): boolean {
  const l4 = l3 + (v6 ? 40 : 20), len = p.length - l4;
  const ph = new Uint8Array(v6 ? 40 : 12);
  if (v6) { ph.set(p.subarray(l3 + 8, l3 + 40), 0); ph[34] = len >> 8; ph[35] = len & 0xff; ph[39] = p[l3 + 6]!; }
  else { ph.set(p.subarray(l3 + 12, l3 + 20), 0); ph[9] = p[l3 + 9]!; ph[10] = len >> 8; ph[11] = len & 0xff; }
  return csumFinish(csumPartial(p, l4, len, csumPartial(ph, 0, ph.length))) === 0;
}

test('set udp ports and masked ipv4 ttl/dst keep checksums valid', () => {
  const p = pkt('in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=53,dst=5353)');
  assert.ok(odpSetField(p, 0, p.length, OdpKey.UDP, Uint8Array.of(0, 99, 0x1f, 0x90), null));
  assert.ok(odpSetField(p, 0, p.length, OdpKey.IPV4, Uint8Array.of(0, 0, 0, 0, 10, 1, 2, 0, 0, 0, 7, 0),
    Uint8Array.of(0, 0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 0)));
  assert.match(keyText(p), /ipv4\(src=10\.0\.0\.1,dst=10\.1\.2\.2,proto=17,tos=0,ttl=7,frag=no\),udp\(src=99,dst=8080\)/);
  assert.equal(csum(p, 14, 20), 0);
  assert.ok(l4Ok(p, 14, false));
});

test('set ipv6 addresses, label and tclass; icmpv6 checksum follows', () => {
  const p = pkt('in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x86dd),ipv6(src=fe80::1,dst=fe80::2,label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=128,code=0)');
  const v = new Uint8Array(40);
  v.set([0x20, 0x01, 0x0d, 0xb8], 0); v[15] = 9; v.set([0x20, 0x01, 0x0d, 0xb8], 16); v[31] = 10;
  v[34] = 0x1; v[35] = 0x23; v[37] = 0x28; v[38] = 17;
  assert.ok(odpSetField(p, 0, p.length, OdpKey.IPV6, v, null));
  assert.match(keyText(p), /ipv6\(src=2001:db8::9,dst=2001:db8::a,label=0x123,proto=58,tclass=0x28,hlimit=17,frag=no\)/);
  assert.ok(l4Ok(p, 14, true));
});

test('headers the packet lacks are refused; eth set works on anything', () => {
  const p = pkt('in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0806),arp(sip=1.1.1.1,tip=2.2.2.2,op=1,sha=00:00:00:00:00:01,tha=00:00:00:00:00:00)');
  assert.equal(odpSetField(p, 0, p.length, OdpKey.TCP, Uint8Array.of(0, 1, 0, 2), null), false);
  assert.ok(odpSetField(p, 0, p.length, OdpKey.ETHERNET, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), null));
  assert.match(keyText(p), /eth\(src=01:02:03:04:05:06,dst=07:08:09:0a:0b:0c\)/);
});
