/* classifier-private: the classifier's internal structures, shared only with
 * classifier.ts (and its tests).
 *
 * - Word views: flows and masks are handled as FLOW_WORDS native-endian
 *   32-bit words over the flow layout of openflow/flow.ts.  Word order and
 *   byte order inside a word do not matter for masking, hashing and
 *   comparing; tries and the ports mask read big-endian bytes instead.
 * - Hashing: a murmur3-style mix over masked words, finished to 30 bits so
 *   hash values stay small integers for Map keys (no boxing in lookups).
 * - ClsMatch: the classifier's private half of a rule (versions, the
 *   same-match list, conjunctions), like OVS's struct cls_match.
 * - Subtable: all rules that share one mask, with staged hash indices.
 * - PrefixTrie: a binary trie of rule prefixes on one field, used to skip
 *   subtables (and so keep megaflows wide) without looking at whole fields.
 */
import { FLOW_SIZE } from '../openflow/flow.js';
import type { MfField } from '../openflow/meta-flow.js';
import type { ClsRule, ClsConjunction } from './classifier.js';

/** Number of 32-bit words in a flow. */
export const FLOW_WORDS = FLOW_SIZE / 4;

/** Version number meaning "not removed" (OVS_VERSION_NOT_REMOVED). */
export const VERSION_NOT_REMOVED = Number.MAX_SAFE_INTEGER;

/** Returns a Uint32Array view over 'b' (copying only if 'b' is unaligned). */
export function wordsOf(b: Uint8Array): Uint32Array {
  if ((b.byteOffset & 3) === 0) return new Uint32Array(b.buffer, b.byteOffset, FLOW_WORDS);
  return new Uint32Array(b.slice(0, FLOW_SIZE).buffer);
}

/* ---- Hashing. ---- */

/** Mixes word 'd' into running hash 'h'. */
export function hashAdd(h: number, d: number): number {
  d = Math.imul(d, 0xcc9e2d51);
  d = (d << 15) | (d >>> 17);
  d = Math.imul(d, 0x1b873593);
  h ^= d;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Finishes running hash 'h' over 'n' words into a 30-bit value. */
export function hashFinish(h: number, n: number): number {
  h ^= n * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

/** Hash of a whole mask (all words), to find its subtable. */
export function hashMaskWords(mw: Uint32Array): number {
  let h = 0;
  for (let i = 0; i < FLOW_WORDS; i++) if (mw[i] !== 0) h = hashAdd(hashAdd(h, i), mw[i]!);
  return hashFinish(h, FLOW_WORDS);
}

/* ---- A small open-addressing map from 30-bit hashes. ---- */

/**
 * Map from non-negative 30-bit integers (our hashes) to values, with linear
 * probing over typed arrays: faster than Map for the lookup path.
 */
export class IntMap<V> {
  private keys: Int32Array;
  private vals: (V | undefined)[];
  private mask: number;
  size = 0;

  constructor(capacity = 8) {
    let n = 8;
    while (n < capacity * 2) n *= 2;
    this.keys = new Int32Array(n).fill(-1);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
  }

  get(key: number): V | undefined {
    const keys = this.keys, mask = this.mask;
    for (let i = key & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.vals[i];
      if (k === -1) return undefined;
    }
  }

  has(key: number): boolean {
    const keys = this.keys, mask = this.mask;
    for (let i = key & mask; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return true;
      if (k === -1) return false;
    }
  }

  set(key: number, v: V): void {
    const keys = this.keys, mask = this.mask;
    let i = key & mask;
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) { this.vals[i] = v; return; }
      if (k === -1) break;
    }
    keys[i] = key;
    this.vals[i] = v;
    if (++this.size * 2 > mask + 1) this.grow();
  }

  delete(key: number): boolean {
    const keys = this.keys, mask = this.mask;
    let i = key & mask;
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) break;
      if (k === -1) return false;
    }
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === -1) break;
      const home = k & mask;
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
        keys[i] = k;
        this.vals[i] = this.vals[j];
        i = j;
      }
    }
    keys[i] = -1;
    this.vals[i] = undefined;
    this.size--;
    return true;
  }

  /** Calls 'fn' for every value. */
  forEachValue(fn: (v: V) => void): void {
    for (let i = 0; i <= this.mask; i++) if (this.keys[i] !== -1) fn(this.vals[i]!);
  }

  private grow(): void {
    const oldKeys = this.keys, oldVals = this.vals;
    const n = (this.mask + 1) * 2;
    this.keys = new Int32Array(n).fill(-1);
    this.vals = new Array<V | undefined>(n).fill(undefined);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== -1) this.set(oldKeys[i]!, oldVals[i]!);
  }
}

