/* ofp-monitor: asynchronous flow-table notifications: flow-removed (OF1.0,
 * OF1.1-1.4, OF1.5, Nicira), flow monitors (Nicira, ONF OF1.3, OF1.4+
 * requests, updates, cancel, pause/resume) and request-forward (group-mod
 * and meter-mod relayed to other controllers), with their text. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, decodeMsgThrow, type OfpMsg } from './ofp-msgs.js';
import { bitNames, formatDuration } from './ofp-format.js';
import { formatPort, portFromOfp11, portToOfp11, OFPP_NONE } from './ofp-port.js';
import {
  Match, OFP_DEFAULT_PRIORITY, pullOfp10Match, pullOfp11Match, pullNxMatch, putOfp10Match, putOfp11Match,
  putNxMatch, matchToString,
} from './ofp-match-codec.js';
import { pullActions, pullInstructions, putActions, putInstructions, formatOfpacts, type Ofpacts } from './ofpact-codec.js';
import { pullOxs, putOxs } from './ofp-flow.js';
import { flowRemovedReasonToString } from './ofp-connection.js';
import { OFPG_ANY, decodeGroupMod, formatGroupModText } from './ofp-group.js';
import { decodeMeterMod, formatMeterModText } from './ofp-meter.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_monitor');

/** A flow-removed notification. */
export interface FlowRemoved {
  match: Match; priority: number; cookie: bigint; reason: number; tableId: number;
  durationSec: number; durationNsec: number; idleTimeout: number; hardTimeout: number;
  packetCount: bigint; byteCount: bigint;
}

export function decodeFlowRemoved(msg: OfpMsg): FlowRemoved {
  const r = new OfpReader(msgBody(msg));
  switch (msg.info.raw) {
    case 'OFPT15_FLOW_REMOVED': {
      const tableId = r.u8(), reason = r.u8(), priority = r.u16(), idle = r.u16(), hard = r.u16();
      const cookie = r.u64();
      const match = pullOfp11Match(r);
      const st = pullOxs(r);
      return { match, priority, cookie, reason, tableId, durationSec: st.durationSec, durationNsec: st.durationNsec,
        idleTimeout: idle, hardTimeout: hard, packetCount: st.packetCount, byteCount: st.byteCount };
    }
    case 'OFPT11_FLOW_REMOVED': {
      const cookie = r.u64(), priority = r.u16(), reason = r.u8(), tableId = r.u8();
      const durationSec = r.u32(), durationNsec = r.u32(), idle = r.u16(), hard = r.u16();
      const packetCount = r.u64(), byteCount = r.u64();
      const match = pullOfp11Match(r);
      return { match, priority, cookie, reason, tableId, durationSec, durationNsec, idleTimeout: idle,
        hardTimeout: hard, packetCount, byteCount };
    }
    case 'OFPT10_FLOW_REMOVED': {
      const match = pullOfp10Match(r);
      const cookie = r.u64(), priority = r.u16(), reason = r.u8();
      r.skip(1);
      const durationSec = r.u32(), durationNsec = r.u32(), idle = r.u16();
      r.skip(2);
      return { match, priority, cookie, reason, tableId: 255, durationSec, durationNsec, idleTimeout: idle,
        hardTimeout: 0, packetCount: r.u64(), byteCount: r.u64() };
    }
    default: {
      const cookie = r.u64(), priority = r.u16(), reason = r.u8(), tid = r.u8();
      const durationSec = r.u32(), durationNsec = r.u32(), idle = r.u16(), matchLen = r.u16();
      const packetCount = r.u64(), byteCount = r.u64();
      const nm = pullNxMatch(r, matchLen);
      if (r.remaining) throw new OfpError('OFPBRC_BAD_LEN');
      return { match: nm.match, priority, cookie, reason, tableId: tid ? tid - 1 : 255, durationSec, durationNsec,
        idleTimeout: idle, hardTimeout: 0, packetCount, byteCount };
    }
  }
}

