/* ofp-ct: Nicira connection-tracking flush requests: NXT_CT_FLUSH_ZONE and
 * NXT_CT_FLUSH with its original/reply tuple properties. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { pullProp, startProp, endProp } from './ofp-prop.js';
import { formatIpv6, parseIp, parseIpv6 } from './addr-text.js';
import { parseKeyValue, strToU8, strToU16, type KvCursor } from './ofp-parse.js';
import type { Ds } from '../lib/dynamic-string.js';

const AF_INET = 2, AF_INET6 = 10;
const IPPROTO_ICMP = 1, IPPROTO_ICMPV6 = 58;

/** One direction of a connection: addresses (IPv6 or v4-mapped) and ports. */
export interface CtTuple { src: Uint8Array; dst: Uint8Array; srcPort: number; dstPort: number; icmpId: number; icmpType: number; icmpCode: number }
/** What a CT flush selects. */
export interface CtMatch { ipProto: number; l3Type: number; orig: CtTuple; reply: CtTuple }

/** An all-zero tuple. */
export function emptyCtTuple(): CtTuple {
  return { src: new Uint8Array(16), dst: new Uint8Array(16), srcPort: 0, dstPort: 0, icmpId: 0, icmpType: 0, icmpCode: 0 };
}

function isZero(b: Uint8Array): boolean { return b.every((x) => x === 0); }
function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i]) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
function formatMapped(b: Uint8Array): string {
  return isV4Mapped(b) ? `${b[12]}.${b[13]}.${b[14]}.${b[15]}` : formatIpv6(b);
}

function formatTuple(t: CtTuple, proto: number, l3: number): string {
  const v4 = l3 === AF_INET;
  let s = (v4 ? 'ct_nw_src=' : 'ct_ipv6_src=') + formatMapped(t.src) + (v4 ? ',ct_nw_dst=' : ',ct_ipv6_dst=') + formatMapped(t.dst);
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) s += `,icmp_id=${t.icmpId},icmp_type=${t.icmpType},icmp_code=${t.icmpCode}`;
  else s += `,ct_tp_src=${t.srcPort},ct_tp_dst=${t.dstPort}`;
  return s;
}

/** A CT match as ovs-ofctl prints it: two quoted tuples. */
export function formatCtMatch(m: CtMatch): string {
  return `'${formatTuple(m.orig, m.ipProto, m.l3Type)},ct_nw_proto=${m.ipProto}' '${formatTuple(m.reply, m.ipProto, m.l3Type)}'`;
}

function decodeTuple(body: OfpReader, t: CtTuple, m: CtMatch): void {
  // Nested properties start 8 bytes into the outer property.
  if (body.remaining < 4) throw new OfpError('OFPBPC_BAD_LEN');
  body.skip(4);
  while (body.remaining) {
    const p = pullProp(body);
    const b = p.body;
    const need = (n: number): void => { if (b.remaining < n) throw new OfpError('OFPBPC_BAD_LEN'); };
    switch (p.type) {
      case 0: case 1: {
        need(16);
        const a = b.bytes(16).slice();
        if (p.type === 0) t.src = a; else t.dst = a;
        const l3 = isZero(a) ? 0 : isV4Mapped(a) ? AF_INET : AF_INET6;
        if (m.l3Type && l3 && m.l3Type !== l3) throw new OfpError('OFPBPC_BAD_VALUE');
        m.l3Type = l3;
        break;
      }
      case 2: need(2); t.srcPort = b.u16(); break;
      case 3: need(2); t.dstPort = b.u16(); break;
      case 4: need(2); t.icmpId = b.u16(); break;
      case 5: need(1); t.icmpType = b.u8(); break;
      case 6: need(1); t.icmpCode = b.u8(); break;
      default: break;
    }
  }
}

/** Decodes NXT_CT_FLUSH into its match and zone. */
export function decodeCtFlush(msg: OfpMsg): { match: CtMatch; zone: number | null } {
  const r = new OfpReader(msgBody(msg));
  const ipProto = r.u8();
  const pad = r.bytes(7);
  if (!isZero(pad)) throw new OfpError('NXBRC_MUST_BE_ZERO');
  const m: CtMatch = { ipProto, l3Type: 0, orig: emptyCtTuple(), reply: emptyCtTuple() };
  let zone: number | null = null;
  while (r.remaining) {
    const p = pullProp(r);
    if (p.type === 0) decodeTuple(p.body, m.orig, m);
    else if (p.type === 1) decodeTuple(p.body, m.reply, m);
    else if (p.type === 2) {
      if (p.body.remaining < 2) throw new OfpError('OFPBPC_BAD_LEN');
      zone = p.body.u16();
    }
  }
  return { match: m, zone };
}

