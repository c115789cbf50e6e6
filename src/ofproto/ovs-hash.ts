/* ovs-hash: Open vSwitch's hash functions and hash-map iteration order.
 *
 * Some visible behaviour of OVS depends on its hashes: the order in which
 * FLOOD and ALL visit ports is the iteration order of an hmap keyed by
 * hash_int(port, 0); select groups score buckets with hash_int().  To print
 * the same datapath actions, these are OVS's generic (non-SSE4.2) Murmur3
 * based functions, bit for bit, and a model of its hmap's bucket layout.
 */

function rot(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }

/** mhash_add(): one 32-bit word into a running hash. */
export function mhashAdd(hash: number, data: number): number {
  if (data) {
    data = Math.imul(data, 0xcc9e2d51) >>> 0;
    data = rot(data, 15);
    data = Math.imul(data, 0x1b873593) >>> 0;
    hash = (hash ^ data) >>> 0;
  }
  hash = rot(hash, 13);
  return (Math.imul(hash, 5) + 0xe6546b64) >>> 0;
}

/** mhash_finish(). */
export function mhashFinish(hash: number): number {
  hash = (hash ^ (hash >>> 16)) >>> 0;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash = (hash ^ (hash >>> 13)) >>> 0;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** hash_finish(hash, final). */
export function hashFinish(hash: number, final: number): number { return mhashFinish((hash ^ final) >>> 0); }

/** hash_int(x, basis) (hash_2words). */
export function hashInt(x: number, basis: number): number {
  return hashFinish(mhashAdd(mhashAdd(x >>> 0, 0), basis >>> 0), 8);
}

/** hash_words(): 32-bit words in native order. */
export function hashWords(words: ArrayLike<number>, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < words.length; i++) h = mhashAdd(h, words[i]! >>> 0);
  return hashFinish(h, words.length * 4);
}

/** hash_bytes(): bytes taken as little-endian 32-bit words, the tail zero-padded. */
export function hashBytes(b: Uint8Array, basis: number): number {
  let h = basis >>> 0;
  let i = 0;
  for (; i + 4 <= b.length; i += 4) h = mhashAdd(h, (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0);
  if (i < b.length) {
    let tmp = 0;
    for (let j = 0; i + j < b.length; j++) tmp |= b[i + j]! << (8 * j);
    h = mhashAdd(h, tmp >>> 0);
  }
  return hashFinish(h, b.length);
}

const utf8 = new TextEncoder();

/** hash_string(s, basis): how shash and sset place names. */
export function hashString(s: string, basis = 0): number { return hashBytes(utf8.encode(s), basis); }

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
