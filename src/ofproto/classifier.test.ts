/* Tests for classifier.ts: random rule sets compared with a brute-force
 * linear classifier (results and sufficiency of the returned wildcards, the
 * idea of OVS's tests/test-classifier.c), plus versioning, replacement,
 * conjunctive matches, prefix tries and iteration. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Classifier, ClsRule, VERSION_MAX } from './classifier.js';
import { Match } from '../openflow/match.js';
import { FL, FLOW_SIZE, get32, put16, put32 } from '../openflow/flow.js';
import { MF, mfFromId } from '../openflow/meta-flow.js';

/** A deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x;
  };
}

/** Fields used by random rules: offset, size, candidate values, candidate masks. */
interface FieldSpec { off: number; size: 1 | 2 | 4; values: number[]; masks: number[] }
const SPECS: FieldSpec[] = [
  { off: FL.IN_PORT, size: 4, values: [1, 2, 3], masks: [0xffff] },
  { off: FL.METADATA + 4, size: 4, values: [0, 0x10, 0x11], masks: [0xffffffff, 0xf0] },
  { off: FL.REGS, size: 4, values: [0, 5, 0x80000005], masks: [0xffffffff, 0x80000000, 0x0000000f] },
  { off: FL.DL_TYPE, size: 2, values: [0x0800, 0x86dd], masks: [0xffff] },
  { off: FL.VLANS + 2, size: 2, values: [0, 0x1005, 0x1006], masks: [0xffff, 0x1fff, 0x1000] },
  { off: FL.NW_SRC, size: 4, values: [0x0a000001, 0x0a000102, 0xc0a80001], masks: [0xffffffff, 0xffffff00, 0xff000000] },
  { off: FL.NW_DST, size: 4, values: [0x0a000001, 0x0a0000ff, 0xc0a80101, 0x0b000001], masks: [0xffffffff, 0xffff0000, 0xffffff80, 0xfe000000] },
  { off: FL.NW_PROTO, size: 1, values: [6, 17], masks: [0xff] },
  { off: FL.TP_SRC, size: 2, values: [80, 443, 0x1f90], masks: [0xffff, 0xff00, 0xfff0] },
  { off: FL.TP_DST, size: 2, values: [53, 80, 8080], masks: [0xffff, 0xfffe] },
];

function putN(b: Uint8Array, off: number, size: number, v: number): void {
  if (size === 1) b[off] = v & 0xff; else if (size === 2) put16(b, off, v); else put32(b, off, v);
}

function randomMatch(r: () => number, maskChoices: number[][]): Match {
  const m = new Match();
  const choice = maskChoices[r() % maskChoices.length]!;
  SPECS.forEach((s, i) => {
    const mi = choice[i]!;
    if (mi < 0) return;
    const mask = s.masks[mi % s.masks.length]!;
    const v = s.values[r() % s.values.length]! & mask;
    putN(m.flow, s.off, s.size, v);
    putN(m.wc, s.off, s.size, mask);
  });
  return m;
}

function randomFlow(r: () => number): Uint8Array {
  const f = new Uint8Array(FLOW_SIZE);
  for (const s of SPECS) {
    const v = r() % 4 === 0 ? r() : s.values[r() % s.values.length]!;
    putN(f, s.off, s.size, v);
  }
  return f;
}

function matches(rule: ClsRule, flow: Uint8Array): boolean {
  for (let i = 0; i < FLOW_SIZE; i++) {
    if ((flow[i]! & rule.match.wc[i]!) !== rule.match.flow[i]) return false;
  }
  return true;
}

/** Brute force: highest priority among visible matching rules, and those rules. */
function bruteForce(rules: ClsRule[], flow: Uint8Array, version = VERSION_MAX): { pri: number; rules: ClsRule[] } {
  let pri = -Infinity, best: ClsRule[] = [];
  for (const rule of rules) {
    if (!rule.visibleIn(version) || !matches(rule, flow)) continue;
    if (rule.priority > pri) { pri = rule.priority; best = [rule]; } else if (rule.priority === pri) best.push(rule);
  }
  return { pri, rules: best };
}

