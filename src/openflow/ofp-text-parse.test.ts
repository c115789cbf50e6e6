/* Tests of the message-level text parsers ovs-ofctl uses (group, meter,
 * TLV table, flow monitor and bundle files): parse, encode, then print
 * with ofp-print.  Expected texts are what OVS 3.1's ovs-ofctl prints for
 * the same input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGroupModStr } from './ofp-group-parse.js';
import { encodeGroupMod, OFPGC11_ADD } from './ofp-group.js';
import { parseMeterModStr } from './ofp-meter-parse.js';
import { encodeMeterMod, OFPMC13_ADD, OFPMC13_DELETE } from './ofp-meter.js';
import { parseTlvTableModStr, encodeTlvTableMod, decodeTlvTableMod, NXTTMC_ADD } from './ofp-tlv.js';
import { parseFlowMonitorRequest } from './ofp-monitor-parse.js';
import { parseBundleText } from './ofp-bundle-parse.js';
import { parseTableMod, encodeTableMod } from './ofp-table.js';
import { decodeMsg } from './ofp-msgs.js';
import { OfpError } from './ofp-errors.js';
import { ofpToString } from './ofp-print.js';
import { protocolsToString } from './ofp-protocol.js';

function groupText(s: string, version: number): string {
  const r = parseGroupModStr(s, OFPGC11_ADD);
  if (typeof r === 'string') return r;
  return ofpToString(encodeGroupMod(r.gm, version, 1), 0);
}

test('group-mod text as ovs-ofctl parse-group prints it', () => {
  assert.equal(groupText('group_id=1,type=select,bucket=output:1,bucket=weight=2,actions=2', 6),
    'OFPT_GROUP_MOD (OF1.5) (xid=0x1):\n ADD group_id=1,type=select,bucket=bucket_id:0,actions=output:1,bucket=bucket_id:1,weight:2,actions=output:2\n');
  assert.equal(groupText('group_id=1,type=select,bucket=output:1,bucket=weight=2,actions=2', 4),
    'OFPT_GROUP_MOD (OF1.3) (xid=0x1):\n ADD group_id=1,type=select,bucket=actions=output:1,bucket=weight:2,actions=output:2\n');
  assert.equal(groupText('group_id=1,type=ff,bucket=watch_port=1,actions=1', 4),
    'OFPT_GROUP_MOD (OF1.3) (xid=0x1):\n ADD group_id=1,type=ff,bucket=watch_port:1,actions=output:1\n');
  assert.equal(groupText('group_id=2,type=all,bucket=bucket_id=3,actions=1', 6),
    'OFPT_GROUP_MOD (OF1.5) (xid=0x1):\n ADD group_id=2,type=all,bucket=bucket_id:3,actions=output:1\n');
  assert.equal(groupText('group_id=1,type=select,selection_method=hash,fields(ip_src,nw_dst=255.255.0.0),bucket=actions=1', 6),
    'OFPT_GROUP_MOD (OF1.5) (xid=0x1):\n ADD group_id=1,type=select,selection_method=hash,fields(ip_src,ip_dst=255.255.0.0),bucket=bucket_id:0,actions=output:1\n');
});

test('group-mod text errors', () => {
  assert.equal(groupText('group_id=1,type=indirect,bucket=actions=1,bucket=actions=2', 4), 'Indirect groups can have at most one bucket.');
  assert.equal(groupText('group_id=1,type=all,bucket=weight=2,actions=1', 4), 'Only select groups can have bucket weights.');
  assert.equal(groupText('type=all', 4), 'must specify a group_id');
  assert.equal(groupText('group_id=1', 4), 'must specify a type');
  assert.equal(groupText('group_id=1,type=ff,bucket=actions=1', 4), 'fast failover bucket requires watch_port or watch_group');
  assert.equal(groupText('group_id=1,type=bogus', 4), 'invalid group type bogus');
  const del = parseGroupModStr('', 2);
  assert.ok(typeof del !== 'string' && del.gm.groupId === 0xfffffffc);
});

test('meter-mod text round trip', () => {
  const r = parseMeterModStr('meter=2,pktps,burst,stats,band=type=drop,rate=10,burst_size=5 type=dscp_remark,rate=20,burst_size=7,prec_level=1', OFPMC13_ADD);
  assert.ok(typeof r !== 'string');
  assert.equal(protocolsToString(r.usable), 'OXM-OpenFlow13,OXM-OpenFlow14,OXM-OpenFlow15');
  assert.equal(ofpToString(encodeMeterMod(r.mm, 4, 1), 2),
    'OFPT_METER_MOD (OF1.3) (xid=0x1): ADD meter=2 pktps burst stats bands=\ntype=drop rate=10 burst_size=5\ntype=dscp_remark rate=20 burst_size=7 prec_level=1\n');
  const d = parseMeterModStr('meter=all', OFPMC13_DELETE);
  assert.ok(typeof d !== 'string' && d.mm.meter.meterId === 0xffffffff);
  assert.equal(parseMeterModStr('meter=1,band=type=drop,rate=1', OFPMC13_ADD), "meter must specify either 'kbps' or 'pktps'");
  assert.equal(parseMeterModStr('meter=1,kbps', OFPMC13_ADD), 'must specify bands');
  assert.equal(parseMeterModStr('meter=1,kbps,band=rate=5', OFPMC13_ADD), "band must start with the 'type' keyword");
  assert.equal(parseMeterModStr('meter=1,kbps,band=type=drop,rate=5,burst_size=3', OFPMC13_ADD),
    "band may have 'burst_size' only when 'burst' flag is set");
  assert.equal(parseMeterModStr('meter=0,kbps,band=type=drop,rate=5', OFPMC13_ADD), 'invalid value for meter');
});

test('TLV table mod text, wire and print', () => {
  const t = parseTlvTableModStr('{class=0xffff,type=0,len=4}->tun_metadata0,{class=0xffff,type=1,len=8}->tun_metadata1', NXTTMC_ADD);
  assert.ok(typeof t !== 'string');
  const wire = encodeTlvTableMod(t, 1, 4);
  assert.equal(ofpToString(wire, 2),
    'NXT_TLV_TABLE_MOD (xid=0x4):\n ADD mapping table:\n  class  type  length  match field\n'
    + ' ------  ----  ------  --------------\n 0xffff     0       4  tun_metadata0\n 0xffff   0x1       8  tun_metadata1\n');
  const back = decodeMsg(wire);
  assert.ok(!(back instanceof OfpError));
  assert.deepEqual(decodeTlvTableMod(back), t);
  assert.equal(parseTlvTableModStr('{class=0xffff,type=0}->tun_metadata0', NXTTMC_ADD), 'invalid tlv mapping');
  // An option length that is not a multiple of 4 is rejected with the error a switch sends.
  const bad = encodeTlvTableMod({ command: NXTTMC_ADD, mappings: [{ optionClass: 1, optionType: 2, optionLen: 3, index: 0 }] }, 1);
  const m = decodeMsg(bad);
  assert.ok(!(m instanceof OfpError));
  assert.throws(() => decodeTlvTableMod(m), (e: unknown) => e instanceof OfpError && e.error === 'NXTTMFC_BAD_OPT_LEN');
});

test('flow monitor watch specification', () => {
  const r = parseFlowMonitorRequest('!initial,!own,table=1,in_port=2,out_port=3');
  assert.ok(typeof r !== 'string');
  assert.equal(r.fmr.tableId, 1);
  assert.equal(r.fmr.outPort, 3);
  assert.equal(r.fmr.flags & 1, 0, '!initial clears OFPFMF_INITIAL');
  assert.equal(r.fmr.flags & 64, 0, '!own clears OFPFMF_ONLY_OWN');
  assert.match(parseFlowMonitorRequest('bogus=1') as string, /unknown keyword bogus/);
});

test('bundle file lines', () => {
  const r = parseBundleText('flow add in_port=1,actions=2\ngroup group_id=1,type=all,bucket=output:1\n# comment\n'
    + 'packet-out in_port=1 packet=ffffffffffff0000000000010800 actions=drop\n', 'b.txt');
  assert.ok(typeof r !== 'string');
  assert.deepEqual(r.msgs.map((m) => m.type), ['FLOW_MOD', 'GROUP_MOD', 'PACKET_OUT']);
  assert.equal(parseBundleText('flow add in_port=1,actions=2\nmeter foo\n', 'b.txt'), 'b.txt:2: Unsupported bundle message type: meter');
});

test('table-mod settings and their OpenFlow versions', () => {
  const r = parseTableMod(0, 'vacancy:10,20');
  assert.ok(typeof r !== 'string');
  assert.equal(r.versions, (1 << 5) | (1 << 6));
  assert.equal(ofpToString(encodeTableMod(r.tm, 5, 1), 2),
    'OFPT_TABLE_MOD (OF1.4) (xid=0x1): table_id=0, eviction=off, vacancy=on vacancy:10,20\n');
  assert.equal(parseTableMod(0, 'vacancy:30,20'),
    'Invalid vacancy range, vacancy up should be greater than vacancy down (OFPBPC_BAD_VALUE)');
  assert.equal(parseTableMod(254, 'continue'), "last table's flow miss handling can not be continue");
  assert.equal(parseTableMod(0, 'bogus'), 'invalid table_mod setting bogus');
});
