// Tests for the raw message table and header decoding (ofp-msgs.ts) and the
// error table (ofp-errors.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RAWS, decodeMsg, decodeRawPartial, rawInfo, startMsg, statsReplyRaw } from './ofp-msgs.js';
import { OfpError, ofperrDecode, ofperrTriplet, encodeErrorMsg, decodeErrorBody } from './ofp-errors.js';
import { vlogSetConsoleWriter } from '../lib/vlog.js';

vlogSetConsoleWriter(() => { /* expected warnings */ });

function hex(s: string): Uint8Array { return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex')); }

test('every raw message has a printable name and a known type', () => {
  assert.ok(RAWS.length > 150);
  const names = new Set(RAWS.map((r) => r.raw));
  assert.equal(names.size, RAWS.length);
  assert.equal(rawInfo('OFPST10_FLOW_REQUEST').name, 'OFPST_FLOW request');
  assert.equal(rawInfo('NXT_PACKET_IN2').name, 'NXT_PACKET_IN2');
  assert.equal(rawInfo('ONFT13_BUNDLE_CONTROL').name, 'ONFT_BUNDLE_CONTROL');
});

test('headers identify messages across versions and extensions', () => {
  const m = decodeMsg(hex('0105000800000001'));
  assert.ok(!(m instanceof OfpError));
  assert.equal(m.info.type, 'FEATURES_REQUEST');
  assert.equal(m.xid, 1);
  const nx = decodeMsg(hex('0104001400000003000023200000001501023040'));
  assert.ok(!(nx instanceof OfpError));
  assert.equal(nx.info.raw, 'NXT_FLOW_MONITOR_CANCEL');
  const st = decodeMsg(hex('04130010000000010003000000000000'));
  assert.ok(!(st instanceof OfpError));
  assert.equal(st.info.raw, 'OFPST13_TABLE_REPLY');
  assert.equal(statsReplyRaw(rawInfo('OFPST_DESC_REQUEST'), 4)!.raw, 'OFPST_DESC_REPLY');
});

test('bad messages give the error a switch must send', () => {
  const e = (h: string): string => { const r = decodeMsg(hex(h)); return r instanceof OfpError ? r.error : 'ok'; };
  assert.equal(e('00bb0008eeff0011'), 'OFPBRC_BAD_TYPE');
  assert.equal(e('0104001000000000 00001234 00000001'), 'OFPBRC_BAD_VENDOR');
  assert.equal(e('0104001000000000 00002320 0000ffff'), 'OFPBRC_BAD_SUBTYPE');
  assert.equal(e('04120010000000000099000000000000'), 'OFPBRC_BAD_STAT');
  assert.equal(e('0105000900000001ff'), 'OFPBRC_BAD_LEN');
  assert.throws(() => decodeRawPartial(hex('0100'), 2), OfpError);
});

test('startMsg writes headers that decode back to the same raw', () => {
  for (const info of RAWS) {
    for (const v of [info.minVersion, Math.min(info.maxVersion, 6)]) {
      const w = startMsg(info, v, 0x1234);
      w.zeros(info.minBody);
      const d = decodeMsg(w.finishMsg());
      assert.ok(!(d instanceof OfpError), `${info.raw} v${v}: ${d instanceof OfpError ? d.error : ''}`);
      assert.equal(d.info.raw, info.raw);
      assert.equal(d.xid, 0x1234);
    }
  }
});

test('error codes map per version, including Nicira extension errors', () => {
  assert.deepEqual(ofperrTriplet('OFPBIC_BAD_EXP_TYPE', 2), { vendor: 0, type: 3, code: 5 });
  assert.deepEqual(ofperrTriplet('OFPBIC_BAD_EXP_TYPE', 3), { vendor: 0, type: 3, code: 6 });
  assert.equal(ofperrDecode(2, 0, 3, 5), 'OFPBIC_BAD_EXPERIMENTER');
  assert.equal(ofperrDecode(1, 0, 3, 1), 'OFPFMFC_OVERLAP');
  assert.equal(ofperrDecode(2, 0, 3, 1), 'OFPBIC_UNSUP_INST');
  for (const v of [1, 2, 3, 4, 5, 6]) {
    const msg = encodeErrorMsg('NXBRC_MUST_BE_ZERO', v, 7, hex('0100000812345678'));
    const d = decodeMsg(msg);
    assert.ok(!(d instanceof OfpError));
    const body = decodeErrorBody(v, msg.subarray(8));
    assert.equal(body!.error, 'NXBRC_MUST_BE_ZERO');
    assert.deepEqual([...body!.payload], [...hex('0100000812345678')]);
  }
});
