/* Tests for ofproto.ts: the flow-mod commands and their filters, overlap
 * checks, timeouts and flow-removed, eviction, groups, meters, table-mod,
 * and start/revert for bundles.  A small in-memory provider stands in for
 * ofproto-dpif (it only counts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ofproto, ofprotoClassRegister, N_TABLES, TBL_INTERNAL } from './ofproto.js';
import {
  type OfprotoClass, type Rule, type PktStats, TableMiss, OFPRR_DELETE, OFPRR_HARD_TIMEOUT, OFPRR_IDLE_TIMEOUT,
  OFPRR_EVICTION, OFPRR_GROUP_DELETE, OFPRR_METER_DELETE,
} from './ofproto-provider.js';
import type { Ofpact } from '../openflow/ofp-actions.js';
type OfpactLike = Ofpact;
import { Match } from '../openflow/match.js';
import { FL, FLOW_SIZE, put16, put32 } from '../openflow/flow.js';
import {
  type FlowMod, OFPFC_ADD, OFPFC_MODIFY, OFPFC_MODIFY_STRICT, OFPFC_DELETE, OFPFC_DELETE_STRICT, U64_MAX,
  FF_SEND_FLOW_REM, FF_CHECK_OVERLAP,
} from '../openflow/ofp-flow.js';
import type { FlowRemoved } from '../openflow/ofp-monitor.js';
import type { Ofpacts } from '../openflow/ofpact-codec.js';
import {
  type GroupMod, OFPGC11_ADD, OFPGC11_MODIFY, OFPGC11_DELETE, OFPGC15_INSERT_BUCKET, OFPGC15_REMOVE_BUCKET,
  OFPG_ALL, OFPG_ANY, OFPGT11_ALL, OFPGT11_SELECT, OFPG15_BUCKET_FIRST, OFPG15_BUCKET_ALL,
} from '../openflow/ofp-group.js';
import { OFPMC13_ADD, OFPMC13_DELETE, OFPMC13_MODIFY, OFPM13_ALL, OFPMBT13_DROP } from '../openflow/ofp-meter.js';
import { OFPP_ANY } from '../openflow/ofp-port.js';
import { type TableMod, SETTING_ON, SETTING_DEFAULT } from '../openflow/ofp-table.js';

/* ---- A counting provider. ---- */

interface TestRuleState { stats: PktStats }
const testClass: OfprotoClass = {
  types: ['ofproto-test'],
  construct: () => 0,
  ruleConstruct(rule) { rule.dp = { stats: { packets: 0, bytes: 0, used: rule.created } } satisfies TestRuleState; return null; },
  ruleInsert(rule, old, forwardCounts) {
    if (old && forwardCounts) (rule.dp as TestRuleState).stats = { ...(old.dp as TestRuleState).stats };
    return null;
  },
  ruleGetStats: (rule) => ({ ...(rule.dp as TestRuleState).stats }),
  meterGetFeatures: () => ({ maxMeters: 64, bandTypes: 1 << OFPMBT13_DROP, capabilities: 0xf, maxBands: 4, maxColor: 0 }),
  meterSet: (_p, id, _c) => id ?? nextMeter++,
  meterGet: (_p, _id, n) => ({ packetsIn: 7, bytesIn: 700, bands: Array.from({ length: n }, () => ({ packets: 1, bytes: 100 })) }),
  groupGetStats: (g) => ({ packets: 3, bytes: 300, buckets: g.buckets.map(() => ({ packets: 1, bytes: 100 })) }),
};
let nextMeter = 1;
ofprotoClassRegister(testClass);

function credit(rule: Rule, packets: number, bytes: number, now: number): void {
  const st = (rule.dp as TestRuleState).stats;
  st.packets += packets; st.bytes += bytes; st.used = now;
}

