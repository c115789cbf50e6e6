/* ofp-hello: OFPT_HELLO (version bitmaps and negotiation), echo and barrier
 * helpers (OVS keeps these in ofp-util.c / ofp-protocol.c). */
import { startMsg, type OfpMsg } from './ofp-msgs.js';
import { vlogModule } from '../lib/vlog.js';
import type { Ds } from '../lib/dynamic-string.js';
import { hexDump } from '../lib/hex-dump.js';

const log = vlogModule('ofp_util');
const OFPHET_VERSIONBITMAP = 1;

/** Bitmap of versions 1..v (what a hello without a bitmap offers). */
export function versionBitmapFromVersion(v: number): number {
  return v >= 31 ? 0xfffffffe : ((1 << (v + 1)) - 1) & ~1 >>> 0;
}

/** Decoded hello: the versions the peer allows, and whether the whole body
 * was understood. */
export interface Hello { allowedVersions: number; ok: boolean }

/** Decodes an OFPT_HELLO (never throws). */
export function decodeHello(data: Uint8Array): Hello {
  const version = data[0]!;
  let allowed = versionBitmapFromVersion(version) >>> 0;
  const len = Math.min(data.length, (data[2]! << 8) | data[3]!);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 8;
  let ok = true;
  while (pos < len) {
    if (len - pos < 4) return { allowedVersions: allowed, ok: false };
    const type = dv.getUint16(pos);
    const elen = dv.getUint16(pos + 2);
    const padded = (elen + 7) & ~7;
    if (elen < 4 || padded > len - pos) return { allowedVersions: allowed, ok: false };
    if (type !== OFPHET_VERSIONBITMAP) ok = false;
    else {
      const blen = elen - 4;
      if (!blen || blen % 4) ok = false;
      else {
        let bm = dv.getUint32(pos + 4);
        if (bm & 1) {
          log.warn('peer claims to support invalid OpenFlow version 0x00');
          bm = (bm & ~1) >>> 0;
        }
        if (!bm) {
          log.warn('peer does not support any OpenFlow version (between 0x01 and 0x1f)');
          ok = false;
        } else allowed = bm;
      }
    }
    pos += padded;
  }
  return { allowedVersions: allowed >>> 0, ok };
}

/** Encodes a hello offering 'allowedVersions' (bit N = version N). */
export function encodeHello(allowedVersions: number, xid = 0): Uint8Array {
  const top = 31 - Math.clz32(allowedVersions);
  const w = startMsg('OFPT_HELLO', top, xid);
  const low = (allowedVersions >>> 1) + 1;
  if ((low & (low - 1)) !== 0) {
    w.u16(OFPHET_VERSIONBITMAP).u16(8).u32(allowedVersions);
  }
  return w.finishMsg();
}

/** Picks the version to speak: the highest both sides allow, or 0. */
export function negotiateVersion(ours: number, theirs: number): number {
  const common = (ours & theirs) >>> 0;
  return common ? 31 - Math.clz32(common) : 0;
}

/** Formats a version bitmap as "0x01, 0x04". */
export function formatVersionBitmap(bitmap: number): string {
  const parts: string[] = [];
  for (let v = 0; v < 32; v++) if ((bitmap >>> v) & 1) parts.push('0x' + v.toString(16).padStart(2, '0'));
  return parts.join(', ');
}

/** Version bitmap as names: "OpenFlow10, OpenFlow13". */
export function formatVersionBitmapNames(bitmap: number): string {
  const parts: string[] = [];
  for (let v = 0; v < 32; v++) if ((bitmap >>> v) & 1) parts.push(versionToString(v));
  return parts.join(', ');
}

/** "OpenFlow10" .. "OpenFlow15" for a wire version. */
export function versionToString(v: number): string {
  return v >= 1 && v <= 6 ? `OpenFlow1${v - 1}` : 'Unknown';
}

/** Text of a hello as ovs-ofctl prints it after the header. */
export function formatHello(ds: Ds, msg: OfpMsg): void {
  const h = decodeHello(msg.data);
  ds.put('\n version bitmap: ' + formatVersionBitmap(h.allowedVersions));
  if (!h.ok) ds.put('\n unknown data in hello:\n' + hexDump(msg.data));
}

/** Text of an echo request/reply. */
export function formatEcho(ds: Ds, msg: OfpMsg, verbosity: number): void {
  const n = msg.data.length - 8;
  ds.put(` ${n} bytes of payload\n`);
  if (verbosity > 1) ds.put(hexDump(msg.data.subarray(8)));
}

/** An echo request with 'payload'. */
export function encodeEchoRequest(version: number, xid: number, payload = new Uint8Array(0)): Uint8Array {
  return startMsg('OFPT_ECHO_REQUEST', version, xid).bytes(payload).finishMsg();
}

/** The reply to an echo request (same xid and payload). */
export function encodeEchoReply(request: OfpMsg): Uint8Array {
  return startMsg('OFPT_ECHO_REPLY', request.version, request.xid).bytes(request.data.subarray(8)).finishMsg();
}

/** A barrier request for 'version'. */
export function encodeBarrierRequest(version: number, xid: number): Uint8Array {
  return startMsg(version === 1 ? 'OFPT10_BARRIER_REQUEST' : 'OFPT11_BARRIER_REQUEST', version, xid).finishMsg();
}

/** The barrier reply to 'request'. */
export function encodeBarrierReply(request: OfpMsg): Uint8Array {
  return startMsg(request.version === 1 ? 'OFPT10_BARRIER_REPLY' : 'OFPT11_BARRIER_REPLY', request.version, request.xid).finishMsg();
}

