// Encode/decode round trips of the version-independent message records
// (what connmgr sends and parses), across every version each message
// exists in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageThrow } from './ofp-decode.js';
import { encodeHello, decodeHello, negotiateVersion } from './ofp-hello.js';
import { encodeFeaturesReply, type SwitchFeatures } from './ofp-switch.js';
import { encodePortStatus, encodePortMod, putPortStats, emptyPortStats, type PhyPort, type PortStatus, type PortMod } from './ofp-port.js';
import { encodeRoleRequest, encodeSetAsync, asyncConfigDefault, type AsyncConfig } from './ofp-connection.js';
import { encodeMeterMod, type MeterMod } from './ofp-meter.js';
import { encodeGroupMod, type GroupMod } from './ofp-group.js';
import { encodeFlowMod, encodeFlowStatsRequest, putFlowStats, U64_MAX, type FlowMod, type FlowStats } from './ofp-flow.js';
import { encodePacketOut, encodePacketIn, type PacketOut, type PacketIn } from './ofp-packet.js';
import { encodeFlowRemoved, type FlowRemoved } from './ofp-monitor.js';
import { encodeTableMod } from './ofp-table.js';
import { encodeBundleCtrl } from './ofp-bundle.js';
import { startMsg } from './ofp-msgs.js';
import { Match } from './match.js';
import { parseActions } from './ofp-actions-all.js';
import { ofpactsFrom } from './ofpact-codec.js';
import { parseMatch } from './ofp-match-parse.js';
import { formatMatch } from './match-format.js';
import { formatActions } from './ofp-actions-all.js';

const port: PhyPort = {
  portNo: 7, hwAddr: Uint8Array.of(0xaa, 0x55, 0, 0, 0, 7), name: 'p7', config: 1, state: 1,
  curr: 0x2820, advertised: 0x282f, supported: 0x282f, peer: 0, currSpeed: 1000000, maxSpeed: 1000000,
};

function body(m: Uint8Array): unknown { return decodeMessageThrow(m).body; }

function match(s: string): Match {
  const r = parseMatch(s);
  if (typeof r === 'string') throw new Error(r);
  return r.match;
}

test('hello negotiation', () => {
  const h = decodeHello(encodeHello((1 << 1) | (1 << 4)));
  assert.equal(h.allowedVersions, (1 << 1) | (1 << 4));
  assert.equal(negotiateVersion(h.allowedVersions, (1 << 4) | (1 << 6)), 4);
  assert.equal(negotiateVersion(1 << 1, 1 << 6), 0);
});

test('features, port status and port mod survive every version', () => {
  for (let v = 1; v <= 6; v++) {
    const f: SwitchFeatures = { datapathId: 0xabcn, nBuffers: 0, nTables: 254, auxiliaryId: 0, capabilities: 0x47, actions10: v === 1 ? 0xfff : 0, ports: [port] };
    const d = body(encodeFeaturesReply(f, v, 2)) as SwitchFeatures;
    assert.equal(d.datapathId, 0xabcn);
    assert.equal(d.ports.length, v < 4 ? 1 : 0);
    const ps = body(encodePortStatus({ reason: 2, desc: port }, v)) as PortStatus;
    assert.equal(ps.desc.name, 'p7');
    assert.equal(ps.desc.portNo, 7);
    assert.equal(ps.desc.curr & 0x20, 0x20);
    const pm = body(encodePortMod({ portNo: 7, hwAddr: port.hwAddr, config: 1, mask: 1, advertise: v >= 5 ? 0x20 : 0 }, v)) as PortMod;
    assert.deepEqual([pm.portNo, pm.config, pm.mask], [7, 1, 1]);
  }
});

test('port stats keep their counters in every version', () => {
  for (const [raw, v] of [['OFPST10_PORT_REPLY', 1], ['OFPST11_PORT_REPLY', 2], ['OFPST13_PORT_REPLY', 4], ['OFPST14_PORT_REPLY', 5]] as const) {
    const ps = emptyPortStats(3);
    ps.stats.rx_packets = 10n;
    ps.stats.tx_bytes = 2000n;
    ps.durationSec = 5;
    ps.durationNsec = 0;
    const w = startMsg(raw, v, 1);
    putPortStats(w, v, ps);
    const d = body(w.finishMsg()) as typeof ps[];
    assert.equal(d[0]!.stats.rx_packets, 10n);
    assert.equal(d[0]!.stats.tx_bytes, 2000n);
    assert.equal(d[0]!.durationSec, v >= 4 ? 5 : 0xffffffff);
  }
});

test('flow-mods carry match, actions and flags in every protocol', () => {
  const acts = parseActions('output:2,output:5');
  assert.ok(typeof acts !== 'string');
  for (let v = 1; v <= 6; v++) {
    for (const nxm of v === 1 ? [false, true] : [false]) {
      const fm: FlowMod = {
        match: match('tcp,nw_src=10.0.0.0/8,tp_dst=80'), priority: 100, cookie: 0n, cookieMask: 0n, newCookie: 0x55n,
        modifyCookie: true, tableId: v === 1 ? 0 : 3, command: 0, idleTimeout: 10, hardTimeout: 20, importance: 0,
        bufferId: 0xffffffff, outPort: 0xffff, outGroup: 0xffffffff, flags: 1, ofpacts: ofpactsFrom(acts.ofpacts, v),
      };
      const d = body(encodeFlowMod(fm, v, { nxm, tid: true })) as FlowMod;
      assert.equal(formatMatch(d.match, undefined, d.priority), 'priority=100,tcp,nw_src=10.0.0.0/8,tp_dst=80', `v${v} nxm=${nxm}`);
      assert.equal(formatActions(d.ofpacts.decoded), formatActions(acts.ofpacts));
      // Without the flow_mod_table_id extension an OF1.0 flow-mod has no table.
      assert.deepEqual([d.idleTimeout, d.hardTimeout, d.newCookie, d.tableId], [10, 20, 0x55n, v === 1 ? 0xff : 3]);
    }
  }
});