function setup(): { p: Ofproto; clock: { t: number }; removed: FlowRemoved[] } {
  const clock = { t: 1_000_000 };
  const removed: FlowRemoved[] = [];
  const r = Ofproto.create('br0', 'ofproto-test', { clock: () => clock.t, listener: { flowRemoved: (fr) => removed.push(fr) } });
  assert.ok('ofproto' in r);
  return { p: r.ofproto, clock, removed };
}

/* ---- Building flow-mods. ---- */

let rawSeq = 0;
function acts(list: OfpactLike[]): Ofpacts {
  /* Distinct raw bytes per distinct list, as the codec would produce. */
  const raw = new TextEncoder().encode(JSON.stringify(list, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  const padded = new Uint8Array(Math.ceil(raw.length / 8) * 8);
  padded.set(raw);
  void rawSeq;
  return { version: 4, instructions: true, raw: list.length ? padded : new Uint8Array(0), decoded: list as Ofpact[] };
}
const output = (port: number): OfpactLike => ({ type: 'OUTPUT', port, maxLen: 0 });

function match(fields: { inPort?: number; dlType?: number; nwSrc?: [number, number]; tpDst?: number; reg0?: number }): Match {
  const m = new Match();
  if (fields.inPort !== undefined) m.setInPort(fields.inPort);
  if (fields.dlType !== undefined) m.setDlType(fields.dlType);
  if (fields.nwSrc) { put32(m.flow, FL.NW_SRC, fields.nwSrc[0] & fields.nwSrc[1]); put32(m.wc, FL.NW_SRC, fields.nwSrc[1]); }
  if (fields.tpDst !== undefined) { m.setNwProto(6); put16(m.flow, FL.TP_DST, fields.tpDst); put16(m.wc, FL.TP_DST, 0xffff); }
  if (fields.reg0 !== undefined) m.setExact(FL.REGS, 4, fields.reg0);
  return m;
}

function fm(command: number, m: Match, o: Partial<FlowMod> & { actions?: OfpactLike[] } = {}): FlowMod {
  return {
    match: m, priority: o.priority ?? 0x8000, cookie: o.cookie ?? 0n, cookieMask: o.cookieMask ?? 0n,
    newCookie: o.newCookie ?? (command === OFPFC_ADD ? o.cookie ?? 0n : U64_MAX), modifyCookie: o.modifyCookie ?? false,
    tableId: o.tableId ?? 0, command, idleTimeout: o.idleTimeout ?? 0, hardTimeout: o.hardTimeout ?? 0,
    importance: o.importance ?? 0, bufferId: 0xffffffff, outPort: o.outPort ?? OFPP_ANY, outGroup: o.outGroup ?? OFPG_ANY,
    flags: o.flags ?? 0, ofpacts: acts(o.actions ?? []),
  };
}

function flows(p: Ofproto, tableId = 0xff): Rule[] {
  return p.matchingTables(tableId).flatMap((t) => t.cls.rules(null, p.tablesVersion));
}

function packet(inPort: number, dlType = 0x0800): Uint8Array {
  const f = new Uint8Array(FLOW_SIZE);
  put32(f, FL.IN_PORT, inPort); put16(f, FL.DL_TYPE, dlType);
  return f;
}

/* ---- Tests. ---- */

test('tables: 255, the last one hidden and read-only', () => {
  const { p } = setup();
  assert.equal(p.nTables, N_TABLES);
  assert.equal(p.nVisibleTables(), N_TABLES - 1);
  const err = p.handleFlowMod(fm(OFPFC_ADD, match({}), { tableId: TBL_INTERNAL }));
  assert.equal(err?.error, 'OFPBRC_EPERM');
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({}), { tableId: 255 + 1 }))?.error, 'OFPBRC_BAD_TABLE_ID');
});

