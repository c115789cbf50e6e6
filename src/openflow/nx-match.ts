/* nx-match: NXM and OXM, the TLV encodings of matches and field values.
 *
 * An entry is a 32-bit header (class:16, field:7, hasmask:1, length:8),
 * plus a 32-bit experimenter ID when class is 0xffff, followed by the value
 * and, when hasmask, a mask of the same size.  NXM (Nicira, OpenFlow 1.0
 * extension) and OXM (OpenFlow 1.2+) share the format; OXM matches sit in
 * an ofp_match of type OFPMT_OXM (4-byte header) padded to 8 bytes.
 *
 * Decoding follows nx_pull_match / oxm_pull_match: entries are checked for
 * length, mask consistency, valid values and masks, prerequisites (strict
 * mode), and duplicates; errors are OfpError values (OFPBMC_*).  Encoding
 * follows nx_put_raw, whose field order is part of the wire behaviour.
 *
 * API: nxPullMatch, nxPutMatch (NXM, with optional cookie pseudo-field),
 * oxmPullMatch, oxmPutMatch, oxmDecodeMatch (raw OXM TLVs), nxPullEntry /
 * nxPutEntry (one field value, for set_field), nxPullHeader / nxPutHeader,
 * mfNxmHeader (32-bit NXM header of a field), nxmFieldByName,
 * nxMatchToString / nxMatchFromString (ovs-ofctl parse-nx-match syntax),
 * parseSubfield / formatSubfield ("NXM_OF_IP_SRC[0..15]"), mfReadSubfield /
 * mfWriteSubfieldFlow / mfMaskSubfield (subfields of a packet's flow).
 */
import {
  type MfField, MF, MF_FIELDS, mfFromId, mfFromName, mfGetValue, mfIsAllWild, mfIsMaskValid,
  mfIsValueValid, mfAreMatchPrereqsOk, mfIsPipelineField, mfSet, matchAddEthernetPrereq, P,
  mfSetFlowValue, mfMaskFieldMasked, mfGetInt,
} from './meta-flow.js';
import { Match } from './match.js';
import { OfpError, type OfpErrName } from './ofp-errors.js';
import type { OfpWriter } from './ofp-buffer.js';
import { WireBuf, insertBytes } from './wire-buf.js';
import {
  FL, get16, get32, put16, isAllOnes, isAllZeros, flowDlType, ETH_TYPE_IP, ETH_TYPE_IPV6,
  ETH_TYPE_ARP, ETH_TYPE_RARP, ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST, IPPROTO_TCP, IPPROTO_UDP,
  IPPROTO_SCTP, IPPROTO_ICMP, IPPROTO_ICMPV6, FLOW_NW_FRAG_MASK, VLAN_VID_MASK, VLAN_CFI,
  ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT, PT_ETH,
} from './flow.js';
import { parseIntString } from './addr-text.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';

const log = vlogModule('nx_match');
/** nx_match parse errors indicate a peer bug; OVS shows few of them. */
const rl = new RateLimit(1, 5);

/** A header as OVS prints it in logs: vendor:class:field:hasmask:length. */
function headerText(h: NxmHeader): string {
  return `${h.vendor ? '0x' + h.vendor.toString(16) : '0'}:${h.cls}:${h.field}:${h.hasmask ? 1 : 0}:${h.len}`;
}

export const OFPXMC_NXM_0 = 0x0000;
export const OFPXMC_NXM_1 = 0x0001;
export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPXMC_PACKET_REGS = 0x8001;
export const OFPXMC_EXPERIMENTER = 0xffff;
export const OFPMT_STANDARD = 0;
export const OFPMT_OXM = 1;

/** An NXM/OXM header split into its parts. */
export interface NxmHeader {
  cls: number;
  field: number;
  hasmask: boolean;
  /** The header's length byte (payload bytes, plus 4 for experimenter OXMs). */
  len: number;
  /** Experimenter ID (class 0xffff only), else 0. */
  vendor: number;
}

const expLen = (h: NxmHeader): number => (h.cls === OFPXMC_EXPERIMENTER ? 4 : 0);
/** Bytes following the header. */
export const nxmPayloadLen = (h: NxmHeader): number => h.len - expLen(h);
/** Bytes of the header itself (4 or 8). */
export const nxmHeaderLen = (h: NxmHeader): number => 4 + expLen(h);
/** Width of the value in an entry with header 'h'. */
export const nxmFieldBytes = (h: NxmHeader): number =>
  (h.hasmask ? Math.floor(nxmPayloadLen(h) / 2) : nxmPayloadLen(h));

function makeExact(h: NxmHeader): NxmHeader {
  return { ...h, hasmask: false, len: Math.floor(nxmPayloadLen(h) / 2) + expLen(h) };
}
function makeWild(h: NxmHeader): NxmHeader {
  return { ...h, hasmask: true, len: nxmPayloadLen(h) * 2 + expLen(h) };
}

/** One known code point. */
export interface NxmField { header: NxmHeader; version: number; name: string; id: MF }

/** Numeric identity of a code point: class and field, plus vendor for experimenter OXMs. */
const keyOf = (h: NxmHeader): number =>
  (h.cls === OFPXMC_EXPERIMENTER ? (h.vendor >>> 0) * 0x800000 : 0) + h.cls * 128 + h.field;
const byKey = new Map<number, NxmField>();
const byNameMap = new Map<string, NxmField>();
const byMf: NxmField[][] = MF_FIELDS.map(() => []);
for (const f of MF_FIELDS) {
  for (const o of f.oxm) {
    const nf: NxmField = {
      header: { cls: o.cls, field: o.field, hasmask: false, len: o.len, vendor: o.vendor },
      version: o.version, name: o.name, id: f.id,
    };
    byKey.set(keyOf(nf.header), nf);
    byNameMap.set(nf.name, nf);
    byMf[f.id]!.push(nf);
  }
}

/** The NXM_NX_COOKIE pseudo-field header. */
export const NXM_NX_COOKIE: NxmHeader = { cls: 1, field: 30, hasmask: false, len: 8, vendor: 0 };

function headerEq(a: NxmHeader, b: NxmHeader): boolean {
  return a.cls === b.cls && a.field === b.field && a.hasmask === b.hasmask && a.len === b.len
    && (a.cls !== OFPXMC_EXPERIMENTER || a.vendor === b.vendor);
}
const isCookieHeader = (h: NxmHeader): boolean =>
  headerEq(h, NXM_NX_COOKIE) || headerEq(h, makeWild(NXM_NX_COOKIE));

/** nxmFieldByMfId's answers per version (0 = prefer NXM, 1..6 wire versions). */
const byMfVersion: (NxmField | null | undefined)[][] = [[], [], [], [], [], [], []];

/** The code point to use for field 'id' in OpenFlow 'version' (0: prefer NXM). */
export function nxmFieldByMfId(id: MF, version: number): NxmField | undefined {
  const cache = byMfVersion[version];
  if (cache) {
    const c = cache[id];
    if (c !== undefined) return c ?? undefined;
  }
  let f: NxmField | undefined;
  for (const e of byMf[id]!) if (!f || version >= e.version) f = e;
  if (cache) cache[id] = f ?? null;
  return f;
}

