/* ofp-prop: the TLV properties of OpenFlow 1.3+ messages (type, length,
 * body, padding to 8 bytes; experimenter properties carry a vendor id and
 * subtype).  Pullers throw OfpError(OFPBPC_*) on malformed properties. */
import { OfpReader, type OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import type { VlogModule } from '../lib/vlog.js';

/** One pulled property. */
export interface OfpProp {
  /** Standard type, or -1 for an experimenter property. */
  type: number;
  exp: number;
  expType: number;
  /** The body after the property (or experimenter) header. */
  body: OfpReader;
  /** The whole property including its header, unpadded. */
  raw: Uint8Array;
}

/** Pulls one property from 'r'.  Types >= 'minExp' are experimenter. */
export function pullProp(r: OfpReader, alignment = 8, minExp = 0xffff): OfpProp {
  if (r.remaining < 4) throw new OfpError('OFPBPC_BAD_LEN');
  const type = r.peek16(0);
  const len = r.peek16(2);
  const padded = Math.ceil(len / alignment) * alignment;
  if (len < 4 || padded > r.remaining) throw new OfpError('OFPBPC_BAD_LEN');
  const start = r.pos;
  const raw = r.data.subarray(start, start + len);
  let prop: OfpProp;
  if (type < minExp) {
    prop = { type, exp: 0, expType: 0, body: new OfpReader(r.data, start + 4, start + len, 'OFPBPC_BAD_LEN'), raw };
  } else {
    if (len < 12) throw new OfpError('OFPBPC_BAD_LEN');
    const exp = r.peek32(4);
    if (!exp) throw new OfpError('OFPBPC_BAD_EXPERIMENTER');
    prop = { type: -1, exp, expType: r.peek32(8), body: new OfpReader(r.data, start + 12, start + len, 'OFPBPC_BAD_LEN'), raw };
  }
  r.pos += padded;
  return prop;
}

/** Handles a property nobody knows: logs; throws unless 'loose'. */
export function unknownProp(log: VlogModule, loose: boolean, what: string, p: OfpProp): void {
  const text = p.type >= 0
    ? `unknown ${what} property type ${p.type}`
    : `unknown ${what} property type for exp_id 0x${p.exp.toString(16)}, exp_type ${p.expType}`;
  if (loose) log.dbg(text);
  else log.warn(text);
  if (!loose) throw new OfpError(p.type >= 0 ? 'OFPBPC_BAD_TYPE' : 'OFPBPC_BAD_EXP_TYPE');
}

/** Reads a property body that must be exactly a u32/u16/u8/u64. */
export function propU32(p: OfpProp): number {
  if (p.body.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN');
  return p.body.u32();
}
export function propU16(p: OfpProp): number {
  if (p.body.remaining !== 2 && p.body.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN');
  return p.body.u16();
}
export function propU8(p: OfpProp): number {
  if (p.body.remaining !== 1 && p.body.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN');
  return p.body.u8();
}
export function propU64(p: OfpProp): bigint {
  // 64-bit property bodies sit after 4 bytes of padding.
  if (p.body.remaining !== 12) throw new OfpError('OFPBPC_BAD_LEN');
  p.body.skip(4);
  return p.body.u64();
}

/** Starts a property; returns its start offset for endProp(). */
export function startProp(w: OfpWriter, type: number, exp = 0, expType = 0): number {
  const at = w.len;
  if (exp) w.u16(0xffff).u16(0).u32(exp).u32(expType);
  else w.u16(type).u16(0);
  return at;
}

/** Fills in a property's length and pads it to 8 bytes. */
export function endProp(w: OfpWriter, at: number): void {
  w.set16(at + 2, w.len - at);
  w.padTo(8, at);
}

/** Appends a property whose body is a u32. */
export function putPropU32(w: OfpWriter, type: number, v: number, exp = 0): void {
  const at = startProp(w, type, exp, exp ? type : 0);
  w.u32(v);
  endProp(w, at);
}
