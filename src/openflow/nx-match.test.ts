import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atBlocks, OVS_TESTS_DIR } from '../../tests/helpers/ovs-at.js';
import {
  nxMatchFromStringRaw, nxPullMatch, nxPutMatch, nxMatchToString, oxmPullMatch, oxmPutMatch,
  oxmMatchToString, nxPullRaw, nxPutEntryRaw, nxmFieldByMfId,
} from './nx-match.js';
import { MF, MF_FIELDS, mfIsValueValid, mfSet, matchAddEthernetPrereq } from './meta-flow.js';
import { Match } from './match.js';
import { WireBuf } from './wire-buf.js';
import { OfpError } from './ofp-errors.js';
import { parseMatch } from './ofp-match-parse.js';
import { formatMatch } from './match-format.js';

/** What "ovs-ofctl parse-nx-match" prints for one input line. */
function parseNxm(line: string, loose = false): string {
  const raw = nxMatchFromStringRaw(line);
  if (typeof raw === 'string') return `ERROR: ${raw}`;
  const padded = new Uint8Array((raw.length + 7) & ~7);
  padded.set(raw);
  const r = nxPullMatch(padded, 0, raw.length, { allowCookie: true, loose });
  if (r instanceof OfpError) return `nx_pull_match() returned error ${r.error}`;
  const b = new WireBuf();
  const n = nxPutMatch(b, r.match, r.cookie, r.cookieMask);
  return nxMatchToString(b.view(), 0, n);
}

/** What "ovs-ofctl parse-oxm VERSION" prints for one input line. */
function parseOxm(line: string, version: number, loose = false): string {
  const raw = nxMatchFromStringRaw(line);
  if (typeof raw === 'string') return `ERROR: ${raw}`;
  const b0 = new WireBuf();
  const len = raw.length + 4;
  b0.u16(1).u16(len).bytes(raw).padTo(8);
  const r = oxmPullMatch(b0.finish(), 0, { loose });
  if (r instanceof OfpError) return `nx_pull_match() returned error ${r.error}`;
  const b = new WireBuf();
  const n = oxmPutMatch(b, r.match, version);
  return oxmMatchToString(b.view(), 0, n);
}

function runAt(title: string, fn: (line: string) => string, checkIndex = 0): { pass: number; fail: string[] } {
  const blocks = atBlocks('ovs-ofctl.at', title);
  const data = blocks.find((b) => b.kind === 'data')!;
  const check = blocks.filter((b) => b.kind === 'check')[checkIndex]!;
  const fail: string[] = [];
  let pass = 0;
  let j = 0;
  for (let line of data.body) {
    const exp = check.body[j++]?.trimEnd();
    if (line.startsWith('#')) continue;
    if (line.includes('#')) line = line.slice(0, line.indexOf('#'));
    if (line.trim() === '') continue;
    const got = fn(line);
    if (got === exp) pass++;
    else fail.push(`${line}\n   want: ${exp}\n    got: ${got}`);
  }
  return { pass, fail };
}

test('parse-nx-match vectors from ovs-ofctl.at', { skip: !OVS_TESTS_DIR }, () => {
  const r = runAt('ovs-ofctl parse-nx-match', (l) => parseNxm(l));
  assert.deepEqual(r.fail, [], `${r.pass} passed`);
});

test('parse-nx-match loose', { skip: !OVS_TESTS_DIR }, () => {
  const strict = runAt('ovs-ofctl parse-nx-match loose', (l) => parseNxm(l));
  assert.deepEqual(strict.fail, [], `${strict.pass} passed`);
  const r = runAt('ovs-ofctl parse-nx-match loose', (l) => parseNxm(l, true), 1);
  assert.deepEqual(r.fail, [], `${r.pass} passed`);
});

test('parse-oxm OpenFlow 1.2 vectors', { skip: !OVS_TESTS_DIR }, () => {
  const r = runAt('ovs-ofctl parse-oxm (OpenFlow 1.2)', (l) => parseOxm(l, 3));
  assert.deepEqual(r.fail, [], `${r.pass} passed`);
});

test('parse-oxm OpenFlow 1.3 and 1.5 vectors', { skip: !OVS_TESTS_DIR }, () => {
  const r3 = runAt('ovs-ofctl parse-oxm (OpenFlow 1.3)', (l) => parseOxm(l, 4));
  assert.deepEqual(r3.fail, [], `${r3.pass} passed`);
  const r5 = runAt('ovs-ofctl parse-oxm (OpenFlow 1.5)', (l) => parseOxm(l, 6));
  assert.deepEqual(r5.fail, [], `${r5.pass} passed`);
});

test('parse-oxm loose', { skip: !OVS_TESTS_DIR }, () => {
  const strict = runAt('ovs-ofctl parse-oxm loose', (l) => parseOxm(l, 3));
  assert.deepEqual(strict.fail, [], `${strict.pass} passed`);
  const r = runAt('ovs-ofctl parse-oxm loose', (l) => parseOxm(l, 3, true), 1);
  assert.deepEqual(r.fail, [], `${r.pass} passed`);
});

