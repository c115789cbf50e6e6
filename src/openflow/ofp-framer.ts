/* ofp-framer: splits an OpenFlow byte stream (TCP or unix socket) into whole
 * messages using the 8-byte header's length field.  Partial tails are kept
 * until the rest arrives; a length below 8 is a framing error the caller
 * must treat as fatal for the connection (OVS's vconn does the same).
 */

/** Result of feeding bytes: complete messages and, if the stream is broken,
 * an error text (after which the framer refuses more input). */
export interface FramerOutput {
  messages: Uint8Array[];
  error?: string;
}

/** Incremental OpenFlow stream framer; one per connection. */
export class OfpFramer {
  private buf = new Uint8Array(0);
  private len = 0;
  private broken: string | undefined;

  /** Bytes buffered waiting for the rest of a message. */
  get pending(): number { return this.len; }

  /** Feeds 'chunk'; returns every message it completes (each a copy). */
  push(chunk: Uint8Array): FramerOutput {
    if (this.broken) return { messages: [], error: this.broken };
    this.append(chunk);
    const messages: Uint8Array[] = [];
    let pos = 0;
    while (this.len - pos >= 8) {
      const n = (this.buf[pos + 2]! << 8) | this.buf[pos + 3]!;
      if (n < 8) {
        this.broken = `received too-short ofp_header (${n} bytes)`;
        this.compact(pos);
        return { messages, error: this.broken };
      }
      if (this.len - pos < n) break;
      messages.push(this.buf.slice(pos, pos + n));
      pos += n;
    }
    this.compact(pos);
    return { messages };
  }

  private append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.buf.length * 2, this.len + chunk.length, 1024));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  private compact(pos: number): void {
    if (pos === 0) return;
    this.buf.copyWithin(0, pos, this.len);
    this.len -= pos;
  }
}
