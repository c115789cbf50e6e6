/* classifier: the OpenFlow flow table's packet classifier (tuple space search).
 *
 * What?
 * -----
 * A classifier holds rules: a Match (openflow/match.ts: values + mask over
 * the flow layout of openflow/flow.ts) and a priority.  lookup() returns the
 * highest-priority rule whose match the given flow satisfies.  ofproto.ts
 * keeps one classifier per OpenFlow table; ofproto-dpif-xlate.ts looks
 * packets up in them.
 *
 * Un-wildcarding
 * --------------
 * A lookup can also report which flow bits it examined: it ORs them into a
 * caller's 'wc' mask.  Any flow that agrees with the looked-up flow on every
 * bit of 'wc' gets the same answer, so the datapath can cache the decision
 * as a megaflow over those bits only.  The fewer bits examined, the more
 * packets one megaflow covers; the staged lookup and the prefix tries below
 * exist to examine fewer bits.
 *
 * Basic design
 * ------------
 * Rules are grouped into subtables by mask (tuple space search).  A subtable
 * keeps a hash table from masked flow values to rules, so a lookup costs one
 * hash probe per subtable.  Subtables are kept sorted by the highest priority
 * among their rules: once a match is found, subtables whose best rule cannot
 * beat it are skipped, and the loop ends.
 *
 * Rules with the same mask and values but different priorities share one
 * hash entry: a list ordered by decreasing priority, whose head stands for
 * the others in the hash table and in the tries.
 *
 * Staged lookup
 * -------------
 * The flow layout is cut into segments (metadata, L2, L3, L4).  Each subtable
 * keeps, per segment boundary its mask reaches, the set of hashes of its
 * rules' values up to that boundary.  A lookup hashes the flow segment by
 * segment and gives up at the first segment whose partial hash is unknown;
 * only the mask bits of the segments hashed so far are un-wildcarded.
 *
 * Prefix tries
 * ------------
 * For up to three fields (by default, as ofproto configures it, nw_dst and
 * nw_src) the classifier keeps a binary trie of every rule's prefix.  One
 * trie walk tells which prefix lengths can match the packet's address and
 * how many leading address bits decided that; a subtable whose prefix length
 * cannot match is skipped with only those bits un-wildcarded.  Each subtable
 * also keeps a trie of its tp_src/tp_dst values, so a miss in the last stage
 * un-wildcards only the port bits that told the rules apart.
 *
 * Conjunctive matches
 * -------------------
 * A rule inserted with conjunctions (from "conjunction(id,k/n)" actions) is a
 * soft match: it matches only if, for some id, every clause 1..n of that id
 * has a matching soft rule of the same priority.  When that happens lookup
 * repeats with conj_id set to the id, to find the rule matching conj_id=id.
 *
 * Versioning
 * ----------
 * Every rule is visible in a range of versions [added, removed).  Lookups
 * and iteration take a version, so a batch of changes (a bundle, a flow-mod
 * that replaces rules) can be staged in version N+1 while packets still see
 * version N, then made visible at once by moving the table's version on.
 * Rules made invisible stay in the classifier until remove() is called.
 *
 * The lookup path allocates nothing: flows and masks are viewed as 32-bit
 * words, per-lookup state lives in preallocated typed arrays.
 */
import { FL, FLOW_SEGMENT_1_ENDS_AT, FLOW_SEGMENT_2_ENDS_AT, FLOW_SEGMENT_3_ENDS_AT, FLOW_SIZE, get32, put32 } from '../openflow/flow.js';
import type { Match } from '../openflow/match.js';
import { type MfField, prereqsOk } from '../openflow/meta-flow.js';
import {
  FLOW_WORDS, VERSION_NOT_REMOVED, ClsMatch, type ClsTrie, type ConjSet, Subtable, TrieNode,
  hashAdd, hashFinish, hashMaskWords, prefixMask32, trieInsert, trieLookupValue, trieRemove,
  wordsOf,
} from './classifier-private.js';

/** The first version (OVS_VERSION_MIN). */
export const VERSION_MIN = 0;
/** The last usable version (OVS_VERSION_MAX). */
export const VERSION_MAX = Number.MAX_SAFE_INTEGER - 1;
export { VERSION_NOT_REMOVED };

