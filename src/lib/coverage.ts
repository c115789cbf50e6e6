/* coverage: OVS's event coverage counters (lib/coverage.c).
 *
 * A module declares a counter once (`const c = coverageCounter('bridge_reconfigure')`)
 * and bumps it on the event (`c.inc()`).  Every 5 s the totals are folded into
 * per-interval slots so `coverage/show` can print the rate over the last
 * interval, minute and hour as OVS does, with the same hash of "which events
 * happened how often" that OVS prints and uses to skip duplicate logs.
 * `coverage/read-counter NAME` prints one total.  daemon.ts registers both
 * commands for every daemon.
 */
import { hashAdd, hashFinish, hashString } from './hash.js';

/** Milliseconds per slot (COVERAGE_RUN_INTERVAL). */
const RUN_INTERVAL = 5000;
/** Slots per minute and minutes per hour. */
const MIN_AVG_LEN = 60000 / RUN_INTERVAL;
const HR_AVG_LEN = 60;

/** One event counter. */
export class CoverageCounter {
  /** Events since the daemon started. */
  total = 0;
  lastTotal = 0;
  readonly min = new Uint32Array(MIN_AVG_LEN);
  readonly hr = new Uint32Array(HR_AVG_LEN);
  constructor(readonly name: string) {}
  /** Counts 'n' events (default 1). */
  inc(n = 1): void { this.total += n; }
}

const counters: CoverageCounter[] = [];
const byName = new Map<string, CoverageCounter>();
let idxCount = 0;
let runTime = -1;
let timer: ReturnType<typeof setInterval> | null = null;

/** The counter named 'name', created on first use (COVERAGE_DEFINE). */
export function coverageCounter(name: string): CoverageCounter {
  let c = byName.get(name);
  if (!c) {
    c = new CoverageCounter(name);
    counters.push(c);
    byName.set(name, c);
  }
  return c;
}

/** OVS's hash_int() (hash_2words of the portable build). */
function hashInt(x: number, basis: number): number {
  return hashFinish(hashAdd(hashAdd(x >>> 0, 0), basis >>> 0), 8);
}

/** The hash of the counters grouped by equal totals, as OVS computes it. */
export function coverageHash(): number {
  const c = [...counters].sort((a, b) => (a.total !== b.total ? b.total - a.total : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let hash = 0;
  let groups = 0;
  for (let i = 0; i < c.length;) {
    if (!c[i]!.total) break;
    groups++;
    hash = hashInt(i, hash);
    let j = i;
    for (; j < c.length && c[j]!.total === c[i]!.total; j++) hash = hashString(c[j]!.name, hash);
    i = j;
  }
  return hashInt(groups, hash);
}

/** Folds the counts since the last run into the rate slots (coverage_run). */
export function coverageRun(now = Date.now()): void {
  if (runTime < 0) runTime = now + RUN_INTERVAL;
  if (now < runTime) return;
  const slots = Math.floor((now - runTime) / RUN_INTERVAL) + 1;
  for (const c of counters) {
    const count = c.total - c.lastTotal;
    c.lastTotal = c.total;
    const portion = Math.floor(count / slots);
    let idx = idxCount;
    for (let j = 0; j < slots; j++) {
      const m = idx % MIN_AVG_LEN;
      const h = Math.floor(idx / MIN_AVG_LEN);
      c.min[m] = portion + (j === slots - 1 ? count % slots : 0);
      c.hr[h] = m === 0 ? c.min[m]! : c.hr[h]! + c.min[m]!;
      idx = (idx + 1) % (MIN_AVG_LEN * HR_AVG_LEN);
    }
  }
  idxCount = (idxCount + slots) % (MIN_AVG_LEN * HR_AVG_LEN);
  runTime = now + RUN_INTERVAL;
}

function sum(a: Uint32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

/** The `coverage/show` text. */
export function coverageShow(): string {
  const hash = coverageHash();
  const lines = [`Event coverage, avg rate over last: ${RUN_INTERVAL / 1000} seconds, last minute, last hour,  hash=${hash.toString(16).padStart(8, '0')}:`];
  let neverHit = 0;
  const last = (idxCount + MIN_AVG_LEN * HR_AVG_LEN - 1) % MIN_AVG_LEN;
  for (const c of counters) {
    if (!c.total) { neverHit++; continue; }
    const interval = (c.min[last]! * 1000 / RUN_INTERVAL).toFixed(1).padStart(5);
    const minute = (sum(c.min) / 60).toFixed(3).padStart(9);
    const hour = (sum(c.hr) / 3600).toFixed(4).padStart(13);
    lines.push(`${c.name.padEnd(24)} ${interval}/sec ${minute}/sec ${hour}/sec   total: ${c.total}`);
  }
  lines.push(`${neverHit} events never hit`);
  return lines.join('\n') + '\n';
}

/** The total of counter 'name', or null if there is none (coverage/read-counter). */
export function coverageReadCounter(name: string): number | null {
  return byName.get(name)?.total ?? null;
}

/** Starts the 5-second folding (a daemon calls this once). */
export function coverageStart(): void {
  if (timer) return;
  coverageRun();
  timer = setInterval(() => coverageRun(), RUN_INTERVAL);
  timer.unref();
}
