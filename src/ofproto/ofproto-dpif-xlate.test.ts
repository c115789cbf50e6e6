/* Tests for ofproto-dpif-xlate.ts: megaflow soundness on random rule sets
 * (every flow that agrees with a translated flow on the megaflow mask gets
 * the same datapath actions), NORMAL with MAC learning, patch ports, table
 * misses, limits and statistics.  Exact output formats are covered by
 * ofproto-dpif-trace.test.ts against recorded OVS output. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Testbed, parseFlow } from './xlate-testbed.js';
import { formatOdpActions } from '../datapath/odp-actions.js';
import { FL, FLOW_SIZE, put16, put32, get32 } from '../openflow/flow.js';
import { TableMiss } from './ofproto-provider.js';
import { XlateError } from './ofproto-dpif-xlate.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
function pick<T>(r: () => number, xs: readonly T[]): T { return xs[r() % xs.length]!; }

const MATCHES = [
  'in_port=1', 'in_port=2', 'ip', 'tcp', 'udp', 'arp', 'ip,nw_src=10.0.0.0/8', 'ip,nw_dst=10.1.0.0/16',
  'tcp,tp_dst=80', 'udp,tp_src=53', 'reg0=1', 'reg0=2', 'ip,nw_ttl=1', 'dl_vlan=10', 'in_port=3,ip',
  'dl_dst=ff:ff:ff:ff:ff:ff', 'ip,nw_tos=16',
];
const ACTIONS = [
  'output:1', 'output:2', 'output:3', 'output:4', 'mod_nw_src:192.168.1.1', 'mod_tp_dst:8080', 'dec_ttl',
  'resubmit(,1)', 'resubmit(,2)', 'load:1->NXM_NX_REG0[]', 'load:2->NXM_NX_REG0[]', 'mod_vlan_vid:7',
  'strip_vlan', 'mod_dl_src:aa:aa:aa:aa:aa:aa', 'controller', 'mod_nw_tos:32', 'output:in_port',
  'push_vlan:0x8100', 'FLOOD',
];

function randomFlow(r: () => number): Uint8Array {
  const parts = [
    `in_port=${1 + (r() % 4)}`,
    pick(r, ['ip', 'tcp', 'udp', 'arp', 'icmp']),
    `dl_src=50:54:00:00:00:0${r() % 8}`,
    `dl_dst=${pick(r, ['ff:ff:ff:ff:ff:ff', '50:54:00:00:00:01', '50:54:00:00:00:02'])}`,
  ];
  if (r() & 1) parts.push(`dl_vlan=${pick(r, [10, 20])}`);
  const f = parseFlow(parts.join(','));
  if (get32(f, FL.DL_TYPE - 0) !== 0) { /* keep */ }
  put32(f, FL.NW_SRC, pick(r, [0x0a000001, 0x0a010002, 0xc0a80001]));
  put32(f, FL.NW_DST, pick(r, [0x0a010001, 0x0b000001, 0x0a01ff00]));
  f[FL.NW_TTL] = pick(r, [1, 2, 64]);
  f[FL.NW_TOS] = pick(r, [0, 16, 32]);
  put16(f, FL.TP_SRC, pick(r, [53, 1000, 0]));
  put16(f, FL.TP_DST, pick(r, [80, 443, 8080]));
  return f;
}

/**
 * The mask the datapath effectively uses: like OVS's ODP keys, a megaflow
 * for an untagged packet matches only untagged packets (the key carries no
 * VLAN header), even though xlate leaves the VLAN wildcarded.
 */
function datapathMask(f: Uint8Array, wc: Uint8Array): Uint8Array {
  const m = wc.slice();
  if (!(f[FL.VLANS + 2]! & 0x10)) m.fill(0xff, FL.VLANS, FL.VLANS + 4);
  return m;
}

