// Fuzz test for the OpenFlow decoders and printer: random bytes and mutated
// valid messages (built with our own encoders) must never make a decoder
// throw anything but OfpError, nor make ofpToString throw at all.  Runs for
// FUZZ_SECONDS (default 3) with a seeded PRNG (FUZZ_SEED) so failures can be
// replayed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OfpError, encodeErrorMsg } from './ofp-errors.js';
import { decodeMessageThrow } from './ofp-decode.js';
import { ofpToString } from './ofp-print.js';
import { OfpFramer } from './ofp-framer.js';
import { encodeHello, encodeEchoRequest, encodeBarrierRequest } from './ofp-hello.js';
import { encodeFeaturesReply, encodeSetConfig } from './ofp-switch.js';
import { encodePortStatus, encodePortMod, encodePortStatsRequest, emptyPortStats, putPortStats, type PhyPort } from './ofp-port.js';
import { encodeRoleRequest, encodeSetAsync, asyncConfigDefault } from './ofp-connection.js';
import { encodeMeterMod } from './ofp-meter.js';
import { encodeBundleCtrl, encodeBundleAdd } from './ofp-bundle.js';
import { encodeGroupMod, encodeGroupDescRequest } from './ofp-group.js';
import { encodeFlowMod, encodeFlowStatsRequest, U64_MAX } from './ofp-flow.js';
import { encodePacketOut, encodePacketIn } from './ofp-packet.js';
import { encodeTableMod } from './ofp-table.js';
import { encodeCtFlush, emptyCtTuple } from './ofp-ct.js';
import { encodeQueueStatsRequest } from './ofp-queue.js';
import { startMsg } from './ofp-msgs.js';
import { encodeTlvTableMod } from './ofp-tlv.js';
import { parseGroupModStr } from './ofp-group-parse.js';
import { Match } from './match.js';
import { emptyOfpacts } from './ofpact-codec.js';
import { vlogSetConsoleWriter } from '../lib/vlog.js';

/** xorshift32: small, fast, seedable. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

const port: PhyPort = {
  portNo: 1, hwAddr: Uint8Array.of(0x50, 0x54, 0, 0, 0, 1), name: 'eth0', config: 0, state: 0,
  curr: 0x2008, advertised: 0x280f, supported: 0x280f, peer: 0, currSpeed: 100000, maxSpeed: 100000,
};
const packet = Uint8Array.from([
  0x50, 0x54, 0, 0, 0, 6, 0x50, 0x54, 0, 0, 0, 5, 0x08, 0x00, 0x45, 0, 0, 0x28, 0xbd, 0x12, 0, 0, 0x40, 6, 0x3c, 0x6a,
  192, 168, 0, 1, 192, 168, 0, 2, 0x27, 0x2f, 0, 0, 0x78, 0x50, 0xcc, 0x5b, 0x57, 0xaf, 0x42, 0x1e, 0x50, 2, 2, 0,
  0x26, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0,
]);

/** Valid messages of many types and versions, from our encoders. */
function corpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let v = 1; v <= 6; v++) {
    const m = new Match();
    out.push(encodeHello((1 << v) | 2), encodeEchoRequest(v, 7, Uint8Array.of(1, 2, 3)), encodeBarrierRequest(v, 1));
    out.push(encodeFeaturesReply({ datapathId: 0x5054n, nBuffers: 256, nTables: 254, auxiliaryId: 0, capabilities: 0xc7, actions10: 0xfff, ports: [port] }, v, 1));
    out.push(encodeSetConfig({ frag: 1, invalidTtlToController: 0, missSendLen: 128 }, v));
    out.push(encodePortStatus({ reason: 2, desc: port }, v), encodePortStatsRequest(v, 0xffff));
    out.push(encodePortMod({ portNo: 1, hwAddr: port.hwAddr, config: 1, mask: 1, advertise: 8 }, v));
    out.push(encodeRoleRequest({ role: 2, generationId: 5n }, v), encodeSetAsync(asyncConfigDefault(v), v));
    out.push(encodeQueueStatsRequest(v, { port: 1, queue: 0xffffffff }));
    out.push(encodeFlowMod({
      match: m, priority: 100, cookie: 0n, cookieMask: 0n, newCookie: 5n, modifyCookie: true, tableId: 0, command: 0,
      idleTimeout: 5, hardTimeout: 0, importance: 0, bufferId: 0xffffffff, outPort: 0xffff, outGroup: 0xffffffff,
      flags: 1, ofpacts: emptyOfpacts(v),
    }, v, { nxm: v === 1 && out.length % 2 === 0 }));
    out.push(encodeFlowStatsRequest({ aggregate: v % 2 === 0, match: m, cookie: 0n, cookieMask: 0n, outPort: 0xffff, outGroup: 0xffffffff, tableId: 0xff }, v));
    out.push(encodePacketOut({ bufferId: 0xffffffff, metadata: m, ofpacts: emptyOfpacts(v), packet }, v));
    out.push(encodePacketIn({
      packet, totalLen: packet.length, bufferId: 0x111, reason: 0, tableId: 0, cookie: U64_MAX, metadata: m,
      userdata: null, continuation: { bridge: null, stack: [], mirrors: 0, conntracked: false, actions: [], actionSet: null, odpPort: 0 },
    }, v, v === 1 ? 1 : v === 2 ? 2 : 0));
    out.push(encodeErrorMsg('OFPBRC_BAD_TYPE', v, 3, encodeEchoRequest(v, 3)));
    if (v >= 2) {
      out.push(encodeGroupMod({ command: 0, type: 0, groupId: 1, commandBucketId: 0xffffffff, buckets: [], props: { selectionMethod: '', selectionMethodParam: 0n, fields: [] } }, v));
      out.push(encodeGroupDescRequest(v, 0xfffffffc));
      out.push(encodeTableMod({ tableId: 1, miss: 3, eviction: 1, evictionFlags: 1, vacancy: 1, tableVacancy: { down: 10, up: 20, vacancy: 0 } }, v));
    }
    if (v >= 4) {
      out.push(encodeMeterMod({ command: 0, meter: { meterId: 5, flags: 5, bands: [{ type: 1, rate: 1024, burstSize: 128, precLevel: 0 }] } }, v));
      out.push(encodeBundleCtrl(v, { bundleId: 1, type: 0, flags: 1 }));
      const inner = encodePortMod({ portNo: 1, hwAddr: port.hwAddr, config: 1, mask: 1, advertise: 0 }, v);
      out.push(encodeBundleAdd(v, 1, 1, inner));
      const w = startMsg(v >= 5 ? 'OFPST14_PORT_REPLY' : 'OFPST13_PORT_REPLY', v, 2);
      putPortStats(w, v, emptyPortStats(3));
      out.push(w.finishMsg());
    }
    out.push(encodeCtFlush({ ipProto: 6, l3Type: 0, orig: emptyCtTuple(), reply: emptyCtTuple() }, 7, v));
    out.push(encodeTlvTableMod({ command: 0, mappings: [{ optionClass: 0xffff, optionType: 1, optionLen: 8, index: 1 }] }, v, 9));
    const g = parseGroupModStr('group_id=1,type=select,selection_method=hash,fields(ip_src),bucket=bucket_id=2,weight=3,actions=output:1', 0);
    if (typeof g !== 'string' && v >= 2) out.push(encodeGroupMod(g.gm, v, 10));
  }
  return out;
}

