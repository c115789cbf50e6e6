/* byte-order: network byte order reads and writes on plain Uint8Arrays.
 *
 * The packet views in this folder (ethernet.ts, ipv4.ts, tcp.ts, ...) and the
 * flow extractor (datapath/flow.ts) use these instead of a DataView so that a
 * view can be pointed at any buffer without allocating.  Also the error values
 * that checked construction of a view returns (OVS lib/byte-order.h).
 */

/** Why untrusted bytes could not be viewed as a packet. */
export type WireError = 'truncated' | 'malformed';

/** True if 'x' is a WireError rather than a view. */
export function isWireError(x: unknown): x is WireError {
  return x === 'truncated' || x === 'malformed';
}

/** Big-endian 16-bit value at b[o]. */
export function get16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Big-endian 32-bit unsigned value at b[o]. */
export function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** Big-endian 48-bit value at b[o] (an Ethernet address as a number). */
export function get48(b: Uint8Array, o: number): number {
  return get16(b, o) * 0x100000000 + get32(b, o + 2);
}

/** Stores 'v' big-endian in 16 bits at b[o]. */
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/** Stores 'v' big-endian in 32 bits at b[o]. */
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Stores the 48-bit value 'v' big-endian at b[o]. */
export function put48(b: Uint8Array, o: number, v: number): void {
  put16(b, o, Math.floor(v / 0x100000000));
  put32(b, o + 2, v % 0x100000000);
}
