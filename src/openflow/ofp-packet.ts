/* ofp-packet: packet-in (OF1.0, 1.1, 1.2, 1.3+, NXT_PACKET_IN,
 * NXT_PACKET_IN2 with continuations, NXT_RESUME) and packet-out (OF1.0,
 * 1.1-1.4, 1.5) messages, and the text of the packets they carry. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { hexDump } from '../lib/hex-dump.js';
import { portFromOfp11, portToOfp11, OFPP_MAX, OFPP_LOCAL, OFPP_NONE, OFPP_CONTROLLER } from './ofp-port.js';
import { pullProp, unknownProp, startProp, endProp } from './ofp-prop.js';
import { Match, OFP_DEFAULT_PRIORITY, pullNxMatch, decodeOxmEntries, putNxMatch, putOfp11Match, putOxmEntries, matchToString } from './ofp-match-codec.js';
import { pullActions, putActions, formatOfpacts, emptyOfpacts, ofpactsFrom, type Ofpacts } from './ofpact-codec.js';
import { parseKeyValue, extractActions, type KvCursor } from './ofp-parse.js';
import { parseField } from './ofp-match-parse.js';
import { parsePort, type PortNames } from './ofp-port-map.js';
import { parseActions } from './ofp-actions-all.js';
import { mfIsPipelineField } from './meta-flow.js';
import { packetInReasonToString } from './ofp-connection.js';
import { flowExtract, packetMatch, l4ChecksumText } from './flow-extract.js';
import { mfFromName, mfSetValue } from './meta-flow.js';
import { FL, get32 } from './flow.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_packet');

/** Text of a packet as ofp-print shows it (flow, L4 checksum, newline). */
export function packetToString(data: Uint8Array, packetType = 0): string {
  const ex = flowExtract(data, packetType);
  return matchToString(packetMatch(ex.flow), OFP_DEFAULT_PRIORITY) + l4ChecksumText(data, ex) + '\n';
}

function setField(m: Match, name: string, value: number, n: number): void {
  const f = mfFromName(name)!;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (value >>> (8 * (n - 1 - i))) & 0xff;
  mfSetValue(f, b, m);
}

/** A packet-in, with the private continuation of NXT_PACKET_IN2/RESUME. */
export interface PacketIn {
  packet: Uint8Array;
  totalLen: number;
  bufferId: number;
  reason: number;
  tableId: number;
  /** U64_MAX when the message carries no cookie. */
  cookie: bigint;
  /** Metadata fields (in_port, registers, tunnel...). */
  metadata: Match;
  userdata: Uint8Array | null;
  continuation: {
    bridge: Uint8Array | null; stack: Uint8Array[]; mirrors: number; conntracked: boolean;
    /** Action groups, each with the table id and cookie in effect. */
    actions: { tableId: number; cookie: bigint; acts: Ofpacts }[];
    actionSet: Ofpacts | null; odpPort: number;
  };
}

const U64_MAX = 0xffffffffffffffffn;

function emptyContinuation(): PacketIn['continuation'] {
  return { bridge: null, stack: [], mirrors: 0, conntracked: false, actions: [], actionSet: null, odpPort: 0 };
}

