/* shash-order: the order in which Open vSwitch iterates a hash map.
 *
 * OVS's hmap is an array of buckets (a power of two), each a singly linked
 * list with new nodes pushed at the head; it doubles when it holds more than
 * two nodes per bucket, re-inserting nodes bucket by bucket.  Iteration walks
 * the buckets in index order.  Whatever OVS prints without sorting (JSON
 * objects in database files, `ovsdb-tool show-log`) therefore follows this
 * order, which hmapOrder() reproduces from the insertion order and the hash
 * values (hash.ts).
 */
import { hashString } from './hash.js';

/** OVS's calc_mask(): bucket mask for a map of 'capacity' nodes. */
function calcMask(capacity: number): number {
  let mask = Math.floor(capacity / 2);
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  mask |= (mask & 1) << 1;
  return mask;
}

/** Given the hashes of nodes in insertion order, returns the insertion
 * indexes in the order OVS's HMAP_FOR_EACH visits them.  'reserve' is the
 * capacity the map was created with (hmap_reserve()), if any. */
export function hmapOrder(hashes: ArrayLike<number>, reserve = 0): number[] {
  const n = hashes.length;
  const next = new Int32Array(n);
  let mask = reserve > 0 ? calcMask(reserve) : 0;
  let heads = new Int32Array(mask + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    const b = hashes[i]! & mask;
    next[i] = heads[b]!;
    heads[b] = i;
    const count = i + 1;
    if (Math.floor(count / 2) > mask) {
      const newMask = calcMask(count);
      if (newMask > mask) {
        const newHeads = new Int32Array(newMask + 1).fill(-1);
        for (let j = 0; j <= mask; j++) {
          for (let node = heads[j]!; node >= 0;) {
            const following = next[node]!;
            const nb = hashes[node]! & newMask;
            next[node] = newHeads[nb]!;
            newHeads[nb] = node;
            node = following;
          }
        }
        heads = newHeads;
        mask = newMask;
      }
    }
  }
  const out: number[] = [];
  for (let j = 0; j <= mask; j++) {
    for (let node = heads[j]!; node >= 0; node = next[node]!) out.push(node);
  }
  return out;
}

/** Returns the distinct 'keys' (given in insertion order) in the order OVS's
 * SHASH_FOR_EACH would visit them ('reserve' as for hmapOrder()). */
export function shashOrder(keys: readonly string[], reserve = 0): string[] {
  if (keys.length < 2) return keys.slice();
  const hashes = new Uint32Array(keys.length);
  for (let i = 0; i < keys.length; i++) hashes[i] = hashString(keys[i]!, 0);
  return hmapOrder(hashes, reserve).map((i) => keys[i]!);
}
