/* Tests for ofproto-dpif.ts over an in-memory DpifBackend that records what
 * the datapath is asked to do (the userspace datapath is not part of this
 * layer): port numbering, bundles and VLANs, miss upcalls installing
 * megaflows, controller actions becoming packet-ins, packet-outs, the fdb
 * commands and ofproto/trace argument handling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ofproto } from './ofproto.js';
import {
  type DpifBackend, OfprotoDpif, ofprotoDpifSetBackerOpener, ofprotoDpifRegister, ofprotoDpifUnregister,
  unixctlFdbShow, unixctlFdbAdd, unixctlFdbDel, unixctlFdbFlush, unixctlFdbStatsShow, unixctlTrace,
  unixctlTracePacketOut, unixctlOfprotoList,
} from './ofproto-dpif.js';
import { parseFlowMod, parseFlow, wireActions } from './xlate-testbed.js';
import { type OdpAction, formatOdpActions } from '../datapath/odp-actions.js';
import { parseActions } from '../openflow/ofp-actions-all.js';
import { Match } from '../openflow/match.js';
import type { PacketIn } from '../openflow/ofp-packet.js';
import { FL, put32 } from '../openflow/flow.js';

class RecordingBackend implements DpifBackend {
  readonly name = 'ovs-netdev';
  readonly support = { maskedSet: true, recirc: true, clone: true, checkPktLen: true, trunc: true, ctState: true };
  nextPort = 1;
  puts: { flow: Uint8Array; mask: Uint8Array; actions: string }[] = [];
  executed: string[] = [];
  flushes = 0;
  portAdd(name: string, _netdev: unknown, req: number | null): number {
    /* Port "x7" is datapath port 7, as dummy ports are numbered in OVS's tests. */
    return req ?? (Number(name.replace(/^\D+/, '')) || this.nextPort++);
  }
  portDel(): number { return 0; }
  flowPut(flow: Uint8Array, mask: Uint8Array, actions: readonly OdpAction[]): void {
    this.puts.push({ flow, mask, actions: formatOdpActions(actions) });
  }
  flowFlush(): void { this.flushes++; }
  execute(_p: Uint8Array, _f: Uint8Array, actions: readonly OdpAction[]): void { this.executed.push(formatOdpActions(actions)); }
}

const backend = new RecordingBackend();
ofprotoDpifSetBackerOpener((type) => (type === 'netdev' ? backend : null));

const PP = { hwAddr: new Uint8Array(6), config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 };

function bridge(name: string, ports: string[]): OfprotoDpif {
  // A frozen clock: MAC ages printed by fdb/show must not depend on machine load.
  const r = Ofproto.create(name, 'netdev', { clock: () => 1_000_000 });
  assert.ok('ofproto' in r, 'created');
  const p = r.ofproto.dp as OfprotoDpif;
  p.portAdd(name, null, PP, null, 100);
  p.bundleSet(name, { name, slaves: [0xfffe], vlanMode: 'trunk', vlan: -1, trunks: null });
  for (const n of ports) {
    const ofp = p.portAdd(n, null, PP, null);
    assert.equal(typeof ofp, 'number');
    p.bundleSet(n, { name: n, slaves: [ofp as number], vlanMode: 'trunk', vlan: -1, trunks: null });
  }
  ofprotoDpifRegister(p);
  return p;
}