/** The code point named 'name' ("NXM_OF_ETH_SRC", "OXM_OF_IPV4_DST"...). */
export function nxmFieldByName(name: string): NxmField | undefined { return byNameMap.get(name); }

const NOT_FOUND: { nf?: NxmField; err?: OfpErrName } = {};

function nxmFieldByHeader(h: NxmHeader, isAction: boolean): { nf?: NxmField; err?: OfpErrName } {
  const len = h.hasmask ? Math.floor(nxmPayloadLen(h) / 2) + expLen(h) : h.len;
  const e = byKey.get(keyOf(h));
  if (!e) return NOT_FOUND;
  let err: OfpErrName | undefined;
  if (isAction && len > 0 && len !== e.header.len) err = 'OFPBAC_BAD_SET_LEN';
  if (len === e.header.len || mfFromId(e.id).variable) return err ? { nf: e, err } : { nf: e };
  return { err };
}

/** The field a header denotes, or undefined. */
export function mfFromNxmHeader(h: NxmHeader): MfField | undefined {
  const r = nxmFieldByHeader(h, false);
  return r.nf ? mfFromId(r.nf.id) : undefined;
}

/** The 32-bit NXM/OXM header of 'f' preferring NXM (0 if none or experimenter). */
export function mfNxmHeader(id: MF): number {
  const nf = nxmFieldByMfId(id, 0);
  if (!nf || nf.header.cls === OFPXMC_EXPERIMENTER) return 0;
  return headerToU32(nf.header);
}

export function headerToU32(h: NxmHeader): number {
  return ((h.cls << 16) | (h.field << 9) | (h.hasmask ? 0x100 : 0) | h.len) >>> 0;
}
export function headerFromU32(x: number): NxmHeader {
  return { cls: x >>> 16, field: (x >>> 9) & 0x7f, hasmask: ((x >>> 8) & 1) === 1, len: x & 0xff, vendor: 0 };
}

function readHeader(d: Uint8Array, pos: number): NxmHeader {
  const h = headerFromU32(get32(d, pos));
  if (h.cls === OFPXMC_EXPERIMENTER) h.vendor = get32(d, pos + 4);
  return h;
}

/** Writes header 'h' (8 bytes for experimenter OXMs). */
export function putHeader(b: OfpWriter, h: NxmHeader): void {
  b.u32(headerToU32(h));
  if (h.cls === OFPXMC_EXPERIMENTER) b.u32(h.vendor);
}

/* ---- Decoding. ---- */

/** A decoded header: the field (or null), the header, where the payload starts. */
interface PulledHeader { h: NxmHeader; field: MfField | null; pos: number; err?: OfpErrName }

function pullHeader(d: Uint8Array, pos: number, end: number, allowCookie: boolean, isAction: boolean):
  PulledHeader | OfpError {
  if (end - pos < 4) return new OfpError('OFPBMC_BAD_LEN', 'partial OXM entry');
  let h = headerFromU32(get32(d, pos));
  if (h.cls === OFPXMC_EXPERIMENTER) {
    if (end - pos < 8) return new OfpError('OFPBMC_BAD_LEN', 'partial OXM entry');
    h = { ...h, vendor: get32(d, pos + 4) };
  }
  if (h.len < expLen(h)) {
    log.warnRl(rl, () => `OXM header ${headerText(h)} has invalid length ${h.len} (minimum is ${nxmHeaderLen(h)})`);
    return new OfpError('OFPBMC_BAD_LEN', 'OXM header has invalid length');
  }
  pos += nxmHeaderLen(h);
  const r = nxmFieldByHeader(h, isAction);
  const field = r.nf ? mfFromId(r.nf.id) : null;
  if (!field && !(allowCookie && isCookieHeader(h))) {
    const err: OfpErrName = isAction ? (r.err ?? 'OFPBAC_BAD_SET_TYPE') : 'OFPBMC_BAD_FIELD';
    return { h, field: null, pos, err };
  }
  return { h, field, pos };
}

/** Shared all-ones masks by width: the mask of every exact entry (and so of
 * every exact set_field decoded).  Read-only: nobody may write into them. */
const ONES: Uint8Array[] = [];
function allOnes(n: number): Uint8Array {
  return ONES[n] ?? (ONES[n] = new Uint8Array(n).fill(0xff));
}

/** One decoded entry. */
export interface NxmEntry {
  header: NxmHeader;
  /** The field, or null for the cookie pseudo-field. */
  field: MfField | null;
  /** Value, field.nBytes long (right-aligned for variable-length fields). */
  value: Uint8Array;
  /** Mask (all ones when the entry has no mask: then a shared array that
   * must not be written; copy it to change it). */
  mask: Uint8Array;
  /** Offset just past the entry. */
  end: number;
}

function copyEntryValue(field: MfField | null, d: Uint8Array, at: number, width: number): Uint8Array {
  const n = field ? field.nBytes : Math.max(width, 8);
  const out = new Uint8Array(n);
  const len = Math.min(width, n);
  const to = field && field.variable ? n - len : 0;
  for (let i = 0; i < len; i++) out[to + i] = d[at + i]!;
  return out;
}

function pullEntry(d: Uint8Array, pos: number, end: number, allowCookie: boolean, isAction: boolean,
  allowMask: boolean): (NxmEntry & { err?: OfpErrName }) | OfpError {
  const ph = pullHeader(d, pos, end, allowCookie, isAction);
  if (ph instanceof OfpError) return ph;
  if (ph.err && ph.err !== 'OFPBMC_BAD_FIELD') return new OfpError(ph.err);
  const h = ph.h;
  const plen = nxmPayloadLen(h);
  if (end - ph.pos < plen) return new OfpError('OFPBMC_BAD_LEN', `OXM entry calls for ${plen}-byte payload`);
  const at = ph.pos;
  const width = nxmFieldBytes(h);
  if (h.hasmask) {
    for (let i = 0; i < width; i++) {
      if (d[at + i]! & ~d[at + width + i]!) {
        log.warnRl(rl, () => `Rejecting NXM/OXM entry ${headerText(h)} with 1-bits in value for bits wildcarded by the mask.`);
        return new OfpError('OFPBMC_BAD_WILDCARDS');
      }
    }
  }
  const value = copyEntryValue(ph.field, d, at, width);
  let mask: Uint8Array;
  if (h.hasmask) {
    if (!allowMask) return new OfpError('OFPBMC_BAD_MASK');
    mask = copyEntryValue(ph.field, d, at + width, width);
  } else {
    mask = allOnes(value.length);
  }
  return { header: h, field: ph.field, value, mask, end: ph.pos + plen, err: ph.err };
}