/* ---- Conjunctions and matches. ---- */

/** The conjunctions of a soft-matching rule (cls_conjunction_set). */
export interface ConjSet {
  /** The ClsMatch this set belongs to. */
  match: ClsMatch;
  priority: number;
  /** Smallest nClauses among 'conj'. */
  minNClauses: number;
  conj: readonly ClsConjunction[];
}

/** The classifier's private half of a rule (struct cls_match). */
export class ClsMatch {
  /** Next lower-priority (or eventually invisible) rule with the same match. */
  next: ClsMatch | null = null;
  /** Next head in the same hash bucket of the subtable. */
  hashNext: ClsMatch | null = null;
  /** First version in which the rule is visible. */
  addVersion: number;
  /** First version in which the rule is no longer visible. */
  removeVersion = VERSION_NOT_REMOVED;
  conjSet: ConjSet | null = null;
  readonly priority: number;

  constructor(
    readonly rule: ClsRule,
    /** The rule's masked values for its subtable's mask words. */
    readonly vals: Int32Array,
    version: number,
    conjs: readonly ClsConjunction[] | undefined,
  ) {
    this.priority = rule.priority;
    this.addVersion = version;
    if (conjs && conjs.length > 0) {
      let min = 64;
      for (const c of conjs) if (c.nClauses < min) min = c.nClauses;
      this.conjSet = { match: this, priority: rule.priority, minNClauses: min, conj: conjs.slice() };
    }
  }

  visibleIn(version: number): boolean {
    return this.addVersion <= version && version < this.removeVersion;
  }

  eventuallyInvisible(): boolean { return this.removeVersion < VERSION_NOT_REMOVED; }
}

/* ---- Prefix tries. ---- */

/** One node of a binary prefix trie; depth d consumed d bits. */
export class TrieNode {
  c0: TrieNode | null = null;
  c1: TrieNode | null = null;
  /** Rules (subtable heads) whose prefix ends exactly here. */
  nRules = 0;
}

/** Bit 'i' (MSB-first) of a big-endian value held as 32-bit words. */
function bitAt(value: Uint32Array, i: number): number {
  return (value[i >>> 5]! >>> (31 - (i & 31))) & 1;
}

/** Adds a prefix of 'plen' bits of 'value' to the trie rooted at 'root'. */
export function trieInsert(root: TrieNode, value: Uint32Array, plen: number): void {
  let node = root;
  for (let d = 0; d < plen; d++) {
    if (bitAt(value, d)) node = node.c1 ??= new TrieNode();
    else node = node.c0 ??= new TrieNode();
  }
  node.nRules++;
}

/** Removes one prefix of 'plen' bits of 'value', pruning empty nodes. */
export function trieRemove(root: TrieNode, value: Uint32Array, plen: number): void {
  const path: TrieNode[] = [root];
  let node: TrieNode | null = root;
  for (let d = 0; d < plen && node; d++) {
    node = bitAt(value, d) ? node.c1 : node.c0;
    if (node) path.push(node);
  }
  if (!node) return;
  node.nRules--;
  for (let d = plen; d > 0; d--) {
    const n = path[d]!;
    if (n.nRules > 0 || n.c0 || n.c1) break;
    const parent = path[d - 1]!;
    if (bitAt(value, d - 1)) parent.c1 = null; else parent.c0 = null;
  }
}

/**
 * Looks 'value' ('nBits' long) up in a trie.  Sets in 'plens' (bit p-1 for
 * prefix length p, starting at word 'plensOff') every prefix length at which
 * rules may match, and returns how many leading bits of the value must be
 * un-wildcarded for the result to hold for every packet that shares them:
 * up to and including the first bit where the path leaves the trie, unless
 * the trie simply ends there.
 */