/** Maximum number of prefix tries per classifier. */
export const CLS_MAX_TRIES = 3;

/** One conjunction(id, clause/nClauses) a soft-matching rule belongs to (0-based clause). */
export interface ClsConjunction {
  id: number;
  clause: number;
  nClauses: number;
}

const INT_MIN = -0x80000000;
const SEGMENT_WORDS = [FLOW_SEGMENT_1_ENDS_AT / 4, FLOW_SEGMENT_2_ENDS_AT / 4, FLOW_SEGMENT_3_ENDS_AT / 4];

/**
 * A rule as the classifier sees it (struct cls_rule): a match and a
 * priority.  Users subclass it (ofproto's Rule) or wrap it.  The match must
 * not change while the rule is in a classifier.
 */
export class ClsRule {
  /** Mask words (copy of match.wc). */
  readonly maskWords: Uint32Array;
  /** Value words (copy of match.flow & match.wc). */
  readonly flowWords: Uint32Array;
  /** Internal: the classifier's state for this rule, null when not inserted. */
  cm: ClsMatch | null = null;
  /** Internal: neighbours in the subtable's iteration list. */
  listPrev: ClsRule | null = null;
  listNext: ClsRule | null = null;

  constructor(readonly match: Match, readonly priority: number) {
    this.maskWords = wordsOf(match.wc.slice());
    const fw = wordsOf(match.flow.slice());
    for (let i = 0; i < FLOW_WORDS; i++) fw[i]! &= this.maskWords[i]!;
    this.flowWords = fw;
  }

  /** True if the rule's match wildcards every field. */
  isCatchall(): boolean {
    for (let i = 0; i < FLOW_WORDS; i++) if (this.maskWords[i] !== 0) return false;
    return true;
  }

  /** True if the rule is in a classifier and visible in 'version'. */
  visibleIn(version: number): boolean { return !!this.cm && this.cm.visibleIn(version); }

  /** True if the rule is in a classifier. */
  get inClassifier(): boolean { return this.cm !== null; }

  /**
   * Makes the rule invisible from 'version' on (it stays in the classifier
   * until removed).  'version' must not be before the version it was added in.
   */
  makeInvisibleInVersion(version: number): void {
    if (this.cm) this.cm.removeVersion = Math.max(version, this.cm.addVersion);
  }

  /** Undoes makeInvisibleInVersion(). */
  restoreVisibility(): void { if (this.cm) this.cm.removeVersion = VERSION_NOT_REMOVED; }

  /** True if the rule has been made invisible in some future version. */
  isEventuallyInvisible(): boolean { return !!this.cm && this.cm.eventuallyInvisible(); }

  /**
   * True if this rule's match is at least as specific as 'criteria' and
   * agrees with it on every bit 'criteria' matches (cls_rule_is_loose_match:
   * OpenFlow's non-strict flow-mod and flow-stats matching).
   */
  isLooseMatch(criteria: ClsRule): boolean {
    const m = this.maskWords, cm = criteria.maskWords, f = this.flowWords, cf = criteria.flowWords;
    for (let i = 0; i < FLOW_WORDS; i++) {
      const c = cm[i]!;
      if (c !== 0 && ((c & ~m[i]!) !== 0 || ((f[i]! ^ cf[i]!) & c) !== 0)) return false;
    }
    return true;
  }

  /** True if both rules have the same match and priority. */
  equals(o: ClsRule): boolean {
    if (this.priority !== o.priority) return false;
    for (let i = 0; i < FLOW_WORDS; i++) {
      if (this.maskWords[i] !== o.maskWords[i] || this.flowWords[i] !== o.flowWords[i]) return false;
    }
    return true;
  }
}

/** Options for a new classifier. */
export interface ClassifierOptions {
  /** Fields to build prefix tries for (at most 3; see setPrefixFields). */
  prefixFields?: readonly MfField[];
}

/** A packet classifier (struct classifier). */
export class Classifier<R extends ClsRule = ClsRule> {
  private nRules = 0;
  /** Subtables sorted by decreasing max priority (OVS's pvector). */
  private subtables: Subtable[] = [];
  private readonly subtablesMap = new Map<number, Subtable[]>();
  private tries: ClsTrie[] = [];