test('NXM round trip of a parsed flow, bytes both ways', () => {
  const p = parseMatch('tcp,in_port=1,nw_src=10.0.0.0/8,tp_dst=80');
  assert.ok(typeof p !== 'string');
  const b = new WireBuf();
  const n = nxPutMatch(b, p.match);
  assert.equal(nxMatchToString(b.view(), 0, n),
    'NXM_OF_IN_PORT(0001), NXM_OF_ETH_TYPE(0800), NXM_OF_IP_SRC_W(0a000000/ff000000), NXM_OF_IP_PROTO(06), NXM_OF_TCP_DST(0050)');
  assert.deepEqual([...b.view(0, 8)], [0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00]);
  assert.equal(b.length % 8, 0);
  const back = nxPullMatch(b.finish(), 0, n);
  assert.ok(!(back instanceof OfpError));
  assert.equal(formatMatch(back.match), 'tcp,in_port=1,nw_src=10.0.0.0/8,tp_dst=80');
  assert.ok(back.match.equals(p.match));
});

test('truncated and malformed input yields errors, never throws', () => {
  const good = nxMatchFromStringRaw('NXM_OF_ETH_TYPE(0800), NXM_OF_IP_SRC(01020304)');
  assert.ok(good instanceof Uint8Array);
  for (let cut = 1; cut < good.length; cut++) {
    if (cut === 6) continue; // entry boundary: a valid shorter match
    const r = nxPullRaw(good, 0, cut);
    assert.ok(r instanceof OfpError, `cut ${cut}`);
    assert.equal(r.error, 'OFPBMC_BAD_LEN');
  }
  // nx_match length past the end of the message.
  assert.equal((nxPullMatch(good, 0, good.length + 8) as OfpError).error, 'OFPBMC_BAD_LEN');
  // OXM header with bad type and short length.
  assert.equal((oxmPullMatch(Uint8Array.of(0, 0, 0, 8, 0, 0, 0, 0), 0) as OfpError).error, 'OFPBMC_BAD_TYPE');
  assert.equal((oxmPullMatch(Uint8Array.of(0, 1, 0, 2, 0, 0, 0, 0), 0) as OfpError).error, 'OFPBMC_BAD_LEN');
  assert.equal((oxmPullMatch(Uint8Array.of(0, 1), 0) as OfpError).error, 'OFPBMC_BAD_LEN');
  assert.equal((oxmPullMatch(Uint8Array.of(0, 1, 0, 12, 0x80, 0, 0x0a, 2, 8, 0, 0, 0), 0) as OfpError).error, 'OFPBMC_BAD_LEN');
  // Random garbage: no exception.
  let seed = 1;
  for (let i = 0; i < 300; i++) {
    const n = (i % 40) + 1;
    const d = new Uint8Array(n).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    const r = nxPullRaw(d, 0, n, { allowCookie: true });
    assert.ok(r instanceof OfpError || r.match !== undefined);
    const o = oxmPullMatch(d, 0);
    assert.ok(o instanceof OfpError || o.match !== undefined);
  }
});

test('decoding one entry of every fixed-width field matches mfSet (fast and general paths agree)', () => {
  let seed = 12345;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 24; };
  let checked = 0;
  for (const f of MF_FIELDS) {
    if (f.variable || f.nBytes > 32 || (f.id >= MF.TUN_METADATA0 && f.id <= MF.TUN_METADATA63)) continue;
    for (const version of [0, 4]) {
      if (!nxmFieldByMfId(f.id, version)) continue;
      // Rounds: exact, all-wild mask, random masks, all-ones exact, and a
      // mask with a clear first byte over a value with two clear bytes.
      for (let round = 0; round < 7; round++) {
        const value = new Uint8Array(f.nBytes), mask = new Uint8Array(f.nBytes);
        for (let i = 0; i < f.nBytes; i++) {
          mask[i] = round === 0 || round === 5 ? 0xff : round === 1 ? 0 : round === 6 ? (i ? 0xff : 0) : rnd();
          value[i] = round === 5 ? 0xff : round === 6 && i < 2 ? 0 : rnd() & mask[i]!;
        }
        const masked = f.maskable && round > 0;
        const b = new WireBuf();
        nxPutEntryRaw(b, f.id, version, value, masked ? mask : null);
        const got = nxPullRaw(b.view(), 0, b.length, { loose: true });
        const expected = new Match();
        const valid = mfIsValueValid(f, value);
        const r = valid ? mfSet(f, value, masked ? mask : null, expected) : null;
        if (!valid || r?.error) {
          assert.ok(got instanceof OfpError, `${f.name} v${version} round ${round}: expected an error`);
          continue;
        }
        matchAddEthernetPrereq(expected, f);
        assert.ok(!(got instanceof OfpError), `${f.name} v${version} round ${round}: ${got instanceof OfpError ? got.error : ''}`);
        assert.ok(got.match.equals(expected), `${f.name} v${version} round ${round}: decoded match differs from mfSet`);
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `only ${checked} entries checked`);
});