export function trieLookupValue(root: TrieNode, value: Uint32Array, nBits: number,
                                plens: Uint32Array, plensOff: number): number {
  let node = root;
  for (let d = 0; ; d++) {
    if (node.nRules > 0 && d > 0) plens[plensOff + ((d - 1) >>> 5)]! |= 1 << ((d - 1) & 31);
    if (d >= nBits) return nBits;
    const next = bitAt(value, d) ? node.c1 : node.c0;
    if (!next) return node.c0 || node.c1 ? d + 1 : d;
    node = next;
  }
}

/** A prefix trie on one field (struct cls_trie). */
export interface ClsTrie {
  field: MfField;
  root: TrieNode;
}

/* ---- Subtables. ---- */

/** All rules with one mask (struct cls_subtable). */
export class Subtable {
  /** The mask, as bytes in the flow layout. */
  readonly maskBytes: Uint8Array;
  /** Indexes of the mask's nonzero words, ascending. */
  readonly idx: Int32Array;
  /** The nonzero mask words, parallel to 'idx'. */
  readonly mv: Int32Array;
  /** Number of staged indices (0..3); stage i covers idx[stageEnd[i-1]..stageEnd[i]). */
  readonly nIndices: number;
  /** End (exclusive, in 'idx') of each stage; the last is idx.length. */
  readonly stageEnd: Int32Array;
  /** For each stage index: hash of the masked words so far -> number of heads. */
  readonly indices: IntMap<number>[];
  /** Hash of the fully masked flow -> first head in the bucket. */
  readonly rules = new IntMap<ClsMatch>();
  /** Number of distinct matches (heads). */
  nHeads = 0;
  maxPriority = -0x80000000;
  maxCount = 0;
  /** Prefix length of each classifier trie's field in this mask (0: not a prefix). */
  readonly triePlen = new Int32Array(3);
  /** Stage in which each trie is checked (the stage holding its field). */
  readonly trieStage = new Int32Array(3);
  /** Length of the tp_src/tp_dst mask as a prefix of their 32 bits (0: none). */
  readonly portsMaskLen: number;
  /** tp_src/tp_dst mask, big-endian value. */
  readonly portsMask: number;
  readonly portsTrie = new TrieNode();
  /** Rules in insertion order, for iteration (a doubly linked list). */
  listHead: ClsRule | null = null;
  listTail: ClsRule | null = null;

  constructor(readonly maskWords: Uint32Array, readonly maskHash: number, segmentWords: readonly number[],
              portsMaskBE: number) {
    this.maskBytes = new Uint8Array(maskWords.buffer.slice(maskWords.byteOffset, maskWords.byteOffset + FLOW_SIZE));
    const idx: number[] = [];
    for (let i = 0; i < FLOW_WORDS; i++) if (maskWords[i] !== 0) idx.push(i);
    this.idx = Int32Array.from(idx);
    this.mv = Int32Array.from(idx, (i) => maskWords[i]! | 0);
    const ends: number[] = [];
    let pos = 0;
    for (const seg of segmentWords) {
      let end = pos;
      while (end < idx.length && idx[end]! < seg) end++;
      if (end > pos) ends.push(end);
      pos = end;
    }
    if (ends.length > 0 && ends[ends.length - 1] === idx.length) ends.pop();
    ends.push(idx.length);
    this.nIndices = ends.length - 1;
    this.stageEnd = Int32Array.from(ends);
    this.indices = [];
    for (let i = 0; i < this.nIndices; i++) this.indices.push(new IntMap<number>());
    this.portsMask = portsMaskBE >>> 0;
    this.portsMaskLen = portsMaskBE === 0 ? 0 : 32 - ctz32(portsMaskBE);
  }

  /** The stage that holds mask word 'w' (which must be in the mask). */
  stageOfWord(w: number): number {
    for (let s = 0; s <= this.nIndices; s++) {
      const start = s === 0 ? 0 : this.stageEnd[s - 1]!;
      for (let k = start; k < this.stageEnd[s]!; k++) if (this.idx[k] === w) return s;
    }
    return -1;
  }

