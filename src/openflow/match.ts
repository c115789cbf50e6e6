/* match: a flow match, the value+mask pair the classifier stores.
 *
 * A Match is two flow-layout arrays (flow.ts): 'flow' holds the values and
 * 'wc' the masks (1-bits must match, 0-bits are wildcarded), kept so that
 * flow & wc == flow.  Tunnel metadata options (tun_metadataN), which are
 * variable-length, live beside them in 'tunMd', with their presence bits in
 * the TUN_MD_PRESENT member of both arrays.
 *
 * Field-level access goes through meta-flow.ts (mfSet, mfGetValue...);
 * this file has only what every user of a match needs: construction,
 * comparison, packet_type defaults and the tunnel-metadata side table.
 * Text: match-format.ts / ofp-match-parse.ts.  Wire: nx-match.ts,
 * ofp-match10.ts, ofp-match11.ts.
 */
import {
  FL, FLOW_SIZE, PT_ETH, get32, put32, put16, put8, isAllZeros, flowDlType,
} from './flow.js';

/** Maximum total size of tunnel metadata options in one match. */
export const TUN_METADATA_TOT_OPT_SIZE = 256;
export const TUN_METADATA_NUM_OPTS = 64;

/** Matches per slab of match storage (see the constructor). */
const SLAB_MATCHES = 32;
let slab = new Uint8Array(SLAB_MATCHES * 2 * FLOW_SIZE);
/** The slab as 32-bit words (one view per slab, shared by its matches). */
let slabWords = new Int32Array(slab.buffer);
let slabOff = 0;

/** The tunMd of every match without tunnel metadata options. */
const NO_TUN_MD: (TunMdEntry | undefined)[] = Object.freeze([]) as unknown as (TunMdEntry | undefined)[];

/** One tun_metadataN option of a match. */
export interface TunMdEntry {
  /** Length of the option in bytes (value and mask have this length). */
  len: number;
  /** Whether the option was given with a mask. */
  masked: boolean;
  value: Uint8Array;
  mask: Uint8Array;
}

export class Match {
  /** Values, FLOW_SIZE bytes. */
  readonly flow: Uint8Array;
  /** Masks, FLOW_SIZE bytes. */
  readonly wc: Uint8Array;
  /** tun_metadata0..63 options; undefined where not matched.  Shared and
   * frozen while empty: setTunMetadata/clearTunMetadata replace it. */
  tunMd: (TunMdEntry | undefined)[];
  /** Bytes of tunnel metadata allocated so far. */
  tunMdAlloc = 0;
  /** For quick zero tests of 4-byte-aligned ranges: 32-bit words over the
   * storage of 'flow' and 'wc' (matches made without given arrays), with
   * 'wc' starting at word 'wcWord'; null for matches over given arrays. */
  readonly words: Int32Array | null;
  readonly wcWord: number;

  constructor(flow?: Uint8Array, wc?: Uint8Array) {
    if (flow && wc) {
      this.flow = flow;
      this.wc = wc;
      this.words = null;
      this.wcWord = 0;
    } else {
      // Both halves come from a shared zero-filled slab: typed arrays this size
      // live off-heap, and one ArrayBuffer per match costs more than the views.
      if (slabOff === SLAB_MATCHES * 2 * FLOW_SIZE) {
        slab = new Uint8Array(SLAB_MATCHES * 2 * FLOW_SIZE);
        slabWords = new Int32Array(slab.buffer);
        slabOff = 0;
      }
      const at = slabOff;
      slabOff = at + 2 * FLOW_SIZE;
      this.flow = flow ?? slab.subarray(at, at + FLOW_SIZE);
      this.wc = wc ?? slab.subarray(at + FLOW_SIZE, at + 2 * FLOW_SIZE);
      this.words = wc ? null : slabWords;
      this.wcWord = (at + FLOW_SIZE) >> 2;
    }
    this.tunMd = NO_TUN_MD;
  }

  /** A match that matches every packet. */
  static catchall(): Match { return new Match(); }

  clone(): Match {
    const m = new Match();
    m.flow.set(this.flow);
    m.wc.set(this.wc);
    m.tunMd = this.tunMd.map((e) => e && { ...e, value: e.value.slice(), mask: e.mask.slice() });
    m.tunMdAlloc = this.tunMdAlloc;
    return m;
  }

  /** True if this match wildcards everything. */
  isCatchall(): boolean { return isAllZeros(this.wc) && this.tunMd.every((e) => !e); }

