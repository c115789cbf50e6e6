// Tests for icmpv6: Neighbor Solicitation target and SLL option, checksum, bad options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Icmpv6Packet, Icmpv6Type } from './icmpv6.js';
import { pseudoHeaderSumIpv6 } from './checksum.js';
import { formatIpv6Addr } from './ipv6.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
// IPv6 fe80::1 -> ff02::1:ff00:2, NS for fe80::2 with SLL 00:11:22:33:44:55.
const PKT = hex('6000000000203afffe800000000000000000000000000001ff0200000000000000000001ff000002870015ff00000000fe8000000000000000000000000000020101001122334455');

test('neighbor solicitation', () => {
  const m = Icmpv6Packet.checked(PKT, 40);
  assert.ok(!isWireError(m));
  assert.equal(m.type, Icmpv6Type.NEIGHBOR_SOLICIT);
  assert.ok(m.isNd);
  assert.equal(formatIpv6Addr(PKT, m.ndTargetOffset), 'fe80::2');
  const ll = new Float64Array(2);
  assert.ok(m.ndLinkAddrs(ll));
  assert.deepEqual([...ll], [0x001122334455, 0]);
  assert.ok(m.verifyChecksum(pseudoHeaderSumIpv6(PKT, 8, 24, 58, 32)));
});

test('malformed options are detected', () => {
  const b = PKT.slice();
  b[40 + 25] = 0; // option length 0
  const ll = new Float64Array(2);
  assert.equal(new Icmpv6Packet(b, 40).ndLinkAddrs(ll), false);
  b[40 + 25] = 2; // runs past the end
  assert.equal(new Icmpv6Packet(b, 40).ndLinkAddrs(ll), false);
  assert.equal(Icmpv6Packet.checked(PKT, 40, 3), 'truncated');
});
