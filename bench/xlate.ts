/* Translation benchmark: upcall-style translations per second.
 *
 *   node build/bench/xlate.js [nRules=1000] [seconds=2]
 *
 * A three-table pipeline: table 0 classifies on in_port/L3/L4 (nRules rules
 * over a handful of masks) and resubmits; table 1 rewrites addresses and
 * decrements the TTL; table 2 outputs.  Also times NORMAL (MAC learning with
 * side effects) on a second bridge.  Each translation builds the datapath
 * actions and the megaflow mask, as an upcall does. */
import { Testbed, parseFlow } from '../src/ofproto/xlate-testbed.js';
import { xlateActions } from '../src/ofproto/ofproto-dpif-xlate.js';
import { FL, put16, put32 } from '../src/openflow/flow.js';

const nRules = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 2);

const tb = new Testbed('br0', [1, 2, 3, 4]);
const lines: string[] = [];
for (let i = 0; i < nRules; i++) {
  const k = i % 5;
  const ip = `10.${(i >> 8) & 255}.${i & 255}.0`;
  if (k === 0) lines.push(`table=0,priority=${100 + (i % 50)},tcp,nw_dst=${ip}/24,tp_dst=${1000 + (i % 100)} actions=resubmit(,1)`);
  else if (k === 1) lines.push(`table=0,priority=${50 + (i % 50)},ip,nw_src=${ip}/24 actions=resubmit(,1)`);
  else if (k === 2) lines.push(`table=0,priority=${10 + (i % 50)},in_port=${1 + (i % 4)},udp,tp_src=${i % 4096} actions=resubmit(,1)`);
  else if (k === 3) lines.push(`table=0,priority=${i % 50},ip,nw_dst=${ip}/16 actions=resubmit(,1)`);
  else lines.push(`table=0,priority=${i % 50},in_port=${1 + (i % 4)},dl_src=50:54:00:${((i >> 8) & 255).toString(16)}:${(i & 255).toString(16)}:01 actions=resubmit(,1)`);
}
lines.push('table=1,ip actions=mod_nw_src:192.168.0.1,dec_ttl,resubmit(,2)');
lines.push('table=2,actions=output:2');
tb.addFlows(lines.join('\n'));

let seed = 99;
const rand = (): number => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed; };
const flows: Uint8Array[] = [];
for (let i = 0; i < 1024; i++) {
  const f = parseFlow(`in_port=${1 + (rand() % 4)},${rand() & 1 ? 'tcp' : 'udp'},nw_ttl=64`);
  put32(f, FL.NW_SRC, (0x0a000000 | (rand() % 65536) << 8 | 7) >>> 0);
  put32(f, FL.NW_DST, (0x0a000000 | (rand() % 65536) << 8 | 9) >>> 0);
  put16(f, FL.TP_SRC, rand() % 4096);
  put16(f, FL.TP_DST, 1000 + (rand() % 200));
  flows.push(f);
}

function run(label: string, fn: (i: number) => void): void {
  for (let i = 0; i < 2000; i++) fn(i);
  let n = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) { for (let i = 0; i < 256; i++) fn(n + i); n += 256; }
  console.log(`${label}: ${Math.round(n / seconds).toLocaleString('en-US')} translations/s`);
}

run(`pipeline, ${tb.ofproto.tables[0]!.cls.count} rules in table 0 (${tb.ofproto.tables[0]!.cls.nSubtables} masks)`,
  (i) => { xlateActions({ bridge: tb.xbridge, flow: flows[i & 1023]!, allowSideEffects: false }); });

const nb = new Testbed('br1', [1, 2, 3, 4, 5, 6, 7, 8]);
nb.addFlows('actions=NORMAL');
const l2: Uint8Array[] = [];
for (let i = 0; i < 1024; i++) {
  const src = 1 + (i % 8), dst = 1 + ((i * 7) % 8);
  l2.push(parseFlow(`in_port=${src},dl_src=50:54:00:00:00:0${src},dl_dst=50:54:00:00:00:0${dst},ip`));
}
const pkt = new Uint8Array(64);
run('NORMAL with MAC learning, 8 ports',
  (i) => { xlateActions({ bridge: nb.xbridge, flow: l2[i & 1023]!, packet: pkt }); });