/** Decodes one entry (value and optional mask) at d[pos..end) for set_field-like uses. */
export function nxPullEntry(d: Uint8Array, pos: number, end: number, isAction: boolean, allowMask = true):
  NxmEntry | OfpError {
  if (end - pos >= 4) {
    // Common case first: an exact standard entry of a fixed-width field.
    const x = get32(d, pos);
    const key = stdIndex(x), len = x & 0xff;
    const f = key >= 0 && !(x & 0x100) ? stdField[key] : null;
    if (f && !f.variable && len === f.nBytes && len === stdLen[key] && pos + 4 + len <= end
      && !(f.id >= MF.TUN_METADATA0 && f.id <= MF.TUN_METADATA63)) {
      const value = new Uint8Array(len);
      for (let i = 0; i < len; i++) value[i] = d[pos + 4 + i]!;
      return { header: headerFromU32(x), field: f, value, mask: allOnes(len), end: pos + 4 + len };
    }
  }
  const e = pullEntry(d, pos, end, false, isAction, allowMask);
  if (e instanceof OfpError) return e;
  if (e.err) return new OfpError(e.err);
  return e;
}

/** Decodes one header at d[pos..end) (no payload); for move/learn-style actions. */
export function nxPullHeader(d: Uint8Array, pos: number, end: number, allowMask = false):
  { field: MfField; masked: boolean; end: number } | OfpError {
  const ph = pullHeader(d, pos, end, false, false);
  if (ph instanceof OfpError) return ph;
  if (ph.err || !ph.field) return new OfpError(ph.err ?? 'OFPBMC_BAD_FIELD');
  if (ph.h.hasmask && !allowMask) return new OfpError('OFPBMC_BAD_MASK');
  return { field: ph.field, masked: ph.h.hasmask, end: ph.pos };
}

/** Result of decoding a match. */
export interface PulledMatch { match: Match; cookie: bigint; cookieMask: bigint }

/** Options for decoding a match. */
export interface PullOptions {
  /** Skip unknown fields and do not check prerequisites ("loose"). */
  loose?: boolean;
  /** Reject non-pipeline fields (OFPBRC_PIPELINE_FIELDS_ONLY). */
  pipelineFieldsOnly?: boolean;
  /** Accept the NXM_NX_COOKIE pseudo-field (NXM flow mods and stats requests). */
  allowCookie?: boolean;
}

/** Decodes raw NXM/OXM entries d[pos..pos+len) into a match (nx_pull_raw). */
export function nxPullRaw(d: Uint8Array, pos: number, len: number, opts: PullOptions = {}): PulledMatch | OfpError {
  const strict = !opts.loose;
  const match = new Match();
  let cookie = 0n, cookieMask = 0n;
  const end = pos + len;
  if (end > d.length) return new OfpError('OFPBMC_BAD_LEN');
  while (pos < end) {
    const next = pullFixedEntry(d, pos, end, match, strict, !!opts.pipelineFieldsOnly);
    if (next > 0) { pos = next; continue; }
    const e = pullEntry(d, pos, end, !!opts.allowCookie, false, true);
    if (e instanceof OfpError) return e;
    let err: OfpErrName | undefined = e.err;
    if (!err) {
      const entryErr = e.field && (!mfIsMaskValid(e.field, e.mask) ? 'OFPBMC_BAD_MASK'
        : !mfIsValueValid(e.field, e.value) ? 'OFPBMC_BAD_VALUE' : undefined);
      if (entryErr) return new OfpError(entryErr);
    }
    pos = e.end;
    if (err === 'OFPBMC_BAD_FIELD' && !strict) continue;
    if (!err) {
      const f = e.field;
      if (!f) {
        if (!opts.allowCookie) err = 'OFPBMC_BAD_FIELD';
        else if (cookieMask) err = 'OFPBMC_DUP_FIELD';
        else { cookie = bytesToBig(e.value); cookieMask = bytesToBig(e.mask); }
      } else if (strict && !mfAreMatchPrereqsOk(f, match)) {
        err = 'OFPBMC_BAD_PREREQ';
      } else if (!mfIsAllWild(f, match)) {
        err = 'OFPBMC_DUP_FIELD';
      } else if (opts.pipelineFieldsOnly && !mfIsPipelineField(f)) {
        err = 'OFPBRC_PIPELINE_FIELDS_ONLY';
      } else {
        const r = mfSet(f, e.value, e.mask, match);
        if (r.error) return new OfpError('OFPBMC_BAD_VALUE', r.error);
        matchAddEthernetPrereq(match, f);
      }
    }
    if (err) return new OfpError(err, e.field ? e.field.name : undefined);
  }
  return { match, cookie, cookieMask };
}

/* The common case of nxPullRaw, without intermediate objects: a standard
 * (non-experimenter) header of a fixed-width field with the expected
 * length, whose value is valid and new to the match.  Returns the offset past
 * the entry once it is in 'match', or 0 to let the general path decide (and
 * report any error). */
/* Standard code points in dense tables (a sparse array indexed by
 * class * 128 + field would fall back to slow dictionary elements). */
/** Dense index of a standard header (class and field in 'x', the header's
 * top 23 bits), or -1 for other classes. */
function stdIndex(x: number): number {
  const cls = x >>> 16, field = (x >>> 9) & 0x7f;
  switch (cls) {
    case OFPXMC_NXM_0: return field;
    case OFPXMC_NXM_1: return 128 + field;
    case OFPXMC_OPENFLOW_BASIC: return 256 + field;
    case OFPXMC_PACKET_REGS: return 384 + field;
    default: return -1;
  }
}
/** Length of each standard code point (its header's len), 0 if none. */
const stdLen = new Uint8Array(512);
/** The field of each standard code point. */
const stdField: (MfField | null)[] = new Array<MfField | null>(512).fill(null);
for (const nf of byKey.values()) {
  const i = stdIndex(headerToU32(nf.header));
  if (i >= 0) {
    stdLen[i] = nf.header.len;
    stdField[i] = mfFromId(nf.id);
  }
}

/** Fields whose wire value is exactly their flow member's bytes (whole
 * member, no shift, fixed width, no port or tunnel translation). */
const PLAIN: boolean[] = MF_FIELDS.map((f) => !f.variable && f.nBytes === f.size && f.shift === 0
  && (f.size > 4 || (f.bits >>> 0) === (f.size === 4 ? 0xffffffff : 2 ** (8 * f.size) - 1))
  && f.id !== MF.IN_PORT_OXM && f.id !== MF.ACTSET_OUTPUT && f.id !== MF.NSH_SPI && f.id !== MF.IN_PORT
  && !(f.id >= MF.TUN_METADATA0 && f.id <= MF.TUN_METADATA63) && f.off >= 0);
/** PLAIN fields that mfSet stores as given (no value-as-mask quirk, no
 * whole-label widening of the mask): decoders may write their bytes directly. */
const SET_PLAIN: boolean[] = PLAIN.map((p, id) => p && id !== MF.IPV6_LABEL && id !== MF.TUN_ERSPAN_VER
  && id !== MF.TUN_ERSPAN_DIR && id !== MF.TUN_ERSPAN_HWID && id !== MF.TUN_GTPU_FLAGS && id !== MF.TUN_GTPU_MSGTYPE);