/** Encodes a flow-removed message ('nxm' selects NXT_FLOW_REMOVED in OF1.0). */
export function encodeFlowRemoved(fr: FlowRemoved, version: number, nxm = false): Uint8Array {
  const zero = (c: bigint): bigint => (c === 0xffffffffffffffffn ? 0n : c);
  if (version >= 6) {
    const w = startMsg('OFPT15_FLOW_REMOVED', version, 0);
    w.u8(fr.tableId).u8(fr.reason).u16(fr.priority).u16(fr.idleTimeout).u16(fr.hardTimeout).u64(fr.cookie);
    putOfp11Match(w, fr.match, version);
    putOxs(w, { durationSec: fr.durationSec, durationNsec: fr.durationNsec, idleAge: 0xffffffff, flowCount: 0xffffffff,
      packetCount: fr.packetCount, byteCount: fr.byteCount });
    return w.finishMsg();
  }
  if (version >= 2) {
    const w = startMsg('OFPT11_FLOW_REMOVED', version, 0);
    w.u64(fr.cookie).u16(fr.priority).u8(fr.reason).u8(fr.tableId).u32(fr.durationSec).u32(fr.durationNsec)
      .u16(fr.idleTimeout).u16(fr.hardTimeout).u64(zero(fr.packetCount)).u64(zero(fr.byteCount));
    putOfp11Match(w, fr.match, version);
    return w.finishMsg();
  }
  if (!nxm) {
    const w = startMsg('OFPT10_FLOW_REMOVED', 1, 0);
    putOfp10Match(w, fr.match);
    w.u64(fr.cookie).u16(fr.priority).u8(fr.reason).zeros(1).u32(fr.durationSec).u32(fr.durationNsec)
      .u16(fr.idleTimeout).zeros(2).u64(zero(fr.packetCount)).u64(zero(fr.byteCount));
    return w.finishMsg();
  }
  const w = startMsg('NXT_FLOW_REMOVED', 1, 0);
  const start = w.len;
  w.u64(fr.cookie).u16(fr.priority).u8(fr.reason).u8(fr.tableId + 1).u32(fr.durationSec).u32(fr.durationNsec)
    .u16(fr.idleTimeout).u16(0).u64(zero(fr.packetCount)).u64(zero(fr.byteCount));
  w.set16(start + 22, putNxMatch(w, fr.match));
  return w.finishMsg();
}

/** Flow-removed text after the header. */
export function formatFlowRemovedText(fr: FlowRemoved): string {
  let s = ' ' + matchToString(fr.match, fr.priority) + ` reason=${flowRemovedReasonToString(fr.reason)}`;
  if (fr.tableId !== 255) s += ` table_id=${fr.tableId}`;
  if (fr.cookie) s += ` cookie:0x${fr.cookie.toString(16)}`;
  s += ` duration${formatDuration(fr.durationSec, fr.durationNsec)} idle${fr.idleTimeout}`;
  if (fr.hardTimeout) s += ` hard${fr.hardTimeout}`;
  return s + ` pkts${BigInt.asUintN(64, fr.packetCount)} bytes${BigInt.asUintN(64, fr.byteCount)}\n`;
}

export function formatFlowRemovedMsg(ds: Ds, msg: OfpMsg): void {
  ds.put(formatFlowRemovedText(decodeFlowRemoved(msg)));
}

/* ---- flow monitors ---- */

export const OFPFMF_INITIAL = 1, OFPFMF_ADD = 2, OFPFMF_REMOVED = 4, OFPFMF_MODIFY = 8,
  OFPFMF_INSTRUCTIONS = 16, OFPFMF_NO_ABBREV = 32, OFPFMF_ONLY_OWN = 64;
export const OFPFMC_ADD = 0, OFPFMC_MODIFY = 1, OFPFMC_DELETE = 2;
export const OFPFME_INITIAL = 0, OFPFME_ADDED = 1, OFPFME_REMOVED = 2, OFPFME_MODIFIED = 3,
  OFPFME_ABBREV = 4, OFPFME_PAUSED = 5, OFPFME_RESUMED = 6;

