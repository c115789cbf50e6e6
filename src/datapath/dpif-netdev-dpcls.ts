/* dpif-netdev-dpcls: the megaflow classifier of the userspace datapath
 * (OVS lib/dpif-netdev.c "dpcls" and dpif-netdev-private-dpcls.h).
 *
 * What?
 * -----
 * A megaflow is a (mask, masked key) pair from an upcall: every packet whose
 * key equals the masked key under the mask takes that flow's actions.  Flows
 * never overlap in the datapath (ofproto un-wildcards enough bits), so a
 * lookup may stop at the first match and priorities are not needed.
 *
 * Design
 * ------
 * Flows are grouped into subtables, one per distinct mask.  A subtable is an
 * open-addressing hash table keyed by the hash of the masked key over just
 * the words its mask uses (flow.ts flowHashWords, OVS's miniflow idea); the
 * same words are the only ones compared.  Entries refer to rules stored in flat
 * typed arrays: rule r's masked key is keys[r*FLOW_WORDS ...], its flow id
 * ids[r].  Lookup of one key probes subtables in order of recent hits
 * (OVS re-sorts its pvector the same way), computing one masked hash per
 * subtable: no allocation, no objects per packet.  Inserting and removing
 * (upcall handler, revalidator) may allocate.
 *
 * Flow ids are the caller's (dpif-netdev's flow table index); -1 means miss.
 */
import { FLOW_WORDS, flowHashWords, flowEqual, maskWords } from './flow.js';

const EMPTY = -1, TOMBSTONE = -2;

/** One mask and the flows that use it. */
class Subtable {
  /** The mask (FLOW_WORDS words). */
  readonly mask: Uint32Array;
  /** Indexes of the mask's nonzero words: only these are hashed and compared. */
  readonly words: Int32Array;
  /** Masked keys of the rules, FLOW_WORDS apart. */
  keys: Uint32Array;
  /** Flow id per rule. */
  ids: Int32Array;
  /** Hash per rule. */
  hashes: Uint32Array;
  /** Free rule slots. */
  private free: number[] = [];
  private nRules = 0;
  /** Open-addressing index: slot -> rule or EMPTY/TOMBSTONE. */
  private index: Int32Array;
  private used = 0;
  /** Number of rules. */
  count = 0;
  /** Hits since the last re-sort. */
  hits = 0;

  constructor(mask: Uint32Array) {
    this.mask = mask.slice();
    this.words = maskWords(this.mask);
    this.keys = new Uint32Array(16 * FLOW_WORDS);
    this.ids = new Int32Array(16);
    this.hashes = new Uint32Array(16);
    this.index = new Int32Array(32).fill(EMPTY);
  }

  /** The rule matching 'key' at key[k..], or -1. */
  find(key: Uint32Array, k: number, hash: number): number {
    const idx = this.index, m = idx.length - 1;
    for (let s = hash & m; ; s = (s + 1) & m) {
      const r = idx[s]!;
      if (r === EMPTY) return -1;
      if (r >= 0 && this.hashes[r] === hash && this.matches(key, k, r)) return r;
    }
  }

  /** True if key[k..] under the mask equals rule r's masked key. */
  private matches(key: Uint32Array, k: number, r: number): boolean {
    const words = this.words, mask = this.mask, keys = this.keys, base = r * FLOW_WORDS;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      // XOR then mask: '&' alone gives a signed result that never equals a
      // Uint32Array element with the top bit set.
      if (((key[k + w]! ^ keys[base + w]!) & mask[w]!) !== 0) return false;
    }
    return true;
  }

  /** Hash of key[k..] under this subtable's mask. */
  hash(key: Uint32Array, k: number): number {
    return flowHashWords(key, k, this.words, this.mask, 0);
  }

  /** The rule with exactly masked key 'mkey' (already masked), or -1. */
  findExact(mkey: Uint32Array, hash: number): number {
    const idx = this.index, m = idx.length - 1;
    for (let s = hash & m; ; s = (s + 1) & m) {
      const r = idx[s]!;
      if (r === EMPTY) return -1;
      if (r >= 0 && this.hashes[r] === hash && flowEqual(mkey, 0, this.keys, r * FLOW_WORDS)) return r;
    }
  }

  insert(mkey: Uint32Array, hash: number, id: number): void {
    let r = this.free.pop();
    if (r === undefined) {
      r = this.nRules++;
      if (r >= this.ids.length) this.growRules();
    }
    this.keys.set(mkey.subarray(0, FLOW_WORDS), r * FLOW_WORDS);
    this.ids[r] = id;
    this.hashes[r] = hash;
    if ((this.used + 1) * 2 > this.index.length) this.rehash(this.index.length * 2);
    const idx = this.index, m = idx.length - 1;
    let s = hash & m;
    while (idx[s]! >= 0) s = (s + 1) & m;
    if (idx[s] === EMPTY) this.used++;
    idx[s] = r;
    this.count++;
  }

  remove(r: number): void {
    const idx = this.index, m = idx.length - 1;
    for (let s = this.hashes[r]! & m; ; s = (s + 1) & m) {
      if (idx[s] === r) { idx[s] = TOMBSTONE; break; }
      if (idx[s] === EMPTY) return;
    }
    this.free.push(r);
    this.count--;
    if (this.used > 16 && this.count * 4 < this.used) this.rehash(this.index.length);
  }

  private growRules(): void {
    const n = this.ids.length * 2;
    const keys = new Uint32Array(n * FLOW_WORDS); keys.set(this.keys); this.keys = keys;
    const ids = new Int32Array(n); ids.set(this.ids); this.ids = ids;
    const hashes = new Uint32Array(n); hashes.set(this.hashes); this.hashes = hashes;
  }

  private rehash(size: number): void {
    const old = this.index;
    const idx = new Int32Array(size).fill(EMPTY), m = size - 1;
    let used = 0;
    for (const r of old) {
      if (r < 0) continue;
      let s = this.hashes[r]! & m;
      while (idx[s] !== EMPTY) s = (s + 1) & m;
      idx[s] = r;
      used++;
    }
    this.index = idx;
    this.used = used;
  }
}