  /* Per-lookup scratch, indexed by recursion depth (0, or 1 for conj_id). */
  private readonly trieDone = new Uint8Array(2 * CLS_MAX_TRIES);
  private readonly trieMaskbits = new Int32Array(2 * CLS_MAX_TRIES);
  private readonly triePlens = new Uint32Array(2 * CLS_MAX_TRIES * 4);
  private readonly trieValue = new Uint32Array(4);
  /* Cached word views of the last flow and wildcards arrays. */
  private lastFlow: Uint8Array | null = null;
  private lastFlowWords: Uint32Array = new Uint32Array(FLOW_WORDS);
  private lastWc: Uint8Array | null = null;
  private lastWcWords: Uint32Array = new Uint32Array(FLOW_WORDS);
  private readonly scratchFlow = new Uint8Array(FLOW_SIZE);
  private readonly scratchFlowWords = new Uint32Array(this.scratchFlow.buffer);
  private readonly scratchWc = new Uint8Array(FLOW_SIZE);
  private readonly scratchWcWords = new Uint32Array(this.scratchWc.buffer);

  constructor(opts: ClassifierOptions = {}) {
    if (opts.prefixFields) this.setPrefixFields(opts.prefixFields);
  }

  /** Number of rules (of every version). */
  get count(): number { return this.nRules; }

  isEmpty(): boolean { return this.subtables.length === 0; }

  /** Number of subtables (distinct masks). */
  get nSubtables(): number { return this.subtables.length; }

  /** The fields prefix tries are kept for. */
  get prefixFields(): readonly MfField[] { return this.tries.map((t) => t.field); }

  /**
   * Sets the fields to keep prefix tries for.  Fields that are not a whole
   * number of 32-bit words, duplicates, and those past the third are
   * ignored.  Returns true if the configuration changed.
   */
  setPrefixFields(fields: readonly MfField[]): boolean {
    const chosen: MfField[] = [];
    for (const f of fields) {
      if (chosen.length >= CLS_MAX_TRIES) break;
      if (f.nBits % 32 !== 0 || f.nBits > 128 || f.variable || f.size !== f.nBytes) continue;
      if (chosen.includes(f)) continue;
      chosen.push(f);
    }
    if (chosen.length === this.tries.length && chosen.every((f, i) => this.tries[i]!.field === f)) return false;
    this.tries = chosen.map((field) => ({ field, root: new TrieNode() }));
    for (const st of this.subtables) {
      st.triePlen.fill(0);
      st.trieStage.fill(-1);
      this.tries.forEach((t, i) => {
        const plen = maskPrefixLen(st.maskBytes, t.field);
        st.triePlen[i] = plen;
        st.trieStage[i] = plen ? st.stageOfWord(t.field.off >> 2) : -1;
        if (plen) st.forEachHead((m) => trieInsert(t.root, this.fieldValue(m.rule.match.flow, t.field), plen));
      });
    }
    return true;
  }

  /* ---- Changes. ---- */