function nxToOfpFlags(f: number): number {
  let o = 0;
  if (f & 1) o |= OFPFMF_INITIAL;
  if (f & 2) o |= OFPFMF_ADD;
  if (f & 4) o |= OFPFMF_REMOVED;
  if (f & 8) o |= OFPFMF_MODIFY;
  if (f & 16) o |= OFPFMF_INSTRUCTIONS;
  if (f & 32) o |= OFPFMF_ONLY_OWN;
  return o;
}
function ofpToNxFlags(f: number): number {
  let n = 0;
  if (f & OFPFMF_INITIAL) n |= 1;
  if (f & OFPFMF_ADD) n |= 2;
  if (f & OFPFMF_REMOVED) n |= 4;
  if (f & OFPFMF_MODIFY) n |= 8;
  if (f & OFPFMF_INSTRUCTIONS) n |= 16;
  if (f & OFPFMF_ONLY_OWN) n |= 32;
  return n;
}

/** One flow monitor request. */
export interface FlowMonitorRequest {
  id: number; command: number; flags: number; outPort: number; outGroup: number; tableId: number; match: Match;
}

function pullMonitorRequest(msg: OfpMsg, r: OfpReader): FlowMonitorRequest {
  const raw = msg.info.raw;
  if (r.remaining < 16) {
    log.warn(`${msg.info.name.replace(' request', '')} request has ${r.remaining} leftover bytes at end`);
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  if (raw === 'NXST_FLOW_MONITOR_REQUEST' || raw === 'ONFST13_FLOW_MONITOR_REQUEST') {
    const nx = raw === 'NXST_FLOW_MONITOR_REQUEST';
    const id = r.u32(), flags = r.u16();
    let outPort: number, matchLen: number, tableId: number;
    let zeros: Uint8Array;
    if (nx) {
      outPort = r.u16(); matchLen = r.u16(); tableId = r.u8(); zeros = r.bytes(5);
    } else {
      matchLen = r.u16(); outPort = portFromOfp11(r.u32()); tableId = r.u8(); zeros = r.bytes(3);
    }
    if (!(flags & 14) || flags & ~63) {
      log.warn(`${nx ? 'NXST' : 'ONFST'}_FLOW_MONITOR has bad flags 0x${flags.toString(16)}`);
      throw new OfpError('OFPMOFC_BAD_FLAGS');
    }
    if (zeros.some((b) => b)) throw new OfpError('NXBRC_MUST_BE_ZERO');
    const match = nx ? pullNxMatch(r, matchLen).match : pullOfp11Match(r);
    return { id, command: OFPFMC_ADD, flags: nxToOfpFlags(flags), outPort, outGroup: OFPG_ANY, tableId, match };
  }
  const id = r.u32(), outPortRaw = r.u32(), outGroup = r.u32(), flags = r.u16(), tableId = r.u8(), command = r.u8();
  if (command === OFPFMC_DELETE) {
    const match = pullOfp11Match(r);
    return { id, command, flags: 0, outPort: OFPP_NONE, outGroup: OFPG_ANY, tableId: 0xff, match };
  }
  if (!(flags & 14) || flags & ~(1 | 2 | 4 | 8 | 16 | 64)) {
    log.warn(`OFPST_FLOW_MONITOR has bad flags 0x${flags.toString(16)}`);
    throw new OfpError('OFPMOFC_BAD_FLAGS');
  }
  const outPort = portFromOfp11(outPortRaw);
  return { id, command, flags, outPort, outGroup, tableId, match: pullOfp11Match(r) };
}

/** Decodes every request in a flow monitor request message. */
export function decodeFlowMonitorRequests(msg: OfpMsg): FlowMonitorRequest[] {
  const r = new OfpReader(msgBody(msg));
  const out: FlowMonitorRequest[] = [];
  while (r.remaining) out.push(pullMonitorRequest(msg, r));
  return out;
}

/** Encodes a flow monitor request with one entry. */
export function encodeFlowMonitorRequest(rq: FlowMonitorRequest, version: number, xid = 0): Uint8Array {
  if (version <= 3) {
    const w = startMsg('NXST_FLOW_MONITOR_REQUEST', version, xid);
    const start = w.len;
    w.u32(rq.id).u16(ofpToNxFlags(rq.flags)).u16(rq.outPort).u16(0).u8(rq.tableId).zeros(5);
    w.set16(start + 8, putNxMatch(w, rq.match));
    return w.finishMsg();
  }
  if (version === 4) {
    const w = startMsg('ONFST13_FLOW_MONITOR_REQUEST', version, xid);
    const start = w.len;
    w.u32(rq.id).u16(ofpToNxFlags(rq.flags)).u16(0).u32(portToOfp11(rq.outPort)).u8(rq.tableId).zeros(3);
    const ms = w.len;
    putOfp11Match(w, rq.match, version);
    w.set16(start + 6, w.get16(ms + 2));
    return w.finishMsg();
  }
  const w = startMsg('OFPST14_FLOW_MONITOR_REQUEST', version, xid);
  w.u32(rq.id).u32(portToOfp11(rq.outPort)).u32(rq.outGroup).u16(rq.flags).u8(rq.tableId).u8(rq.command);
  putOfp11Match(w, rq.match, version);
  return w.finishMsg();
}

const MONITOR_FLAG_NAMES: Record<number, string> = {
  1: 'initial', 2: 'add', 4: 'delete', 8: 'modify', 16: 'actions', 32: 'no-abbrev', 64: 'own',
};

/** One request's text (starts with a newline). */
export function formatFlowMonitorRequest(rq: FlowMonitorRequest): string {
  if (rq.command === OFPFMC_DELETE) return `\n id=${rq.id} command=delete`;
  let s = `\n id=${rq.id} flags=` + bitNames(rq.flags, (b) => MONITOR_FLAG_NAMES[b], ',');
  if (rq.outPort !== OFPP_NONE) s += ' out_port=' + formatPort(rq.outPort);
  if (rq.outGroup && rq.outGroup !== OFPG_ANY) s += ` out_group=${rq.outGroup | 0}`;
  if (rq.tableId !== 0xff) s += ` table=${rq.tableId}`;
  s += ' ' + matchToString(rq.match, OFP_DEFAULT_PRIORITY);
  return s.endsWith(' ') ? s.slice(0, -1) : s;
}

export function formatFlowMonitorRequestMsg(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) ds.put(formatFlowMonitorRequest(pullMonitorRequest(msg, r)));
}