function decodePacketIn2(msg: OfpMsg, loose: boolean, pin: PacketIn): void {
  const r = new OfpReader(msg.data, msg.hdrsLen);
  let cont: OfpReader | null = null;
  let haveFullLen = false;
  while (r.remaining) {
    const p = pullProp(r);
    const b = p.body;
    switch (p.type) {
      case 0: pin.packet = b.rest(); break;
      case 1: if (b.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN'); pin.totalLen = b.u32(); haveFullLen = true; break;
      case 2: if (b.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN'); pin.bufferId = b.u32(); break;
      case 3: if (b.remaining < 1) throw new OfpError('OFPBPC_BAD_LEN'); pin.tableId = b.u8(); break;
      case 4: if (b.remaining !== 12) throw new OfpError('OFPBPC_BAD_LEN'); b.skip(4); pin.cookie = b.u64(); break;
      case 5: if (b.remaining < 1) throw new OfpError('OFPBPC_BAD_LEN'); pin.reason = b.u8(); break;
      case 6: pin.metadata = decodeOxmEntries(b.data, b.pos, b.remaining, loose); break;
      case 7: pin.userdata = b.rest(); break;
      case 8:
        if (b.remaining < 4) throw new OfpError('OFPBPC_BAD_LEN');
        b.skip(4);
        cont = b;
        break;
      default: unknownProp(log, loose, 'NX_PACKET_IN2', p);
    }
  }
  if (!pin.packet.length) {
    log.warn('NXT_PACKET_IN2 lacks packet');
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  if (!haveFullLen) pin.totalLen = pin.packet.length;
  else if (pin.totalLen < pin.packet.length) {
    log.warn('NXT_PACKET_IN2 claimed full_len < len');
    throw new OfpError('OFPBRC_BAD_LEN');
  }
  if (!cont) return;
  let tableId = 0;
  let cookie = 0n;
  const c = pin.continuation;
  while (cont.remaining) {
    const p = pullProp(cont);
    const b = p.body;
    switch (p.type) {
      case 0x8000: if (b.remaining < 16) throw new OfpError('OFPBPC_BAD_LEN'); b.skip(b.remaining - 16); c.bridge = b.bytes(16).slice(); break;
      case 0x8001:
        if (b.remaining > 128) { log.warn(`NXCPT_STACK property has bad length ${b.remaining}`); throw new OfpError('OFPBPC_BAD_LEN'); }
        c.stack.unshift(b.rest().slice());
        break;
      case 0x8002: if (b.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN'); c.mirrors = b.u32(); break;
      case 0x8003: c.conntracked = true; break;
      case 0x8004: if (b.remaining < 1) throw new OfpError('OFPBPC_BAD_LEN'); tableId = b.u8(); break;
      case 0x8005: if (b.remaining !== 12) throw new OfpError('OFPBPC_BAD_LEN'); b.skip(4); cookie = b.u64(); break;
      case 0x8006: case 0x8007: {
        if (b.remaining < 4) { log.warn(`actions property has bad length ${p.raw.length}`); throw new OfpError('OFPBPC_BAD_LEN'); }
        b.skip(4);
        const acts = pullActions(b.data, b.pos, b.remaining - ((b.remaining) % 8), msg.version);
        if (p.type === 0x8006) c.actions.push({ tableId, cookie, acts });
        else c.actionSet = acts;
        break;
      }
      case 0x8008: if (b.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN'); c.odpPort = b.u32(); break;
      default: unknownProp(log, loose, 'continuation', p);
    }
  }
}

/* Placeholders until the decoder finds the real ones (most flavours carry
 * their own metadata match, so a blank one is made only when needed). */
const NO_METADATA = new Match();
const EMPTY = new Uint8Array(0);

/** Decodes any packet-in flavour (and NXT_RESUME). */
export function decodePacketIn(msg: OfpMsg, loose = true): PacketIn {
  const pin: PacketIn = {
    packet: EMPTY, totalLen: 0, bufferId: 0xffffffff, reason: 0, tableId: 0, cookie: U64_MAX,
    metadata: NO_METADATA, userdata: null, continuation: emptyContinuation(),
  };
  const r = new OfpReader(msg.data, msg.hdrsLen);
  switch (msg.info.raw) {
    case 'OFPT12_PACKET_IN': case 'OFPT13_PACKET_IN': {
      pin.bufferId = r.u32();
      pin.totalLen = r.u16();
      pin.reason = r.u8();
      pin.tableId = r.u8();
      if (msg.info.raw === 'OFPT13_PACKET_IN') pin.cookie = r.u64();
      if (r.remaining < 4) throw new OfpError('OFPBMC_BAD_LEN');
      const type = r.peek16(0), len = r.peek16(2);
      if (type !== 1 || len < 4) throw new OfpError(type !== 1 ? 'OFPBMC_BAD_TYPE' : 'OFPBMC_BAD_LEN');
      const padded = (len + 7) & ~7;
      r.need(padded);
      pin.metadata = decodeOxmEntries(r.data, r.pos + 4, len - 4, true);
      r.pos += padded;
      r.skip(2);
      pin.packet = r.rest();
      break;
    }
    case 'OFPT10_PACKET_IN': {
      pin.bufferId = r.u32();
      pin.totalLen = r.u16();
      pin.metadata = new Match();
      setField(pin.metadata, 'in_port', r.u16(), 2);
      pin.reason = r.u8();
      r.skip(1);
      pin.packet = r.rest();
      break;
    }
    case 'OFPT11_PACKET_IN': {
      pin.bufferId = r.u32();
      const inPort = portFromOfp11(r.u32());
      r.skip(4);
      pin.totalLen = r.u16();
      pin.reason = r.u8();
      pin.tableId = r.u8();
      pin.metadata = new Match();
      setField(pin.metadata, 'in_port', inPort, 2);
      pin.packet = r.rest();
      break;
    }
    case 'NXT_PACKET_IN': {
      pin.bufferId = r.u32();
      pin.totalLen = r.u16();
      pin.reason = r.u8();
      pin.tableId = r.u8();
      pin.cookie = r.u64();
      const matchLen = r.u16();
      r.skip(6);
      pin.metadata = pullNxMatch(r, matchLen).match;
      r.skip(2);
      pin.packet = r.rest();
      break;
    }
    default:
      decodePacketIn2(msg, loose, pin);
  }
  if (pin.metadata === NO_METADATA) pin.metadata = new Match();
  return pin;
}

function hexArg(d: Uint8Array): string {
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('.');
}

function formatUuid(b: Uint8Array): string {
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function formatStackValue(v: Uint8Array): string {
  // mf_subvalue_format: hex of the value without leading zero bytes.
  let i = 0;
  while (i < v.length - 1 && !v[i]) i++;
  let s = '0x' + v[i]!.toString(16);
  for (i++; i < v.length; i++) s += v[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Packet-in text after the header. */
export function formatPacketInText(pin: PacketIn, verbosity: number): string {
  let s = '';
  if (pin.tableId) s += ` table_id=${pin.tableId}`;
  if (pin.cookie !== U64_MAX) s += ` cookie=0x${pin.cookie.toString(16)}`;
  s += ` total_len=${pin.totalLen} ` + matchToString(pin.metadata, OFP_DEFAULT_PRIORITY);
  s += ` (via ${packetInReasonToString(pin.reason)}) data_len=${pin.packet.length}`;
  if (pin.bufferId === 0xffffffff) {
    s += ' (unbuffered)';
    if (pin.totalLen !== pin.packet.length) s += ' (***total_len != data_len***)';
  } else {
    s += ` buffer=0x${pin.bufferId.toString(16).padStart(8, '0')}`;
    if (pin.totalLen < pin.packet.length) s += ' (***total_len < data_len***)';
  }
  s += '\n';
  if (pin.userdata && pin.userdata.length) s += ` userdata=${hexArg(pin.userdata)}\n`;
  const c = pin.continuation;
  if (c.bridge && c.bridge.some((b) => b)) s += ` continuation.bridge=${formatUuid(c.bridge)}\n`;
  if (c.stack.length) s += ' continuation.stack=(top) ' + c.stack.map(formatStackValue).join(' ') + ' (bottom)\n';
  if (c.mirrors) s += ` continuation.mirrors=0x${c.mirrors.toString(16)}\n`;
  if (c.conntracked) s += ' continuation.conntracked=true\n';
  if (c.actions.length) {
    s += ' continuation.actions=' + c.actions.map((g) => formatOfpacts(g.acts)).join(',') + '\n';
  }
  if (c.actionSet) s += ' continuation.action_set=' + formatOfpacts(c.actionSet) + '\n';
  if (c.odpPort) s += ` continuation.odp_port=${c.odpPort}\n`;
  if (verbosity > 0) s += packetToString(pin.packet, get32(pin.metadata.flow, FL.PACKET_TYPE));
  if (verbosity > 2) s += hexDump(pin.packet, 0, false);
  return s;
}

export function formatPacketInMsg(ds: Ds, msg: OfpMsg, verbosity: number): void {
  ds.put(formatPacketInText(decodePacketIn(msg, true), verbosity));
}

/** The reason code to send in 'version' for reason 'r'. */
function wireReason(r: number, v: number): number {
  if (r >= 3 && r <= 5) return v < 5 ? 1 : r;
  if (r === 6) return v < 4 ? 1 : 0;
  if (r === 7) return 0;
  return r;
}

/** Encodes a packet-in.  'format': 0 standard, 1 NXT_PACKET_IN, 2 NXT_PACKET_IN2. */
export function encodePacketIn(pin: PacketIn, version: number, format = 0, maxLen = 0xffff): Uint8Array {
  const include = Math.min(pin.packet.length, maxLen);
  const data = include === pin.packet.length ? pin.packet : pin.packet.subarray(0, include);
  const reasonFor = (v: number): number => wireReason(pin.reason, v);
  if (format === 2) {
    const w = startMsg('NXT_PACKET_IN2', version, 0);
    let a = startProp(w, 0); w.bytes(data); endProp(w, a);
    if (include !== pin.packet.length) { a = startProp(w, 1); w.u32(pin.packet.length); endProp(w, a); }
    if (pin.bufferId !== 0xffffffff) { a = startProp(w, 2); w.u32(pin.bufferId); endProp(w, a); }
    a = startProp(w, 3); w.u8(pin.tableId); endProp(w, a);
    if (pin.cookie !== U64_MAX) { a = startProp(w, 4); w.zeros(4).u64(pin.cookie); endProp(w, a); }
    a = startProp(w, 5); w.u8(reasonFor(version)); endProp(w, a);
    a = startProp(w, 6); putOxmEntries(w, pin.metadata, version); endProp(w, a);
    if (pin.userdata && pin.userdata.length) { a = startProp(w, 7); w.bytes(pin.userdata); endProp(w, a); }
    return w.finishMsg();
  }
  if (format === 1) {
    const w = startMsg('NXT_PACKET_IN', version, 0);
    const start = w.len;
    w.u32(pin.bufferId).u16(pin.packet.length).u8(reasonFor(version)).u8(pin.tableId)
      .u64(pin.cookie).u16(0).zeros(6);
    w.set16(start + 16, putNxMatch(w, pin.metadata));
    w.zeros(2).bytes(data);
    return w.finishMsg();
  }
  if (version === 1) {
    const inPort = get32(pin.metadata.flow, FL.IN_PORT) & 0xffff;
    return startMsg('OFPT10_PACKET_IN', 1, 0).u32(pin.bufferId).u16(pin.packet.length).u16(inPort)
      .u8(reasonFor(1)).zeros(1).bytes(data).finishMsg();
  }
  if (version === 2) {
    const inPort = get32(pin.metadata.flow, FL.IN_PORT) & 0xffff;
    return startMsg('OFPT11_PACKET_IN', 2, 0).u32(pin.bufferId).u32(portToOfp11(inPort)).u32(portToOfp11(inPort))
      .u16(pin.packet.length).u8(reasonFor(2)).u8(pin.tableId).bytes(data).finishMsg();
  }
  const w = startMsg(version === 3 ? 'OFPT12_PACKET_IN' : 'OFPT13_PACKET_IN', version, 0);
  w.u32(pin.bufferId).u16(pin.packet.length).u8(reasonFor(version)).u8(pin.tableId);
  if (version >= 4) w.u64(pin.cookie);
  putOfp11Match(w, pin.metadata, version);
  w.zeros(2).bytes(data);
  return w.finishMsg();
}

/* ---- packet-out ---- */

/** A packet-out request. */
export interface PacketOut { bufferId: number; metadata: Match; ofpacts: Ofpacts; packet: Uint8Array }

export function decodePacketOut(msg: OfpMsg): PacketOut {
  const r = new OfpReader(msgBody(msg));
  const v = msg.version;
  let po: PacketOut;
  if (msg.info.raw === 'OFPT15_PACKET_OUT') {
    const bufferId = r.u32(), actionsLen = r.u16();
    r.skip(2);
    if (r.remaining < 4) throw new OfpError('OFPBMC_BAD_LEN');
    const type = r.peek16(0), len = r.peek16(2);
    if (type !== 1) throw new OfpError('OFPBMC_BAD_TYPE');
    if (len < 4) throw new OfpError('OFPBMC_BAD_LEN');
    const padded = (len + 7) & ~7;
    r.need(padded);
    const metadata = decodeOxmEntries(r.data, r.pos + 4, len - 4, true, true);
    r.pos += padded;
    const f = mfFromName('in_port')!;
    if (!((metadata.wc[f.off]! | metadata.wc[f.off + 1]! | metadata.wc[f.off + 2]! | metadata.wc[f.off + 3]!))) {
      throw new OfpError('OFPBRC_BAD_PORT');
    }
    r.need(actionsLen);
    const ofpacts = pullActions(r.data, r.pos, actionsLen, v);
    r.pos += actionsLen;
    po = { bufferId, metadata, ofpacts, packet: new Uint8Array(0) };
  } else {
    const bufferId = r.u32();
    const inPort = v === 1 ? r.u16() : portFromOfp11(r.u32());
    const actionsLen = r.u16();
    if (v !== 1) r.skip(6);
    const metadata = new Match();
    setField(metadata, 'packet_type', 0, 4);
    setField(metadata, 'in_port', inPort, 2);
    r.need(actionsLen);
    const ofpacts = pullActions(r.data, r.pos, actionsLen, v);
    r.pos += actionsLen;
    po = { bufferId, metadata, ofpacts, packet: new Uint8Array(0) };
  }
  const inPort = get32(po.metadata.flow, FL.IN_PORT) & 0xffff;
  if (inPort >= OFPP_MAX && inPort !== OFPP_LOCAL && inPort !== OFPP_NONE && inPort !== OFPP_CONTROLLER) {
    log.warn(`packet-out has bad input port 0x${inPort.toString(16)}`);
    throw new OfpError('OFPBRC_BAD_PORT');
  }
  if (po.bufferId === 0xffffffff) po.packet = r.rest();
  return po;
}

/** Encodes a packet-out for 'version'. */
export function encodePacketOut(po: PacketOut, version: number, xid = 0): Uint8Array {
  const inPort = get32(po.metadata.flow, FL.IN_PORT) & 0xffff;
  let w: OfpWriter;
  if (version === 1) {
    w = startMsg('OFPT10_PACKET_OUT', 1, xid);
    const start = w.len;
    w.u32(po.bufferId).u16(inPort).u16(0);
    const as = w.len;
    putActions(w, po.ofpacts, 1);
    w.set16(start + 6, w.len - as);
  } else if (version <= 5) {
    w = startMsg('OFPT11_PACKET_OUT', version, xid);
    const start = w.len;
    w.u32(po.bufferId).u32(portToOfp11(inPort)).u16(0).zeros(6);
    const as = w.len;
    putActions(w, po.ofpacts, version);
    w.set16(start + 8, w.len - as);
  } else {
    w = startMsg('OFPT15_PACKET_OUT', version, xid);
    const start = w.len;
    w.u32(po.bufferId).u16(0).zeros(2);
    putOfp11Match(w, po.metadata, version);
    const as = w.len;
    putActions(w, po.ofpacts, version);
    w.set16(start + 4, w.len - as);
  }
  if (po.bufferId === 0xffffffff) w.bytes(po.packet);
  return w.finishMsg();
}

/** Packet-out text after the header. */
export function formatPacketOutText(po: PacketOut, verbosity: number): string {
  let s = ' ' + matchToString(po.metadata, OFP_DEFAULT_PRIORITY) + ' actions=' + formatOfpacts(po.ofpacts);
  if (po.bufferId === 0xffffffff) {
    s += ` data_len=${po.packet.length}`;
    if (verbosity > 0 && po.packet.length > 0) s += '\n' + packetToString(po.packet, get32(po.metadata.flow, FL.PACKET_TYPE));
    if (verbosity > 2) s += hexDump(po.packet, 0, false);
  } else {
    s += ` buffer=0x${po.bufferId.toString(16).padStart(8, '0')}`;
  }
  return s;
}

export function formatPacketOutMsg(ds: Ds, msg: OfpMsg, verbosity: number): void {
  ds.put(formatPacketOutText(decodePacketOut(msg), verbosity));
}

/** A packet-out with no actions ("drop"), for tests and probes. */
export function emptyPacketOut(version: number): PacketOut {
  return { bufferId: 0xffffffff, metadata: new Match(), ofpacts: emptyOfpacts(version), packet: new Uint8Array(0) };
}

/** Parses packet-out text ("in_port=1 packet=HEX actions=...") as
 * ovs-ofctl packet-out does; returns the request and usable protocols, or
 * an error text. */
export function parsePacketOutStr(text: string, opts: { ports?: PortNames; tables?: ReadonlyMap<number, string> } = {}):
  { po: PacketOut; usable: number } | string {
  const metadata = new Match();
  setField(metadata, 'in_port', OFPP_CONTROLLER, 2);
  const usable = { p: 0x1ff };
  const ex = extractActions(text);
  const string = ex ? ex.before : text;
  let packet: Uint8Array | null = null;
  const cur: KvCursor = { s: string, pos: 0 };
  for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) {
    const { key, value } = kv;
    if (!value) return `field ${key} missing value`;
    if (key === 'in_port') {
      const p = parsePort(value, opts.ports);
      if (p === undefined) return `${value} is not a valid OpenFlow port`;
      if (p > OFPP_MAX && p !== OFPP_LOCAL && p !== OFPP_NONE && p !== OFPP_CONTROLLER) {
        return `${value} is not a valid OpenFlow port for PACKET_OUT`;
      }
      setField(metadata, 'in_port', p, 2);
    } else if (key === 'packet_type') {
      const comma = value.indexOf(',');
      if (comma < 0) return `${key}(${value}) can't be interpreted`;
      const ns = Number.parseInt(value.slice(0, comma)) >>> 0, t = Number.parseInt(value.slice(comma + 1)) >>> 0;
      setField(metadata, 'packet_type', ((ns << 16) | (t & 0xffff)) >>> 0, 4);
    } else if (key === 'packet') {
      const bytes: number[] = [];
      let i = 0;
      for (;;) {
        while (i < value.length && ' .\t\r\n'.includes(value[i]!)) i++;
        const p = value.substr(i, 2);
        if (!/^[0-9a-fA-F]{2}$/.test(p)) break;
        bytes.push(parseInt(p, 16));
        i += 2;
      }
      if (i < value.length) return `${key}: Trailing garbage in packet data`;
      if (bytes.length < 14) return `${key}: Packet data too short for Ethernet`;
      packet = Uint8Array.from(bytes);
    } else {
      const f = mfFromName(key);
      if (!f) return `unknown keyword ${key}`;
      const err = parseField(metadata, f, value, opts.ports ?? null, usable);
      if (err) return err;
      if (!mfIsPipelineField(f)) return `${key} is not a valid pipeline field for PACKET_OUT`;
    }
  }
  if (!packet || !packet.length) return 'must specify packet';
  let ofpacts = emptyOfpacts(1);
  if (ex) {
    const pa = parseActions(ex.actions, { ports: opts.ports, tables: opts.tables });
    if (typeof pa === 'string') return pa;
    ofpacts = ofpactsFrom(pa.ofpacts, 1);
  }
  return { po: { bufferId: 0xffffffff, metadata, ofpacts, packet }, usable: usable.p };
}

/* ---- NXT_RESUME ---- */

const NXPINT_CONTINUATION = 0x8000;

/** The raw NXPINT_CONTINUATION property (header and padding included) of
 * an NXT_PACKET_IN2 message, or null if it has none. */
export function packetInContinuationProp(msg: Uint8Array): Uint8Array | null {
  if (msg.length < 16) return null;
  let pos = 16;
  while (pos + 4 <= msg.length) {
    const type = (msg[pos]! << 8) | msg[pos + 1]!, len = (msg[pos + 2]! << 8) | msg[pos + 3]!;
    if (len < 4) return null;
    const padded = (len + 7) & ~7;
    if (type === NXPINT_CONTINUATION) return msg.subarray(pos, Math.min(pos + padded, msg.length));
    pos += padded;
  }
  return null;
}

/** NXT_RESUME for packet-in 'pin' with the continuation property
 * 'continuation' (as packetInContinuationProp returns it). */
export function encodeResume(pin: PacketIn, version: number, continuation: Uint8Array): Uint8Array {
  const body = encodePacketIn({ ...pin, userdata: pin.userdata }, version, 2);
  const w = startMsg('NXT_RESUME', version, 0);
  w.bytes(body.subarray(16)).bytes(continuation);
  return w.finishMsg();
}