  /** Computes the masked values of flow words 'fw' for this subtable. */
  maskedValues(fw: Uint32Array): Int32Array {
    const n = this.idx.length, vals = new Int32Array(n);
    for (let k = 0; k < n; k++) vals[k] = fw[this.idx[k]!]! & this.mv[k]!;
    return vals;
  }

  /** Stage hashes (one per index) and the full hash of masked values 'vals'. */
  hashesOf(vals: Int32Array): { ihash: number[]; hash: number } {
    const ihash: number[] = [];
    let h = 0, j = 0;
    for (let s = 0; s < this.nIndices; s++) {
      const end = this.stageEnd[s]!;
      for (; j < end; j++) h = hashAdd(h, vals[j]!);
      ihash.push(hashFinish(h, j));
    }
    const n = this.idx.length;
    for (; j < n; j++) h = hashAdd(h, vals[j]!);
    return { ihash, hash: hashFinish(h, n) };
  }

  /** Finds the head whose values equal 'vals' in bucket 'hash'. */
  findEqual(vals: Int32Array, hash: number): ClsMatch | null {
    for (let m = this.rules.get(hash) ?? null; m; m = m.hashNext) {
      if (valsEqual(m.vals, vals)) return m;
    }
    return null;
  }

  /** Replaces head 'old' by 'neu' in bucket 'hash'. */
  replaceHead(old: ClsMatch, neu: ClsMatch, hash: number): void {
    neu.hashNext = old.hashNext;
    old.hashNext = null;
    const first = this.rules.get(hash)!;
    if (first === old) { this.rules.set(hash, neu); return; }
    for (let m = first; m.hashNext; m = m.hashNext) {
      if (m.hashNext === old) { m.hashNext = neu; return; }
    }
  }

  /** Adds a new head to bucket 'hash'. */
  addHead(m: ClsMatch, hash: number): void {
    m.hashNext = this.rules.get(hash) ?? null;
    this.rules.set(hash, m);
    this.nHeads++;
  }

  /** Removes head 'm' from bucket 'hash'. */
  removeHead(m: ClsMatch, hash: number): void {
    const first = this.rules.get(hash)!;
    if (first === m) {
      if (m.hashNext) this.rules.set(hash, m.hashNext); else this.rules.delete(hash);
    } else {
      for (let p = first; p.hashNext; p = p.hashNext) {
        if (p.hashNext === m) { p.hashNext = m.hashNext; break; }
      }
    }
    m.hashNext = null;
    this.nHeads--;
  }

  /** Calls 'fn' for every head. */
  forEachHead(fn: (m: ClsMatch) => void): void {
    this.rules.forEachValue((first) => {
      for (let m: ClsMatch | null = first; m; m = m.hashNext) fn(m);
    });
  }

  /** Appends 'r' to the iteration list. */
  listPush(r: ClsRule): void {
    r.listPrev = this.listTail;
    r.listNext = null;
    if (this.listTail) this.listTail.listNext = r; else this.listHead = r;
    this.listTail = r;
  }

  /** Puts 'neu' in the iteration list where 'old' was. */
  listReplace(old: ClsRule, neu: ClsRule): void {
    neu.listPrev = old.listPrev;
    neu.listNext = old.listNext;
    if (old.listPrev) old.listPrev.listNext = neu; else this.listHead = neu;
    if (old.listNext) old.listNext.listPrev = neu; else this.listTail = neu;
    old.listPrev = old.listNext = null;
  }

  /** Removes 'r' from the iteration list. */
  listRemove(r: ClsRule): void {
    if (r.listPrev) r.listPrev.listNext = r.listNext; else this.listHead = r.listNext;
    if (r.listNext) r.listNext.listPrev = r.listPrev; else this.listTail = r.listPrev;
    r.listPrev = r.listNext = null;
  }
}

export function valsEqual(a: Int32Array, b: Int32Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Number of trailing zero bits of a 32-bit value (32 for 0). */
export function ctz32(x: number): number {
  x >>>= 0;
  if (x === 0) return 32;
  return 31 - Math.clz32(x & -x);
}

/** Big-endian 32-bit mask of the 'n' leading bits. */
export function prefixMask32(n: number): number {
  return n <= 0 ? 0 : n >= 32 ? 0xffffffff : (0xffffffff << (32 - n)) >>> 0;
}