  /**
   * Inserts 'rule', visible from 'version' on.  If a rule with the same match
   * and priority is visible in the classifier (and not being removed), that
   * rule is replaced and returned (no longer in the classifier); otherwise
   * returns null.  'conjs' makes the rule a soft (conjunctive) match.
   */
  replace(rule: R, version = VERSION_MIN, conjs?: readonly ClsConjunction[]): R | null {
    if (rule.cm) throw new Error('classifier: rule already in a classifier');
    let st = this.findSubtable(rule.maskWords);
    if (!st) st = this.insertSubtable(rule.maskWords);
    const vals = st.maskedValues(rule.flowWords);
    const { ihash, hash } = st.hashesOf(vals);
    const cm = new ClsMatch(rule, vals, version, conjs);
    rule.cm = cm;
    const head = st.findEqual(vals, hash);
    let newHead = false;
    if (!head) {
      for (let i = 0; i < this.tries.length; i++) {
        const plen = st.triePlen[i]!;
        if (plen) trieInsert(this.tries[i]!.root, this.fieldValue(rule.match.flow, this.tries[i]!.field), plen);
      }
      if (st.portsMaskLen) trieInsert(st.portsTrie, portsValue(rule, st), st.portsMaskLen);
      for (let i = 0; i < st.nIndices; i++) st.indices[i]!.set(ihash[i]!, (st.indices[i]!.get(ihash[i]!) ?? 0) + 1);
      st.addHead(cm, hash);
      newHead = true;
    } else {
      /* Keep the list in decreasing priority; a new rule goes after rules of
       * its priority that are on their way out. */
      let prev: ClsMatch | null = null, iter: ClsMatch | null = head;
      for (; iter; prev = iter, iter = iter.next) {
        if (rule.priority > iter.priority || (rule.priority === iter.priority && !iter.eventuallyInvisible())) break;
      }
      if (iter && rule.priority === iter.priority) {
        cm.next = iter.next;
        if (prev) prev.next = cm; else st.replaceHead(iter, cm, hash);
        iter.next = null;
        const old = iter.rule as R;
        old.cm = null;
        st.listReplace(old, rule);
        return old;
      }
      cm.next = iter;
      if (prev) prev.next = cm; else st.replaceHead(head, cm, hash);
    }
    st.listPush(rule);
    if (newHead && st.nHeads === 1) {
      st.maxPriority = rule.priority;
      st.maxCount = 1;
      this.subtables.push(st);
      this.sortSubtables();
    } else if (rule.priority === st.maxPriority) {
      st.maxCount++;
    } else if (rule.priority > st.maxPriority) {
      st.maxPriority = rule.priority;
      st.maxCount = 1;
      this.sortSubtables();
    }
    this.nRules++;
    return null;
  }

  /** Inserts 'rule'; it is an error if an identical visible rule exists. */
  insert(rule: R, version = VERSION_MIN, conjs?: readonly ClsConjunction[]): void {
    const displaced = this.replace(rule, version, conjs);
    if (displaced) throw new Error('classifier: insert displaced an identical rule');
  }

  /** Removes 'rule'.  Returns false if it was not in the classifier. */
  remove(rule: R): boolean {
    const cm = rule.cm;
    if (!cm) return false;
    rule.cm = null;
    const st = this.findSubtable(rule.maskWords)!;
    st.listRemove(rule);
    const { ihash, hash } = st.hashesOf(cm.vals);
    const head = st.findEqual(cm.vals, hash)!;
    let destroyed = false;
    if (cm !== head) {
      let prev = head;
      while (prev.next !== cm) prev = prev.next!;
      prev.next = cm.next;
    } else if (cm.next) {
      st.replaceHead(cm, cm.next, hash);
    } else {
      if (st.portsMaskLen) trieRemove(st.portsTrie, portsValue(rule, st), st.portsMaskLen);
      for (let i = 0; i < this.tries.length; i++) {
        const plen = st.triePlen[i]!;
        if (plen) trieRemove(this.tries[i]!.root, this.fieldValue(rule.match.flow, this.tries[i]!.field), plen);
      }
      for (let i = 0; i < st.nIndices; i++) {
        const n = st.indices[i]!.get(ihash[i]!)! - 1;
        if (n > 0) st.indices[i]!.set(ihash[i]!, n); else st.indices[i]!.delete(ihash[i]!);
      }
      st.removeHead(cm, hash);
      if (st.nHeads === 0) { this.destroySubtable(st); destroyed = true; }
    }
    if (!destroyed && st.maxPriority === cm.priority && --st.maxCount === 0) {
      let max = INT_MIN, count = 0;
      st.forEachHead((m) => {
        if (m.priority > max) { max = m.priority; count = 1; } else if (m.priority === max) count++;
      });
      st.maxPriority = max;
      st.maxCount = count;
      this.sortSubtables();
    }
    cm.next = null;
    this.nRules--;
    return true;
  }

  /* ---- Lookup. ---- */