test('flow stats requests and replies', () => {
  for (let v = 1; v <= 6; v++) {
    const req = body(encodeFlowStatsRequest({ aggregate: false, match: match('ip'), cookie: 0n, cookieMask: 0n, outPort: 0xffff, outGroup: 0xffffffff, tableId: 0xff }, v)) as { match: Match };
    assert.equal(formatMatch(req.match), 'ip');
    const raw = v === 1 ? 'OFPST10_FLOW_REPLY' : v === 2 || v === 3 ? 'OFPST11_FLOW_REPLY' : v <= 5 ? 'OFPST13_FLOW_REPLY' : 'OFPST15_FLOW_REPLY';
    const fs: FlowStats = {
      match: match('arp'), priority: 7, tableId: 1, cookie: 3n, durationSec: 4, durationNsec: 5000000, idleTimeout: 0,
      hardTimeout: 0, importance: 0, flags: 0, idleAge: -1, hardAge: -1, packetCount: 9n, byteCount: 99n,
      ofpacts: ofpactsFrom([], v),
    };
    const w = startMsg(raw, v, 1);
    putFlowStats(w, raw, v, fs);
    const d = (body(w.finishMsg()) as FlowStats[])[0]!;
    assert.deepEqual([d.priority, d.tableId, d.cookie, d.durationSec, d.packetCount, d.byteCount], [7, 1, 3n, 4, 9n, 99n]);
    assert.equal(formatMatch(d.match, undefined, d.priority), 'priority=7,arp');
  }
});

test('packet-in, packet-out and flow-removed', () => {
  const pkt = Uint8Array.from({ length: 60 }, (_, i) => i);
  for (let v = 1; v <= 6; v++) {
    const m = match('in_port=3');
    for (const format of [0, 1, 2]) {
      const pin: PacketIn = {
        packet: pkt, totalLen: 60, bufferId: 0xffffffff, reason: 1, tableId: 0, cookie: U64_MAX, metadata: m,
        userdata: null, continuation: { bridge: null, stack: [], mirrors: 0, conntracked: false, actions: [], actionSet: null, odpPort: 0 },
      };
      const d = body(encodePacketIn(pin, v, format)) as PacketIn;
      assert.deepEqual([...d.packet], [...pkt]);
      assert.equal(formatMatch(d.metadata), 'in_port=3');
    }
    const acts = parseActions('output:1');
    assert.ok(typeof acts !== 'string');
    const po: PacketOut = { bufferId: 0xffffffff, metadata: match('in_port=3'), ofpacts: ofpactsFrom(acts.ofpacts, v), packet: pkt };
    const dpo = body(encodePacketOut(po, v)) as PacketOut;
    assert.deepEqual([...dpo.packet], [...pkt]);
    assert.equal(formatActions(dpo.ofpacts.decoded), 'output:1');
    const fr: FlowRemoved = {
      match: match('udp'), priority: 9, cookie: 1n, reason: 2, tableId: v === 1 ? 255 : 4, durationSec: 1, durationNsec: 0,
      idleTimeout: 5, hardTimeout: v === 1 ? 0 : 6, packetCount: 2n, byteCount: 3n,
    };
    const dfr = body(encodeFlowRemoved(fr, v)) as FlowRemoved;
    assert.deepEqual([dfr.priority, dfr.reason, dfr.tableId, dfr.packetCount], [9, 2, fr.tableId, 2n]);
  }
});

test('role, async, meters, groups, tables and bundles', () => {
  for (let v = 1; v <= 6; v++) {
    const rr = body(encodeRoleRequest({ role: 2, generationId: 9n }, v)) as { role: number };
    assert.equal(rr.role, 2);
    const ac = body(encodeSetAsync(asyncConfigDefault(v), v)) as AsyncConfig;
    assert.equal(ac.primary[1], 7);
  }
  for (let v = 4; v <= 6; v++) {
    const mm: MeterMod = { command: 0, meter: { meterId: 9, flags: 5, bands: [{ type: 2, rate: 10, burstSize: 5, precLevel: 1 }] } };
    assert.deepEqual(body(encodeMeterMod(mm, v)), mm);
    const bc = body(encodeBundleCtrl(v, { bundleId: 4, type: 2, flags: 3 }));
    assert.deepEqual(bc, { bundleId: 4, type: 2, flags: 3 });
  }
  for (let v = 1; v <= 6; v++) {
    const acts = parseActions('output:4');
    assert.ok(typeof acts !== 'string');
    const gm: GroupMod = {
      command: 0, type: 1, groupId: 5, commandBucketId: 0xffffffff, props: { selectionMethod: '', selectionMethodParam: 0n, fields: [] },
      buckets: [{ bucketId: 0, weight: 3, watchPort: 0xffff, watchGroup: 0xffffffff, actions: ofpactsFrom(acts.ofpacts, v) }],
    };
    const d = body(encodeGroupMod(gm, v)) as GroupMod;
    assert.equal(d.buckets.length, 1);
    assert.equal(d.buckets[0]!.weight, 3);
    assert.equal(formatActions(d.buckets[0]!.actions.decoded), 'output:4');
    if (v >= 2) {
      const tm = body(encodeTableMod({ tableId: 3, miss: 0, eviction: v >= 5 ? 1 : 0, evictionFlags: 0xffffffff, vacancy: 0, tableVacancy: { down: 0, up: 0, vacancy: 0 } }, v)) as { tableId: number };
      assert.equal(tm.tableId, 3);
    }
  }
});
