/* ofp-actions-field: actions that read or write fields by name.
 *
 * set_field (OF1.2+ Set-Field, Nicira reg_load/reg_load2 and the "load:"
 * text form), move (Nicira reg_move, OF1.5 copy_field, ONF copy_field for
 * OF1.3), push/pop (the field stack), output_reg, delete_field and
 * check_pkt_larger, plus the subfield helpers they share: the NXM
 * ofs_nbits packing, bitwise copies and mf_check_src/dst.  putSetField
 * and putRegLoad are also used by ofp-actions-basic.ts to express
 * set-header actions in versions that lack them.  Handlers register with
 * ofp-actions.ts.
 */
import {
  registry, inconsistentMatch, type Ofpact, type OfpactOf, type DecodeCtx, type CheckCtx,
} from './ofp-actions.js';
import { putRaw, padAction, actionsRl } from './ofp-actions-raw.js';
import type { OfpWriter } from './ofp-buffer.js';
import { OfpError, type OfpErrName } from './ofp-errors.js';
import {
  type MfField, MF, mfFromId, mfFromName, mfIsValueValid, mfAreMatchPrereqsOk, prereqsOk,
} from './meta-flow.js';
import { mfParse, mfFormat } from './meta-flow-format.js';
import {
  type MfSubfield, nxPullEntry, nxPullHeader, nxPutEntry, nxPutHeader, mfNxmHeader, headerFromU32,
  mfFromNxmHeader, parseSubfield, parseSubfieldAt, formatSubfield, mfParseField,
} from './nx-match.js';
import { parseIntString } from './addr-text.js';
import { strToU16 } from './ofp-parse.js';
import { Match } from './match.js';
import { FL, get16, put16, isAllOnes, VLAN_CFI, VLAN_VID_MASK, VLAN_PCP_MASK } from './flow.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';

const log = vlogModule('ofp_actions');
/** mf_check_src/dst report under meta-flow's module name, as OVS does. */
const mfLog = vlogModule('meta_flow');
const mfRl = new RateLimit(1, 5);

/* ---- Subfield helpers. ---- */

/** (ofs << 6) | (n_bits - 1). */
export const encodeOfsNbits = (ofs: number, nBits: number): number => ((ofs << 6) | (nBits - 1)) & 0xffff;
export const decodeOfs = (x: number): number => x >> 6;
export const decodeNbits = (x: number): number => (x & 0x3f) + 1;

const rd16 = (d: Uint8Array, o: number): number => (d[o]! << 8) | d[o + 1]!;
const rd32 = (d: Uint8Array, o: number): number => ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
const rd64 = (d: Uint8Array, o: number): bigint => (BigInt(rd32(d, o)) << 32n) | BigInt(rd32(d, o + 4));
const allZero = (d: Uint8Array, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (d[i]) return false;
  return true;
};

/** Field named by a 32-bit NXM header, or OFPBAC_BAD_SET_TYPE (mf_vl_mff_mf_from_nxm_header). */
export function fieldFromNxm32(h: number): MfField | OfpError {
  const f = mfFromNxmHeader(headerFromU32(h));
  return f ?? new OfpError('OFPBAC_BAD_SET_TYPE');
}

/** The 32-bit NXM header for a field (nxm_header_from_mff). */
export function nxm32(f: MfField): number { return mfNxmHeader(f.id); }

function check(sf: MfSubfield, match: Match | null, type: string): OfpErrName | null {
  if (!sf.nBits) { mfLog.warnRl(mfRl, `zero bit ${type} field ${sf.field.name}`); return 'OFPBAC_BAD_SET_LEN'; }
  if (sf.ofs >= sf.field.nBits) {
    mfLog.warnRl(mfRl, `bit offset ${sf.ofs} exceeds ${sf.field.nBits}-bit width of ${type} field ${sf.field.name}`);
    return 'OFPBAC_BAD_SET_LEN';
  }
  if (sf.ofs + sf.nBits > sf.field.nBits) {
    mfLog.warnRl(mfRl, `bit offset ${sf.ofs} and width ${sf.nBits} exceeds ${sf.field.nBits}-bit width of ${type} field ${sf.field.name}`);
    return 'OFPBAC_BAD_SET_LEN';
  }
  if (match && !mfAreMatchPrereqsOk(sf.field, match)) {
    mfLog.warnRl(mfRl, `${type} field ${sf.field.name} lacks correct prerequisites`);
    return 'OFPBAC_MATCH_INCONSISTENT';
  }
  return null;
}