/** SET_PLAIN fields that accept any value (mfIsValueValid has no rule for
 * them: every rule there refuses all-zeros or all-ones), so a decoder can
 * copy their bytes without looking at them. */
const ANY_VALUE: boolean[] = MF_FIELDS.map((f) => SET_PLAIN[f.id]! && f.nBytes <= 32
  && mfIsValueValid(f, new Uint8Array(f.nBytes)) && mfIsValueValid(f, new Uint8Array(f.nBytes).fill(0xff)));

/** Per-width scratch arrays for a value and mask being checked (never kept:
 * mfSet copies what it needs into the match). */
const scratchV: Uint8Array[] = [], scratchM: Uint8Array[] = [];
for (let i = 0; i <= 32; i++) { scratchV.push(new Uint8Array(i)); scratchM.push(new Uint8Array(i)); }

function pullFixedEntry(d: Uint8Array, pos: number, end: number, match: Match, strict: boolean,
  pipelineOnly: boolean): number {
  if (end - pos < 4) return 0;
  const x = get32(d, pos);
  const key = stdIndex(x);
  if (key < 0) return 0;
  const f = stdField[key];
  if (!f) return 0;
  const len = x & 0xff, hasmask = (x & 0x100) !== 0;
  const width = hasmask ? len >>> 1 : len;
  if (f.variable || width !== stdLen[key] || width !== f.nBytes || (hasmask && (len & 1)) || width > 32) return 0;
  const vpos = pos + 4, next = vpos + len;
  if (next > end || f.id >= MF.TUN_METADATA0 && f.id <= MF.TUN_METADATA63) return 0;
  if (pipelineOnly && !mfIsPipelineField(f)) return 0;
  if (ANY_VALUE[f.id] && (!hasmask || f.maskable)) {
    // Bytes straight from the wire into the match, checked as mfSet would.
    const fl = match.flow, wc = match.wc, off = f.off;
    for (let i = 0; i < width; i++) if (wc[off + i]) return 0;
    if (hasmask) for (let i = 0; i < width; i++) if (d[vpos + i]! & ~d[vpos + width + i]!) return 0;
    if (strict && f.prereqs !== P.NONE && !mfAreMatchPrereqsOk(f, match)) return 0;
    if (hasmask) for (let i = 0; i < width; i++) { fl[off + i] = d[vpos + i]!; wc[off + i] = d[vpos + width + i]!; }
    else for (let i = 0; i < width; i++) { fl[off + i] = d[vpos + i]!; wc[off + i] = 0xff; }
    if (f.prereqs !== P.NONE) match.setDefaultPacketType();
    return next;
  }
  const value = scratchV[width]!;
  for (let i = 0; i < width; i++) value[i] = d[vpos + i]!;
  let mask: Uint8Array | null = null;
  if (hasmask) {
    mask = scratchM[width]!;
    for (let i = 0; i < width; i++) {
      const m = d[vpos + width + i]!;
      if (value[i]! & ~m) return 0;
      mask[i] = m;
    }
    if (!f.maskable && !mfIsMaskValid(f, mask)) return 0;
  }
  if (!mfIsValueValid(f, value)) return 0;
  if ((strict && !mfAreMatchPrereqsOk(f, match)) || !mfIsAllWild(f, match)) return 0;
  if (SET_PLAIN[f.id]) {
    // The member's bytes are the wire bytes (what mfSet does for these fields).
    const fl = match.flow, wc = match.wc, off = f.off;
    if (mask) for (let i = 0; i < width; i++) { fl[off + i] = value[i]!; wc[off + i] = mask[i]!; }
    else for (let i = 0; i < width; i++) { fl[off + i] = value[i]!; wc[off + i] = 0xff; }
  } else if (mfSet(f, value, mask, match).error) return 0;
  matchAddEthernetPrereq(match, f);
  return next;
}

function bytesToBig(b: Uint8Array): bigint {
  let x = 0n;
  for (const v of b.subarray(0, 8)) x = (x << 8n) | BigInt(v);
  return x;
}

/**
 * Decodes an NXM match of 'matchLen' bytes at d[pos..]; the match occupies
 * matchLen rounded up to 8 bytes.  Returns the match and the padded length.
 */
export function nxPullMatch(d: Uint8Array, pos: number, matchLen: number, opts: PullOptions = {}):
  (PulledMatch & { consumed: number }) | OfpError {
  const padded = (matchLen + 7) & ~7;
  if (matchLen && pos + padded > d.length) return new OfpError('OFPBMC_BAD_LEN', 'nx_match longer than message');
  const r = nxPullRaw(d, pos, matchLen, opts);
  if (r instanceof OfpError) return r;
  return { match: r.match, cookie: r.cookie, cookieMask: r.cookieMask, consumed: matchLen ? padded : 0 };
}

/**
 * Decodes an OpenFlow 1.2+ ofp_match (type OXM) at d[pos..].  Returns the
 * match and the bytes consumed (length rounded up to 8).
 */
export function oxmPullMatch(d: Uint8Array, pos: number, opts: PullOptions = {}):
  { match: Match; consumed: number } | OfpError {
  if (d.length - pos < 4) return new OfpError('OFPBMC_BAD_LEN');
  const type = get16(d, pos), len = get16(d, pos + 2);
  if (len < 4) return new OfpError('OFPBMC_BAD_LEN');
  if (type !== OFPMT_OXM) return new OfpError('OFPBMC_BAD_TYPE');
  const padded = (len + 7) & ~7;
  if (pos + padded > d.length) return new OfpError('OFPBMC_BAD_LEN', 'oxm longer than message');
  const r = nxPullRaw(d, pos + 4, len - 4, { loose: opts.loose, pipelineFieldsOnly: opts.pipelineFieldsOnly, allowCookie: false });
  if (r instanceof OfpError) return r;
  return { match: r.match, consumed: padded };
}

/** Decodes bare OXM TLVs (no ofp_match header), as in packet-ins (oxm_decode_match). */
export function oxmDecodeMatch(d: Uint8Array, pos: number, len: number, loose = false): Match | OfpError {
  const r = nxPullRaw(d, pos, len, { loose });
  return r instanceof OfpError ? r : r.match;
}

/* ---- Encoding. ---- */

/** Writes the header of field 'id' for 'version' sized for 'nBytes' of value. */
export function nxPutHeaderLen(b: OfpWriter, id: MF, version: number, masked: boolean, nBytes: number): void {
  const nf = nxmFieldByMfId(id, version);
  if (!nf) throw new Error(`field ${mfFromId(id).name} has no NXM/OXM code point`);
  const h = nf.header, exp = expLen(h);
  const len = masked ? nBytes * 2 + exp : nBytes + exp;
  b.u32(((h.cls << 16) | (h.field << 9) | (masked ? 0x100 : 0) | len) >>> 0);
  if (exp) b.u32(h.vendor);
}

