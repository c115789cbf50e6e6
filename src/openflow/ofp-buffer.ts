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

/** A bounds-checked big-endian read cursor over a byte range.  Fields are
 * assembled from the bytes directly (no DataView: creating one per message
 * costs more than decoding a flow-mod's header). */
export class OfpReader {
  pos: number;
  end: number;
  /** Error thrown when a pull runs past 'end'. */
  shortError: OfpErrName;

  constructor(readonly data: Uint8Array, start = 0, end = data.length, shortError: OfpErrName = 'OFPBRC_BAD_LEN') {
    this.pos = start;
    this.end = end < data.length ? end : data.length;
    this.shortError = shortError;
  }

  /** Bytes left before 'end'. */
  get remaining(): number { return this.end - this.pos; }

  /** Throws unless 'n' more bytes are available. */
  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) this.short(n);
  }

  private short(n: number): never {
    throw new OfpError(this.shortError, `need ${n} bytes, have ${this.remaining}`);
  }

  u8(): number {
    if (this.pos + 1 > this.end) this.short(1);
    return this.data[this.pos++]!;
  }
  u16(): number {
    const p = this.pos;
    if (p + 2 > this.end) this.short(2);
    this.pos = p + 2;
    return (this.data[p]! << 8) | this.data[p + 1]!;
  }
  u32(): number {
    const p = this.pos, d = this.data;
    if (p + 4 > this.end) this.short(4);
    this.pos = p + 4;
    return ((d[p]! << 24) | (d[p + 1]! << 16) | (d[p + 2]! << 8) | d[p + 3]!) >>> 0;
  }
  u64(): bigint {
    const hi = this.u32(), lo = this.u32();
    return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }
  i32(): number { return this.u32() | 0; }

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
  peek16(ofs = 0): number {
    this.need(ofs + 2);
    const p = this.pos + ofs;
    return (this.data[p]! << 8) | this.data[p + 1]!;
  }
  peek32(ofs = 0): number {
    this.need(ofs + 4);
    const p = this.pos + ofs, d = this.data;
    return ((d[p]! << 24) | (d[p + 1]! << 16) | (d[p + 2]! << 8) | d[p + 3]!) >>> 0;
  }

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

/* Writers start in a shared slab: a fresh zero-filled block from which each
 * writer takes SLAB_GRANT bytes (one typed-array view instead of a separate
 * ArrayBuffer per message, which V8 allocates off-heap and slowly).  A
 * finished writer gives back what it did not use when it was the last to
 * take from the slab.  Messages are views of the slab, so a long-lived one
 * keeps its (small) slab alive, as Node's Buffer pool does. */
const SLAB_SIZE = 65536;
const SLAB_GRANT = 256;
let slab = new Uint8Array(SLAB_SIZE);
let slabOff = 0;

/** A copy of 'src' (in the writers' slab when small). */
export function copyBytes(src: Uint8Array): Uint8Array {
  const n = src.length;
  if (n > SLAB_GRANT) return src.slice();
  if (slabOff + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabOff = 0;
  }
  const out = slab.subarray(slabOff, slabOff + n);
  out.set(src);
  slabOff += (n + 7) & ~7;
  return out;
}

/** A copy of d[pos..pos+n) (in the writers' slab when small): copyBytes
 * without a view of the source. */
export function copyRange(d: Uint8Array, pos: number, n: number): Uint8Array {
  if (n > SLAB_GRANT) return d.slice(pos, pos + n);
  if (slabOff + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabOff = 0;
  }
  const at = slabOff, s = slab;
  for (let i = 0; i < n; i++) s[at + i] = d[pos + i]!;
  slabOff += (n + 7) & ~7;
  return s.subarray(at, at + n);
}

/** A growable big-endian writer.  finish() returns the bytes written. */
export class OfpWriter {
  buf: Uint8Array;
  len = 0;
  /** Slab offset of 'buf' while it may hand back unused space (-1 if not). */
  private slabAt: number;
  /** The slab 'buf' was granted from. */
  private from: Uint8Array | null = null;