test('add, replace, modify (loose and strict), delete (loose and strict)', () => {
  const { p } = setup();
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { actions: [output(2)], cookie: 1n })), null);
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1, dlType: 0x0800 }), { actions: [output(3)], priority: 10 })), null);
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 2 }), { actions: [output(1)] })), null);
  assert.equal(flows(p).length, 3);
  assert.equal(p.tables[0]!.nFlows, 3);
  /* Lookup sees the rules in the current version. */
  assert.equal(p.tables[0]!.cls.lookup(p.tablesVersion, packet(1))?.priority, 0x8000);
  /* Adding an identical rule replaces it (no new flow). */
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 2 }), { actions: [output(4)] })), null);
  assert.equal(p.tables[0]!.nFlows, 3);
  /* Loose modify of in_port=1 changes both in_port=1 rules, keeping cookies. */
  assert.equal(p.handleFlowMod(fm(OFPFC_MODIFY, match({ inPort: 1 }), { actions: [output(9)] })), null);
  const mod = flows(p).filter((r) => r.match.flow[FL.IN_PORT + 3] === 1);
  assert.equal(mod.length, 2);
  for (const r of mod) assert.deepEqual(r.actions.list, [output(9)]);
  assert.deepEqual(mod.map((r) => r.flowCookie).sort(), [0n, 1n]);
  /* Strict modify touches only the exact match and priority. */
  assert.equal(p.handleFlowMod(fm(OFPFC_MODIFY_STRICT, match({ inPort: 1, dlType: 0x0800 }), { priority: 10, actions: [output(5)] })), null);
  assert.deepEqual(flows(p).find((r) => r.priority === 10)!.actions.list, [output(5)]);
  /* Strict delete with the wrong priority deletes nothing. */
  p.handleFlowMod(fm(OFPFC_DELETE_STRICT, match({ inPort: 1, dlType: 0x0800 }), { priority: 11 }));
  assert.equal(flows(p).length, 3);
  p.handleFlowMod(fm(OFPFC_DELETE_STRICT, match({ inPort: 1, dlType: 0x0800 }), { priority: 10 }));
  assert.equal(flows(p).length, 2);
  /* Loose delete of everything. */
  p.handleFlowMod(fm(OFPFC_DELETE, match({}), { tableId: 0xff }));
  assert.equal(flows(p).length, 0);
  assert.equal(p.tables[0]!.nFlows, 0);
});

test('modify without a match adds a flow unless a cookie mask is given', () => {
  const { p } = setup();
  p.handleFlowMod(fm(OFPFC_MODIFY, match({ inPort: 7 }), { actions: [output(1)], newCookie: 5n }));
  assert.equal(flows(p).length, 1);
  assert.equal(flows(p)[0]!.flowCookie, 5n);
  p.handleFlowMod(fm(OFPFC_MODIFY, match({ inPort: 8 }), { actions: [output(1)], cookie: 1n, cookieMask: 1n }));
  assert.equal(flows(p).length, 1);
});

test('cookie, out_port and out_group filters', () => {
  const { p } = setup();
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { actions: [output(2)], cookie: 0x10n }));
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 2 }), { actions: [output(3)], cookie: 0x11n }));
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 3 }), { actions: [output(3)], cookie: 0x20n }));
  /* Delete by out_port. */
  p.handleFlowMod(fm(OFPFC_DELETE, match({}), { outPort: 2 }));
  assert.deepEqual(flows(p).map((r) => r.flowCookie).sort(), [0x11n, 0x20n]);
  /* Modify by cookie/mask (exact cookie uses the cookie index). */
  p.handleFlowMod(fm(OFPFC_MODIFY, match({}), { cookie: 0x20n, cookieMask: U64_MAX, actions: [output(7)] }));
  assert.deepEqual(flows(p).find((r) => r.flowCookie === 0x20n)!.actions.list, [output(7)]);
  p.handleFlowMod(fm(OFPFC_DELETE, match({}), { cookie: 0x10n, cookieMask: 0xf0n }));
  assert.deepEqual(flows(p).map((r) => r.flowCookie), [0x20n]);
  /* Flow stats honour the same filters. */
  const st = p.flowStats({ aggregate: false, match: match({}), cookie: 0n, cookieMask: 0n, outPort: 7, outGroup: OFPG_ANY, tableId: 0xff });
  assert.ok(Array.isArray(st) && st.length === 1);
});

