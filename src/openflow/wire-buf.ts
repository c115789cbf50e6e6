/* wire-buf: the message layer's OfpWriter (ofp-buffer.ts) with a few
 * conveniences for the match and action encoders: a 'length' alias,
 * views of written bytes, truncation, insertion at an earlier offset, and
 * a copying finish().  Encoders in nx-match.ts, ofp-match*.ts and
 * ofp-actions*.ts take any OfpWriter; WireBuf is for standalone use.
 */
import { OfpWriter } from './ofp-buffer.js';

export class WireBuf extends OfpWriter {
  /** Number of bytes written (same as 'len'). */
  get length(): number { return this.len; }
  /** A view of bytes [from, to) written so far. */
  view(from = 0, to = this.len): Uint8Array { return this.buf.subarray(from, to); }
  /** A copy of everything written. */
  override finish(): Uint8Array { return this.buf.slice(0, this.len); }
}

/** Inserts 'src' at offset 'off' of 'w', moving later bytes up. */
export function insertBytes(w: OfpWriter, off: number, src: Uint8Array): void {
  const tail = w.buf.slice(off, w.len);
  w.len = off;
  w.bytes(src);
  w.bytes(tail);
}

/** Drops the bytes of 'w' after 'len'. */
export function truncateTo(w: OfpWriter, len: number): void {
  if (len < w.len) { w.buf.fill(0, len, w.len); w.len = len; }
}