/** Writes the plain header of field 'id' (for move and learn style actions). */
export function nxPutHeader(b: OfpWriter, id: MF, version: number, masked: boolean): void {
  const nf = nxmFieldByMfId(id, version);
  if (!nf) throw new Error(`field ${mfFromId(id).name} has no NXM/OXM code point`);
  putHeader(b, masked ? makeWild(nf.header) : nf.header);
}

/** Writes an entry with explicit value (and mask) bytes. */
export function nxPutEntryRaw(b: OfpWriter, id: MF, version: number, value: Uint8Array, mask: Uint8Array | null): void {
  nxPutHeaderLen(b, id, version, !!mask, value.length);
  b.bytes(value);
  if (mask) b.bytes(mask);
}

/** Writes a field value (mask: null = exact), trimming variable-length values (nx_put_entry). */
export function nxPutEntry(b: OfpWriter, f: MfField, version: number, value: Uint8Array, mask: Uint8Array | null): void {
  const masked = !!mask && !isAllOnes(mask, 0, f.nBytes);
  let len = f.nBytes;
  if (f.variable) {
    const lz = (x: Uint8Array): number => { let i = 0; while (i < x.length && x[i] === 0) i++; return x.length - i; };
    len = lz(value);
    if (masked && mask) len = Math.max(len, lz(mask));
  }
  const off = f.nBytes - len;
  nxPutHeaderLen(b, f.id, version, masked, len);
  const at = b.reserve(masked ? 2 * len : len), out = b.buf;
  for (let i = 0; i < len; i++) out[at + i] = value[off + i]!;
  if (masked) for (let i = 0; i < len; i++) out[at + len + i] = mask![off + i]!;
}

class PutCtx {
  impliedEthernet = false;
  constructor(readonly b: OfpWriter, readonly version: number, readonly m: Match) {}

  private emit(id: MF, value: Uint8Array, mask: Uint8Array | null): void {
    nxPutEntryRaw(this.b, id, this.version, value, mask);
    if (!this.impliedEthernet && mfFromId(id).prereqs !== P.NONE) this.impliedEthernet = true;
  }
  /** Field as stored in the match: nothing if wild, exact if fully masked. */
  masked(id: MF): void {
    const f = mfFromId(id);
    if (PLAIN[id]) {
      // Bytes on the wire are the flow member's bytes: copy them directly.
      const m = this.m, w = m.wc, off = f.off, n = f.size, ws = m.words;
      let any = 0, all = 0xff;
      if (ws && !((off | n) & 3)) {
        // Whole 32-bit words: one read each.
        let a = 0, l = -1;
        for (let i = m.wcWord + (off >> 2), e = i + (n >> 2); i < e; i++) { const x = ws[i]!; a |= x; l &= x; }
        if (!a) return;
        any = 1;
        all = l === -1 ? 0xff : 0;
      } else {
        for (let i = 0; i < n; i++) { const x = w[off + i]!; any |= x; all &= x; }
        if (!any) return;
      }
      const b = this.b, exact = all === 0xff;
      nxPutHeaderLen(b, id, this.version, !exact, n);
      const at = b.reserve(exact ? n : 2 * n), out = b.buf, fl = this.m.flow;
      for (let i = 0; i < n; i++) out[at + i] = fl[off + i]!;
      if (!exact) for (let i = 0; i < n; i++) out[at + n + i] = w[off + i]!;
      if (!this.impliedEthernet && f.prereqs !== P.NONE) this.impliedEthernet = true;
      return;
    }
    if (mfIsAllWild(f, this.m)) return;
    const m = mfGetValue(f, this.m.wc, this.m, true);
    if (isAllZeros(m)) return;
    const v = mfGetValue(f, this.m.flow, this.m);
    this.emit(id, v, isAllOnes(m) ? null : m);
  }
  /** Exact value of 'id' when the match looks at any of its bits. */
  exactIfSet(id: MF): void {
    const f = mfFromId(id);
    if (mfIsAllWild(f, this.m)) return;
    const b = this.b;
    if (PLAIN[id]) {
      const n = f.size, off = f.off, fl = this.m.flow;
      nxPutHeaderLen(b, id, this.version, false, n);
      const at = b.reserve(n), out = b.buf;
      for (let i = 0; i < n; i++) out[at + i] = fl[off + i]!;
    } else if (f.size <= 4 && f.nBytes <= 4 && !(id >= MF.TUN_METADATA0 && id <= MF.TUN_METADATA63)) {
      const n = f.nBytes;
      let x = mfGetInt(f, this.m.flow);
      nxPutHeaderLen(b, id, this.version, false, n);
      const at = b.reserve(n), out = b.buf;
      for (let i = n - 1; i >= 0; i--) { out[at + i] = x; x = Math.floor(x / 256); }
    } else {
      this.emit(id, mfGetValue(f, this.m.flow, this.m), null);
      return;
    }
    if (!this.impliedEthernet && f.prereqs !== P.NONE) this.impliedEthernet = true;
  }
  raw(id: MF, value: Uint8Array, mask: Uint8Array | null): void { this.emit(id, value, mask); }
  /** An exact 'n'-byte (1, 2 or 4) integer value of 'id'. */
  int(id: MF, n: number, x: number): void {
    const b = this.b;
    nxPutHeaderLen(b, id, this.version, false, n);
    if (n === 1) b.u8(x); else if (n === 2) b.u16(x); else b.u32(x);
    if (!this.impliedEthernet && mfFromId(id).prereqs !== P.NONE) this.impliedEthernet = true;
  }
}

function putIp(c: PutCtx, m: Match, oxm: number): void {
  const f = m.flow, w = m.wc;
  const dl = flowDlType(f);
  if (dl === ETH_TYPE_IP) { c.masked(MF.IPV4_SRC); c.masked(MF.IPV4_DST); }
  else { c.masked(MF.IPV6_SRC); c.masked(MF.IPV6_DST); }

  const frag = f[FL.NW_FRAG]! & FLOW_NW_FRAG_MASK, fragMask = w[FL.NW_FRAG]! & FLOW_NW_FRAG_MASK;
  if (fragMask) c.raw(MF.IP_FRAG, Uint8Array.of(frag), fragMask === FLOW_NW_FRAG_MASK ? null : Uint8Array.of(fragMask));

  if (w[FL.NW_TOS]! & 0xfc) {
    if (oxm) c.int(MF.IP_DSCP_SHIFTED, 1, f[FL.NW_TOS]! >> 2);
    else c.int(MF.IP_DSCP, 1, f[FL.NW_TOS]! & 0xfc);
  }
  if (w[FL.NW_TOS]! & 0x03) c.int(MF.IP_ECN, 1, f[FL.NW_TOS]! & 0x03);
  if (w[FL.NW_TTL]) c.int(MF.IP_TTL, 1, f[FL.NW_TTL]!);
  c.masked(MF.IPV6_LABEL);

  if (!w[FL.NW_PROTO]) return;
  const proto = f[FL.NW_PROTO]!;
  c.int(MF.IP_PROTO, 1, proto);
  if (proto === IPPROTO_TCP) { c.masked(MF.TCP_SRC); c.masked(MF.TCP_DST); c.masked(MF.TCP_FLAGS); }
  else if (proto === IPPROTO_UDP) { c.masked(MF.UDP_SRC); c.masked(MF.UDP_DST); }
  else if (proto === IPPROTO_SCTP) { c.masked(MF.SCTP_SRC); c.masked(MF.SCTP_DST); }
  else if (dl === ETH_TYPE_IP && proto === IPPROTO_ICMP) { c.exactIfSet(MF.ICMPV4_TYPE); c.exactIfSet(MF.ICMPV4_CODE); }
  else if (dl === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6) {
    c.exactIfSet(MF.ICMPV6_TYPE); c.exactIfSet(MF.ICMPV6_CODE);
    const tpSrc = get16(f, FL.TP_SRC);
    const isNd = get16(f, FL.TP_DST) === 0 && (tpSrc === ND_NEIGHBOR_SOLICIT || tpSrc === ND_NEIGHBOR_ADVERT);
    if (isNd) {
      c.exactIfSet(MF.ND_RESERVED);
      c.masked(MF.ND_TARGET);
      c.exactIfSet(MF.ND_OPTIONS_TYPE);
      if (tpSrc === ND_NEIGHBOR_SOLICIT) c.masked(MF.ND_SLL);
      if (tpSrc === ND_NEIGHBOR_ADVERT) c.masked(MF.ND_TLL);
    }
  }
}