test('check_overlap', () => {
  const { p } = setup();
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { priority: 5 }));
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ dlType: 0x0800 }), { priority: 5, flags: FF_CHECK_OVERLAP }))?.error, 'OFPFMFC_OVERLAP');
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ dlType: 0x0800 }), { priority: 6, flags: FF_CHECK_OVERLAP })), null);
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 2 }), { priority: 5, flags: FF_CHECK_OVERLAP })), null);
});

test('flow-removed on delete, idle and hard timeouts; stats keep idle flows alive', () => {
  const { p, clock, removed } = setup();
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { flags: FF_SEND_FLOW_REM, idleTimeout: 10, cookie: 1n }));
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 2 }), { flags: FF_SEND_FLOW_REM, hardTimeout: 20, cookie: 2n }));
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 3 }), { flags: FF_SEND_FLOW_REM, cookie: 3n }));
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 4 }), { idleTimeout: 1 }));
  const idle = flows(p).find((r) => r.flowCookie === 1n)!;
  clock.t += 8000;
  credit(idle, 1, 60, clock.t);
  clock.t += 4000;
  p.run();
  assert.equal(flows(p).length, 3, 'in_port=4 idled out, in_port=1 kept alive by traffic');
  assert.equal(removed.length, 0, 'no send_flow_rem on in_port=4');
  clock.t += 9000;
  p.run();
  assert.deepEqual(removed.map((r) => [r.cookie, r.reason]), [[1n, OFPRR_IDLE_TIMEOUT], [2n, OFPRR_HARD_TIMEOUT]]);
  assert.equal(removed[0]!.packetCount, 1n);
  assert.equal(removed[0]!.byteCount, 60n);
  assert.equal(removed[1]!.durationSec, 21);
  p.handleFlowMod(fm(OFPFC_DELETE, match({ inPort: 3 })));
  assert.deepEqual(removed.map((r) => r.reason).slice(2), [OFPRR_DELETE]);
  /* Modify keeps the counters unless reset_counts. */
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 5 }), { actions: [output(1)] }));
  credit(flows(p)[0]!, 3, 300, clock.t);
  p.handleFlowMod(fm(OFPFC_MODIFY, match({ inPort: 5 }), { actions: [output(2)] }));
  assert.equal(p.ruleGetStats(flows(p)[0]!).packets, 3);
});

test('eviction when a table is full', () => {
  const { p, clock, removed } = setup();
  p.configureTable(0, { maxFlows: 2 });
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { hardTimeout: 100 }));
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 2 }), { hardTimeout: 100 }));
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 3 }), { hardTimeout: 100 }))?.error, 'OFPFMFC_TABLE_FULL');
  p.configureTable(0, { enableEviction: true });
  clock.t += 1000;
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 2 }), { hardTimeout: 100, flags: FF_SEND_FLOW_REM }));
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 3 }), { hardTimeout: 100 })), null);
  assert.equal(flows(p).length, 2);
  assert.ok(!flows(p).some((r) => r.match.flow[FL.IN_PORT + 3] === 1), 'earliest-expiring flow evicted');
  /* Permanent flows are never evicted. */
  p.handleFlowMod(fm(OFPFC_DELETE, match({})));
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 })));
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 2 })));
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 3 })))?.error, 'OFPFMFC_TABLE_FULL');
  assert.ok(!removed.some((r) => r.reason === OFPRR_EVICTION && r.match.flow[FL.IN_PORT + 3] === 2));
});