/** mf_check_src: the subfield fits its field and the match meets its prerequisites. */
export function checkSrc(sf: MfSubfield, match: Match | null): OfpErrName | null { return check(sf, match, 'source'); }

/** mf_check_dst: like checkSrc, and the field must be writable. */
export function checkDst(sf: MfSubfield, match: Match | null): OfpErrName | null {
  const e = check(sf, match, 'destination');
  if (!e && !sf.field.writable) {
    mfLog.warnRl(mfRl, `destination field ${sf.field.name} is not writable`);
    return 'OFPBAC_BAD_SET_ARGUMENT';
  }
  return e;
}

const errOr = <T>(e: OfpErrName | null, v: T): T | OfpError => (e ? new OfpError(e) : v);

function getBit(b: Uint8Array, bit: number): boolean {
  return (b[b.length - 1 - (bit >> 3)]! & (1 << (bit & 7))) !== 0;
}
function setBit(b: Uint8Array, bit: number, on: boolean): void {
  const i = b.length - 1 - (bit >> 3), m = 1 << (bit & 7);
  if (on) b[i]! |= m; else b[i]! &= ~m;
}

/** Writes the low 'n' bits of 'x' at bit 'ofs' of big-endian 'dst' (bitwise_put). */
export function bitwisePut(x: bigint, dst: Uint8Array, ofs: number, n: number): void {
  for (let i = 0; i < n; i++) setBit(dst, ofs + i, ((x >> BigInt(i)) & 1n) === 1n);
}
/** Reads 'n' bits at bit 'ofs' of big-endian 'src' (bitwise_get). */
export function bitwiseGet(src: Uint8Array, ofs: number, n: number): bigint {
  let x = 0n;
  for (let i = n - 1; i >= 0; i--) x = (x << 1n) | (getBit(src, ofs + i) ? 1n : 0n);
  return x;
}
/** First bit at or after 'start' (before 'end') whose value is 'target' (bitwise_scan). */
function bitwiseScan(b: Uint8Array, target: boolean, start: number, end: number): number {
  let i = start;
  while (i < end && getBit(b, i) !== target) i++;
  return i;
}

/* ---- set_field / reg_load. ---- */

/** Builds a SET_FIELD ofpact; 'raw' is 'NXAST_RAW_REG_LOAD' for "load:" forms. */
export function makeSetField(field: MfField, value: Uint8Array, mask: Uint8Array | null, raw?: string,
  owned = false): OfpactOf<'SET_FIELD'> {
  const n = field.nBytes;
  const a: OfpactOf<'SET_FIELD'> = {
    type: 'SET_FIELD', field, value: owned && value.length === n ? value : value.slice(0, n),
    mask: !mask ? new Uint8Array(n).fill(0xff) : owned && mask.length === n ? mask : mask.slice(0, n),
  };
  if (raw) a.raw = raw;
  return a;
}

/** OpenFlow action type of Set-Field (OF1.2+). */
const OFPAT12_SET_FIELD = 25;

/** Appends an OF1.2+ Set-Field for field 'id' = integer 'value' (put_set_field). */
export function putSetField(w: OfpWriter, version: number, id: MF, value: bigint | number): void {
  const f = mfFromId(id);
  const v = new Uint8Array(f.nBytes);
  let x = BigInt(value);
  for (let i = f.nBytes - 1; i >= 0; i--) { v[i] = Number(x & 0xffn); x >>= 8n; }
  const start = w.len;
  w.u16(OFPAT12_SET_FIELD).u16(0);
  nxPutEntry(w, f, version, v, null);
  padAction(w, start);
}

function putSetFieldFull(w: OfpWriter, version: number, f: MfField, value: Uint8Array, mask: Uint8Array): void {
  const start = w.len;
  w.u16(OFPAT12_SET_FIELD).u16(0);
  nxPutEntry(w, f, version, value, mask);
  padAction(w, start);
}