/** Checks one input: decoders may only throw OfpError; printing never throws. */
function exercise(data: Uint8Array): void {
  try {
    decodeMessageThrow(data);
  } catch (e) {
    if (!(e instanceof OfpError)) {
      const hex = Buffer.from(data).toString('hex');
      throw new Error(`decoder threw ${(e as Error)?.stack ?? e} on ${hex}`);
    }
  }
  ofpToString(data, 5);
}

function mutate(src: Uint8Array, next: () => number): Uint8Array {
  let d = src.slice();
  const kind = next() % 6;
  if (kind === 0 || kind === 5) {
    const n = 1 + (next() % 4);
    for (let i = 0; i < n; i++) d[8 + (next() % Math.max(1, d.length - 8))] = next() & 0xff;
  } else if (kind === 1) {
    d = d.subarray(0, 8 + (next() % Math.max(1, d.length - 7)));
  } else if (kind === 2) {
    const extra = new Uint8Array(1 + (next() % 24));
    for (let i = 0; i < extra.length; i++) extra[i] = next() & 0xff;
    const e = new Uint8Array(d.length + extra.length);
    e.set(d);
    e.set(extra, d.length);
    d = e;
  } else if (kind === 3) {
    const i = 8 + (next() % Math.max(1, d.length - 8));
    if (i + 1 < d.length) { d[i] = 0; d[i + 1] = next() & 0xff; }
  } else {
    d[0] = 1 + (next() % 6);
  }
  // Keep the header length consistent so body decoders are reached.
  if (d.length >= 4 && d.length <= 0xffff && next() % 4) { d[2] = d.length >> 8; d[3] = d.length & 255; }
  return d;
}

test('decoders and printer survive random and mutated input', () => {
  const seconds = Number(process.env.FUZZ_SECONDS ?? '3');
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);
  const next = rng(seed);
  vlogSetConsoleWriter(() => { /* warnings are expected on garbage */ });
  const seeds = corpus();
  for (const s of seeds) exercise(s);
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < deadline) {
    for (let k = 0; k < 200; k++, n++) {
      let d: Uint8Array;
      if (n % 5 === 0) {
        d = new Uint8Array(next() % 96);
        for (let i = 0; i < d.length; i++) d[i] = next() & 0xff;
        if (d.length >= 8 && next() % 2) { d[0] = 1 + (next() % 6); d[2] = d.length >> 8; d[3] = d.length & 255; }
      } else {
        d = mutate(seeds[next() % seeds.length]!, next);
        if (next() % 3 === 0) d = mutate(d, next);
      }
      try {
        exercise(d);
      } catch (e) {
        assert.fail(`seed ${seed}, case ${n}: ${(e as Error).message}`);
      }
    }
  }
  console.log(`fuzz: ${n} inputs in ${seconds}s (seed ${seed})`);
  assert.ok(n > 100);
});

test('framer survives random chunking of random streams', () => {
  const next = rng(12345);
  for (let round = 0; round < 200; round++) {
    const f = new OfpFramer();
    for (let i = 0; i < 20; i++) {
      const c = new Uint8Array(next() % 40);
      for (let j = 0; j < c.length; j++) c[j] = next() & 0xff;
      const out = f.push(c);
      for (const m of out.messages) assert.ok(m.length >= 8);
      if (out.error) break;
    }
  }
});