/** The megaflow classifier. */
export class Dpcls {
  private subtables: Subtable[] = [];
  private readonly scratch = new Uint32Array(FLOW_WORDS);
  private lookups = 0;
  /** Subtables probed by lookups that hit (pmd-stats-show's "subtable lookups"). */
  hitProbes = 0;
  /** Re-sort subtables by hits every this many lookups. */
  resortInterval = 1 << 14;

  /** Number of flows. */
  get count(): number {
    let n = 0;
    for (const st of this.subtables) n += st.count;
    return n;
  }

  /** Number of distinct masks. */
  get subtableCount(): number { return this.subtables.length; }

  private subtableFor(mask: Uint32Array, m: number, create: boolean): Subtable | null {
    for (const st of this.subtables) if (flowEqual(st.mask, 0, mask, m)) return st;
    if (!create) return null;
    const st = new Subtable(mask.subarray(m, m + FLOW_WORDS));
    this.subtables.push(st);
    return st;
  }

  private masked(key: Uint32Array, k: number, mask: Uint32Array, m: number): Uint32Array {
    const out = this.scratch;
    for (let i = 0; i < FLOW_WORDS; i++) out[i] = key[k + i]! & mask[m + i]!;
    return out;
  }

  /** Adds flow 'id' matching key[k..] under mask[m..]; false if an identical
   * megaflow (same mask and masked key) is already there. */
  insert(key: Uint32Array, k: number, mask: Uint32Array, m: number, id: number): boolean {
    const st = this.subtableFor(mask, m, true)!;
    const mk = this.masked(key, k, mask, m);
    const h = st.hash(mk, 0);
    if (st.findExact(mk, h) >= 0) return false;
    st.insert(mk, h, id);
    return true;
  }

  /** The flow id of the megaflow (key, mask) exactly, or -1. */
  find(key: Uint32Array, k: number, mask: Uint32Array, m: number): number {
    const st = this.subtableFor(mask, m, false);
    if (!st) return -1;
    const mk = this.masked(key, k, mask, m);
    const r = st.findExact(mk, st.hash(mk, 0));
    return r < 0 ? -1 : st.ids[r]!;
  }

  /** Removes the megaflow (key, mask); returns its flow id or -1. */
  remove(key: Uint32Array, k: number, mask: Uint32Array, m: number): number {
    const st = this.subtableFor(mask, m, false);
    if (!st) return -1;
    const mk = this.masked(key, k, mask, m);
    const r = st.findExact(mk, st.hash(mk, 0));
    if (r < 0) return -1;
    const id = st.ids[r]!;
    st.remove(r);
    if (st.count === 0) this.subtables = this.subtables.filter((s) => s !== st);
    return id;
  }

  /** The flow id matching the packet key at key[k..], or -1. */
  lookup(key: Uint32Array, k = 0): number {
    if (++this.lookups >= this.resortInterval) this.resort();
    const sts = this.subtables;
    for (let i = 0; i < sts.length; i++) {
      const st = sts[i]!;
      const r = st.find(key, k, st.hash(key, k));
      if (r >= 0) {
        st.hits++;
        this.hitProbes += i + 1;
        return st.ids[r]!;
      }
    }
    return -1;
  }

  /** Looks up 'n' keys FLOW_WORDS apart in 'keys'; ids[i] gets the flow id or -1.
   * Returns the number of misses. */
  lookupBatch(keys: Uint32Array, n: number, ids: Int32Array): number {
    let misses = 0;
    for (let i = 0; i < n; i++) {
      const id = this.lookup(keys, i * FLOW_WORDS);
      ids[i] = id;
      if (id < 0) misses++;
    }
    return misses;
  }

  /** Orders subtables by hits since the last call (most hit first). */
  resort(): void {
    this.lookups = 0;
    this.subtables.sort((a, b) => b.hits - a.hits);
    for (const st of this.subtables) st.hits = 0;
  }
}