/** Appends an NXAST_REG_LOAD of 'value' into subfield 'dst' (put_reg_load). */
export function putRegLoad(w: OfpWriter, dst: MfSubfield, value: bigint): void {
  const start = putRaw(w, 'NXAST_RAW_REG_LOAD', 1);
  w.set16(start + 10, encodeOfsNbits(dst.ofs, dst.nBits));
  w.set32(start + 12, nxm32(dst.field));
  w.set32(start + 16, Number((value >> 32n) & 0xffffffffn));
  w.set32(start + 20, Number(value & 0xffffffffn));
}

/** Splits a set_field's mask into runs of at most 64 bits (next_load_segment). */
function* loadSegments(sf: OfpactOf<'SET_FIELD'>): Generator<{ dst: MfSubfield; value: bigint }> {
  const nBits = sf.field.nBits;
  let start = 0;
  while (start < nBits) {
    const ofs = bitwiseScan(sf.mask, true, start, nBits);
    if (ofs >= nBits) return;
    const end = bitwiseScan(sf.mask, false, ofs + 1, Math.min(ofs + 64, nBits));
    const n = end - ofs;
    yield { dst: { field: sf.field, ofs, nBits: n }, value: bitwiseGet(sf.value, ofs, n) };
    start = ofs + n;
  }
}

function setFieldToNxast(w: OfpWriter, sf: OfpactOf<'SET_FIELD'>): void {
  if (sf.raw === 'NXAST_RAW_REG_LOAD2' || !mfNxmHeader(sf.field.id) || sf.field.variable) {
    const start = putRaw(w, 'NXAST_RAW_REG_LOAD2', 1);
    w.len = start + 10;
    nxPutEntry(w, sf.field, 0, sf.value, sf.mask);
    padAction(w, start);
  } else {
    for (const seg of loadSegments(sf)) putRegLoad(w, seg.dst, seg.value);
  }
}

function setFieldToLegacy(w: OfpWriter, sf: OfpactOf<'SET_FIELD'>, version: number, encodeEcn: (ecn: number) => void): void {
  const v = sf.value;
  const u16 = (): number => (v[0]! << 8) | v[1]!;
  switch (sf.field.id) {
    case MF.VLAN_TCI: {
      const tci = u16(), cfi = (tci & VLAN_CFI) !== 0, vid = tci & VLAN_VID_MASK, pcp = tci >> 13;
      if (version < 2) {
        if (cfi) { putRaw(w, 'OFPAT_RAW10_SET_VLAN_VID', version, vid); putRaw(w, 'OFPAT_RAW10_SET_VLAN_PCP', version, pcp); }
        else putRaw(w, 'OFPAT_RAW10_STRIP_VLAN', version);
      } else if (cfi) {
        if (!sf.flowHasVlan) putRaw(w, 'OFPAT_RAW11_PUSH_VLAN', version, 0x8100);
        putRaw(w, 'OFPAT_RAW11_SET_VLAN_VID', version, vid);
        putRaw(w, 'OFPAT_RAW11_SET_VLAN_PCP', version, pcp);
      } else {
        putRaw(w, 'OFPAT_RAW11_POP_VLAN', version);
      }
      return;
    }
    case MF.VLAN_VID:
      putRaw(w, version === 1 ? 'OFPAT_RAW10_SET_VLAN_VID' : 'OFPAT_RAW11_SET_VLAN_VID', version, u16() & VLAN_VID_MASK);
      return;
    case MF.VLAN_PCP:
      putRaw(w, version === 1 ? 'OFPAT_RAW10_SET_VLAN_PCP' : 'OFPAT_RAW11_SET_VLAN_PCP', version, v[0]!);
      return;
    case MF.ETH_SRC: case MF.ETH_DST: {
      const s = putRaw(w, sf.field.id === MF.ETH_SRC ? 'OFPAT_RAW_SET_DL_SRC' : 'OFPAT_RAW_SET_DL_DST', version);
      w.buf.set(v.subarray(0, 6), s + 4);
      return;
    }
    case MF.IPV4_SRC: case MF.IPV4_DST:
      putRaw(w, sf.field.id === MF.IPV4_SRC ? 'OFPAT_RAW_SET_NW_SRC' : 'OFPAT_RAW_SET_NW_DST', version, rd32(v, 0));
      return;
    case MF.IP_DSCP:
      putRaw(w, 'OFPAT_RAW_SET_NW_TOS', version, v[0]!);
      return;
    case MF.IP_DSCP_SHIFTED:
      putRaw(w, 'OFPAT_RAW_SET_NW_TOS', version, (v[0]! << 2) & 0xff);
      return;
    case MF.IP_ECN:
      encodeEcn(v[0]!);
      return;
    case MF.TCP_SRC: case MF.UDP_SRC:
      putRaw(w, 'OFPAT_RAW_SET_TP_SRC', version, u16());
      return;
    case MF.TCP_DST: case MF.UDP_DST:
      putRaw(w, 'OFPAT_RAW_SET_TP_DST', version, u16());
      return;
    default:
      setFieldToNxast(w, sf);
  }
}