test('bundle-style start and revert leave the tables unchanged', () => {
  const { p } = setup();
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { actions: [output(2)] }));
  const v0 = p.tablesVersion;
  const a = p.flowModInit(fm(OFPFC_ADD, match({ inPort: 2 }), { actions: [output(3)] }));
  const d = p.flowModInit(fm(OFPFC_DELETE, match({ inPort: 1 })));
  assert.ok(!(a instanceof Error) && !(d instanceof Error));
  a.version = d.version = v0 + 1;
  assert.equal(p.flowModStart(a), null);
  assert.equal(p.flowModStart(d), null);
  /* Not yet visible in the current version. */
  assert.equal(p.tables[0]!.cls.lookup(p.tablesVersion, packet(2)), null);
  assert.ok(p.tables[0]!.cls.lookup(p.tablesVersion, packet(1)));
  assert.ok(p.tables[0]!.cls.lookup(v0 + 1, packet(2)));
  assert.equal(p.tables[0]!.cls.lookup(v0 + 1, packet(1)), null);
  p.flowModRevert(d);
  p.flowModRevert(a);
  assert.equal(p.tables[0]!.cls.count, 1);
  assert.equal(p.tables[0]!.nFlows, 1);
  assert.ok(p.tables[0]!.cls.lookup(v0 + 1, packet(1)));
});

function gm(command: number, groupId: number, type: number, bucketPorts: number[], commandBucketId = OFPG15_BUCKET_ALL): GroupMod {
  return {
    command, type, groupId, commandBucketId,
    buckets: bucketPorts.map((port, i) => ({ bucketId: i, weight: 1, watchPort: OFPP_ANY, watchGroup: OFPG_ANY, actions: acts([output(port)]) })),
    props: { selectionMethod: '', selectionMethodParam: 0n, fields: [] },
  };
}

test('groups: add, modify, buckets, stats, deletion takes referring flows', () => {
  const { p, removed } = setup();
  assert.equal(p.handleGroupMod(gm(OFPGC11_ADD, 1, OFPGT11_ALL, [1, 2])), null);
  assert.equal(p.handleGroupMod(gm(OFPGC11_ADD, 1, OFPGT11_ALL, [1]))?.error, 'OFPGMFC_GROUP_EXISTS');
  assert.equal(p.handleGroupMod(gm(OFPGC11_MODIFY, 2, OFPGT11_ALL, [1]))?.error, 'OFPGMFC_UNKNOWN_GROUP');
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { actions: [{ type: 'GROUP', groupId: 9 }] }))?.error, 'OFPBAC_BAD_OUT_GROUP');
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { actions: [{ type: 'GROUP', groupId: 1 }], flags: FF_SEND_FLOW_REM })), null);
  assert.equal(p.groupStats(1)[0]!.refCount, 1);
  assert.equal(p.handleGroupMod(gm(OFPGC11_MODIFY, 1, OFPGT11_SELECT, [3, 4, 5])), null);
  assert.equal(p.groupDescs(1)[0]!.type, OFPGT11_SELECT);
  assert.equal(p.groupStats(1)[0]!.refCount, 1, 'rules follow the modified group');
  assert.equal(p.nGroups[OFPGT11_SELECT], 1);
  assert.equal(p.nGroups[OFPGT11_ALL], 0);
  /* Insert a bucket first, remove the last. */
  const ins = gm(OFPGC15_INSERT_BUCKET, 1, OFPGT11_ALL, [9], OFPG15_BUCKET_FIRST);
  ins.buckets[0]!.bucketId = 10;
  assert.equal(p.handleGroupMod(ins), null);
  assert.deepEqual(p.groupDescs(1)[0]!.buckets.map((b) => b.bucketId), [10, 0, 1, 2]);
  assert.equal(p.groupDescs(1)[0]!.type, OFPGT11_SELECT, 'insert_bucket keeps the type');
  assert.equal(p.handleGroupMod(gm(OFPGC15_REMOVE_BUCKET, 1, OFPGT11_ALL, [], 1)), null);
  assert.deepEqual(p.groupDescs(1)[0]!.buckets.map((b) => b.bucketId), [10, 0, 2]);
  assert.equal(p.handleGroupMod(gm(OFPGC15_REMOVE_BUCKET, 1, OFPGT11_ALL, [], 77))?.error, 'OFPGMFC_UNKNOWN_BUCKET');
  const st = p.groupStats(OFPG_ALL);
  assert.equal(st.length, 1);
  assert.equal(st[0]!.packetCount, 3n);
  assert.equal(st[0]!.buckets.length, 3);
  /* Deleting the group deletes the flow that outputs to it. */
  assert.equal(p.handleGroupMod(gm(OFPGC11_DELETE, OFPG_ALL, 0, [])), null);
  assert.equal(p.groupList().length, 0);
  assert.equal(flows(p).length, 0);
  assert.deepEqual(removed.map((r) => r.reason), [OFPRR_GROUP_DELETE]);
});