/** True if 'm' wildcards all of wc[off..off+n) (both multiples of 4). */
function wcZero(m: Match, off: number, n: number): boolean {
  const ws = m.words;
  if (!ws) return isAllZeros(m.wc, off, n);
  for (let i = m.wcWord + (off >> 2), e = i + (n >> 2); i < e; i++) if (ws[i] !== 0) return false;
  return true;
}

/**
 * Appends the NXM (version 0) or OXM (version = OpenFlow wire version)
 * entries for 'm' to 'b', in nx_put_raw's order, with the cookie
 * pseudo-field when cookieMask is nonzero.  Returns the bytes written.
 */
export function nxPutRaw(b: OfpWriter, version: number, m: Match, cookie = 0n, cookieMask = 0n): number {
  const start = b.len;
  const f = m.flow, w = m.wc;
  const c = new PutCtx(b, version, m);
  const dl = flowDlType(f);

  if (get32(w, FL.PACKET_TYPE) && !m.hasDefaultPacketType()) c.masked(MF.PACKET_TYPE);
  c.masked(MF.DP_HASH);
  c.exactIfSet(MF.RECIRC_ID);
  c.exactIfSet(MF.CONJ_ID);
  if (get32(w, FL.IN_PORT) & 0xffff) c.exactIfSet(version ? MF.IN_PORT_OXM : MF.IN_PORT);
  c.exactIfSet(MF.ACTSET_OUTPUT);

  c.masked(MF.ETH_SRC);
  c.masked(MF.ETH_DST);
  c.masked(MF.ETH_TYPE);

  const T = FL.VLANS + 2;
  if (version) {
    const vid = get16(f, T) & (VLAN_VID_MASK | VLAN_CFI), vmask = get16(w, T) & (VLAN_VID_MASK | VLAN_CFI);
    if (vmask === (VLAN_VID_MASK | VLAN_CFI)) c.int(MF.VLAN_VID, 2, vid);
    else if (vmask) {
      nxPutHeaderLen(b, MF.VLAN_VID, version, true, 2);
      b.u16(vid).u16(vmask);
      if (mfFromId(MF.VLAN_VID).prereqs !== P.NONE) c.impliedEthernet = true;
    }
    if (vid && (get16(w, T) >> 13)) c.int(MF.VLAN_PCP, 1, get16(f, T) >> 13);
  } else {
    c.masked(MF.VLAN_TCI);
  }

  if (dl === ETH_TYPE_MPLS || dl === ETH_TYPE_MPLS_MCAST) {
    c.exactIfSet(MF.MPLS_TC); c.exactIfSet(MF.MPLS_BOS); c.exactIfSet(MF.MPLS_TTL); c.exactIfSet(MF.MPLS_LABEL);
  }

  if (dl === ETH_TYPE_IP || dl === ETH_TYPE_IPV6) putIp(c, m, version);
  else if (dl === ETH_TYPE_ARP || dl === ETH_TYPE_RARP) {
    if (w[FL.NW_PROTO]) c.int(MF.ARP_OP, 2, f[FL.NW_PROTO]!);
    c.masked(MF.ARP_SPA); c.masked(MF.ARP_TPA); c.masked(MF.ARP_SHA); c.masked(MF.ARP_THA);
  }

  // Whole groups of members are usually wild: skip their fields at once.
  const tunnel = !wcZero(m, 0, FL.TUN_MD_PRESENT);
  if (tunnel) {
    c.masked(MF.TUN_ID);
    c.masked(MF.TUN_FLAGS);
    c.masked(MF.TUN_SRC); c.masked(MF.TUN_DST);
    c.masked(MF.TUN_IPV6_SRC); c.masked(MF.TUN_IPV6_DST);
    c.masked(MF.TUN_GBP_ID); c.masked(MF.TUN_GBP_FLAGS);
  }
  for (let i = 0; i < m.tunMd.length; i++) {
    const e = m.tunMd[i];
    if (e) nxPutEntryRaw(b, MF.TUN_METADATA0 + i, version, e.value, e.masked ? e.mask : null);
  }
  if (tunnel) {
    c.masked(MF.TUN_ERSPAN_IDX); c.masked(MF.TUN_ERSPAN_VER); c.masked(MF.TUN_ERSPAN_DIR); c.masked(MF.TUN_ERSPAN_HWID);
    c.masked(MF.TUN_GTPU_FLAGS); c.masked(MF.TUN_GTPU_MSGTYPE);
  }

  if (!wcZero(m, FL.NSH_FLAGS, FL.TP_SRC - FL.NSH_FLAGS)) {
    c.masked(MF.NSH_FLAGS); c.masked(MF.NSH_TTL); c.masked(MF.NSH_MDTYPE); c.masked(MF.NSH_NP);
    c.masked(MF.NSH_SPI); c.masked(MF.NSH_SI);
    for (let i = 0; i < 4; i++) c.masked(MF.NSH_C1 + i);
  }

  if (!wcZero(m, FL.REGS, FL.SKB_PRIORITY - FL.REGS)) {
    // Only the registers matched on (each is a whole 4- or 8-byte member).
    const step = version < 6 ? 4 : 8, first = version < 6 ? MF.REG0 : MF.XREG0;
    for (let i = 0, off = FL.REGS; off < FL.SKB_PRIORITY; i++, off += step) {
      let any = 0;
      for (let j = 0; j < step; j++) any |= w[off + j]!;
      if (any) c.masked(first + i);
    }
  }

  c.masked(MF.PKT_MARK);
  if (!wcZero(m, FL.CT_STATE, FL.PACKET_TYPE - FL.CT_STATE) || !wcZero(m, FL.CT_LABEL, FL.CONJ_ID - FL.CT_LABEL)
    || !wcZero(m, FL.CT_NW_SRC, FL.IPV6_SRC - FL.CT_NW_SRC) || !wcZero(m, FL.CT_IPV6_SRC, FL.IPV6_LABEL - FL.CT_IPV6_SRC)
    || !wcZero(m, FL.CT_TP_SRC, FL.IGMP_GROUP_IP4 - FL.CT_TP_SRC)) {
    c.masked(MF.CT_STATE); c.masked(MF.CT_ZONE); c.masked(MF.CT_MARK); c.masked(MF.CT_LABEL);
    c.masked(MF.CT_NW_SRC); c.masked(MF.CT_IPV6_SRC); c.masked(MF.CT_NW_DST); c.masked(MF.CT_IPV6_DST);
    if (f[FL.CT_NW_PROTO]) { c.masked(MF.CT_NW_PROTO); c.masked(MF.CT_TP_SRC); c.masked(MF.CT_TP_DST); }
  }
  c.masked(MF.METADATA);

  if (cookieMask) {
    const masked = cookieMask !== 0xffffffffffffffffn;
    putHeader(b, masked ? makeWild(NXM_NX_COOKIE) : NXM_NX_COOKIE);
    b.u64(cookie & cookieMask);
    if (masked) b.u64(cookieMask);
  }

  if (m.hasDefaultPacketType() && !c.impliedEthernet) {
    const pt = new WireBuf(16);
    nxPutEntryRaw(pt, MF.PACKET_TYPE, version, Uint8Array.of(0, 0, 0, PT_ETH), null);
    insertBytes(b, start, pt.finish());
  }
  return b.len - start;
}