/** Encodes ECN setting for a version (shared with mod_nw_ecn). */
export function encodeSetIpEcn(w: OfpWriter, version: number, ecn: number): void {
  if (version === 1) putRegLoad(w, { field: mfFromId(MF.IP_ECN), ofs: 0, nBits: 2 }, BigInt(ecn));
  else if (version === 2) putRaw(w, 'OFPAT_RAW11_SET_NW_ECN', version, ecn);
  else putSetField(w, version, MF.IP_ECN, ecn);
}

function decodeSetField(c: DecodeCtx, mayMask: boolean): Ofpact | OfpError {
  const end = c.pos + c.len;
  const e = nxPullEntry(c.d, c.pos + 4, end, true, mayMask);
  if (e instanceof OfpError) return e.error === 'OFPBMC_BAD_MASK' ? new OfpError('OFPBAC_BAD_SET_MASK') : e;
  const field = e.field!;
  if (!allZero(c.d, e.end, end)) return new OfpError('OFPBAC_BAD_SET_ARGUMENT');
  if (field.id === MF.IN_PORT_OXM) return new OfpError('OFPBAC_BAD_SET_ARGUMENT');
  if (!field.writable) {
    log.warnRl(actionsRl, `destination field ${field.name} is not writable`);
    return new OfpError('OFPBAC_BAD_SET_ARGUMENT');
  }
  const mask = mayMask ? e.mask : null;
  if (!mfIsValueValid(field, e.value)
    || (field.id === MF.VLAN_VID && ((mask && !(rd16(mask, 0) & 0x1000)) || !(rd16(e.value, 0) & 0x1000)))) {
    log.warnRl(actionsRl, `Invalid value for set field ${field.name}: ${mfFormat(field, e.value, null)}`);
    return new OfpError('OFPBAC_BAD_SET_ARGUMENT');
  }
  return makeSetField(field, e.value, mask, undefined, true);
}

registry.decode('OFPAT_RAW12_SET_FIELD', (c) => decodeSetField(c, false));
registry.decode('OFPAT_RAW15_SET_FIELD', (c) => decodeSetField(c, true));
registry.decode('NXAST_RAW_REG_LOAD', (c) => {
  const d = c.d, p = c.pos;
  const ofsNbits = rd16(d, p + 10);
  const field = fieldFromNxm32(rd32(d, p + 12));
  if (field instanceof OfpError) return field;
  const dst: MfSubfield = { field, ofs: decodeOfs(ofsNbits), nBits: decodeNbits(ofsNbits) };
  const e = checkDst(dst, null);
  if (e) return new OfpError(e);
  const value = rd64(d, p + 16);
  if (dst.nBits < 64 && (value >> BigInt(dst.nBits))) return new OfpError('OFPBAC_BAD_ARGUMENT');
  const sf = makeSetField(field, new Uint8Array(field.nBytes), new Uint8Array(field.nBytes), 'NXAST_RAW_REG_LOAD');
  bitwisePut(value, sf.value, dst.ofs, dst.nBits);
  bitwisePut(0xffffffffffffffffn, sf.mask, dst.ofs, dst.nBits);
  return sf;
});
registry.decode('NXAST_RAW_REG_LOAD2', (c) => {
  const end = c.pos + c.len;
  const e = nxPullEntry(c.d, c.pos + 10, end, true, true);
  if (e instanceof OfpError) return e;
  if (!allZero(c.d, e.end, end)) return new OfpError('OFPBAC_BAD_SET_ARGUMENT');
  const field = e.field!;
  if (!field.writable) {
    log.warnRl(actionsRl, `destination field ${field.name} is not writable`);
    return new OfpError('OFPBAC_BAD_SET_ARGUMENT');
  }
  return makeSetField(field, e.value, e.mask, 'NXAST_RAW_REG_LOAD2');
});

