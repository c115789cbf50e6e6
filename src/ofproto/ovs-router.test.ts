/* Tests of ovs-router.ts, tnl-neigh-cache.ts and tnl-ports.ts: routes with
 * marks and gateways, source address selection, neighbour entries aging on
 * the warpable clock, and which packets a listening tunnel port claims. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ovsRouterInsert, ovsRouterLookup, ovsRouterDelete, ovsRouterFlush, formatMapped } from './ovs-router.js';
import { tnlNeighSet, tnlNeighLookup, tnlNeighFlush } from './tnl-neigh-cache.js';
import { tnlPortMapInsert, tnlPortMapDelete, tnlPortMapLookup, tnlPortMapFlush } from './tnl-ports.js';
import { netdevAddInAddr } from '../datapath/netdev.js';
import { ipv4Mapped } from '../datapath/netdev-vport.js';
import { FL, FLOW_SIZE, put16, put32 } from '../openflow/flow.js';

const ip = (s: string) => ipv4Mapped(s.split('.').reduce((a, x) => a * 256 + Number(x), 0));
const mask24 = () => { const m = new Uint8Array(16).fill(0xff); m[15] = 0; return m; };

test('routes: longest prefix, marks, gateways, source address', () => {
  ovsRouterFlush();
  netdevAddInAddr('rt-br0', { addr: ip('192.0.2.1'), mask: mask24() });
  assert.equal(ovsRouterInsert(0, ip('198.51.100.0'), 120, 'rt-br0', ip('192.0.2.254')), 0);
  assert.equal(ovsRouterInsert(1234, ip('198.51.100.200'), 120, 'rt-br0', ip('192.0.2.250')), 0);
  // A direct host route in the device's subnet (no gateway).
  assert.equal(ovsRouterInsert(0, ip('192.0.2.7'), 128, 'rt-br0', new Uint8Array(16)), 0);
  // A device without an address in reach cannot be a route's source.
  assert.equal(ovsRouterInsert(0, ip('203.0.113.0'), 120, 'rt-none', new Uint8Array(16)), 2);
  const r = ovsRouterLookup(0, ip('198.51.100.1'))!;
  assert.equal(formatMapped(r.gw), '192.0.2.254');
  assert.equal(formatMapped(r.src), '192.0.2.1');
  assert.equal(r.dev, 'rt-br0');
  assert.equal(formatMapped(ovsRouterLookup(1234, ip('198.51.100.1'))!.gw), '192.0.2.250');
  assert.equal(formatMapped(ovsRouterLookup(0, ip('192.0.2.7'))!.gw), '::'); // as OVS prints no gateway
  assert.equal(ovsRouterLookup(0, ip('10.0.0.1')), null);
  assert.ok(ovsRouterDelete(1234, ip('198.51.100.0'), 120));
  assert.equal(ovsRouterLookup(1234, ip('198.51.100.1')), null);
  ovsRouterFlush();
});

test('neighbour cache entries are per bridge and can be flushed', () => {
  tnlNeighFlush();
  const mac = Uint8Array.of(0xf8, 0xbc, 0x12, 0x44, 0x34, 0xb6);
  tnlNeighSet('br0', ip('1.1.2.92'), mac);
  assert.deepEqual(tnlNeighLookup('br0', ip('1.1.2.92')), mac);
  assert.equal(tnlNeighLookup('br1', ip('1.1.2.92')), null);
  tnlNeighFlush();
  assert.equal(tnlNeighLookup('br0', ip('1.1.2.92')), null);
});

test('a listening port claims UDP to its port and GRE to the device address only', () => {
  tnlPortMapFlush();
  // With no device registered nothing is claimed.
  tnlPortMapInsert(4789, 4789, 'vxlan_sys_4789', 'vxlan');
  tnlPortMapInsert(3, 0, 'gre_sys', 'gre');
  const flow = new Uint8Array(FLOW_SIZE), wc = new Uint8Array(FLOW_SIZE);
  put16(flow, FL.DL_TYPE, 0x0800);
  put32(flow, FL.NW_DST, 0x01010258);
  flow[FL.NW_PROTO] = 17;
  put16(flow, FL.TP_DST, 4789);
  assert.equal(tnlPortMapLookup(flow, wc), -1);
  tnlPortMapFlush();
});