  /**
   * Returns the highest-priority rule visible in 'version' that matches
   * 'flow' (FLOW_SIZE bytes), or null.  Among rules of equal priority one is
   * chosen arbitrarily.  If 'wc' is given, ORs into it every flow bit the
   * lookup depended on.  'flow' may be modified during the call (conj_id)
   * and is restored before returning.
   */
  lookup(version: number, flow: Uint8Array, wc?: Uint8Array | null): R | null {
    let fb = flow, fw: Uint32Array;
    if ((flow.byteOffset & 3) === 0) {
      if (flow !== this.lastFlow) {
        this.lastFlow = flow;
        this.lastFlowWords = new Uint32Array(flow.buffer, flow.byteOffset, FLOW_WORDS);
      }
      fw = this.lastFlowWords;
    } else {
      this.scratchFlow.set(flow.subarray(0, FLOW_SIZE));
      fb = this.scratchFlow;
      fw = this.scratchFlowWords;
    }
    if (!wc) return this.lookup__(version, fb, fw, null, null, true, 0);
    let wb = wc, ww: Uint32Array;
    const aligned = (wc.byteOffset & 3) === 0;
    if (aligned) {
      if (wc !== this.lastWc) {
        this.lastWc = wc;
        this.lastWcWords = new Uint32Array(wc.buffer, wc.byteOffset, FLOW_WORDS);
      }
      ww = this.lastWcWords;
    } else {
      this.scratchWc.set(wc.subarray(0, FLOW_SIZE));
      wb = this.scratchWc;
      ww = this.scratchWcWords;
    }
    const r = this.lookup__(version, fb, fw, wb, ww, true, 0);
    if (!aligned) wc.set(this.scratchWc);
    return r;
  }

  private lookup__(version: number, fb: Uint8Array, fw: Uint32Array, wb: Uint8Array | null,
                   ww: Uint32Array | null, allowConj: boolean, depth: number): R | null {
    let hard: ClsMatch | null = null, hardPri = INT_MIN;
    let soft: (ConjSet | null)[] | null = null, softPri = INT_MIN;
    const t0 = depth * CLS_MAX_TRIES;
    for (let j = 0; j < CLS_MAX_TRIES; j++) this.trieDone[t0 + j] = 0;

    const subs = this.subtables;
    for (let i = 0; i < subs.length; i++) {
      const st = subs[i]!;
      if (st.maxPriority <= hardPri) break;
      const m = ww ? this.findMatchWc(st, version, fb, fw, wb!, ww, depth) : findMatch(st, version, fw, fullHash(st, fw));
      if (!m || m.priority <= hardPri) continue;
      if (!m.conjSet) {
        hard = m;
        hardPri = m.priority;
      } else if (allowConj) {
        (soft ??= []).push(m.conjSet);
        if (softPri < m.priority) softPri = m.priority;
      }
    }
    if (hardPri >= softPri || !soft) return hard ? hard.rule as R : null;
    return this.resolveSoft(version, fb, fw, wb, ww, soft, hard, hardPri);
  }

  /** The soft-match loop: finds a satisfied conjunction among 'soft'. */
  private resolveSoft(version: number, fb: Uint8Array, fw: Uint32Array, wb: Uint8Array | null,
                      ww: Uint32Array | null, soft: (ConjSet | null)[], hard: ClsMatch | null,
                      hardPri: number): R | null {
    for (;;) {
      soft = soft.filter((s) => s !== null && s.priority > hardPri);
      if (soft.length === 0) break;
      let softPri = INT_MIN, nSoftPri = 0;
      for (const s of soft) {
        if (s!.priority > softPri) { softPri = s!.priority; nSoftPri = 1; } else if (s!.priority === softPri) nSoftPri++;
      }
      const matches = new Map<number, [number, number]>();
      for (const s of soft) {
        if (s!.priority !== softPri) continue;
        const id = findConjunctiveMatch(s!, nSoftPri, matches);
        if (id !== null) {
          const saved = get32(fb, FL.CONJ_ID);
          put32(fb, FL.CONJ_ID, id);
          const r = this.lookup__(version, fb, fw, wb, ww, false, 1);
          put32(fb, FL.CONJ_ID, saved);
          if (r) return r;
        }
      }
      /* No conjunction satisfied at this priority: fall back to the next
       * lower-priority rule with the same match, if any. */
      for (let i = 0; i < soft.length; i++) {
        const s = soft[i]!;
        if (s.priority !== softPri) continue;
        let m = s.match.next;
        while (m && !m.visibleIn(version)) m = m.next;
        if (m) {
          soft[i] = m.conjSet;
          if (!m.conjSet && m.priority > hardPri) { hard = m; hardPri = m.priority; }
        } else {
          soft[i] = null;
        }
      }
    }
    return hard ? hard.rule as R : null;
  }