registry.encode('SET_FIELD', (sf, c) => {
  const { w, version } = c;
  const allOnes = isAllOnes(sf.mask);
  if (version >= 6) putSetFieldFull(w, version, sf.field, sf.value, sf.mask);
  else if (sf.raw === 'NXAST_RAW_REG_LOAD' || sf.raw === 'NXAST_RAW_REG_LOAD2') setFieldToNxast(w, sf);
  else if (version < 3) setFieldToLegacy(w, sf, version, (ecn) => encodeSetIpEcn(w, version, ecn));
  else if (allOnes) putSetFieldFull(w, version, sf.field, sf.value, sf.mask);
  else setFieldToNxast(w, sf);
});

function splitArrow(arg: string): { value: string; key: string } | string {
  const i = arg.indexOf('->');
  if (i < 0) return `${arg}: missing \`->'`;
  if (arg.length - i <= 2) return `${arg}: missing field name following \`->'`;
  return { value: arg.slice(0, i), key: arg.slice(i + 2) };
}

registry.parse('set_field', (arg, c) => {
  const s = splitArrow(arg);
  if (typeof s === 'string') return s;
  const mf = mfFromName(s.key);
  if (!mf) return `${s.key} is not a valid OXM field name`;
  if (!mf.writable) return `${s.key} is read-only`;
  const r = mfParse(mf, s.value, c.ports);
  if (typeof r === 'string') return r;
  if (!mfIsValueValid(mf, r.value)) return `${s.value} is not a valid value for field ${s.key}`;
  c.usable.p &= mf.usableExact;
  c.put(makeSetField(mf, r.value, r.mask));
  return null;
});

registry.parse('load', (arg, c) => {
  const s = splitArrow(arg);
  if (typeof s === 'string') return s;
  const dst = parseSubfield(s.key);
  if (typeof dst === 'string') return dst;
  const n = dst.field.nBytes;
  const v = parseIntString(s.value, n);
  if (v.err) return `${arg}: cannot parse integer value`;
  for (let bit = dst.nBits; bit < n * 8; bit++) {
    if (getBit(v.value, bit)) return `${arg}: value ${mfFormat(dst.field, v.value, null)} does not fit into ${dst.nBits} bits`;
  }
  const sf = makeSetField(dst.field, new Uint8Array(n), new Uint8Array(n), 'NXAST_RAW_REG_LOAD');
  for (let i = 0; i < dst.nBits; i++) {
    setBit(sf.value, dst.ofs + i, getBit(v.value, i));
    setBit(sf.mask, dst.ofs + i, true);
  }
  c.put(sf);
  return null;
});

registry.format('SET_FIELD', (a, c) => {
  if (a.raw === 'NXAST_RAW_REG_LOAD') {
    const parts: string[] = [];
    for (const seg of loadSegments(a)) parts.push(`load:${seg.value ? "0x" + seg.value.toString(16) : "0"}->${formatSubfield(seg.dst)}`);
    return parts.join(',');
  }
  return `set_field:${mfFormat(a.field, a.value, a.mask, c.ports)}->${a.field.name}`;
});