/** A flow that agrees with 'flow' on the bits of 'wc' and is random elsewhere. */
function perturb(r: () => number, flow: Uint8Array, wc: Uint8Array): Uint8Array {
  const g = randomFlow(r);
  const out = new Uint8Array(FLOW_SIZE);
  for (let i = 0; i < FLOW_SIZE; i++) out[i] = (flow[i]! & wc[i]!) | (g[i]! & ~wc[i]!);
  return out;
}

function runRandom(seed: number, nRules: number, nMasks: number, prefixTries: boolean): void {
  const r = rng(seed);
  const cls = new Classifier(prefixTries ? { prefixFields: [mfFromId(MF.IPV4_DST), mfFromId(MF.IPV4_SRC)] } : {});
  const maskChoices: number[][] = [];
  for (let i = 0; i < nMasks; i++) maskChoices.push(SPECS.map(() => (r() % 3 === 0 ? -1 : r() % 4)));
  const rules: ClsRule[] = [];
  for (let i = 0; i < nRules; i++) {
    const rule = new ClsRule(randomMatch(r, maskChoices), r() % 50);
    const old = cls.replace(rule);
    if (old) rules.splice(rules.indexOf(old), 1);
    rules.push(rule);
  }
  assert.equal(cls.count, rules.length);
  /* Remove a quarter, checking removal bookkeeping too. */
  for (let i = 0; i < rules.length / 4; i++) {
    const victim = rules.splice(r() % rules.length, 1)[0]!;
    assert.ok(cls.remove(victim));
    assert.ok(!cls.remove(victim));
  }
  assert.equal(cls.count, rules.length);
  for (let t = 0; t < 300; t++) {
    const flow = randomFlow(r);
    const wc = new Uint8Array(FLOW_SIZE);
    const got = cls.lookup(VERSION_MAX, flow, wc);
    const want = bruteForce(rules, flow);
    if (want.rules.length === 0) assert.equal(got, null, `seed ${seed} lookup ${t}: expected no match`);
    else {
      assert.ok(got, `seed ${seed} lookup ${t}: expected priority ${want.pri}`);
      assert.equal(got.priority, want.pri);
      assert.ok(want.rules.includes(got));
    }
    /* Without wildcards the answer is the same. */
    const got2 = cls.lookup(VERSION_MAX, flow);
    assert.equal(got2 ? got2.priority : null, got ? got.priority : null);
    /* Sufficiency: flows agreeing on the wildcarded bits get the same answer. */
    for (let k = 0; k < 8; k++) {
      const f2 = perturb(r, flow, wc);
      const w2 = bruteForce(rules, f2);
      assert.equal(w2.rules.length === 0 ? null : w2.pri, got ? got.priority : null,
        `seed ${seed}: wildcards insufficient`);
      if (got && want.rules.length === 1) assert.deepEqual(w2.rules, [got]);
    }
  }
}

test('random rules agree with brute force, wildcards sufficient (no tries)', () => {
  for (let seed = 1; seed <= 6; seed++) runRandom(seed, 200, 12, false);
});

test('random rules agree with brute force, wildcards sufficient (prefix tries)', () => {
  for (let seed = 11; seed <= 16; seed++) runRandom(seed, 200, 12, true);
});

test('many masks, few rules each', () => {
  runRandom(99, 400, 60, true);
});

function ipRule(pri: number, nwDst: number, plen: number, extra?: (m: Match) => void): ClsRule {
  const m = new Match();
  m.setDlType(0x0800);
  put32(m.flow, FL.NW_DST, plen ? (nwDst & (0xffffffff << (32 - plen))) >>> 0 : 0);
  put32(m.wc, FL.NW_DST, plen ? (0xffffffff << (32 - plen)) >>> 0 : 0);
  extra?.(m);
  return new ClsRule(m, pri);
}

function ipFlow(nwDst: number, nwSrc = 0): Uint8Array {
  const f = new Uint8Array(FLOW_SIZE);
  put16(f, FL.DL_TYPE, 0x0800);
  put32(f, FL.NW_DST, nwDst);
  put32(f, FL.NW_SRC, nwSrc);
  return f;
}