/** One flow update. */
export interface FlowUpdate {
  event: number; reason: number; idleTimeout: number; hardTimeout: number; tableId: number;
  cookie: bigint; priority: number; match: Match | null; ofpacts: Ofpacts | null; xid: number;
}

function badLen(msg: OfpMsg, r: OfpReader): never {
  log.warn(`${msg.info.name} has ${r.remaining} leftover bytes at end`);
  throw new OfpError('OFPBRC_BAD_LEN');
}

function pullFlowUpdate(msg: OfpMsg, r: OfpReader): FlowUpdate {
  const raw = msg.info.raw;
  const v = msg.version;
  const u: FlowUpdate = { event: 0, reason: 0, idleTimeout: 0, hardTimeout: 0, tableId: 0, cookie: 0n, priority: 0, match: null, ofpacts: null, xid: 0 };
  if (r.remaining < 4) badLen(msg, r);
  const start = r.pos;
  const length = r.peek16(0);
  const event = r.peek16(2);
  if (length > r.remaining || length % 8) badLen(msg, r);
  if (raw !== 'OFPST14_FLOW_MONITOR_REPLY') {
    if (event === 3) {
      if (length !== 8) badLen(msg, r);
      r.skip(4);
      u.xid = r.u32();
      u.event = OFPFME_ABBREV;
      return u;
    }
    if (event > 3) {
      log.warn(`NXST_FLOW_MONITOR reply has bad event ${event}`);
      throw new OfpError('NXBRC_FM_BAD_EVENT');
    }
    if (length < 24) badLen(msg, r);
    r.skip(4);
    u.reason = r.u16(); u.priority = r.u16(); u.idleTimeout = r.u16(); u.hardTimeout = r.u16();
    const matchLen = r.u16();
    u.tableId = r.u8();
    r.skip(1);
    u.cookie = r.u64();
    if (24 + matchLen > length) badLen(msg, r);
    if (raw === 'ONFST13_FLOW_MONITOR_REPLY') {
      u.match = pullOfp11Match(r);
      u.ofpacts = pullInstructions(r.data, r.pos, start + length - r.pos, v);
    } else {
      u.match = pullNxMatch(r, matchLen).match;
      u.ofpacts = pullActions(r.data, r.pos, start + length - r.pos, v);
    }
    r.pos = start + length;
    u.event = [OFPFME_ADDED, OFPFME_REMOVED, OFPFME_MODIFIED][event]!;
    return u;
  }
  u.event = event;
  if (event === OFPFME_ABBREV) {
    if (length !== 8) badLen(msg, r);
    r.skip(4);
    u.xid = r.u32();
    return u;
  }
  if (event === OFPFME_PAUSED || event === OFPFME_RESUMED) {
    if (length !== 8) badLen(msg, r);
    r.skip(8);
    return u;
  }
  if (event > OFPFME_MODIFIED) {
    log.warn(`NXST_FLOW_MONITOR reply has bad event ${event}`);
    throw new OfpError('NXBRC_FM_BAD_EVENT');
  }
  if (length < 24) badLen(msg, r);
  r.skip(4);
  u.tableId = r.u8(); u.reason = r.u8(); u.idleTimeout = r.u16(); u.hardTimeout = r.u16(); u.priority = r.u16();
  r.skip(4);
  u.cookie = r.u64();
  u.match = pullOfp11Match(r);
  const il = start + length - r.pos;
  if (il < 0) badLen(msg, r);
  u.ofpacts = pullInstructions(r.data, r.pos, il, v);
  r.pos = start + length;
  return u;
}