  /** True if both matches have the same values and masks. */
  equals(o: Match): boolean {
    for (let i = 0; i < FLOW_SIZE; i++) {
      if (this.flow[i] !== o.flow[i] || this.wc[i] !== o.wc[i]) return false;
    }
    const n = Math.max(this.tunMd.length, o.tunMd.length);
    for (let i = 0; i < n; i++) {
      const a = this.tunMd[i], b = o.tunMd[i];
      if (!a !== !b) return false;
      if (a && b && (a.len !== b.len || !bytesEqual(a.value, b.value) || !bytesEqual(a.mask, b.mask))) return false;
    }
    return true;
  }

  /**
   * True if packet 'flow' matches: every significant bit equals the match's
   * (tunnel metadata options are not compared; they are not in the flow).
   */
  matchesFlow(flow: Uint8Array): boolean {
    const v = this.flow, w = this.wc;
    for (let i = 0; i < FLOW_SIZE; i++) if ((flow[i]! & w[i]!) !== v[i]) return false;
    return true;
  }

  /** The Ethertype the match implies (get_dl_type). */
  dlType(): number { return flowDlType(this.flow); }

  /** Matches exactly on a member of 1, 2 or 4 bytes. */
  setExact(off: number, size: 1 | 2 | 4, v: number): void {
    if (size === 1) { put8(this.flow, off, v); this.wc[off] = 0xff; }
    else if (size === 2) { put16(this.flow, off, v); put16(this.wc, off, 0xffff); }
    else { put32(this.flow, off, v); put32(this.wc, off, 0xffffffff); }
  }

  setDlType(t: number): void { this.setExact(FL.DL_TYPE, 2, t); }
  setNwProto(p: number): void { this.setExact(FL.NW_PROTO, 1, p); }
  setInPort(p: number): void { put32(this.flow, FL.IN_PORT, p); put32(this.wc, FL.IN_PORT, 0xffff); }
  setPacketType(pt: number): void { this.setExact(FL.PACKET_TYPE, 4, pt); }

  /** Makes the match Ethernet-only unless it already matches a packet_type. */
  setDefaultPacketType(): void {
    if (get32(this.wc, FL.PACKET_TYPE) === 0) this.setPacketType(PT_ETH);
  }

  /** True if the match matches exactly packet_type=Ethernet. */
  hasDefaultPacketType(): boolean {
    return get32(this.flow, FL.PACKET_TYPE) === PT_ETH && get32(this.wc, FL.PACKET_TYPE) === 0xffffffff;
  }

  /**
   * Sets tun_metadata'idx' to 'value' (right-aligned in 'value', leading zero
   * bytes dropped) under 'mask' (null: exact).  Returns an error text or null.
   */
  setTunMetadata(idx: number, name: string, value: Uint8Array | null, mask: Uint8Array | null): string | null {
    const n = value ? value.length : 0;
    const isMasked = !!mask && !mask.every((b) => b === 0xff);
    let len = value ? varLen(value) : 0;
    if (isMasked && mask) len = Math.max(len, varLen(mask));
    if (this.tunMdAlloc + len > TUN_METADATA_TOT_OPT_SIZE) {
      return `field ${name} exceeds maximum size for tunnel metadata (used ${this.tunMdAlloc + len}, max ${TUN_METADATA_TOT_OPT_SIZE})`;
    }
    if (this.tunMd[idx]) return `field ${name} set multiple times`;
    if (this.tunMd === NO_TUN_MD) this.tunMd = [];
    const v = new Uint8Array(len), m = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      const vb = value ? value[n - len + i]! : 0;
      const mb = !value ? 0 : !mask ? 0xff : mask[n - len + i]!;
      v[i] = vb & mb;
      m[i] = mb;
    }
    this.tunMd[idx] = { len, masked: isMasked, value: v, mask: m };
    this.tunMdAlloc += len;
    setBit64(this.flow, FL.TUN_MD_PRESENT, idx, true);
    setBit64(this.wc, FL.TUN_MD_PRESENT, idx, true);
    return null;
  }

  /** Stops matching on tun_metadata'idx'. */
  clearTunMetadata(idx: number): void {
    if (this.tunMd !== NO_TUN_MD) this.tunMd[idx] = undefined;
    setBit64(this.flow, FL.TUN_MD_PRESENT, idx, false);
    setBit64(this.wc, FL.TUN_MD_PRESENT, idx, false);
  }
}

function varLen(v: Uint8Array): number {
  let i = 0;
  while (i < v.length && v[i] === 0) i++;
  return v.length - i;
}

/** Sets or clears bit 'idx' of a 64-bit big-endian bitmap at 'off'. */
function setBit64(b: Uint8Array, off: number, idx: number, on: boolean): void {
  const byte = off + 7 - (idx >> 3), bit = 1 << (idx & 7);
  if (on) b[byte]! |= bit; else b[byte]! &= ~bit;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