registry.check('SET_FIELD', (a, c) => {
  const f = c.match.flow;
  const T = FL.VLANS + 2;
  const tci = get16(f, T);
  if (!prereqsOk(a.field.prereqs, f) || (a.field.id === MF.VLAN_VID && !(tci & VLAN_CFI))) {
    log.warnRl(actionsRl, `set_field ${a.field.name} lacks correct prerequisites`);
    return 'OFPBAC_MATCH_INCONSISTENT';
  }
  a.flowHasVlan = (tci & VLAN_CFI) !== 0;
  if (a.field.id === MF.VLAN_TCI) put16(f, T, rd16(a.value, 0));
  return null;
});

/* ---- move (reg_move / copy_field). ---- */

function decodeMove(c: DecodeCtx, nBitsOfs: number, srcOfsOfs: number, dstOfsOfs: number, oxmOfs: number, raw: string):
  Ofpact | OfpError {
  const d = c.d, p = c.pos, end = p + c.len;
  const n = rd16(d, p + nBitsOfs);
  const src = nxPullHeader(d, p + oxmOfs, end);
  if (src instanceof OfpError) return src;
  const dst = nxPullHeader(d, src.end, end);
  if (dst instanceof OfpError) return dst;
  if (!allZero(d, dst.end, end)) return new OfpError('NXBRC_MUST_BE_ZERO');
  const move: OfpactOf<'REG_MOVE'> = {
    type: 'REG_MOVE', raw,
    src: { field: src.field, ofs: rd16(d, p + srcOfsOfs), nBits: n },
    dst: { field: dst.field, ofs: rd16(d, p + dstOfsOfs), nBits: n },
  };
  return errOr(checkSrc(move.src, null) ?? checkDst(move.dst, null), move);
}

registry.decode('OFPAT_RAW15_COPY_FIELD', (c) => decodeMove(c, 4, 6, 8, 12, 'ONFACT_RAW13_COPY_FIELD'));
registry.decode('ONFACT_RAW13_COPY_FIELD', (c) => decodeMove(c, 12, 14, 16, 20, 'ONFACT_RAW13_COPY_FIELD'));
registry.decode('NXAST_RAW_REG_MOVE', (c) => decodeMove(c, 10, 12, 14, 16, 'NXAST_RAW_REG_MOVE'));

registry.encode('REG_MOVE', (m, c) => {
  const { w, version } = c;
  let start: number;
  if (version >= 6) {
    start = putRaw(w, 'OFPAT_RAW15_COPY_FIELD', version);
    w.set16(start + 4, m.dst.nBits); w.set16(start + 6, m.src.ofs); w.set16(start + 8, m.dst.ofs);
    w.len = start + 12;
    nxPutHeader(w, m.src.field.id, version, false);
    nxPutHeader(w, m.dst.field.id, version, false);
  } else if (version === 4 && m.raw === 'ONFACT_RAW13_COPY_FIELD') {
    start = putRaw(w, 'ONFACT_RAW13_COPY_FIELD', version);
    w.set16(start + 12, m.dst.nBits); w.set16(start + 14, m.src.ofs); w.set16(start + 16, m.dst.ofs);
    w.len = start + 20;
    nxPutHeader(w, m.src.field.id, version, false);
    nxPutHeader(w, m.dst.field.id, version, false);
  } else {
    start = putRaw(w, 'NXAST_RAW_REG_MOVE', version);
    w.set16(start + 10, m.dst.nBits); w.set16(start + 12, m.src.ofs); w.set16(start + 14, m.dst.ofs);
    nxPutHeader(w, m.src.field.id, 0, false);
    nxPutHeader(w, m.dst.field.id, 0, false);
  }
  padAction(w, start);
});

registry.parse('move', (arg, c) => {
  const src = parseSubfieldAt(arg, 0);
  if (typeof src === 'string') return src;
  if (!arg.startsWith('->', src.end)) return `${arg}: missing \`->' following source`;
  const dst = parseSubfield(arg.slice(src.end + 2));
  if (typeof dst === 'string') return dst;
  if (src.sf.nBits !== dst.nBits) {
    return `${arg}: source field is ${src.sf.nBits} bits wide but destination is ${dst.nBits} bits wide`;
  }
  c.put({ type: 'REG_MOVE', src: src.sf, dst });
  return null;
});
registry.format('REG_MOVE', (a) => `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`);
registry.check('REG_MOVE', (a, c) => checkSrc(a.src, c.match) ?? checkDst(a.dst, c.match));

