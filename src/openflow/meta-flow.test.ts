import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MF, MF_FIELDS, MF_N_IDS, mfFromName, mfSet, mfSetValue, mfSetWild, mfGet, mfGetValue, mfIsAllWild,
  mfIsValueValid, mfSetFlowValue, mfMaskField, Proto, S, P,
} from './meta-flow.js';
import { Match } from './match.js';
import { FL, get16, newFlow } from './flow.js';
import { formatMatch } from './match-format.js';
import { mfParse, mfFormat } from './meta-flow-format.js';
import { nxmFieldByMfId, mfReadSubfield, mfWriteSubfieldFlow, parseSubfield } from './nx-match.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);

test('field table: every OVS 3.1 field, names and aliases', () => {
  assert.equal(MF_N_IDS, 183);
  assert.equal(MF_FIELDS.length, 183);
  for (const [alias, name] of [['dl_src', 'eth_src'], ['nw_src', 'ip_src'], ['tp_dst', 'tcp_dst'], ['tunnel_id', 'tun_id'],
    ['nw_tos', 'nw_tos'], ['ip_dscp', 'ip_dscp'], ['nsp', 'nsh_spi'], ['ip_ecn', 'nw_ecn'], ['ip_proto', 'nw_proto']]) {
    assert.equal(mfFromName(alias!)?.name, name, alias);
  }
  const reg5 = mfFromName('reg5')!;
  assert.equal(reg5.nBytes, 4);
  assert.equal(nxmFieldByMfId(reg5.id, 0)!.name, 'NXM_NX_REG5');
  assert.equal(mfFromName('tun_metadata63')!.nBytes, 124);
  assert.equal(mfFromName('xxreg3')!.nBits, 128);
  const eth = mfFromName('eth_dst')!;
  assert.equal(eth.string, S.ETH);
  assert.equal(eth.prereqs, P.ETHERNET);
  // Version choice: NXM header for 0, OXM for OF1.2+.
  assert.equal(nxmFieldByMfId(eth.id, 0)!.name, 'NXM_OF_ETH_DST');
  assert.equal(nxmFieldByMfId(eth.id, 3)!.name, 'OXM_OF_ETH_DST');
  assert.equal(nxmFieldByMfId(MF.ACTSET_OUTPUT, 4)!.name, 'ONFOXM_ET_ACTSET_OUTPUT');
  assert.equal(nxmFieldByMfId(MF.ACTSET_OUTPUT, 6)!.name, 'OXM_OF_ACTSET_OUTPUT');
  // Protocol sets as OVS computes them.
  assert.equal(eth.usableExact, Proto.ANY);
  assert.equal(eth.usableBitwise, Proto.NXM_OF11_UP);
  assert.equal(mfFromName('nw_src')!.usableCidr, Proto.ANY);
  assert.equal(mfFromName('nw_src')!.usableBitwise, Proto.NXM_OF11_UP);
  assert.equal(mfFromName('reg0')!.usableExact, Proto.NXM_OXM_ANY);
  assert.equal(mfFromName('metadata')!.usableExact, Proto.NXM_OF11_UP);
  assert.equal(mfFromName('skb_priority')!.usableExact, Proto.NONE);
});

test('vlan fields share the TCI as OVS does', () => {
  const m = new Match();
  mfSetValue(mfFromName('dl_vlan')!, b(0, 5), m);
  assert.equal(get16(m.flow, FL.VLANS + 2), 0x1005);
  assert.equal(get16(m.wc, FL.VLANS + 2), 0x1fff);
  mfSetValue(mfFromName('dl_vlan_pcp')!, b(3), m);
  assert.equal(formatMatch(m), 'dl_vlan=5,dl_vlan_pcp=3');
  mfSetWild(mfFromName('dl_vlan')!, m);
  assert.equal(formatMatch(m), 'dl_vlan_pcp=3');
  const n = new Match();
  mfSetValue(mfFromName('dl_vlan')!, b(0xff, 0xff), n);
  assert.equal(formatMatch(n), 'vlan_tci=0x0000');
  const v = new Match();
  mfSet(mfFromName('vlan_vid')!, b(0x10, 0x00), b(0x10, 0x00), v);
  assert.equal(formatMatch(v), 'vlan_tci=0x1000/0x1000');
});