/** Decodes every update in a flow monitor reply. */
export function decodeFlowUpdates(msg: OfpMsg): FlowUpdate[] {
  const r = new OfpReader(msgBody(msg));
  const out: FlowUpdate[] = [];
  while (r.remaining) out.push(pullFlowUpdate(msg, r));
  return out;
}

/** The reply raw that carries flow updates in 'version' (ofputil_start_flow_update). */
export function flowUpdateReplyRaw(version: number): 'NXST_FLOW_MONITOR_REPLY' | 'ONFST13_FLOW_MONITOR_REPLY' | 'OFPST14_FLOW_MONITOR_REPLY' {
  return version <= 3 ? 'NXST_FLOW_MONITOR_REPLY' : version === 4 ? 'ONFST13_FLOW_MONITOR_REPLY' : 'OFPST14_FLOW_MONITOR_REPLY';
}

/** Appends one flow update to a flow monitor reply of 'version' (ofputil_append_flow_update). */
export function putFlowUpdate(w: OfpWriter, version: number, u: FlowUpdate): void {
  const start = w.len;
  const empty: Ofpacts = { version, instructions: version > 1, raw: new Uint8Array(0), decoded: [] };
  if (version <= 4) {
    if (u.event === OFPFME_ABBREV) {
      w.u16(8).u16(3).u32(u.xid);
      return;
    }
    w.zeros(4).u16(u.reason).u16(u.priority).u16(u.idleTimeout).u16(u.hardTimeout).u16(0).u8(u.tableId).zeros(1)
      .u64(u.cookie);
    let matchLen: number;
    if (version === 4) {
      const ms = w.len;
      putOfp11Match(w, u.match!, version);
      matchLen = w.get16(ms + 2);
      putInstructions(w, u.ofpacts ?? empty, version);
    } else {
      matchLen = putNxMatch(w, u.match!, 0n, 0n);
      putActions(w, u.ofpacts ?? empty, version);
    }
    w.set16(start + 12, matchLen);
    const nxEvent = u.event === OFPFME_INITIAL || u.event === OFPFME_ADDED ? 0 : u.event === OFPFME_REMOVED ? 1 : 2;
    w.set16(start, w.len - start);
    w.set16(start + 2, nxEvent);
    return;
  }
  if (u.event === OFPFME_ABBREV) {
    w.u16(8).u16(OFPFME_ABBREV).u32(u.xid);
    return;
  }
  if (u.event === OFPFME_PAUSED || u.event === OFPFME_RESUMED) {
    w.u16(8).u16(u.event).zeros(4);
    return;
  }
  w.u16(0).u16(u.event).u8(u.tableId).u8(u.reason).u16(u.idleTimeout).u16(u.hardTimeout).u16(u.priority).zeros(4)
    .u64(u.cookie);
  putOfp11Match(w, u.match!, version);
  putInstructions(w, u.ofpacts ?? empty, version);
  w.set16(start, w.len - start);
}