function putTuple(w: OfpWriter, type: number, t: CtTuple, proto: number): void {
  const at = startProp(w, type);
  w.zeros(4);
  const put16 = (ty: number, v: number): void => { const a = startProp(w, ty); w.u16(v); endProp(w, a); };
  if (!isZero(t.src)) { const a = startProp(w, 0); w.bytes(t.src); endProp(w, a); }
  if (!isZero(t.dst)) { const a = startProp(w, 1); w.bytes(t.dst); endProp(w, a); }
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    put16(4, t.icmpId);
    const a5 = startProp(w, 5); w.u8(t.icmpType); endProp(w, a5);
    const a6 = startProp(w, 6); w.u8(t.icmpCode); endProp(w, a6);
  } else {
    if (t.srcPort) put16(2, t.srcPort);
    if (t.dstPort) put16(3, t.dstPort);
  }
  endProp(w, at);
}

/** Encodes NXT_CT_FLUSH. */
export function encodeCtFlush(m: CtMatch, zone: number | null, version: number, xid = 0): Uint8Array {
  const w = startMsg('NXT_CT_FLUSH', version, xid);
  w.u8(m.ipProto).zeros(7);
  putTuple(w, 0, m.orig, m.ipProto);
  putTuple(w, 1, m.reply, m.ipProto);
  if (zone !== null) { const a = startProp(w, 2); w.u16(zone); endProp(w, a); }
  return w.finishMsg();
}

export function formatCtFlush(ds: Ds, msg: OfpMsg): void {
  const { match, zone } = decodeCtFlush(msg);
  ds.put(` zone=${zone ?? 0} ` + formatCtMatch(match));
}

/** Zone of NXT_CT_FLUSH_ZONE. */
export function decodeCtFlushZone(msg: OfpMsg): number {
  const r = new OfpReader(msgBody(msg));
  r.skip(6);
  return r.u16();
}
export function encodeCtFlushZone(zone: number, version: number, xid = 0): Uint8Array {
  return startMsg('NXT_CT_FLUSH_ZONE', version, xid).zeros(6).u16(zone).finishMsg();
}
export function formatCtFlushZone(ds: Ds, msg: OfpMsg): void {
  ds.put(` zone_id=${decodeCtFlushZone(msg)}`);
}

/** Parses one ct tuple ("ct_nw_src=10.1.1.1,ct_nw_proto=17,ct_tp_src=1")
 * into 'm' (orig or reply side); returns an error text or null. */
export function parseCtTuple(s: string, m: CtMatch, reply: boolean): string | null {
  const t = reply ? m.reply : m.orig;
  const cur: KvCursor = { s, pos: 0 };
  for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) {
    const { key, value } = kv;
    if (!value) return `field ${key} missing value`;
    const fail = (): string => `failed to parse field ${key}`;
    if (key === 'ct_nw_src' || key === 'ct_nw_dst') {
      const src = key[6] === 's';
      if (m.l3Type && m.l3Type !== AF_INET) return `the L3 protocol does not match ${value}`;
      if (!isZero(src ? t.src : t.dst)) return `${key} is set multiple times`;
      const ip = parseIp(value);
      if (ip === undefined) return fail();
      m.l3Type = AF_INET;
      const a = new Uint8Array(16);
      a[10] = 0xff; a[11] = 0xff;
      a[12] = ip >>> 24; a[13] = (ip >>> 16) & 255; a[14] = (ip >>> 8) & 255; a[15] = ip & 255;
      if (src) t.src = a; else t.dst = a;
    } else if (key === 'ct_ipv6_src' || key === 'ct_ipv6_dst') {
      const src = key[8] === 's';
      if (m.l3Type && m.l3Type !== AF_INET6) return `the L3 protocol does not match ${value}`;
      if (!isZero(src ? t.src : t.dst)) return `${key} is set multiple times`;
      const a = parseIpv6(value);
      if (!a) return fail();
      m.l3Type = AF_INET6;
      if (src) t.src = a; else t.dst = a;
    } else if (key === 'ct_nw_proto') {
      const v = strToU8(value, key);
      if (typeof v === 'string') return fail();
      m.ipProto = v;
    } else if (key === 'ct_tp_src' || key === 'ct_tp_dst') {
      const v = strToU16(value, key);
      if (typeof v === 'string') return fail();
      if (key[6] === 's') t.srcPort = v; else t.dstPort = v;
    } else if (key === 'icmp_type' || key === 'icmp_code' || key === 'icmp_id') {
      if (m.ipProto !== IPPROTO_ICMP && m.ipProto !== IPPROTO_ICMPV6) return 'invalid L4 fields';
      const v = key[5] === 'i' ? strToU16(value, key) : strToU8(value, key);
      if (typeof v === 'string') return fail();
      if (key[5] === 't') t.icmpType = v;
      else if (key[5] === 'c') t.icmpCode = v;
      else t.icmpId = v;
    } else {
      return `invalid conntrack tuple field: ${key}`;
    }
  }
  if (!m.ipProto && (t.srcPort || t.dstPort)) return 'port is set without protocol';
  return null;
}