test('meters: add, modify, stats, delete takes metered flows', () => {
  const { p, removed } = setup();
  const band = { type: OFPMBT13_DROP, rate: 1000, burstSize: 0, precLevel: 0 };
  assert.equal(p.handleMeterMod({ command: OFPMC13_ADD, meter: { meterId: 0, flags: 1, bands: [band] } })?.error, 'OFPMMFC_INVALID_METER');
  assert.equal(p.handleMeterMod({ command: OFPMC13_ADD, meter: { meterId: 1, flags: 1, bands: [band] } }), null);
  assert.equal(p.handleMeterMod({ command: OFPMC13_ADD, meter: { meterId: 1, flags: 1, bands: [band] } })?.error, 'OFPMMFC_METER_EXISTS');
  assert.equal(p.handleMeterMod({ command: OFPMC13_MODIFY, meter: { meterId: 2, flags: 1, bands: [band] } })?.error, 'OFPMMFC_UNKNOWN_METER');
  assert.equal(p.handleMeterMod({ command: OFPMC13_ADD, meter: { meterId: 3, flags: 1, bands: [band, band, band, band, band] } })?.error, 'OFPMMFC_OUT_OF_BANDS');
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { actions: [{ type: 'METER', meterId: 2 }, output(2)] }))?.error, 'OFPMMFC_INVALID_METER');
  assert.equal(p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { actions: [{ type: 'METER', meterId: 1 }, output(2)], flags: FF_SEND_FLOW_REM })), null);
  assert.equal(p.handleMeterMod({ command: OFPMC13_MODIFY, meter: { meterId: 1, flags: 1, bands: [{ ...band, rate: 5 }] } }), null);
  assert.equal(p.meterConfigs(OFPM13_ALL)[0]!.bands[0]!.rate, 5);
  const st = p.meterStats(1)[0]!;
  assert.equal(st.flowCount, 1);
  assert.equal(st.packetInCount, 7n);
  assert.equal(p.handleMeterMod({ command: OFPMC13_DELETE, meter: { meterId: OFPM13_ALL, flags: 0, bands: [] } }), null);
  assert.equal(p.meters.size, 0);
  assert.equal(flows(p).length, 0);
  assert.deepEqual(removed.map((r) => r.reason), [OFPRR_METER_DELETE]);
});

function tmod(tableId: number, miss: number, eviction = SETTING_DEFAULT, evictionFlags = 0xffffffff): TableMod {
  return { tableId, miss, eviction, evictionFlags, vacancy: SETTING_DEFAULT, tableVacancy: { down: 0, up: 0, vacancy: 0 } };
}

test('table features', () => {
  const { p } = setup();
  const tf = p.tableFeatures();
  assert.equal(tf.length, N_TABLES);
  assert.equal(tf[0]!.maxEntries, 1000000);
  assert.ok(tf[0]!.nonmiss.next.has(1) && !tf[0]!.nonmiss.next.has(TBL_INTERNAL));
  assert.equal(tf[253]!.nonmiss.instructions & (1 << 5), 0, 'no goto_table from the last visible table');
  assert.ok(tf[0]!.match.size > 100);
  assert.ok(tf[0]!.nonmiss.apply.ofpacts.includes('set_field'));
});

