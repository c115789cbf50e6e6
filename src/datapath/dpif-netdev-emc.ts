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
 * Keys must have zero metadata words (W.RECIRC_ID .. W.TUN_TP: recirculation,
 * tunnel, conntrack): only in_port and the packet words are compared, as the
 * cache holds packets fresh from a port.  (A datapath that recirculates or
 * decapsulates must bypass the cache for such packets.)
 *
 * Flow ids belong to dpif-netdev, which reuses them.  The datapath hands the
 * cache its per-id serial numbers (a Uint32Array it bumps whenever an id is
 * installed or deleted): an entry remembers the serial it was inserted with
 * and is dead once they differ, with no call per lookup.  OVS checks
 * flow->dead the same lazy way.  Tests may pass an 'alive(id)' function
 * instead.
 */
import { FLOW_WORDS, W } from './flow.js';

/** Entries in the cache (OVS EM_FLOW_HASH_ENTRIES = 1 << 13). */
export const EM_FLOW_HASH_ENTRIES = 1 << 13;
const MASK = EM_FLOW_HASH_ENTRIES - 1;
const SHIFT = 13;

/** An exact-match cache. */
export class Emc {
  private readonly keys = new Uint32Array(EM_FLOW_HASH_ENTRIES * FLOW_WORDS);
  private readonly hashes = new Uint32Array(EM_FLOW_HASH_ENTRIES);
  private readonly ids = new Int32Array(EM_FLOW_HASH_ENTRIES).fill(-1);
  /** Serial of the flow id at insertion, per entry. */
  private readonly entrySerials = new Uint32Array(EM_FLOW_HASH_ENTRIES);
  /** The datapath's serial per flow id (empty: every id is alive). */
  private readonly serials: Uint32Array;
  private readonly alive: ((id: number) => boolean) | null;
  private insertCounter = 0;
  /** Insert one packet in this many (1 inserts always, 0 never). */
  insertInvProb = 100;
  /** Counters. */
  hits = 0;
  misses = 0;

  /** 'liveness' is the datapath's serial number per flow id, or a function
   * telling whether an id is still valid (default: always). */
  constructor(liveness: Uint32Array | ((id: number) => boolean) | null = null) {
    if (liveness instanceof Uint32Array) {
      this.serials = liveness;
      this.alive = null;
    } else {
      this.serials = new Uint32Array(0);
      this.alive = liveness;
    }
  }

  private live(id: number, e: number): boolean {
    if (this.alive !== null) return this.alive(id);
    return this.serials.length === 0 || this.serials[id] === this.entrySerials[e];
  }

  /** True if entry e holds the same packet key as key[k..].  Metadata words
   * (W.RECIRC_ID .. W.TUN_TP) are not compared: see the class comment.  For
   * IPv4, flowExtract() leaves the IPv6, ARP and ND words zero, so only the
   * words an IPv4 key can use are compared. */
  private same(key: Uint32Array, k: number, e: number): boolean {
    const keys = this.keys, b = e * FLOW_WORDS;
    const type = key[k + W.DL_TYPE]!;
    if (key[k + W.IN_PORT] !== keys[b + W.IN_PORT] || type !== keys[b + W.DL_TYPE]) return false;
    if (type === 0x0800) {
      return key[k + W.TP] === keys[b + W.TP]
        && key[k + W.NW_SRC] === keys[b + W.NW_SRC]
        && key[k + W.NW_DST] === keys[b + W.NW_DST]
        && key[k + W.NW_INFO] === keys[b + W.NW_INFO]
        && key[k + W.ETH_SRC_LO] === keys[b + W.ETH_SRC_LO]
        && key[k + W.ETH_DST_LO] === keys[b + W.ETH_DST_LO]
        && key[k + W.ETH_SRC_HI] === keys[b + W.ETH_SRC_HI]
        && key[k + W.ETH_DST_HI] === keys[b + W.ETH_DST_HI]
        && key[k + W.TCP_FLAGS] === keys[b + W.TCP_FLAGS]
        && key[k + W.VLAN0] === keys[b + W.VLAN0]
        && key[k + W.VLAN1] === keys[b + W.VLAN1]
        && key[k + W.PACKET_TYPE] === keys[b + W.PACKET_TYPE];
    }
    for (let i = W.PACKET_TYPE; i < FLOW_WORDS; i++) if (key[k + i] !== keys[b + i]) return false;
    return true;
  }

  /** The flow id for the key at key[k..] with hash 'hash' (flow.ts flowHashRss), or -1. */
  lookup(key: Uint32Array, k: number, hash: number): number {
    let e = hash & MASK;
    let id = this.ids[e]!;
    if (id >= 0 && this.hashes[e] === hash && this.same(key, k, e)) {
      if (this.live(id, e)) { this.hits++; return id; }
      this.ids[e] = -1;
    }
    e = (hash >>> SHIFT) & MASK;
    id = this.ids[e]!;
    if (id >= 0 && this.hashes[e] === hash && this.same(key, k, e)) {
      if (this.live(id, e)) { this.hits++; return id; }
      this.ids[e] = -1;
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
      if (cur >= 0 && this.hashes[e] === hash && this.same(key, k, e)) {
        victim = e; // same key: refresh
        break;
      }
      if (cur < 0 || !this.live(cur, e)) { victim = e; break; }
      if (victim < 0 || this.hashes[e]! < this.hashes[victim]!) victim = e;
    }
    this.keys.set(key.subarray(k, k + FLOW_WORDS), victim * FLOW_WORDS);
    this.hashes[victim] = hash;
    this.ids[victim] = id;
    this.entrySerials[victim] = this.serials.length ? this.serials[id]! : 0;
  }

  /** Empties the cache. */
  clear(): void {
    this.ids.fill(-1);
  }
}
