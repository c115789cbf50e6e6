/* wire-buf: a growable byte writer for encoding OpenFlow structures.
 *
 * WireBuf appends big-endian integers and byte strings to a Uint8Array that
 * grows as needed, and can patch bytes already written (lengths filled in
 * after the body) or insert bytes at an earlier offset.  The match and
 * action encoders (nx-match.ts, ofp-match*.ts, ofp-actions*.ts) write into
 * one, so a caller building a whole message can pass its own buffer.
 */

export class WireBuf {
  private buf: Uint8Array;
  /** Number of bytes written. */
  length = 0;

  constructor(capacity = 64) { this.buf = new Uint8Array(capacity); }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }

  u8(v: number): this { this.reserve(1); this.buf[this.length++] = v & 0xff; return this; }
  u16(v: number): this {
    this.reserve(2);
    this.buf[this.length++] = (v >>> 8) & 0xff; this.buf[this.length++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.reserve(4);
    const b = this.buf, o = this.length;
    b[o] = (v >>> 24) & 0xff; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff;
    this.length += 4;
    return this;
  }
  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    return this.u32(Number(v & 0xffffffffn));
  }
  bytes(src: Uint8Array | ArrayLike<number>): this {
    this.reserve(src.length);
    this.buf.set(src, this.length);
    this.length += src.length;
    return this;
  }
  zeros(n: number): this {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }
  /** Pads with zeros to a multiple of 'align' bytes. */
  padTo(align: number): this { return this.zeros((align - (this.length % align)) % align); }
  /** Overwrites a 16-bit value at 'off'. */
  set16(off: number, v: number): void { this.buf[off] = (v >>> 8) & 0xff; this.buf[off + 1] = v & 0xff; }
  set32(off: number, v: number): void {
    this.buf[off] = (v >>> 24) & 0xff; this.buf[off + 1] = (v >>> 16) & 0xff;
    this.buf[off + 2] = (v >>> 8) & 0xff; this.buf[off + 3] = v & 0xff;
  }
  /** Inserts 'src' at offset 'off', moving later bytes up. */
  insert(off: number, src: Uint8Array): void {
    this.reserve(src.length);
    this.buf.copyWithin(off + src.length, off, this.length);
    this.buf.set(src, off);
    this.length += src.length;
  }
  /** Drops bytes after 'len'. */
  truncate(len: number): void { this.length = Math.min(this.length, len); }
  /** A view of bytes [from, to) written so far. */
  view(from = 0, to = this.length): Uint8Array { return this.buf.subarray(from, to); }
  /** A copy of everything written. */
  finish(): Uint8Array { return this.buf.slice(0, this.length); }
}