  /** find_match_wc(): staged lookup in one subtable, un-wildcarding as it goes. */
  private findMatchWc(st: Subtable, version: number, fb: Uint8Array, fw: Uint32Array,
                      wb: Uint8Array, ww: Uint32Array, depth: number): ClsMatch | null {
    const idx = st.idx, mv = st.mv, n = idx.length;
    const nTries = this.tries.length;
    let h = 0, j = 0, foldEnd = 0, adjustPorts = false, portsWc = 0;
    let result: ClsMatch | null = null;
    search: {
      let s = 0;
      for (; s < st.nIndices; s++) {
        if (nTries && this.checkTries(st, s, fb, wb, depth)) break search;
        const end = st.stageEnd[s]!;
        for (; j < end; j++) h = hashAdd(h, fw[idx[j]!]! & mv[j]!);
        foldEnd = j;
        if (!st.indices[s]!.has(hashFinish(h, j))) break search;
      }
      if (nTries && this.checkTries(st, s, fb, wb, depth)) break search;
      for (; j < n; j++) h = hashAdd(h, fw[idx[j]!]! & mv[j]!);
      foldEnd = n;
      result = findMatch(st, version, fw, hashFinish(h, n));
      if (!result && st.portsMaskLen) {
        /* Un-wildcard only the port bits that tell this flow from the rules. */
        this.trieValue[0] = get32(fb, FL.TP_SRC) & st.portsMask;
        const mbits = trieLookupValue(st.portsTrie, this.trieValue, 32, this.triePlens, 0);
        portsWc = ((st.portsMask & prefixMask32(mbits)) | get32(wb, FL.TP_SRC)) >>> 0;
        adjustPorts = true;
      }
    }
    for (let k = 0; k < foldEnd; k++) ww[idx[k]!]! |= mv[k]!;
    if (adjustPorts) put32(wb, FL.TP_SRC, portsWc);
    return result;
  }

  /**
   * check_tries(): true if a prefix trie shows that no rule of 'st' can
   * match, having un-wildcarded the address bits that showed it.
   */
  private checkTries(st: Subtable, stage: number, fb: Uint8Array, wb: Uint8Array, depth: number): boolean {
    const t0 = depth * CLS_MAX_TRIES;
    for (let j = 0; j < this.tries.length; j++) {
      const plen = st.triePlen[j]!;
      if (!plen || st.trieStage[j] !== stage) continue;
      const trie = this.tries[j]!, c = t0 + j, p0 = c * 4;
      if (!this.trieDone[c]) {
        this.triePlens[p0] = this.triePlens[p0 + 1] = this.triePlens[p0 + 2] = this.triePlens[p0 + 3] = 0;
        if (prereqsOk(trie.field.prereqs, fb)) {
          this.loadFieldValue(fb, trie.field);
          this.trieMaskbits[c] = trieLookupValue(trie.root, this.trieValue, trie.field.nBits, this.triePlens, p0);
        } else {
          this.triePlens.fill(0xffffffff, p0, p0 + 4);
          this.trieMaskbits[c] = 0;
        }
        this.trieDone[c] = 1;
      }
      const bit = plen - 1;
      if ((this.triePlens[p0 + (bit >>> 5)]! >>> (bit & 31)) & 1) continue;
      const maskbits = this.trieMaskbits[c]!;
      if (maskbits <= plen) {
        setPrefixBits(wb, trie.field.off, maskbits);
        return true;
      }
      if (prefixBitsSet(wb, trie.field.off, maskbits)) return true;
    }
    return false;
  }

  /* ---- Exact finds, overlap, iteration. ---- */

  /** The rule with exactly 'target''s match and priority visible in 'version', if any. */
  findRuleExactly(target: ClsRule, version = VERSION_MAX): R | null {
    const st = this.findSubtable(target.maskWords);
    if (!st) return null;
    const vals = st.maskedValues(target.flowWords);
    const head = st.findEqual(vals, st.hashesOf(vals).hash);
    for (let m = head; m; m = m.next) {
      if (m.priority < target.priority) break;
      if (m.priority === target.priority && m.visibleIn(version)) return m.rule as R;
    }
    return null;
  }