test('prefix tries keep megaflows narrow', () => {
  const cls = new Classifier({ prefixFields: [mfFromId(MF.IPV4_DST), mfFromId(MF.IPV4_SRC)] });
  cls.insert(ipRule(100, 0x0a000000, 8));
  cls.insert(ipRule(90, 0x0a010000, 16));
  cls.insert(ipRule(0, 0, 0));
  /* 192.168.0.1 differs from 10/8 at the first bit: only that bit is needed. */
  const wc = new Uint8Array(FLOW_SIZE);
  const r = cls.lookup(0, ipFlow(0xc0a80001), wc);
  assert.equal(r?.priority, 0);
  assert.equal(get32(wc, FL.NW_DST), 0x80000000);
  /* Without tries every subtable folds its whole mask. */
  const plain = new Classifier();
  plain.insert(ipRule(100, 0x0a000000, 8));
  plain.insert(ipRule(90, 0x0a010000, 16));
  plain.insert(ipRule(0, 0, 0));
  const wc2 = new Uint8Array(FLOW_SIZE);
  plain.lookup(0, ipFlow(0xc0a80001), wc2);
  assert.equal(get32(wc2, FL.NW_DST), 0xffff0000);
  /* 10.1.2.3 matches 10/8 directly: that subtable is highest priority. */
  const wc3 = new Uint8Array(FLOW_SIZE);
  assert.equal(cls.lookup(0, ipFlow(0x0a010203), wc3)?.priority, 100);
  assert.equal(get32(wc3, FL.NW_DST), 0xff000000);
});

test('ports trie un-wildcards only the distinguishing port bits', () => {
  const cls = new Classifier();
  const m = new Match();
  m.setDlType(0x0800); m.setNwProto(6);
  put16(m.flow, FL.TP_DST, 80); put16(m.wc, FL.TP_DST, 0xffff);
  cls.insert(new ClsRule(m, 10));
  const f = ipFlow(1);
  f[FL.NW_PROTO] = 6;
  put16(f, FL.TP_DST, 0x8000 | 80);
  const wc = new Uint8Array(FLOW_SIZE);
  assert.equal(cls.lookup(0, f, wc), null);
  /* tp_src is wildcarded in the rule, so the prefix spans tp_src too (32 bits) —
   * but the rule's tp_src bits are zero in the trie and the flow's are zero, so
   * the first differing bit is tp_dst's top bit. */
  assert.equal(get32(wc, FL.TP_SRC), 0x00008000);
});

test('staged lookup stops at the first segment that cannot match', () => {
  const cls = new Classifier();
  const m = new Match();
  m.setInPort(1);
  m.setDlType(0x0800);
  put32(m.flow, FL.NW_SRC, 0x01020304); put32(m.wc, FL.NW_SRC, 0xffffffff);
  cls.insert(new ClsRule(m, 5));
  const f = ipFlow(0, 0x01020304);
  put32(f, FL.IN_PORT, 2);
  const wc = new Uint8Array(FLOW_SIZE);
  assert.equal(cls.lookup(0, f, wc), null);
  assert.equal(get32(wc, FL.IN_PORT), 0xffff);
  assert.equal(get32(wc, FL.DL_TYPE - 2) & 0xffff, 0, 'dl_type not examined');
  assert.equal(get32(wc, FL.NW_SRC), 0);
});

test('replace, find exactly, priorities within one match', () => {
  const cls = new Classifier();
  const a = ipRule(10, 0x0a000000, 8), b = ipRule(20, 0x0a000000, 8), a2 = ipRule(10, 0x0a000000, 8);
  cls.insert(a); cls.insert(b);
  assert.equal(cls.count, 2);
  assert.equal(cls.nSubtables, 1);
  assert.equal(cls.lookup(0, ipFlow(0x0a000001)), b);
  assert.equal(cls.replace(a2), a);
  assert.equal(a.inClassifier, false);
  assert.equal(cls.findRuleExactly(ipRule(10, 0x0a000000, 8)), a2);
  assert.equal(cls.findRuleExactly(ipRule(11, 0x0a000000, 8)), null);
  assert.ok(cls.remove(b));
  assert.equal(cls.lookup(0, ipFlow(0x0a000001)), a2);
  assert.ok(cls.remove(a2));
  assert.ok(cls.isEmpty());
});