/** Appends an NXM match padded to 8 bytes; returns the unpadded length (nx_put_match). */
export function nxPutMatch(b: OfpWriter, m: Match, cookie = 0n, cookieMask = 0n): number {
  const n = nxPutRaw(b, 0, m, cookie, cookieMask);
  b.zeros((8 - (n % 8)) % 8);
  return n;
}

/** Appends an OXM ofp_match for OpenFlow 'version', padded to 8; returns its unpadded length. */
export function oxmPutMatch(b: OfpWriter, m: Match, version: number): number {
  const start = b.len;
  b.u16(OFPMT_OXM).u16(0);
  const n = nxPutRaw(b, version, m) + 4;
  b.zeros((8 - (n % 8)) % 8);
  b.set16(start + 2, n);
  return n;
}

/** Encodes 'm' as bare OXM TLVs (oxm_put_raw). */
export function oxmPutRaw(b: OfpWriter, m: Match, version: number): void { nxPutRaw(b, version, m); }

/* ---- Text (ovs-ofctl parse-nx-match / parse-oxm). ---- */

function formatHeaderName(h: NxmHeader): string {
  const r = nxmFieldByHeader(h, false);
  if (r.nf) return r.nf.name + (h.hasmask ? '_W' : '');
  if (headerEq(h, NXM_NX_COOKIE)) return 'NXM_NX_COOKIE';
  if (headerEq(h, makeWild(NXM_NX_COOKIE))) return 'NXM_NX_COOKIE_W';
  return `${h.cls}:${h.field}`;
}

/** Text form of raw NXM/OXM entries (nx_match_to_string). */
export function nxMatchToString(d: Uint8Array, pos = 0, len = d.length - pos): string {
  if (!len) return '<any>';
  const end = pos + len;
  const parts: string[] = [];
  while (pos < end) {
    const e = pullEntry(d, pos, end, true, false, true);
    if (e instanceof OfpError || (e.err && e.err !== 'OFPBMC_BAD_FIELD')) break;
    const width = Math.min(128, nxmFieldBytes(e.header));
    // OVS prints the first 'width' bytes of the decoded value and mask
    // (variable-length values are right-aligned there).
    const hexOf = (x: Uint8Array): string => {
      let t = '';
      for (let i = 0; i < width; i++) t += (x[i] ?? 0).toString(16).padStart(2, '0');
      return t;
    };
    let s = `${formatHeaderName(e.header)}(${hexOf(e.value)}`;
    if (e.header.hasmask) s += '/' + hexOf(e.mask);
    parts.push(s + ')');
    pos = e.end;
  }
  let out = parts.join(', ');
  if (pos < end) out += `${out ? ', ' : ''}<${end - pos} invalid bytes>`;
  return out;
}

/** Text form of an OXM ofp_match of 'len' bytes (oxm_match_to_string). */
export function oxmMatchToString(d: Uint8Array, pos: number, len: number): string {
  if (len < 4) return `<match too short: ${len}>`;
  const type = get16(d, pos), mlen = get16(d, pos + 2);
  if (type !== OFPMT_OXM) return `<bad match type field: ${type}>`;
  if (mlen < 4) return `<match length field too short: ${mlen}>`;
  if (mlen !== len) return `<match length field incorrect: ${mlen} != ${len}>`;
  return nxMatchToString(d, pos + 4, len - 4);
}

function parseHeaderName(name: string): NxmHeader | undefined {
  const wild = name.length > 2 && name.endsWith('_W');
  const nf = byNameMap.get(wild ? name.slice(0, -2) : name);
  if (nf) {
    if (!wild) return nf.header;
    if (mfFromId(nf.id).maskable) return makeWild(nf.header);
  }
  if (name === 'NXM_NX_COOKIE') return NXM_NX_COOKIE;
  if (name === 'NXM_NX_COOKIE_W') return makeWild(NXM_NX_COOKIE);
  if (/^[0-9a-fA-F]{8}$/.test(name)) return headerFromU32(parseInt(name, 16));
  if (/^[0-9a-fA-F]{16}$/.test(name)) {
    const h = headerFromU32(parseInt(name.slice(0, 8), 16));
    if (h.cls === OFPXMC_EXPERIMENTER) return { ...h, vendor: parseInt(name.slice(8), 16) };
  }
  return undefined;
}

/** Reads hex digit pairs (spaces allowed between bytes) starting at s[i]; returns bytes and end. */
function readHex(s: string, i: number): { bytes: number[]; end: number } {
  const bytes: number[] = [];
  for (;;) {
    while (s[i] === ' ') i++;
    if (!/[0-9a-fA-F]/.test(s[i] ?? '') || !/[0-9a-fA-F]/.test(s[i + 1] ?? '')) break;
    bytes.push(parseInt(s.slice(i, i + 2), 16));
    i += 2;
  }
  return { bytes, end: i };
}