/** A flow equal to 'f' on the bits of 'wc' and random elsewhere (within the test's value pools). */
function perturb(r: () => number, f: Uint8Array, wc: Uint8Array): Uint8Array {
  const g = randomFlow(r);
  const out = new Uint8Array(FLOW_SIZE);
  for (let i = 0; i < FLOW_SIZE; i++) out[i] = (f[i]! & wc[i]!) | (g[i]! & ~wc[i]!);
  return out;
}

test('megaflows are sound on random rule sets', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const r = rng(seed * 7919);
    const tb = new Testbed('br0', [1, 2, 3, 4]);
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const table = pick(r, [0, 0, 0, 1, 2]);
      const n = 1 + (r() % 3);
      const acts: string[] = [];
      for (let k = 0; k < n; k++) acts.push(pick(r, ACTIONS));
      lines.push(`table=${table},priority=${r() % 100},${pick(r, MATCHES)} actions=${acts.join(',')}`);
    }
    tb.addFlows(lines.join('\n'));
    for (let t = 0; t < 60; t++) {
      const f = randomFlow(r);
      const a = tb.xlateFlow(f);
      const text = formatOdpActions(a.odpActions);
      for (let k = 0; k < 6; k++) {
        const g = perturb(r, f, datapathMask(f, a.wc));
        const b = tb.xlateFlow(g);
        assert.equal(formatOdpActions(b.odpActions), text, `seed ${seed}: megaflow too wide`);
      }
    }
  }
});

test('NORMAL learns MACs and forwards to the learned port', () => {
  const tb = new Testbed('br0', [1, 2, 3]);
  tb.addFlows('actions=NORMAL');
  const pkt = new Uint8Array(60);
  /* Unknown destination: flood to every other port (LOCAL first in OVS's bundle order). */
  let out = tb.xlate('in_port=1,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02', { packet: pkt });
  assert.equal(formatOdpActions(out.odpActions), '100,2,3');
  assert.ok(out.hasNormal);
  assert.equal(tb.xbridge.ml.count, 1);
  /* The reply goes straight back to port 1, learning port 2 on the way. */
  out = tb.xlate('in_port=2,dl_src=50:54:00:00:00:02,dl_dst=50:54:00:00:00:01', { packet: pkt });
  assert.equal(formatOdpActions(out.odpActions), '1');
  out = tb.xlate('in_port=1,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02', { packet: pkt });
  assert.equal(formatOdpActions(out.odpActions), '2');
  /* The megaflow covers both MACs and the VLAN. */
  assert.equal(get32(out.wc, FL.DL_DST), 0xffffffff);
  /* Without a packet (side effects off) nothing new is learned. */
  tb.xlate('in_port=3,dl_src=50:54:00:00:00:03,dl_dst=50:54:00:00:00:01');
  assert.equal(tb.xbridge.ml.count, 2);
  assert.equal(tb.xbridge.ml.formatFdbShow((p) => String((p as { name: string }).name.slice(1))),
    ' port  VLAN  MAC                Age\n    1     0  50:54:00:00:00:01    0\n    2     0  50:54:00:00:00:02    0\n');
});

test('patch ports continue in the peer bridge', () => {
  const a = new Testbed('br0', [1]);
  const b = new Testbed('br1', [5], a.xbridge.rids, 101);
  Testbed.patch(a, 2, b, 3);
  a.addFlows('in_port=1 actions=mod_nw_src:1.2.3.4,output:2');
  b.addFlows('in_port=3 actions=output:5');
  const out = a.xlate('in_port=1,tcp,nw_src=9.9.9.9');
  assert.equal(formatOdpActions(out.odpActions), 'set(ipv4(src=1.2.3.4)),5');
  /* OVS only commits L3 changes for packets with an IP protocol. */
  assert.equal(formatOdpActions(a.xlate('in_port=1,ip,nw_src=9.9.9.9').odpActions), '5');
  /* Nested bridges print flush left, as in OVS. */
  const tr = a.trace('in_port=1,tcp,nw_src=9.9.9.9');
  assert.match(tr, /\n\nbridge\("br1"\)\n-{13}\n 0\. in_port=3, priority 32768\n {4}output:5\n/);
});

