/* Classifier benchmark: lookups per second over a table of random rules.
 *
 *   node build/bench/classifier.js [nRules=1000] [nMasks=20] [seconds=2]
 *
 * Rules match random subsets of in_port, dl_type, nw_src/nw_dst (prefixes),
 * nw_proto, tp_src/tp_dst and reg0, with 'nMasks' distinct masks and random
 * priorities; flows are drawn from the same value pools so most lookups hit.
 * Reports lookups/s with and without wildcard tracking (the upcall case and
 * the plain table-lookup case), with and without the nw_dst/nw_src tries. */
import { Classifier, ClsRule } from '../src/ofproto/classifier.js';
import { Match } from '../src/openflow/match.js';
import { FL, FLOW_SIZE, put16, put32 } from '../src/openflow/flow.js';
import { MF, mfFromId } from '../src/openflow/meta-flow.js';

const nRules = Number(process.argv[2] ?? 1000);
const nMasks = Number(process.argv[3] ?? 20);
const seconds = Number(process.argv[4] ?? 2);

let seed = 12345;
function rand(): number {
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed;
}

type Spec = [off: number, size: 1 | 2 | 4, masks: number[], values: () => number];
const SPECS: Spec[] = [
  [FL.IN_PORT, 4, [0xffff], () => 1 + (rand() % 8)],
  [FL.DL_TYPE, 2, [0xffff], () => 0x0800],
  [FL.NW_SRC, 4, [0xffffffff, 0xffffff00, 0xffff0000], () => (0x0a000000 | (rand() % 4096)) >>> 0],
  [FL.NW_DST, 4, [0xffffffff, 0xffffff00, 0xff000000], () => (0x0a000000 | (rand() % 4096)) >>> 0],
  [FL.NW_PROTO, 1, [0xff], () => (rand() & 1 ? 6 : 17)],
  [FL.TP_SRC, 2, [0xffff, 0xff00], () => rand() % 1024],
  [FL.TP_DST, 2, [0xffff], () => [22, 53, 80, 443][rand() % 4]!],
  [FL.REGS, 4, [0xffffffff, 0xff], () => rand() % 16],
];

function put(b: Uint8Array, off: number, size: number, v: number): void {
  if (size === 1) b[off] = v; else if (size === 2) put16(b, off, v); else put32(b, off, v);
}

const masks: number[][] = [];
for (let i = 0; i < nMasks; i++) masks.push(SPECS.map((s) => (rand() % 3 === 0 ? -1 : rand() % s[2].length)));

function build(tries: boolean): Classifier {
  const cls = new Classifier(tries ? { prefixFields: [mfFromId(MF.IPV4_DST), mfFromId(MF.IPV4_SRC)] } : {});
  seed = 777;
  for (let i = 0; i < nRules; i++) {
    const m = new Match();
    const choice = masks[i % nMasks]!;
    SPECS.forEach(([off, size, ms, values], k) => {
      if (choice[k]! < 0) return;
      const mask = ms[choice[k]!]!;
      put(m.flow, off, size, values() & mask);
      put(m.wc, off, size, mask);
    });
    cls.replace(new ClsRule(m, rand() % 1000));
  }
  return cls;
}

const flows: Uint8Array[] = [];
seed = 4242;
for (let i = 0; i < 4096; i++) {
  const f = new Uint8Array(FLOW_SIZE);
  for (const [off, size, , values] of SPECS) put(f, off, size, values());
  flows.push(f);
}

function run(cls: Classifier, withWc: boolean): { rate: number; hits: number } {
  const wc = new Uint8Array(FLOW_SIZE);
  let n = 0, hits = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 4096; i++) {
      if (withWc) wc.fill(0);
      if (cls.lookup(0, flows[i]!, withWc ? wc : null)) hits++;
    }
    n += 4096;
  }
  return { rate: n / seconds, hits: hits / n };
}

for (const tries of [false, true]) {
  const cls = build(tries);
  for (const withWc of [true, false]) {
    run(cls, withWc); // warm-up
    const { rate, hits } = run(cls, withWc);
    console.log(`${cls.count} rules, ${cls.nSubtables} subtables, tries ${tries ? 'on ' : 'off'}, `
      + `wildcards ${withWc ? 'on ' : 'off'}: ${Math.round(rate).toLocaleString('en-US')} lookups/s `
      + `(${(hits * 100).toFixed(0)}% hit)`);
  }
}