test('table-mod and table stats', () => {
  const { p } = setup();
  assert.equal(p.tableMod(tmod(3, TableMiss.DROP)), null);
  assert.equal(p.tableMissConfig(3), TableMiss.DROP);
  assert.equal(p.tableMissConfig(4), TableMiss.DEFAULT);
  assert.equal(p.tableMod(tmod(0xff, TableMiss.CONTROLLER, SETTING_ON)), null);
  assert.equal(p.tableMissConfig(200), TableMiss.CONTROLLER);
  assert.equal(p.tableMissConfig(TBL_INTERNAL), TableMiss.DEFAULT, 'hidden table untouched');
  assert.ok(p.tables[5]!.eviction);
  assert.equal(p.tableMod(tmod(TBL_INTERNAL, TableMiss.DROP))?.error, 'OFPTMFC_EPERM');
  assert.equal(p.tableMod(tmod(1, TableMiss.DEFAULT, SETTING_DEFAULT, 9))?.error, 'OFPTMFC_BAD_CONFIG');
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 })));
  p.tables[0]!.nMatched += 5; p.tables[0]!.nMissed += 2;
  const s = p.tableStats()[0]!;
  assert.deepEqual(s, { tableId: 0, activeCount: 1, lookupCount: 7n, matchedCount: 5n });
  const agg = p.aggregateStats({ aggregate: true, match: match({}), cookie: 0n, cookieMask: 0n, outPort: OFPP_ANY, outGroup: OFPG_ANY, tableId: 0xff });
  assert.deepEqual(agg, { packetCount: 0n, byteCount: 0n, flowCount: 1 });
});

test('conjunctive flows are soft matches in the classifier', () => {
  const { p } = setup();
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { priority: 100, actions: [{ type: 'CONJUNCTION', id: 7, clause: 0, nClauses: 2 }] }));
  p.handleFlowMod(fm(OFPFC_ADD, match({ dlType: 0x0800 }), { priority: 100, actions: [{ type: 'CONJUNCTION', id: 7, clause: 1, nClauses: 2 }] }));
  const m = new Match(); m.setExact(FL.CONJ_ID, 4, 7);
  p.handleFlowMod(fm(OFPFC_ADD, m, { priority: 100, actions: [output(5)] }));
  const hit = p.tables[0]!.cls.lookup(p.tablesVersion, packet(1));
  assert.deepEqual(hit?.actions.list, [output(5)]);
  assert.equal(p.tables[0]!.cls.lookup(p.tablesVersion, packet(2)), null);
});

test('bundles commit atomically or not at all', () => {
  const { p } = setup();
  p.handleFlowMod(fm(OFPFC_ADD, match({ inPort: 1 }), { actions: [output(2)] }));
  const bad = p.commitBundle([
    { kind: 'flow', fm: fm(OFPFC_ADD, match({ inPort: 2 }), { actions: [output(1)] }) },
    { kind: 'flow', fm: fm(OFPFC_DELETE, match({ inPort: 1 })) },
    { kind: 'flow', fm: fm(OFPFC_ADD, match({ inPort: 3 }), { actions: [{ type: 'GROUP', groupId: 42 }] }) },
  ]);
  assert.equal(bad?.index, 2);
  assert.equal(bad?.error.error, 'OFPBAC_BAD_OUT_GROUP');
  assert.equal(flows(p).length, 1, 'nothing changed');
  assert.equal(p.tables[0]!.cls.count, 1);
  const ok = p.commitBundle([
    { kind: 'group', gm: gm(OFPGC11_ADD, 42, OFPGT11_ALL, [1]) },
    { kind: 'flow', fm: fm(OFPFC_ADD, match({ inPort: 3 }), { actions: [{ type: 'GROUP', groupId: 42 }] }) },
    { kind: 'flow', fm: fm(OFPFC_DELETE, match({ inPort: 1 })) },
  ]);
  assert.equal(ok, null);
  assert.equal(flows(p).length, 1);
  assert.equal(p.groupStats(42)[0]!.refCount, 1);
});