/** Parses nx_match_to_string's syntax into raw entries; bytes or an error text. */
export function nxMatchFromStringRaw(s: string): Uint8Array | string {
  const b = new WireBuf();
  if (s === '<any>') return b.finish();
  const full = s;
  let i = 0;
  const skip = (): void => { while (s[i] === ',' || s[i] === ' ') i++; };
  for (skip(); i < s.length; skip()) {
    const paren = s.indexOf('(', i);
    if (paren < 0) return `${full}: missing ( at end of nx_match`;
    const name = s.slice(i, paren);
    let h = parseHeaderName(name);
    if (!h) return `${full}: unknown field \`${name}'`;
    i = paren + 1;
    const v = readHex(s, i);
    i = v.end;
    if (v.bytes.length !== nxmFieldBytes(h)) {
      const f = mfFromNxmHeader(h);
      if (f && f.variable) {
        if (v.bytes.length > f.nBytes) return `expected to read at most ${f.nBytes} bytes but got ${v.bytes.length}`;
        h = { ...h, len: (h.hasmask ? v.bytes.length * 2 : v.bytes.length) + expLen(h) };
      } else {
        return `expected to read ${nxmFieldBytes(h)} bytes but got ${v.bytes.length}`;
      }
    }
    putHeader(b, h);
    b.bytes(Uint8Array.from(v.bytes));
    if (h.hasmask) {
      while (s[i] === ' ') i++;
      if (s[i] !== '/') return `${full}: missing / in masked field ${name}`;
      const mk = readHex(s, i + 1);
      i = mk.end;
      if (mk.bytes.length !== nxmFieldBytes(h)) return `${s.slice(i, i + 2)}: hex digits expected`;
      b.bytes(Uint8Array.from(mk.bytes));
    }
    while (s[i] === ' ') i++;
    if (s[i] !== ')') return `${full}: missing ) following field ${name}`;
    i++;
  }
  return b.finish();
}

/* ---- Subfields ("NXM_OF_IP_SRC[0..15]", "reg0[]"). ---- */

/** A bit range of a field, like OVS's struct mf_subfield. */
export interface MfSubfield { field: MfField; ofs: number; nBits: number }

/** Looks up a field by NXM/OXM name or by field name (mf_parse_field). */
export function mfParseField(s: string): MfField | string {
  const nf = byNameMap.get(s);
  const f = nf ? mfFromId(nf.id) : mfFromName(s);
  return f ?? `unknown field \`${s}'`;
}

/**
 * Parses a subfield at s[pos..] ("field[]", "field[3]", "field[0..15]" or a
 * bare field name).  Returns the subfield and the position after it, or an
 * error text.
 */
export function parseSubfieldAt(s: string, pos = 0): { sf: MfSubfield; end: number } | string {
  const rest = s.slice(pos);
  let nameLen = 0;
  while (nameLen < rest.length && rest[nameLen] !== '[' && rest[nameLen] !== '-') nameLen++;
  let name = rest.slice(0, nameLen);
  if (name.length > 2 && name.endsWith('_W')) name = name.slice(0, -2);
  const nf = byNameMap.get(name);
  const field = nf ? mfFromId(nf.id) : mfFromName(rest.slice(0, nameLen));
  if (!field) return `${rest}: unknown field \`${rest.slice(0, nameLen)}'`;
  let i = nameLen;
  let start = 0, endBit = field.nBits - 1;
  if (rest[i] === '[') {
    let m: RegExpExecArray | null;
    if (rest.startsWith('[]', i)) { /* whole field */ }
    else if ((m = /^\[\s*([-+]?\d+)\.\.([-+]?\d+)\]/.exec(rest.slice(i)))) { start = Number(m[1]); endBit = Number(m[2]); }
    else if ((m = /^\[\s*([-+]?\d+)\]/.exec(rest.slice(i)))) { start = endBit = Number(m[1]); }
    else return `${rest}: syntax error expecting [] or [<bit>] or [<start>..<end>]`;
    i = rest.indexOf(']', i) + 1;
  }
  if (start > endBit) return `${rest}: starting bit ${start} is after ending bit ${endBit}`;
  if (start >= field.nBits) return `${rest}: starting bit ${start} is not valid because field is only ${field.nBits} bits wide`;
  if (endBit >= field.nBits) return `${rest}: ending bit ${endBit} is not valid because field is only ${field.nBits} bits wide`;
  return { sf: { field, ofs: start, nBits: endBit - start + 1 }, end: pos + i };
}

/** Parses a whole string as a subfield (mf_parse_subfield). */
export function parseSubfield(s: string): MfSubfield | string {
  const r = parseSubfieldAt(s, 0);
  if (typeof r === 'string') return r;
  if (r.end !== s.length) return 'unexpected input following field syntax';
  return r.sf;
}

/** Text of a subfield, using the field's NXM name when it has one (mf_format_subfield). */
export function formatSubfield(sf: MfSubfield): string {
  const nf = nxmFieldByMfId(sf.field.id, 0);
  let s = nf ? nf.name : sf.field.name;
  if (sf.ofs === 0 && sf.nBits === sf.field.nBits) s += '[]';
  else if (sf.nBits === 1) s += `[${sf.ofs}]`;
  else s += `[${sf.ofs}..${sf.ofs + sf.nBits - 1}]`;
  return s;
}

/** Parses an integer for a subfield value (used by load/set_field texts). */
export function parseSubvalue(s: string, width: number): Uint8Array | undefined {
  const r = parseIntString(s, width);
  return r.err || r.tail !== s.length ? undefined : r.value;
}

/* ---- Subfield values in a packet's flow (for move, load, push/pop...). ---- */

function bitAt(b: Uint8Array, bit: number): number { return (b[b.length - 1 - (bit >> 3)]! >> (bit & 7)) & 1; }
function setBitAt(b: Uint8Array, bit: number, v: number): void {
  const i = b.length - 1 - (bit >> 3), m = 1 << (bit & 7);
  if (v) b[i]! |= m; else b[i]! &= ~m;
}

/**
 * Reads subfield 'sf' of 'flow' into a right-aligned big-endian byte string
 * of 'width' bytes (mf_read_subfield; width defaults to the field's).
 */
export function mfReadSubfield(sf: MfSubfield, flow: Uint8Array, width = sf.field.nBytes): Uint8Array {
  const v = mfGetValue(sf.field, flow);
  const out = new Uint8Array(width);
  for (let i = 0; i < sf.nBits && i < width * 8; i++) setBitAt(out, i, bitAt(v, sf.ofs + i));
  return out;
}

/** Writes the low sf.nBits bits of right-aligned 'src' into subfield 'sf' of 'flow' (mf_write_subfield_flow). */
export function mfWriteSubfieldFlow(sf: MfSubfield, src: Uint8Array, flow: Uint8Array): void {
  const v = mfGetValue(sf.field, flow);
  for (let i = 0; i < sf.nBits; i++) setBitAt(v, sf.ofs + i, i < src.length * 8 ? bitAt(src, i) : 0);
  mfSetFlowValue(sf.field, v, flow);
}

/** Un-wildcards subfield 'sf' in wildcard array 'wc'. */
export function mfMaskSubfield(sf: MfSubfield, wc: Uint8Array): void {
  const m = new Uint8Array(sf.field.nBytes);
  for (let i = 0; i < sf.nBits; i++) setBitAt(m, sf.ofs + i, 1);
  mfMaskFieldMasked(sf.field, m, wc);
}