/* ---- push / pop (field stack). ---- */

function decodeStack(c: DecodeCtx, type: 'STACK_PUSH' | 'STACK_POP'): Ofpact | OfpError {
  const d = c.d, p = c.pos, end = p + 24;
  const h = nxPullHeader(d, p + 12, end);
  if (h instanceof OfpError) return h;
  const nBits = rd16(d, h.end);
  if (!allZero(d, h.end + 2, end)) return new OfpError('NXBRC_MUST_BE_ZERO');
  const sf: MfSubfield = { field: h.field, ofs: rd16(d, p + 10), nBits };
  const e = type === 'STACK_PUSH' ? checkSrc(sf, null) : checkDst(sf, null);
  return errOr(e, { type, subfield: sf });
}
registry.decode('NXAST_RAW_STACK_PUSH', (c) => decodeStack(c, 'STACK_PUSH'));
registry.decode('NXAST_RAW_STACK_POP', (c) => decodeStack(c, 'STACK_POP'));
for (const [t, raw, kw] of [['STACK_PUSH', 'NXAST_RAW_STACK_PUSH', 'push'], ['STACK_POP', 'NXAST_RAW_STACK_POP', 'pop']] as const) {
  registry.encode(t, (a, c) => {
    const start = putRaw(c.w, raw, c.version);
    c.w.set16(start + 10, a.subfield.ofs);
    const end = c.w.len;
    c.w.len = start + 12;
    nxPutHeader(c.w, a.subfield.field.id, 0, false);
    c.w.u16(a.subfield.nBits);
    c.w.len = Math.max(end, c.w.len);
  });
  registry.parse(kw, (arg, c) => {
    const r = parseSubfieldAt(arg, 0);
    if (typeof r === 'string') return r;
    if (r.end !== arg.length) return `${arg.slice(r.end)}: trailing garbage following push or pop`;
    c.put({ type: t, subfield: r.sf });
    return null;
  });
  registry.format(t, (a) => `${kw}:${formatSubfield(a.subfield)}`);
  registry.check(t, (a, c) => (t === 'STACK_PUSH' ? checkSrc(a.subfield, c.match) : checkDst(a.subfield, c.match)));
}

/* ---- output_reg. ---- */

registry.decode('NXAST_RAW_OUTPUT_REG', (c) => {
  const d = c.d, p = c.pos;
  if (!allZero(d, p + 18, p + 24)) return new OfpError('OFPBAC_BAD_ARGUMENT');
  const ofsNbits = rd16(d, p + 10);
  const field = fieldFromNxm32(rd32(d, p + 12));
  if (field instanceof OfpError) return field;
  const a: OfpactOf<'OUTPUT_REG'> = {
    type: 'OUTPUT_REG', raw: 'NXAST_RAW_OUTPUT_REG', maxLen: rd16(d, p + 16),
    src: { field, ofs: decodeOfs(ofsNbits), nBits: decodeNbits(ofsNbits) },
  };
  return errOr(checkSrc(a.src, null), a);
});
registry.decode('NXAST_RAW_OUTPUT_REG2', (c) => {
  const d = c.d, p = c.pos, end = p + c.len;
  const ofsNbits = rd16(d, p + 10);
  const h = nxPullHeader(d, p + 14, end);
  if (h instanceof OfpError) return h;
  if (!allZero(d, h.end, end)) return new OfpError('NXBRC_MUST_BE_ZERO');
  const a: OfpactOf<'OUTPUT_REG'> = {
    type: 'OUTPUT_REG', raw: 'NXAST_RAW_OUTPUT_REG2', maxLen: rd16(d, p + 12),
    src: { field: h.field, ofs: decodeOfs(ofsNbits), nBits: decodeNbits(ofsNbits) },
  };
  return errOr(checkSrc(a.src, null), a);
});
registry.encode('OUTPUT_REG', (a, c) => {
  const w = c.w;
  if (a.raw === 'NXAST_RAW_OUTPUT_REG2' || !mfNxmHeader(a.src.field.id)) {
    const start = putRaw(w, 'NXAST_RAW_OUTPUT_REG2', c.version);
    w.set16(start + 10, encodeOfsNbits(a.src.ofs, a.src.nBits));
    w.set16(start + 12, a.maxLen);
    const end = w.len;
    w.len = start + 14;
    nxPutHeader(w, a.src.field.id, 0, false);
    w.len = end;
  } else {
    const start = putRaw(w, 'NXAST_RAW_OUTPUT_REG', c.version);
    w.set16(start + 10, encodeOfsNbits(a.src.ofs, a.src.nBits));
    w.set32(start + 12, nxm32(a.src.field));
    w.set16(start + 16, a.maxLen);
  }
});
registry.format('OUTPUT_REG', (a) => `output:${formatSubfield(a.src)}`);
registry.check('OUTPUT_REG', (a, c) => checkSrc(a.src, c.match));

