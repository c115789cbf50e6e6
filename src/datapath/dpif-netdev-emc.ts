/* dpif-netdev-emc: the exact-match cache in front of the megaflow classifier
 * (OVS lib/dpif-netdev-private-dfc.h, "EMC").
 *
 * Each datapath thread keeps one.  An entry maps a whole packet key (all
 * FLOW_WORDS words, no mask) to a flow id.  The table has EM_FLOW_HASH_ENTRIES
 * entries; a key may live in one of two slots picked from two parts of its
 * hash (OVS's EM_FLOW_HASH_SEGS = 2), so a lookup compares at most two keys.
 * Insertion replaces an empty or dead entry, else the one with the smaller
 * hash, and happens only for one packet in 'insertInvProb' (OVS's
 * other_config:emc-insert-inv-prob, default 100) so that the cache holds the
 * heavy flows.  Everything lives in typed arrays: no allocation per packet.
 *
 * Flow ids belong to dpif-netdev; when a flow dies its entries are found dead
 * through the 'alive' callback the datapath supplies (OVS checks
 * dp_netdev_flow_ref / flow->dead the same lazy way).
 */
import { FLOW_WORDS, flowEqual } from './flow.js';

/** Entries in the cache (OVS EM_FLOW_HASH_ENTRIES = 1 << 13). */
export const EM_FLOW_HASH_ENTRIES = 1 << 13;
const MASK = EM_FLOW_HASH_ENTRIES - 1;
const SHIFT = 13;

/** An exact-match cache. */
export class Emc {
  private readonly keys = new Uint32Array(EM_FLOW_HASH_ENTRIES * FLOW_WORDS);
  private readonly hashes = new Uint32Array(EM_FLOW_HASH_ENTRIES);
  private readonly ids = new Int32Array(EM_FLOW_HASH_ENTRIES).fill(-1);
  private insertCounter = 0;
  /** Insert one packet in this many (1 inserts always, 0 never). */
  insertInvProb = 100;
  /** Counters. */
  hits = 0;
  misses = 0;

  /** 'alive(id)' tells whether a flow id is still valid. */
  constructor(private readonly alive: (id: number) => boolean = () => true) {}

  /** The flow id for the key at key[k..] with hash 'hash' (flow.ts flowHashRss), or -1. */
  lookup(key: Uint32Array, k: number, hash: number): number {
    let h = hash;
    for (let seg = 0; seg < 2; seg++, h >>>= SHIFT) {
      const e = h & MASK;
      const id = this.ids[e]!;
      if (id >= 0 && this.hashes[e] === hash && flowEqual(key, k, this.keys, e * FLOW_WORDS)) {
        if (this.alive(id)) {
          this.hits++;
          return id;
        }
        this.ids[e] = -1;
      }
    }
    this.misses++;
    return -1;
  }

  /** Offers (key, id) to the cache, honouring insertInvProb. */
  probabilisticInsert(key: Uint32Array, k: number, hash: number, id: number): void {
    if (this.insertInvProb === 0) return;
    if (this.insertInvProb > 1 && ++this.insertCounter % this.insertInvProb !== 0) return;
    this.insert(key, k, hash, id);
  }

  /** Puts (key, id) in the cache. */
  insert(key: Uint32Array, k: number, hash: number, id: number): void {
    let victim = -1;
    let h = hash;
    for (let seg = 0; seg < 2; seg++, h >>>= SHIFT) {
      const e = h & MASK;
      const cur = this.ids[e]!;
      if (cur >= 0 && this.hashes[e] === hash && flowEqual(key, k, this.keys, e * FLOW_WORDS)) {
        this.ids[e] = id; // same key: refresh
        return;
      }
      if (cur < 0 || !this.alive(cur)) { victim = e; break; }
      if (victim < 0 || this.hashes[e]! < this.hashes[victim]!) victim = e;
    }
    this.keys.set(key.subarray(k, k + FLOW_WORDS), victim * FLOW_WORDS);
    this.hashes[victim] = hash;
    this.ids[victim] = id;
  }

  /** Empties the cache. */
  clear(): void {
    this.ids.fill(-1);
  }
}

