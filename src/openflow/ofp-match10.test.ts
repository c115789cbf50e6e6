import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atBlocks, OVS_TESTS_DIR } from '../../tests/helpers/ovs-at.js';
import { decodeOfp10Match, encodeOfp10Match, normalizeMatch } from './ofp-match10.js';
import { decodeOfp11Match, encodeOfp11Match, pullOfp11Match } from './ofp-match11.js';
import { formatMatch } from './match-format.js';
import { parseMatch } from './ofp-match-parse.js';
import { WireBuf } from './wire-buf.js';
import { OfpError } from './ofp-errors.js';

function hexBytes(s: string): Uint8Array {
  const h = s.replace(/\s+/g, '');
  return Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
}
function differences(prefix: string, a: Uint8Array, b: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      out.push(`${prefix}${String(i).padStart(2)}: ${a[i]!.toString(16).padStart(2, '0')} -> ${b[i]!.toString(16).padStart(2, '0')}`);
    }
  }
  return out;
}

/** Groups of [expected lines, hex input] from a parse-ofpXX-match test. */
function cases(title: string): Array<{ expected: string[]; hex: string }> {
  const data = atBlocks('ovs-ofctl.at', title).find((b) => b.kind === 'data')!;
  const out: Array<{ expected: string[]; hex: string }> = [];
  let exp: string[] = [];
  for (const l of data.body) {
    if (l.startsWith('# ')) exp.push(l.slice(2));
    else if (l.startsWith('&')) continue;
    else if (l.trim() === '') continue;
    else { out.push({ expected: exp, hex: l }); exp = []; }
  }
  return out;
}

let seed = 7;
const rnd = (): string => '0123456789abcdef'[((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 15]!;

test('parse-ofp10-match vectors from ovs-ofctl.at', { skip: !OVS_TESTS_DIR }, () => {
  const fails: string[] = [];
  const all = cases('ovs-ofctl parse-ofp10-match');
  assert.ok(all.length > 30);
  for (const c of all) {
    const input = hexBytes(c.hex.replace(/x/g, rnd));
    const expout = hexBytes(c.hex.replace(/x/g, '0'));
    const m = decodeOfp10Match(input);
    assert.ok(!(m instanceof OfpError));
    const got = [formatMatch(m)];
    const b = new WireBuf();
    encodeOfp10Match(b, m);
    const out = b.finish();
    got.push(...differences('', expout, out));
    normalizeMatch(m);
    const b2 = new WireBuf();
    encodeOfp10Match(b2, m);
    got.push(...differences('normal: ', out, b2.finish()));
    if (got.join('\n') !== c.expected.join('\n')) fails.push(`${c.hex}\n want: ${c.expected.join(' | ')}\n  got: ${got.join(' | ')}`);
  }
  assert.deepEqual(fails, []);
});

test('parse-ofp11-match vectors from ovs-ofctl.at', { skip: !OVS_TESTS_DIR }, () => {
  const fails: string[] = [];
  const all = cases('ovs-ofctl parse-ofp11-match');
  assert.ok(all.length > 30);
  for (const c of all) {
    const input = hexBytes(c.hex);
    const m = decodeOfp11Match(input);
    let got: string[];
    if (m instanceof OfpError) got = [`bad ofp11_match: ${m.error}`];
    else {
      got = [formatMatch(m)];
      const b = new WireBuf();
      encodeOfp11Match(b, m);
      got.push(...differences('', input, b.finish()));
    }
    if (got.join('\n') !== c.expected.join('\n')) fails.push(`${c.hex}\n want: ${c.expected.join(' | ')}\n  got: ${got.join(' | ')}`);
  }
  assert.deepEqual(fails, []);
});

test('OF1.0 match round trip and short input', () => {
  const p = parseMatch('udp,in_port=3,dl_vlan=5,nw_dst=192.168.0.0/16,tp_src=53');
  assert.ok(typeof p !== 'string');
  const b = new WireBuf();
  encodeOfp10Match(b, p.match);
  const bytes = b.finish();
  assert.equal(bytes.length, 40);
  const m = decodeOfp10Match(bytes);
  assert.ok(!(m instanceof OfpError));
  assert.equal(formatMatch(m), 'udp,in_port=3,dl_vlan=5,nw_dst=192.168.0.0/16,tp_src=53');
  assert.equal((decodeOfp10Match(bytes.subarray(0, 39)) as OfpError).error, 'OFPBMC_BAD_LEN');
});

test('OF1.1 standard match dispatch, lengths and types', () => {
  const p = parseMatch('ip,nw_src=10.1.2.0/255.255.0.255,metadata=0x5/0xff');
  assert.ok(typeof p !== 'string');
  const b = new WireBuf();
  encodeOfp11Match(b, p.match);
  const bytes = b.finish();
  assert.equal(bytes.length, 88);
  const r = pullOfp11Match(bytes, 0);
  assert.ok(!(r instanceof OfpError));
  assert.equal(r.consumed, 88);
  assert.equal(formatMatch(r.match), 'ip,metadata=0x5/0xff,nw_src=10.1.0.0/255.255.0.255');
  const bad = bytes.slice(); bad[3] = 80;
  assert.equal((pullOfp11Match(bad, 0) as OfpError).error, 'OFPBMC_BAD_LEN');
  bad[3] = 88; bad[1] = 7;
  assert.equal((pullOfp11Match(bad, 0) as OfpError).error, 'OFPBMC_BAD_TYPE');
  assert.equal((pullOfp11Match(bytes.subarray(0, 60), 0) as OfpError).error, 'OFPBMC_BAD_LEN');
});