/* ---- delete_field. ---- */

registry.decode('NXAST_RAW_DELETE_FIELD', (c) => {
  const h = nxPullHeader(c.d, c.pos + 10, c.pos + c.len);
  if (h instanceof OfpError) return h;
  return { type: 'DELETE_FIELD', raw: 'NXAST_RAW_DELETE_FIELD', field: h.field };
});
registry.encode('DELETE_FIELD', (a, c) => {
  const start = putRaw(c.w, 'NXAST_RAW_DELETE_FIELD', c.version);
  const end = c.w.len;
  c.w.len = start + 10;
  nxPutHeader(c.w, a.field.id, 0, false);
  c.w.len = end;
});
registry.parse('delete_field', (arg, c) => {
  const f = mfParseField(arg);
  if (typeof f === 'string') return f;
  c.put({ type: 'DELETE_FIELD', field: f });
  return null;
});
registry.format('DELETE_FIELD', (a) => `delete_field:${a.field.name}`);
registry.check('DELETE_FIELD', (a) =>
  (a.field.id < MF.TUN_METADATA0 || a.field.id > MF.TUN_METADATA63 ? 'OFPBAC_BAD_ARGUMENT' : null));

/* ---- check_pkt_larger. ---- */

registry.decode('NXAST_RAW_CHECK_PKT_LARGER', (c) => {
  const d = c.d, p = c.pos, end = p + c.len;
  const h = nxPullHeader(d, p + 14, end);
  if (h instanceof OfpError) return h;
  if (!allZero(d, h.end, end)) return new OfpError('NXBRC_MUST_BE_ZERO');
  const a: OfpactOf<'CHECK_PKT_LARGER'> = {
    type: 'CHECK_PKT_LARGER', pktLen: rd16(d, p + 10), dst: { field: h.field, ofs: rd16(d, p + 12), nBits: 1 },
  };
  return errOr(checkDst(a.dst, null), a);
});
registry.encode('CHECK_PKT_LARGER', (a, c) => {
  const start = putRaw(c.w, 'NXAST_RAW_CHECK_PKT_LARGER', c.version);
  c.w.set16(start + 10, a.pktLen);
  c.w.set16(start + 12, a.dst.ofs);
  const end = c.w.len;
  c.w.len = start + 14;
  nxPutHeader(c.w, a.dst.field.id, 0, false);
  c.w.len = end;
});
registry.parse('check_pkt_larger', (arg, c) => {
  const s = splitArrow(arg);
  if (typeof s === 'string') return s;
  let value = s.value;
  if (value.endsWith(')')) value = value.slice(0, -1);
  const dst = parseSubfield(s.key);
  if (typeof dst === 'string') return dst;
  if (dst.nBits !== 1) return 'Only 1-bit destination field is allowed';
  const n = strToU16(value, '(null)');
  if (typeof n === 'string') return n;
  c.put({ type: 'CHECK_PKT_LARGER', pktLen: n, dst });
  return null;
});
registry.format('CHECK_PKT_LARGER', (a) => `check_pkt_larger(${a.pktLen})->${formatSubfield(a.dst)}`);
registry.check('CHECK_PKT_LARGER', () => null);

export { inconsistentMatch, type CheckCtx };