/** One update's text (starts with a newline). */
export function formatFlowUpdate(u: FlowUpdate): string {
  let s = '\n event=';
  switch (u.event) {
    case OFPFME_INITIAL: s += 'INITIAL'; break;
    case OFPFME_ADDED: s += 'ADDED'; break;
    case OFPFME_REMOVED: s += `DELETED reason=${flowRemovedReasonToString(u.reason)}`; break;
    case OFPFME_MODIFIED: s += 'MODIFIED'; break;
    case OFPFME_ABBREV: return s + `ABBREV xid=0x${u.xid.toString(16)}`;
    case OFPFME_PAUSED: return s + 'PAUSED';
    case OFPFME_RESUMED: return s + 'RESUMED';
  }
  s += ` table=${u.tableId}`;
  if (u.idleTimeout) s += ` idle_timeout=${u.idleTimeout}`;
  if (u.hardTimeout) s += ` hard_timeout=${u.hardTimeout}`;
  s += ` cookie=${u.cookie ? '0x' + u.cookie.toString(16) : '0'} `;
  s += matchToString(u.match!, OFP_DEFAULT_PRIORITY);
  if (u.ofpacts && u.ofpacts.decoded.length) {
    if (!s.endsWith(' ')) s += ' ';
    s += 'actions=' + formatOfpacts(u.ofpacts);
  }
  return s;
}

export function formatFlowMonitorReplyMsg(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  while (r.remaining) ds.put(formatFlowUpdate(pullFlowUpdate(msg, r)));
}

/** Monitor id of a cancel message. */
export function decodeFlowMonitorCancel(msg: OfpMsg): number {
  return new OfpReader(msgBody(msg)).u32();
}

export function formatFlowMonitorCancel(ds: Ds, msg: OfpMsg): void {
  ds.put(` id=${decodeFlowMonitorCancel(msg)}`);
}

/** A flow monitor cancel in 'version' (an OF1.4+ delete request). */
export function encodeFlowMonitorCancel(id: number, version: number, xid = 0): Uint8Array {
  if (version <= 4) return startMsg(version === 4 ? 'ONFT13_FLOW_MONITOR_CANCEL' : 'NXT_FLOW_MONITOR_CANCEL', version, xid).u32(id).finishMsg();
  const w = startMsg('OFPST14_FLOW_MONITOR_REQUEST', version, xid);
  w.u32(id).zeros(10).u8(0).u8(OFPFMC_DELETE);
  w.u16(1).u16(4).zeros(4);
  return w.finishMsg();
}

/* ---- request forward ---- */

export function formatRequestForward(ds: Ds, msg: OfpMsg): void {
  const body = msgBody(msg);
  if (body.length < 8) throw new OfpError('OFPBFC_MSG_BAD_LEN');
  const innerLen = (body[2]! << 8) | body[3]!;
  if (innerLen < 8 || innerLen > body.length) throw new OfpError('OFPBFC_MSG_BAD_LEN');
  if (body[0] !== msg.version) throw new OfpError('OFPBRC_BAD_VERSION');
  const inner = decodeMsgThrow(body.subarray(0, innerLen));
  if (inner.info.type === 'GROUP_MOD') {
    const gm = decodeGroupMod(inner);
    ds.put(' reason=group_mod' + formatGroupModText(gm, msg.version));
  } else if (inner.info.type === 'METER_MOD') {
    ds.put(' reason=meter_mod' + formatMeterModText(decodeMeterMod(inner)));
  } else {
    throw new OfpError('OFPBFC_MSG_UNSUP');
  }
}

/** Wraps group-mod or meter-mod 'inner' for forwarding to other controllers. */
export function encodeRequestForward(inner: Uint8Array, version: number): Uint8Array {
  const raw = version < 4 ? 'NXT_REQUESTFORWARD' : version === 4 ? 'ONFT13_REQUESTFORWARD' : 'OFPT14_REQUESTFORWARD';
  return startMsg(raw, version, 0).bytes(inner).finishMsg();
}
