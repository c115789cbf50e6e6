/* ofp-format: small text pieces shared by the message formatters: bit-name
 * lists, durations, Ethernet/IP addresses, as OVS prints them. */
import { hex2 } from '../lib/hex-dump.js';

/** Names the set bits of 'bits' with 'name' (null: unnamed), joined by
 * 'sep'; leftover unnamed bits as hex; "0" if none. */
export function bitNames(bits: number, name: (bit: number) => string | null | undefined, sep = ' '): string {
  bits >>>= 0;
  if (!bits) return '0';
  const parts: string[] = [];
  for (let i = 0; i < 32; i++) {
    const bit = (1 << i) >>> 0;
    if (bits & bit) {
      const n = name(bit);
      if (n) {
        parts.push(n);
        bits = (bits & ~bit) >>> 0;
      }
    }
  }
  if (bits) parts.push('0x' + bits.toString(16));
  return parts.join(sep);
}

/** A duration as OVS prints it: "5s", "5.001s", "5.000000001s". */
export function formatDuration(sec: number, nsec: number): string {
  let s = String(sec >>> 0);
  if (nsec > 0) {
    const msec = Math.floor(nsec / 1000000);
    if (msec * 1000000 === nsec) s += '.' + String(msec).padStart(3, '0');
    else s += ('.' + String(nsec).padStart(9, '0')).replace(/0+$/, '');
  }
  return s + 's';
}

/** "aa:bb:cc:dd:ee:ff". */
export function formatEth(b: Uint8Array, ofs = 0): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + hex2(b[ofs + i]!);
  return s;
}

/** Dotted quad of a 32-bit address. */
export function formatIp4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Unsigned decimal of a u64 given as bigint. */
export function u64(v: bigint): string {
  return BigInt.asUintN(64, v).toString();
}

export const UINT64_MAX = 0xffffffffffffffffn;