test('table misses follow the table configuration and the OpenFlow version rule', () => {
  const tb = new Testbed('br0', [1, 2]);
  tb.addFlows('table=1,actions=output:2');
  /* Default: drop unless a controller wants misses (OF1.0-1.2 connections do). */
  assert.equal(formatOdpActions(tb.xlate('in_port=1').odpActions), 'drop');
  tb.wantsPacketIn = true;
  const miss = tb.xlate('in_port=1').odpActions;
  assert.equal(miss.length, 1);
  assert.equal(miss[0]!.type, 'userspace');
  assert.equal(miss[0]!.type === 'userspace' && miss[0]!.cookie?.type === 'controller' ? miss[0]!.cookie.reason : -1, 7);
  tb.wantsPacketIn = false;
  /* "continue" goes on to the next table. */
  tb.ofproto.tables[0]!.missConfig = TableMiss.CONTINUE;
  assert.equal(formatOdpActions(tb.xlate('in_port=1').odpActions), '2');
  /* "controller" sends a packet-in whatever the controllers want. */
  tb.ofproto.tables[0]!.missConfig = TableMiss.CONTROLLER;
  assert.equal(tb.xlate('in_port=1').odpActions[0]!.type, 'userspace');
});

test('resubmit loops stop at the depth limit', () => {
  const tb = new Testbed('br0', [1]);
  tb.addFlows('actions=resubmit(,0)');
  const out = tb.xlate('in_port=1');
  assert.equal(out.error, XlateError.RECURSION_TOO_DEEP);
  assert.equal(out.errorText, 'Recursion too deep');
  assert.deepEqual(out.odpActions, []);
});

test('statistics are credited to rules and tables', () => {
  const tb = new Testbed('br0', [1, 2]);
  tb.addFlows('table=0,in_port=1 actions=resubmit(,1)\ntable=1 actions=output:2');
  const stats = { packets: 3, bytes: 180, used: 5000 };
  tb.xlate('in_port=1', { resubmitStats: stats });
  const rules = tb.ofproto.allRules();
  assert.deepEqual(rules.map((r) => tb.ofproto.ruleGetStats(r).packets), [3, 3]);
  assert.equal(tb.ofproto.tables[0]!.nMatched, 3);
  assert.equal(tb.ofproto.tables[1]!.nMatched, 3);
  tb.xlate('in_port=2', { resubmitStats: stats });
  assert.equal(tb.ofproto.tables[0]!.nMissed, 3);
});

test('select groups: dp_hash recirculation, then buckets by weight', () => {
  const tb = new Testbed('br0', [1, 2, 3]);
  tb.version = 4;
  tb.addGroup('group_id=1,type=select,bucket=weight:3,output:2,bucket=weight:1,output:3');
  tb.addFlows('in_port=1 actions=mod_dl_src:aa:aa:aa:aa:aa:aa,group:1');
  const first = tb.xlate('in_port=1,tcp');
  assert.equal(formatOdpActions(first.odpActions).replace(/recirc\(0x[0-9a-f]+\)/, 'recirc(N)'),
    'set(eth(src=aa:aa:aa:aa:aa:aa)),hash(sym_l4(0)),recirc(N)');
  const rec = first.odpActions.find((a) => a.type === 'recirc');
  assert.ok(rec && rec.type === 'recirc');
  /* After recirculation the datapath hash picks the bucket; 3:1 over the 16 hash values. */
  const counts = [0, 0];
  for (let h = 1; h <= 16; h++) {
    const f = parseFlow('in_port=1,tcp,dl_src=aa:aa:aa:aa:aa:aa');
    put32(f, FL.RECIRC_ID, rec.id);
    put32(f, FL.DP_HASH, h);
    const out = formatOdpActions(tb.xlateFlow(f).odpActions);
    if (out === '2') counts[0]!++; else if (out === '3') counts[1]!++; else assert.fail(out);
  }
  assert.deepEqual(counts, [12, 4]);
});
