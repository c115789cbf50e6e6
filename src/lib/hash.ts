/* hash: Open vSwitch's general-purpose hash functions (lib/hash.h, the
 * portable Murmur3-based variant that Debian's x86-64 builds use), and the
 * iteration order of an OVS hmap built with them (hmapOrder).
 *
 * These matter for compatibility, not speed: OVS iterates its hash maps in
 * bucket order, so anything OVS prints "unsorted" (JSON objects written to
 * database logs, show-log output) comes out in an order that depends on these
 * exact hash values.  shash-order.ts replays that order from them.
 */

const textEncoder = new TextEncoder();

/** Rotates the 32-bit 'x' left by 'k' bits. */
function rot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** OVS's mhash_add(): mixes the 32-bit word 'data' into 'hash'. */
export function hashAdd(hash: number, data: number): number {
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51);
    d = rot(d >>> 0, 15);
    d = Math.imul(d, 0x1b873593);
    hash = (hash ^ d) >>> 0;
  }
  hash = rot(hash, 13);
  return (Math.imul(hash, 5) + 0xe6546b64) >>> 0;
}

/** OVS's hash_finish(): final avalanche, folding in 'final' (usually a length). */
export function hashFinish(hash: number, final: number): number {
  let h = (hash ^ final) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** OVS's hash_bytes(): hashes 'bytes' (read as little-endian 32-bit words). */
export function hashBytes(bytes: Uint8Array, basis: number): number {
  const n = bytes.length;
  let hash = basis >>> 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    hash = hashAdd(hash, (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0);
  }
  if (i < n) {
    let tail = 0;
    for (let s = 0; i < n; i++, s += 8) tail |= bytes[i]! << s;
    hash = hashAdd(hash, tail >>> 0);
  }
  return hashFinish(hash, n);
}

/** OVS's hash_string(): hash_bytes() over the UTF-8 encoding of 's'. */
export function hashString(s: string, basis: number): number {
  // Fast path for ASCII, which is nearly every name OVS hashes.
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) { ascii = false; break; }
  }
  if (!ascii) return hashBytes(textEncoder.encode(s), basis);
  const n = s.length;
  let hash = basis >>> 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    hash = hashAdd(hash, (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0);
  }
  if (i < n) {
    let tail = 0;
    for (let sh = 0; i < n; i++, sh += 8) tail |= s.charCodeAt(i) << sh;
    hash = hashAdd(hash, tail >>> 0);
  }
  return hashFinish(hash, n);
}

/** OVS's hash_int(x, basis) (hash_2words of x and 0). */
export function hashInt(x: number, basis: number): number {
  return hashFinish(hashAdd(hashAdd(x >>> 0, 0), basis >>> 0), 8);
}

/** OVS's hash_words(): 32-bit words in native order. */
export function hashWords(words: ArrayLike<number>, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < words.length; i++) h = hashAdd(h, words[i]! >>> 0);
  return hashFinish(h, words.length * 4);
}

function calcMask(capacity: number): number {
  let mask = Math.floor(capacity / 2);
  mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
  mask |= (mask & 1) << 1;
  return mask >>> 0;
}

/**
 * The iteration order of an OVS hmap after inserting 'keys' in the given
 * order with hashes 'hash(key)' (hmap_insert, with its expansions).
 */
export function hmapOrder<K>(keys: readonly K[], hash: (k: K) => number): K[] {
  let mask = 0;
  let buckets: [K, number][][] = [[]];
  let n = 0;
  for (const k of keys) {
    const h = hash(k);
    buckets[h & mask]!.unshift([k, h]);
    n++;
    if ((n >>> 1) > mask) {
      const nm = calcMask(n);
      if (nm > mask) {
        const nb: [K, number][][] = Array.from({ length: nm + 1 }, () => []);
        for (const b of buckets) for (const e of b) nb[e[1] & nm]!.unshift(e);
        buckets = nb;
        mask = nm;
      }
    }
  }
  return buckets.flat().map((e) => e[0]);
}
