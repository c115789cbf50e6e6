/* jhash: Bob Jenkins' lookup3 hash as OVS's jhash_bytes() computes it (32-bit
 * words read little-endian, as on x86).  OVS uses it for the nx_hash_fields
 * hashes of multipath and bundle actions (ofproto/multipath.ts); lib/hash.ts
 * holds the murmur-based hashes everything else uses. */

const rot = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Little-endian 32-bit word at 'i' of 'p', zero past the end. */
function word(p: Uint8Array, i: number): number {
  return ((p[i] ?? 0) | ((p[i + 1] ?? 0) << 8) | ((p[i + 2] ?? 0) << 16) | ((p[i + 3] ?? 0) << 24)) >>> 0;
}

/** OVS's jhash_bytes(): the hash of 'p' with 'basis'. */
export function jhashBytes(p: Uint8Array, basis: number): number {
  let n = p.length;
  let a = (0xdeadbeef + n + basis) >>> 0, b = a, c = a;
  let i = 0;
  while (n >= 12) {
    a = (a + word(p, i)) >>> 0; b = (b + word(p, i + 4)) >>> 0; c = (c + word(p, i + 8)) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    n -= 12;
    i += 12;
  }
  if (n) {
    // The tail, zero-padded to three words (word() reads zeros past the end).
    const tail = p.subarray(i);
    a = (a + word(tail, 0)) >>> 0; b = (b + word(tail, 4)) >>> 0; c = (c + word(tail, 8)) >>> 0;
    c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
    a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
    b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
    c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
    a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
    b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
    c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  }
  return c;
}
