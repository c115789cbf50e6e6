/* pcap-file: reading and writing libpcap capture files (OVS lib/pcap-file.c).
 *
 * Format: a 24-byte global header (magic 0xa1b2c3d4 in the writer's byte
 * order, version 2.4, thiszone, sigfigs, snaplen, link type 1 = Ethernet),
 * then per packet a 16-byte record header (seconds, microseconds, captured
 * size, original size) and the bytes.  The writer appends ("ab" in OVS: a new
 * or empty file gets the global header first) and writes each record with
 * one write(2).  The reader accepts either byte order and the nanosecond
 * magic.  netdev-dummy's rxq_pcap/tx_pcap options and tests use these.
 */
import { openSync, closeSync, writeSync, fstatSync, readFileSync } from 'node:fs';

const MAGIC = 0xa1b2c3d4, MAGIC_NS = 0xa1b23c4d;
const SNAPLEN = 1518;

/** A capture file open for appending. */
export class PcapWriter {
  private fd: number;
  private readonly rec = new Uint8Array(16);
  private readonly recView = new DataView(this.rec.buffer);

  /** Opens (creating if needed) 'path' for appending; throws with the OS error on failure. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
    if (fstatSync(this.fd).size === 0) {
      const h = new Uint8Array(24);
      const v = new DataView(h.buffer);
      v.setUint32(0, MAGIC, true);
      v.setUint16(4, 2, true);
      v.setUint16(6, 4, true);
      v.setUint32(16, SNAPLEN, true);
      v.setUint32(20, 1, true);
      writeSync(this.fd, h);
    }
  }

  /** Appends one packet, stamped with the current time (or 'timeMs'). */
  write(bytes: Uint8Array, off = 0, size = bytes.length - off, timeMs = Date.now()): void {
    if (this.fd < 0) return;
    const v = this.recView;
    v.setUint32(0, Math.floor(timeMs / 1000), true);
    v.setUint32(4, Math.floor((timeMs % 1000) * 1000), true);
    v.setUint32(8, size, true);
    v.setUint32(12, size, true);
    const rec = new Uint8Array(16 + size);
    rec.set(this.rec);
    rec.set(bytes.subarray(off, off + size), 16);
    writeSync(this.fd, rec);
  }

  /** Closes the file. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** One packet read from a capture. */
export interface PcapRecord { timeMs: number; bytes: Uint8Array; originalSize: number }

/** Reads every packet of capture 'data'; an error message if the header is
 * bad (a truncated last record is ignored, as a live capture may end mid-write). */
export function parsePcap(data: Uint8Array): PcapRecord[] | string {
  if (data.length < 24) return 'pcap file truncated';
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let le: boolean;
  let ns = false;
  const m = v.getUint32(0, true);
  if (m === MAGIC) le = true;
  else if (m === MAGIC_NS) { le = true; ns = true; }
  else if (v.getUint32(0, false) === MAGIC) le = false;
  else if (v.getUint32(0, false) === MAGIC_NS) { le = false; ns = true; }
  else return 'bad magic in pcap file header';
  const out: PcapRecord[] = [];
  for (let o = 24; o + 16 <= data.length;) {
    const sec = v.getUint32(o, le), frac = v.getUint32(o + 4, le);
    const incl = v.getUint32(o + 8, le), orig = v.getUint32(o + 12, le);
    if (o + 16 + incl > data.length) break;
    out.push({ timeMs: sec * 1000 + (ns ? frac / 1e6 : frac / 1e3), bytes: data.slice(o + 16, o + 16 + incl), originalSize: orig });
    o += 16 + incl;
  }
  return out;
}

/** Reads the capture file at 'path' (see parsePcap); throws on I/O errors. */
export function readPcapFile(path: string): PcapRecord[] | string {
  return parsePcap(new Uint8Array(readFileSync(path)));
}
