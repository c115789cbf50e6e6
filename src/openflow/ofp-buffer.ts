/* ofp-buffer: a read cursor and a growable writer over Uint8Array, the
 * wire primitives under every OpenFlow decoder and encoder (the role of
 * OVS's struct ofpbuf).
 *
 * OfpReader pulls big-endian fields and throws OfpError (OFPBRC_BAD_LEN by
 * default) when the data runs out, so decoders stay linear; the top-level
 * entry points in ofp-msgs.ts catch it.  OfpWriter grows as needed and can
 * patch lengths afterwards.  Make one per call: neither is shared.
 */
import { OfpError, type OfpErrName } from './ofp-errors.js';

/** A bounds-checked big-endian read cursor over a byte range. */
export class OfpReader {
  readonly dv: DataView;
  pos: number;
  end: number;
  /** Error thrown when a pull runs past 'end'. */
  shortError: OfpErrName;

  constructor(readonly data: Uint8Array, start = 0, end = data.length, shortError: OfpErrName = 'OFPBRC_BAD_LEN') {
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.pos = start;
    this.end = Math.min(end, data.length);
    this.shortError = shortError;
  }

  /** Bytes left before 'end'. */
  get remaining(): number { return this.end - this.pos; }

  /** Throws unless 'n' more bytes are available. */
  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new OfpError(this.shortError, `need ${n} bytes, have ${this.remaining}`);
  }

  u8(): number { this.need(1); return this.data[this.pos++]!; }
  u16(): number { this.need(2); const v = this.dv.getUint16(this.pos); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.dv.getUint32(this.pos); this.pos += 4; return v; }
  u64(): bigint { this.need(8); const v = this.dv.getBigUint64(this.pos); this.pos += 8; return v; }
  i32(): number { this.need(4); const v = this.dv.getInt32(this.pos); this.pos += 4; return v; }

  /** The next 'n' bytes as a view (not a copy). */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Everything left, as a view. */
  rest(): Uint8Array { return this.bytes(this.remaining); }

  skip(n: number): void { this.need(n); this.pos += n; }

  /** A reader over the next 'n' bytes, advancing this one past them. */
  sub(n: number, shortError: OfpErrName = this.shortError): OfpReader {
    this.need(n);
    const r = new OfpReader(this.data, this.pos, this.pos + n, shortError);
    this.pos += n;
    return r;
  }

  /** Peeks a u16 at 'ofs' bytes ahead without moving. */
  peek16(ofs = 0): number { this.need(ofs + 2); return this.dv.getUint16(this.pos + ofs); }
  peek32(ofs = 0): number { this.need(ofs + 4); return this.dv.getUint32(this.pos + ofs); }

  /** A NUL-padded fixed-size string field of 'n' bytes. */
  str(n: number): string {
    const b = this.bytes(n);
    let e = b.indexOf(0);
    if (e < 0) e = n;
    let s = '';
    for (let i = 0; i < e; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
}

/** A growable big-endian writer.  finish() returns the bytes written. */
export class OfpWriter {
  buf: Uint8Array;
  dv: DataView;
  len = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
    this.dv = new DataView(this.buf.buffer);
  }

  /** Makes room for 'n' more bytes; returns the offset they start at. */
  reserve(n: number): number {
    const need = this.len + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
      this.dv = new DataView(nb.buffer);
    }
    const at = this.len;
    this.len = need;
    return at;
  }

  u8(v: number): this { const at = this.reserve(1); this.buf[at] = v; return this; }
  u16(v: number): this { const at = this.reserve(2); this.dv.setUint16(at, v & 0xffff); return this; }
  u32(v: number): this { const at = this.reserve(4); this.dv.setUint32(at, v >>> 0); return this; }
  u64(v: bigint): this { const at = this.reserve(8); this.dv.setBigUint64(at, BigInt.asUintN(64, v)); return this; }
  bytes(b: Uint8Array): this { const at = this.reserve(b.length); this.buf.set(b, at); return this; }
  zeros(n: number): this { this.reserve(n); return this; }

  /** A fixed-size NUL-padded string field. */
  str(s: string, n: number): this {
    const at = this.reserve(n);
    for (let i = 0; i < n - 1 && i < s.length; i++) this.buf[at + i] = s.charCodeAt(i) & 0xff;
    return this;
  }

  /** Pads with zeros to a multiple of 'align' bytes (counted from 'from'). */
  padTo(align: number, from = 0): this {
    const r = (this.len - from) % align;
    if (r) this.zeros(align - r);
    return this;
  }

  set16(at: number, v: number): void { this.dv.setUint16(at, v & 0xffff); }
  set32(at: number, v: number): void { this.dv.setUint32(at, v >>> 0); }

  /** The bytes written so far (a copy-free view). */
  finish(): Uint8Array { return this.buf.subarray(0, this.len); }

  /** Sets the 16-bit OpenFlow header length at offset 2, then finish(). */
  finishMsg(): Uint8Array {
    this.dv.setUint16(2, this.len);
    return this.finish();
  }
}

/** A u64 (bigint) as "0x..." hex, as OVS prints cookies. */
export function hex64(v: bigint): string {
  return '0x' + v.toString(16);
}