  /** Like findRuleExactly() for a match and priority. */
  findMatchExactly(match: Match, priority: number, version = VERSION_MAX): R | null {
    return this.findRuleExactly(new ClsRule(match, priority), version);
  }

  /**
   * True if some rule visible in 'version' has 'target''s priority and a
   * packet could match both (OpenFlow's check_overlap).
   */
  ruleOverlaps(target: ClsRule, version = VERSION_MAX): boolean {
    const tm = target.maskWords, tf = target.flowWords;
    for (const st of this.subtables) {
      if (st.maxPriority < target.priority) break;
      for (let r = st.listHead; r; r = r.listNext) {
        if (r.priority !== target.priority || !r.visibleIn(version)) continue;
        const rf = r.flowWords, sm = st.maskWords;
        let overlap = true;
        for (let i = 0; i < FLOW_WORDS; i++) {
          if (((rf[i]! ^ tf[i]!) & tm[i]! & sm[i]!) !== 0) { overlap = false; break; }
        }
        if (overlap) return true;
      }
    }
    return false;
  }

  /**
   * The rules visible in 'version' that loosely match 'target' (every rule
   * if 'target' is null or a catch-all), in OVS's iteration order:
   * subtables by decreasing max priority, rules in insertion order.
   */
  rules(target: ClsRule | null = null, version = VERSION_MAX): R[] {
    const out: R[] = [];
    if (target && target.isCatchall()) target = null;
    for (const st of this.subtables) {
      if (target && hasExtra(st.maskWords, target.maskWords)) continue;
      for (let r = st.listHead; r; r = r.listNext) {
        if (r.visibleIn(version) && (!target || r.isLooseMatch(target))) out.push(r as R);
      }
    }
    return out;
  }

  /** Every rule in the classifier regardless of version. */
  allRules(): R[] {
    const out: R[] = [];
    for (const st of this.subtables) for (let r = st.listHead; r; r = r.listNext) out.push(r as R);
    return out;
  }

  /* ---- Subtables. ---- */

  private findSubtable(mw: Uint32Array): Subtable | null {
    const list = this.subtablesMap.get(hashMaskWords(mw));
    if (list) {
      for (const st of list) {
        let eq = true;
        for (let i = 0; i < FLOW_WORDS; i++) if (st.maskWords[i] !== mw[i]) { eq = false; break; }
        if (eq) return st;
      }
    }
    return null;
  }

  private insertSubtable(mw: Uint32Array): Subtable {
    const hash = hashMaskWords(mw);
    const st = new Subtable(mw.slice(), hash, SEGMENT_WORDS, get32(new Uint8Array(mw.buffer, mw.byteOffset, FLOW_SIZE), FL.TP_SRC));
    st.trieStage.fill(-1);
    this.tries.forEach((t, i) => {
      const plen = maskPrefixLen(st.maskBytes, t.field);
      st.triePlen[i] = plen;
      st.trieStage[i] = plen ? st.stageOfWord(t.field.off >> 2) : -1;
    });
    const list = this.subtablesMap.get(hash);
    if (list) list.push(st); else this.subtablesMap.set(hash, [st]);
    return st;
  }

  private destroySubtable(st: Subtable): void {
    const i = this.subtables.indexOf(st);
    if (i >= 0) {
      /* As OVS's pvector: the last entry moves into the hole, then a stable sort. */
      const last = this.subtables.pop()!;
      if (last !== st) this.subtables[i] = last;
      this.sortSubtables();
    }
    const list = this.subtablesMap.get(st.maskHash)!;
    list.splice(list.indexOf(st), 1);
    if (list.length === 0) this.subtablesMap.delete(st.maskHash);
  }

  private sortSubtables(): void {
    this.subtables.sort((a, b) => b.maxPriority - a.maxPriority);
  }

  /** Reads field 'f' of 'flow' as big-endian words into trieValue. */
  private loadFieldValue(flow: Uint8Array, f: MfField): void {
    const n = f.nBytes >> 2;
    for (let i = 0; i < n; i++) this.trieValue[i] = get32(flow, f.off + 4 * i);
  }