function packet(dst: string, src: string): Uint8Array {
  const hex = (dst + src).replace(/:/g, '') + '0800' + '45000014000000004006' + '0000' + '0a000001' + '0a000002';
  return Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

test('ports get OpenFlow numbers from 1 and the local port is LOCAL', () => {
  const p = bridge('brA', ['a1', 'a2']);
  assert.deepEqual([...p.ofproto.ports.keys()].sort((x, y) => x - y), [1, 2, 0xfffe]);
  assert.equal(p.portAdd('a5', null, PP, 5), 5);
  assert.equal(p.portAdd('a6', null, PP, 5), 3, 'request taken: next free');
  ofprotoDpifUnregister(p);
});

test('miss upcalls install megaflows and execute; NORMAL learns', () => {
  const p = bridge('brB', ['b1', 'b2', 'b3']);
  p.ofproto.handleFlowMod(parseFlowMod('actions=NORMAL'));
  backend.puts = []; backend.executed = [];
  const pkt = packet('50:54:00:00:00:02', '50:54:00:00:00:01');
  const f = parseFlow('in_port=1,dl_dst=50:54:00:00:00:02,dl_src=50:54:00:00:00:01,ip,nw_src=10.0.0.1,nw_dst=10.0.0.2');
  p.handleMiss(f, pkt);
  assert.deepEqual(backend.executed, ['100,2,3']);
  assert.equal(backend.puts.length, 1);
  /* The megaflow matches no VLAN, the MACs and the input port. */
  const m = backend.puts[0]!.mask;
  assert.equal(m[FL.VLANS + 2], 0xff);
  assert.equal(m[FL.DL_SRC + 5], 0xff);
  /* The rule counted the packet. */
  const rule = p.ofproto.allRules()[0]!;
  assert.equal(p.ofproto.ruleGetStats(rule).packets, 1);
  /* Learned: the reply is forwarded to port 1 only. */
  const back = parseFlow('in_port=2,dl_dst=50:54:00:00:00:01,dl_src=50:54:00:00:00:02,ip');
  p.handleMiss(back, packet('50:54:00:00:00:01', '50:54:00:00:00:02'));
  assert.equal(backend.executed[1], '1');
  assert.equal((unixctlFdbShow('brB') as { text: string }).text,
    ' port  VLAN  MAC                Age\n    1     0  50:54:00:00:00:01    0\n    2     0  50:54:00:00:00:02    0\n');
  assert.match((unixctlFdbStatsShow('brB') as { text: string }).text, /Total number of learned MAC entries {5}: 2/);
  ofprotoDpifUnregister(p);
});

test('access ports tag and untag', () => {
  const p = bridge('brC', ['c1', 'c2', 'c3']);
  p.bundleSet('c1', { name: 'c1', slaves: [1], vlanMode: 'access', vlan: 10, trunks: null });
  p.bundleSet('c2', { name: 'c2', slaves: [2], vlanMode: 'access', vlan: 20, trunks: null });
  p.ofproto.handleFlowMod(parseFlowMod('actions=NORMAL'));
  backend.executed = [];
  const f = parseFlow('in_port=1,dl_dst=ff:ff:ff:ff:ff:ff,dl_src=50:54:00:00:00:01');
  p.handleMiss(f, packet('ff:ff:ff:ff:ff:ff', '50:54:00:00:00:01'));
  /* VLAN 10 reaches the trunk ports (LOCAL, c3) tagged, not c2 (VLAN 20). */
  assert.deepEqual(backend.executed, ['push_vlan(vid=10,pcp=0),100,3']);
  ofprotoDpifUnregister(p);
});

test('controller actions become packet-ins', () => {
  const p = bridge('brD', ['d1']);
  p.ofproto.handleFlowMod(parseFlowMod('cookie=0x77,in_port=1 actions=load:5->NXM_NX_REG3[],controller(reason=action,max_len=20,id=9)'));
  const pins: [PacketIn, number, number][] = [];
  p.onPacketIn = (pin, id, len) => pins.push([pin, id, len]);
  const f = parseFlow('in_port=1,dl_dst=50:54:00:00:00:02,dl_src=50:54:00:00:00:01,ip');
  const pkt = packet('50:54:00:00:00:02', '50:54:00:00:00:01');
  const xout = p.handleMiss(f, pkt);
  const ua = xout.odpActions.find((a) => a.type === 'userspace');
  assert.ok(ua && ua.type === 'userspace' && ua.cookie);
  p.handleUserspace(ua.cookie, pkt, f);
  assert.equal(pins.length, 1);
  const [pin, id, len] = pins[0]!;
  assert.equal(id, 9);
  assert.equal(len, 20);
  assert.equal(pin.cookie, 0x77n);
  assert.equal(pin.reason, 1);
  assert.equal(pin.packet.length, 20);
  assert.equal(pin.totalLen, pkt.length);
  assert.equal(pin.metadata.flow[FL.REGS + 15], 5, 'reg3 from the frozen metadata');
  ofprotoDpifUnregister(p);
});

test('packet-out runs its actions on the packet', () => {
  const p = bridge('brE', ['e1', 'e2']);
  backend.executed = [];
  const acts = parseActions('mod_dl_dst:aa:aa:aa:aa:aa:aa,output:2');
  assert.ok(typeof acts !== 'string');
  const md = new Match();
  put32(md.flow, FL.IN_PORT, 1); put32(md.wc, FL.IN_PORT, 0xffff);
  assert.equal(p.packetOut({ bufferId: 0xffffffff, metadata: md, ofpacts: wireActions(acts.ofpacts, 1, false),
    packet: packet('50:54:00:00:00:02', '50:54:00:00:00:01') }), null);
  assert.deepEqual(backend.executed, ['set(eth(dst=aa:aa:aa:aa:aa:aa)),2']);
  ofprotoDpifUnregister(p);
});

test('fdb/add, fdb/del, fdb/flush and errors', () => {
  const p = bridge('brF', ['f1', 'f2']);
  assert.deepEqual(unixctlFdbShow('nope'), { error: 'no such bridge' });
  assert.deepEqual(unixctlFdbAdd('brF', 'f1', '0', 'zz'), { error: 'bad MAC address' });
  assert.deepEqual(unixctlFdbAdd('brF', 'f1', '10', '50:54:00:00:00:09'), { text: '' });
  assert.deepEqual(unixctlFdbAdd('brF', 'f2', '10', '50:54:00:00:00:09'), { text: 'Overriding already existing static entry on 1\n' });
  assert.match((unixctlFdbShow('brF') as { text: string }).text, /\n {4}2 {4}10 {2}50:54:00:00:00:09 {2}static\n$/);
  assert.deepEqual(unixctlFdbFlush('brF'), { text: 'table successfully flushed\n' });
  assert.equal(p.ml.count, 1, 'static entries survive a flush');
  assert.deepEqual(unixctlFdbDel('brF', '10', '50:54:00:00:00:09'), { text: '' });
  assert.deepEqual(unixctlFdbDel('brF', '10', '50:54:00:00:00:09'), { error: 'could not find static mac entry\n' });
  ofprotoDpifUnregister(p);
});

test('ofproto/trace arguments', () => {
  const p = bridge('brG', ['g1', 'g2']);
  p.ofproto.handleFlowMod(parseFlowMod('in_port=1 actions=output:2'));
  const r = unixctlTrace(['brG', 'in_port=1']);
  assert.ok('text' in r);
  assert.match(r.text, /Datapath actions: 2\n$/);
  assert.deepEqual(unixctlTrace(['nobr', 'in_port=1']), { error: 'nobr: unknown bridge' });
  assert.deepEqual(unixctlTrace(['brG', 'in_port=1', '--bogus']), { error: '--bogus: unknown option' });
  const bad = unixctlTrace(['brG', 'bad_field=1']);
  assert.ok('error' in bad && bad.error.startsWith('Bad openflow flow syntax: '));
  const po = unixctlTracePacketOut(['brG', 'in_port=1', 'mod_vlan_vid:5,output:2']);
  assert.ok('text' in po);
  assert.match(po.text, / 0\. No match\.|mod_vlan_vid:5\n {4}output:2\n/);
  assert.match(po.text, /Datapath actions: push_vlan\(vid=5,pcp=0\),2\n$/);
  assert.match((unixctlOfprotoList() as { text: string }).text, /^brG$/m);
  ofprotoDpifUnregister(p);
});