test('versions: rules visible only in their range', () => {
  const cls = new Classifier();
  const old = ipRule(10, 0x0a000000, 8);
  cls.insert(old, 1);
  const neu = ipRule(10, 0x0a000000, 8, (m) => { put32(m.flow, FL.REGS, 1); put32(m.wc, FL.REGS, 0); });
  old.makeInvisibleInVersion(5);
  /* A rule with the same match, added in version 5, does not displace the old one. */
  assert.equal(cls.replace(neu, 5), null);
  const f = ipFlow(0x0a000001);
  assert.equal(cls.lookup(0, f), null);
  assert.equal(cls.lookup(1, f), old);
  assert.equal(cls.lookup(4, f), old);
  assert.equal(cls.lookup(5, f), neu);
  assert.deepEqual(cls.rules(null, 4), [old]);
  assert.deepEqual(cls.rules(null, 6), [neu]);
  assert.ok(cls.remove(old));
  assert.equal(cls.lookup(4, f), null);
  /* restoreVisibility undoes a pending removal. */
  neu.makeInvisibleInVersion(7);
  assert.equal(cls.lookup(8, f), null);
  neu.restoreVisibility();
  assert.equal(cls.lookup(8, f), neu);
});

test('conjunctive matches', () => {
  const cls = new Classifier();
  const mk = (fn: (m: Match) => void, pri: number): ClsRule => { const m = new Match(); fn(m); return new ClsRule(m, pri); };
  /* conjunction(1, 1/2): in_port=1 ; conjunction(1, 2/2): dl_type=0x0800 ; conj_id=1 -> hit. */
  const c1 = mk((m) => m.setInPort(1), 100);
  const c2 = mk((m) => m.setDlType(0x0800), 100);
  const hit = mk((m) => m.setExact(FL.CONJ_ID, 4, 1), 100);
  const low = mk(() => undefined, 1);
  cls.insert(c1, 0, [{ id: 1, clause: 0, nClauses: 2 }]);
  cls.insert(c2, 0, [{ id: 1, clause: 1, nClauses: 2 }]);
  cls.insert(hit);
  cls.insert(low);
  const f = ipFlow(0);
  put32(f, FL.IN_PORT, 1);
  assert.equal(cls.lookup(0, f, new Uint8Array(FLOW_SIZE)), hit);
  assert.equal(get32(f, FL.CONJ_ID), 0, 'conj_id restored');
  put32(f, FL.IN_PORT, 2);
  assert.equal(cls.lookup(0, f), low);
  put32(f, FL.IN_PORT, 1); put16(f, FL.DL_TYPE, 0x86dd);
  assert.equal(cls.lookup(0, f), low);
});

test('overlap check and loose iteration', () => {
  const cls = new Classifier();
  const a = new Match(); a.setInPort(1);
  const b = new Match(); b.setDlType(0x0800);
  const ra = new ClsRule(a, 5), rb = new ClsRule(b, 5);
  cls.insert(ra);
  assert.ok(cls.ruleOverlaps(rb));
  assert.ok(!cls.ruleOverlaps(new ClsRule(b, 6)));
  const c = new Match(); c.setInPort(2);
  assert.ok(!cls.ruleOverlaps(new ClsRule(c, 5)));
  cls.insert(rb);
  const both = new Match(); both.setInPort(1); both.setDlType(0x0800);
  const rboth = new ClsRule(both, 7);
  cls.insert(rboth);
  /* Loose match on in_port=1: rules at least as specific with in_port=1. */
  const crit = new ClsRule(a.clone(), 0);
  assert.deepEqual(new Set(cls.rules(crit)), new Set([ra, rboth]));
  assert.equal(cls.rules().length, 3);
  /* Iteration order: subtables by max priority. */
  assert.equal(cls.rules()[0], rboth);
});

test('unaligned flow and wildcard arrays', () => {
  const cls = new Classifier();
  cls.insert(ipRule(3, 0x0a000000, 8));
  const buf = new Uint8Array(FLOW_SIZE + 1);
  const f = buf.subarray(1);
  f.set(ipFlow(0x0a0a0a0a));
  const wbuf = new Uint8Array(FLOW_SIZE + 3);
  const wc = wbuf.subarray(3);
  assert.equal(cls.lookup(0, f, wc)?.priority, 3);
  assert.equal(get32(wc, FL.NW_DST), 0xff000000);
});