test('sub-byte fields: dscp, ecn, mpls, ip_frag, tcp_flags', () => {
  const m = new Match();
  m.setDlType(0x0800);
  mfSetValue(mfFromName('ip_dscp')!, b(10), m);
  mfSetValue(mfFromName('nw_ecn')!, b(2), m);
  assert.equal(m.flow[FL.NW_TOS], 42);
  assert.deepEqual([...mfGetValue(mfFromName('nw_tos')!, m.flow)], [40]);
  assert.equal(mfIsValueValid(mfFromName('nw_tos')!, b(41)), false);
  assert.equal(mfIsValueValid(mfFromName('ip_dscp')!, b(64)), false);
  const r = mfParse(mfFromName('ip_frag')!, 'later');
  assert.ok(typeof r !== 'string');
  mfSet(mfFromName('ip_frag')!, r.value, r.mask, m);
  assert.equal(formatMatch(m), 'ip,nw_tos=40,nw_ecn=2,nw_frag=later');
  const mp = new Match();
  mp.setDlType(0x8847);
  mfSetValue(mfFromName('mpls_label')!, b(0, 0x01, 0x23, 0x45), mp);
  mfSetValue(mfFromName('mpls_tc')!, b(5), mp);
  assert.equal(formatMatch(mp), 'mpls,mpls_label=74565,mpls_tc=5');
  const t = mfParse(mfFromName('tcp_flags')!, '+syn-ack');
  assert.ok(typeof t !== 'string');
  assert.deepEqual([...t.value, ...t.mask], [0, 2, 0, 0x12]);
  assert.equal(mfFormat(mfFromName('tcp_flags')!, t.value, t.mask), '+syn-ack');
});

test('parse errors name the field as ovs-ofctl does', () => {
  assert.equal(mfParse(mfFromName('reg0')!, '0x123456789'), '0x123456789: value too large for 4-byte field reg0');
  assert.equal(mfParse(mfFromName('nw_src')!, '1.2.3'), '1.2.3: invalid IP address');
  assert.equal(mfParse(mfFromName('dl_dst')!, '01:02'), '01:02: invalid Ethernet address');
  assert.equal(mfParse(mfFromName('in_port')!, 'nope'), 'nope: invalid or unknown port for in_port');
  assert.equal(mfParse(mfFromName('nw_proto')!, '6/3'), '6/3: invalid mask for field nw_proto');
  assert.equal(mfParse(mfFromName('ct_state')!, '+foo'), 'foo: unknown ct_state flag(s)');
});

test('flow values and subfields of a packet flow', () => {
  const f = newFlow();
  mfSetFlowValue(mfFromName('dl_vlan')!, b(0, 7), f);
  assert.equal(get16(f, FL.VLANS), 0x8100);
  assert.equal(get16(f, FL.VLANS + 2), 0x1007);
  const sf = parseSubfield('NXM_NX_REG1[8..15]');
  assert.ok(typeof sf !== 'string');
  mfWriteSubfieldFlow(sf, b(0xab), f);
  assert.deepEqual([...mfGetValue(mfFromName('reg1')!, f)], [0, 0, 0xab, 0]);
  assert.deepEqual([...mfReadSubfield(sf, f, 1)], [0xab]);
  const x = parseSubfield('xreg0[32..39]');
  assert.ok(typeof x !== 'string');
  assert.deepEqual([...mfReadSubfield(x, newFlow(), 1)], [0]);
  const wc = newFlow();
  mfMaskField(mfFromName('tcp_dst')!, wc);
  assert.equal(get16(wc, FL.TP_DST), 0xffff);
  assert.ok(!mfIsAllWild(mfFromName('udp_dst')!, new Match(f, wc)));
  const [v, m] = mfGet(mfFromName('udp_dst')!, new Match(f, wc));
  assert.deepEqual([...v, ...m], [0, 0, 0xff, 0xff]);
});

test('a match matches exactly the packets with its significant bits', async () => {
  const { parseMatch } = await import('./ofp-match-parse.js');
  const p = parseMatch('tcp,nw_src=10.1.0.0/16,tp_dst=80');
  assert.ok(typeof p !== 'string');
  const f = newFlow();
  mfSetFlowValue(mfFromName('eth_type')!, b(0x08, 0x00), f);
  mfSetFlowValue(mfFromName('nw_proto')!, b(6), f);
  mfSetFlowValue(mfFromName('nw_src')!, b(10, 1, 200, 3), f);
  mfSetFlowValue(mfFromName('tcp_dst')!, b(0, 80), f);
  assert.equal(p.match.matchesFlow(f), true);
  mfSetFlowValue(mfFromName('nw_src')!, b(10, 2, 200, 3), f);
  assert.equal(p.match.matchesFlow(f), false);
});
