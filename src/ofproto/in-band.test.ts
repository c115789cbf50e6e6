/* Tests for in-band.ts: the hidden rules for in-band controllers, their
 * updates when remotes or the local MAC change, and that OpenFlow's table
 * statistics do not count them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ofproto, ofprotoClassRegister } from './ofproto.js';
import type { OfprotoClass } from './ofproto-provider.js';
import { matchToString } from '../openflow/ofp-match-codec.js';
import { InBand, inBandRemoteFromTarget } from './in-band.js';

const cls: OfprotoClass = { types: ['in-band-test'], construct: () => 0 };
ofprotoClassRegister(cls);

function newOfproto(): Ofproto {
  const r = Ofproto.create('br0', 'in-band-test', { clock: () => 1000 });
  assert.ok('ofproto' in r);
  return r.ofproto;
}

function listing(p: Ofproto): string[] {
  return p.allRules().map((r) => matchToString(r.match, r.priority)).sort();
}

test('inBandRemoteFromTarget parses IPv4 tcp/ssl targets only', () => {
  assert.deepEqual(inBandRemoteFromTarget('tcp:240.0.0.1'), { ip: 0xf0000001, port: 6653 });
  assert.deepEqual(inBandRemoteFromTarget('ssl:10.1.2.3:6633'), { ip: 0x0a010203, port: 6633 });
  assert.equal(inBandRemoteFromTarget('unix:/tmp/x'), null);
  assert.equal(inBandRemoteFromTarget('ptcp:6653'), null);
  assert.equal(inBandRemoteFromTarget('tcp:300.0.0.1'), null);
});

test('in-band rules follow the remotes and the local MAC, hidden from table stats', () => {
  const p = newOfproto();
  const ib = new InBand(p);
  ib.setRemotes([{ ip: 0xf0000001, port: 6653 }]);
  const mac = Uint8Array.of(0xaa, 0x55, 0xaa, 0x55, 0, 0);
  ib.run(mac);
  assert.deepEqual(listing(p), [
    'priority=180000,udp,in_port=LOCAL,dl_src=aa:55:aa:55:00:00,tp_src=68,tp_dst=67',
    'priority=180001,arp,dl_dst=aa:55:aa:55:00:00,arp_op=2',
    'priority=180002,arp,dl_src=aa:55:aa:55:00:00,arp_op=1',
    'priority=180005,arp,arp_tpa=240.0.0.1,arp_op=2',
    'priority=180006,arp,arp_spa=240.0.0.1,arp_op=1',
    'priority=180007,tcp,nw_dst=240.0.0.1,tp_dst=6653',
    'priority=180008,tcp,nw_src=240.0.0.1,tp_src=6653',
  ]);
  assert.equal(p.tableStats()[0]!.activeCount, 0);

  // Without a local MAC only the remote's rules stay; a new remote replaces the old one's.
  ib.run(null);
  assert.equal(listing(p).length, 4);
  ib.setRemotes([{ ip: 0x0a000001, port: 6633 }]);
  ib.run(null);
  assert.ok(listing(p).every((l) => !l.includes('240.0.0.1')));
  assert.ok(listing(p).includes('priority=180007,tcp,nw_dst=10.0.0.1,tp_dst=6633'));

  ib.destroy();
  assert.deepEqual(listing(p), []);
  assert.equal(ib.active, false);
});