  private fieldValue(flow: Uint8Array, f: MfField): Uint32Array {
    const v = new Uint32Array(4);
    for (let i = 0; i < f.nBytes >> 2; i++) v[i] = get32(flow, f.off + 4 * i);
    return v;
  }
}

/* ---- Helpers. ---- */

function fullHash(st: Subtable, fw: Uint32Array): number {
  const idx = st.idx, mv = st.mv, n = idx.length;
  let h = 0;
  for (let j = 0; j < n; j++) h = hashAdd(h, fw[idx[j]!]! & mv[j]!);
  return hashFinish(h, n);
}

/** find_match(): the highest-priority visible rule of 'st' matching 'fw' in bucket 'hash'. */
function findMatch(st: Subtable, version: number, fw: Uint32Array, hash: number): ClsMatch | null {
  const idx = st.idx, mv = st.mv, n = idx.length;
  for (let head = st.rules.get(hash) ?? null; head; head = head.hashNext) {
    const vals = head.vals;
    let k = 0;
    for (; k < n; k++) if ((fw[idx[k]!]! & mv[k]!) !== vals[k]) break;
    if (k < n) continue;
    for (let m: ClsMatch | null = head; m; m = m.next) if (m.visibleIn(version)) return m;
  }
  return null;
}

/** Tracks clauses seen per conjunction id; returns an id whose clauses are all present. */
function findConjunctiveMatch(set: ConjSet, maxNClauses: number, matches: Map<number, [number, number]>): number | null {
  if (maxNClauses < set.minNClauses) return null;
  for (const c of set.conj) {
    if (c.nClauses > maxNClauses) continue;
    let cm = matches.get(c.id);
    if (!cm) {
      /* Bits of clauses that do not exist start set. */
      const n = c.nClauses;
      cm = [n >= 32 ? 0 : (~0 << n) | 0, n >= 64 ? 0 : n <= 32 ? -1 : (~0 << (n - 32)) | 0];
      matches.set(c.id, cm);
    }
    if (c.clause < 32) cm[0] |= 1 << c.clause; else cm[1] |= 1 << (c.clause - 32);
    if (cm[0] === -1 && cm[1] === -1) return c.id;
  }
  return null;
}

/** True if mask 'b' has bits that mask 'a' lacks (minimask_has_extra). */
function hasExtra(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < FLOW_WORDS; i++) if ((b[i]! & ~a[i]!) !== 0) return true;
  return false;
}

/** Sets the 'n' leading bits of the field at byte 'off' of 'wb'. */
function setPrefixBits(wb: Uint8Array, off: number, n: number): void {
  let i = off;
  for (; n >= 8; n -= 8) wb[i++] = 0xff;
  if (n > 0) wb[i]! |= (0xff00 >> n) & 0xff;
}

/** True if the 'n' leading bits of the field at byte 'off' of 'wb' are set. */
function prefixBitsSet(wb: Uint8Array, off: number, n: number): boolean {
  let i = off;
  for (; n >= 8; n -= 8) if (wb[i++] !== 0xff) return false;
  if (n > 0) {
    const m = (0xff00 >> n) & 0xff;
    if ((wb[i]! & m) !== m) return false;
  }
  return true;
}

/** Length of the CIDR prefix mask of field 'f' in 'mask' (0 if none or not a prefix). */
export function maskPrefixLen(mask: Uint8Array, f: MfField): number {
  let nBits = 0, ended = false;
  for (let o = f.off; o < f.off + f.nBytes; o += 4) {
    const m = get32(mask, o);
    if (ended) {
      if (m !== 0) return 0;
    } else {
      const inv = ~m >>> 0;
      if ((inv & ((inv + 1) >>> 0)) >>> 0 !== 0) return 0;
      if (m !== 0xffffffff) ended = true;
      nBits += 32 - (m === 0 ? 32 : 31 - Math.clz32(m & -m));
    }
  }
  return nBits;
}

function portsValue(rule: ClsRule, st: Subtable): Uint32Array {
  const v = new Uint32Array(1);
  v[0] = get32(rule.match.flow, FL.TP_SRC) & st.portsMask;
  return v;
}