  constructor(capacity = 64) {
    if (capacity <= SLAB_GRANT) {
      if (slabOff + SLAB_GRANT > SLAB_SIZE) {
        slab = new Uint8Array(SLAB_SIZE);
        slabOff = 0;
      }
      this.slabAt = slabOff;
      this.from = slab;
      this.buf = slab.subarray(slabOff, slabOff + SLAB_GRANT);
      slabOff += SLAB_GRANT;
    } else {
      this.slabAt = -1;
      this.buf = new Uint8Array(capacity);
    }
  }

  /** Makes room for 'n' more bytes; returns the offset they start at.  The
   * bytes may hold anything (an encoder may have shortened 'len' after
   * writing): callers write every one of them, or use zeros(). */
  reserve(n: number): number {
    const at = this.len;
    const need = at + n;
    if (need > this.buf.length) this.grow(need);
    this.len = need;
    return at;
  }

  private grow(need: number): void {
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.slabAt = -1;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.buf[at] = v;
    return this;
  }
  u16(v: number): this {
    const at = this.reserve(2), b = this.buf;
    b[at] = v >>> 8; b[at + 1] = v;
    return this;
  }
  u32(v: number): this {
    const at = this.reserve(4), b = this.buf;
    b[at] = v >>> 24; b[at + 1] = v >>> 16; b[at + 2] = v >>> 8; b[at + 3] = v;
    return this;
  }
  u64(v: bigint): this {
    // Most values (cookies, counters) fit in 32 bits: one comparison, no BigInt made.
    if (v >= 0n && v <= 0xffffffffn) return this.u32(0).u32(Number(v));
    const x = BigInt.asUintN(64, v);
    return this.u32(Number(x >> 32n)).u32(Number(x & 0xffffffffn));
  }
  bytes(b: Uint8Array): this { const at = this.reserve(b.length); this.buf.set(b, at); return this; }
  zeros(n: number): this {
    const at = this.reserve(n), b = this.buf;
    if (n <= 16) for (let i = 0; i < n; i++) b[at + i] = 0;
    else b.fill(0, at, at + n);
    return this;
  }

  /** A fixed-size NUL-padded string field. */
  str(s: string, n: number): this {
    const at = this.reserve(n);
    this.buf.fill(0, at, at + n);
    for (let i = 0; i < n - 1 && i < s.length; i++) this.buf[at + i] = s.charCodeAt(i) & 0xff;
    return this;
  }

  /** Pads with zeros to a multiple of 'align' bytes (counted from 'from'). */
  padTo(align: number, from = 0): this {
    const r = (this.len - from) % align;
    if (r) this.zeros(align - r);
    return this;
  }

  set16(at: number, v: number): void { this.buf[at] = v >>> 8; this.buf[at + 1] = v; }
  set32(at: number, v: number): void {
    const b = this.buf;
    b[at] = v >>> 24; b[at + 1] = v >>> 16; b[at + 2] = v >>> 8; b[at + 3] = v;
  }
  get16(at: number): number { return (this.buf[at]! << 8) | this.buf[at + 1]!; }

  /** The bytes written so far (a copy-free view).  Writing on afterwards
   * moves the writer to a buffer of its own. */
  finish(): Uint8Array {
    const len = this.len;
    if (this.slabAt >= 0) {
      // Hand back the unused part of the grant if nobody took slab space since.
      const b = this.buf;
      if (this.from === slab && slabOff === this.slabAt + SLAB_GRANT) slabOff = this.slabAt + ((len + 7) & ~7);
      this.slabAt = -1;
      this.buf = b.subarray(0, len);
      return this.buf;
    }
    return this.buf.subarray(0, len);
  }

  /** Sets the 16-bit OpenFlow header length at offset 2, then finish(). */
  finishMsg(): Uint8Array {
    this.set16(2, this.len);
    return this.finish();
  }
}

/** A u64 (bigint) as "0x..." hex, as OVS prints cookies. */
export function hex64(v: bigint): string {
  return '0x' + v.toString(16);
}
