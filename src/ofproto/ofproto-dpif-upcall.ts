/* ofproto-dpif-upcall: the datapath flows ofproto-dpif installed and their
 * upkeep, the revalidator (OVS ofproto/ofproto-dpif-upcall.c).
 *
 * One Udpif per datapath backer (shared by that datapath type's bridges).
 * A miss upcall that ofproto-dpif translates is installed through install():
 * unless the datapath already holds 'flow-limit' flows, the megaflow goes to
 * the backer (DpifBackend.flowPut) and a "ukey" remembers it: the bridge that
 * owns it, the upcall's flow and the mask, the actions, the rules the
 * translation went through and how much of the flow's statistics were
 * already credited.
 *
 * The revalidator keeps those flows right and few:
 *   - statistics: every round (each 500 ms, other_config:max-revalidator in
 *     OVS) the packets each flow counted since the last round are credited to
 *     the rules, tables and groups by translating the flow again with those
 *     statistics (NORMAL flows refresh their MAC-learning entries too);
 *   - idle flows (unused for other_config:max-idle ms, default 10 s) are
 *     deleted, after their last statistics are credited;
 *   - table changes: invalidate() makes every flow stale.  Backends that
 *     support it check a flow's staleness when a packet hits it, and ask
 *     revalidateOnHit() first, so no packet takes actions from before a
 *     flow-mod; the round also revalidates stale flows nobody hit.
 *     Revalidating re-translates the upcall's flow: if the new translation
 *     needs bits the installed mask does not match, or cannot be cached, the
 *     flow is deleted (the next packet makes a new upcall); else differing
 *     actions replace the old ones in place.  Statistics gathered before the
 *     change go to the rules of the old translation;
 *   - the flow limit: upcalls install nothing once the datapath holds
 *     'flowLimit' flows; a round over the limit expires flows idle for 100
 *     ms, and one over twice the limit deletes them all.  As in OVS the
 *     limit starts at min(flow-limit, 10000) and adapts to how long a round
 *     takes (faster rounds raise it by 1000 up to other_config:flow-limit,
 *     slow ones cut it).
 *
 * Rounds run in slices of a few milliseconds on the event loop (the role of
 * OVS's revalidator threads) so a large table does not stall packet
 * processing; revalidator/wait finishes one synchronously.  The unixctl
 * commands (revalidator/wait, revalidator/purge, upcall/show,
 * upcall/set-flow-limit) are functions at the end returning their text.
 */
import { xlateTunnelNeedsStats } from './ofproto-dpif-xlate-tnl.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { timeMsec } from '../lib/timeval.js';
import { FL, FLOW_SIZE, get16 } from '../openflow/flow.js';
import type { OdpAction } from '../datapath/odp-actions.js';
import type { Rule } from './ofproto-provider.js';
import { type XlateOut, type XlateStats, xlateActions } from './ofproto-dpif-xlate.js';
import type { DpifBackend, DpFlowStats, OfprotoDpif } from './ofproto-dpif.js';

const log = vlogModule('ofproto_dpif_upcall');
const rl = new RateLimit(1, 5);

/** Default other_config:flow-limit (OFPROTO_FLOW_LIMIT_DEFAULT). */
export const OFPROTO_FLOW_LIMIT_DEFAULT = 200000;
/** Default other_config:max-idle in ms (OFPROTO_MAX_IDLE_DEFAULT). */
export const OFPROTO_MAX_IDLE_DEFAULT = 10000;
/** Time between revalidation rounds in ms (other_config:max-revalidator default). */
export const OFPROTO_MAX_REVALIDATOR_DEFAULT = 500;
/** CPU time a round may take before yielding to packet processing, ms. */
const SLICE_MS = 5;
/** The id upcall/show prints for our one revalidator (a 2-core OVS's is 5). */
const REVALIDATOR_ID = 5;

let flowLimitConfig = OFPROTO_FLOW_LIMIT_DEFAULT;
/** upcall/disable-megaflows: install exact-match flows instead. */
let enableMegaflows = true;
let maxIdleConfig = OFPROTO_MAX_IDLE_DEFAULT;
const udpifs = new Set<Udpif>();

/** Sets other_config:flow-limit for every datapath (ofproto_set_flow_limit). */
export function ofprotoSetFlowLimit(limit: number): void {
  flowLimitConfig = Math.max(0, Math.floor(limit));
  for (const u of udpifs) if (u.flowLimit > flowLimitConfig) u.flowLimit = flowLimitConfig;
}

/** Sets other_config:max-idle in ms (ofproto_set_max_idle). */
export function ofprotoSetMaxIdle(ms: number): void {
  maxIdleConfig = Math.max(100, Math.floor(ms));
}

/** The datapath mask for a megaflow: what xlate examined plus "no VLAN" for untagged packets. */
export function datapathMask(flow: Uint8Array, wc: Uint8Array): Uint8Array {
  const m = wc.slice(0, FLOW_SIZE);
  if (!(get16(flow, FL.VLANS + 2) & 0x1000)) m.fill(0xff, FL.VLANS, FL.VLANS + 4);
  return m;
}

/** A datapath flow ofproto-dpif installed (struct udpif_key). */
interface Ukey {
  /** The backend's handle of the flow. */
  readonly handle: number;
  readonly owner: OfprotoDpif;
  /** The upcall's flow, OpenFlow layout. */
  flow: Uint8Array;
  mask: Uint8Array;
  actions: readonly OdpAction[];
  /** Rules of the last translation (credited when the flow went stale). */
  rules: Rule[];
  hasNormal: boolean;
  hasLearn: boolean;
  /** Statistics already credited. */
  packets: number;
  bytes: number;
  /** Udpif generation of the last translation. */
  gen: number;
}

/** A revalidation round in progress. */
interface Round {
  iter: IterableIterator<Ukey>;
  /** CPU time spent so far, ms. */
  cpu: number;
  nFlows: number;
  killAll: boolean;
  maxIdle: number;
}

/** The upcall and revalidation state of one datapath backer (struct udpif). */
export class Udpif {
  private readonly ukeys = new Map<number, Ukey>();
  /** Current flow limit (adapts between 1000 and other_config:flow-limit). */
  flowLimit = Math.min(flowLimitConfig, 10000);
  private gen = 0;
  private round: Round | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private ufid = 1;
  /* upcall/show figures. */
  private avgFlows = 0;
  private maxFlows = 0;
  private dumpDuration = 0;
  /** Upcalls not installed because of the flow limit. */
  limitHits = 0;

  /** 'name' is the datapath's TYPE@NAME. */
  constructor(readonly name: string, readonly backend: DpifBackend) {
    backend.setRevalidate?.((handle) => this.revalidateOnHit(handle));
    this.timer = setInterval(() => this.startRound(), OFPROTO_MAX_REVALIDATOR_DEFAULT);
    this.timer.unref();
    udpifs.add(this);
  }

  /** Stops the periodic rounds (the backer is going away). */
  destroy(): void {
    clearInterval(this.timer);
    udpifs.delete(this);
  }

  /** Flows in the datapath (ours and any added by dpctl). */
  nFlows(): number {
    return this.backend.flowCount?.() ?? this.ukeys.size;
  }

  /** Number of flows this udpif keeps. */
  get nUkeys(): number { return this.ukeys.size; }

  /**
   * Installs the megaflow of a translated miss upcall (flow, mask, actions)
   * for bridge 'owner' unless the flow limit is reached.  Returns true if the
   * datapath caches it.
   */
  install(owner: OfprotoDpif, flow: Uint8Array, mask: Uint8Array, xout: XlateOut): boolean {
    if (this.nFlows() >= this.flowLimit) {
      this.limitHits++;
      log.warnRl(rl, `upcall: datapath flow limit reached`);
      return false;
    }
    if (!enableMegaflows) mask = new Uint8Array(FLOW_SIZE).fill(0xff);
    const h = this.backend.flowPut(flow, mask, xout.odpActions, this.ufid++);
    if (typeof h !== 'number' || h < 0) return false;
    const u = this.ukeys.get(h);
    if (u && u.owner === owner) {
      // The same megaflow again (e.g. it was stale): the backend updated it.
      u.flow = flow.slice(); u.mask = mask; u.actions = xout.odpActions; u.rules = xout.rules;
      u.hasNormal = xout.hasNormal; u.hasLearn = xout.hasLearn; u.gen = this.gen;
      return true;
    }
    this.ukeys.set(h, {
      handle: h, owner, flow: flow.slice(), mask, actions: xout.odpActions, rules: xout.rules,
      hasNormal: xout.hasNormal, hasLearn: xout.hasLearn, packets: 0, bytes: 0, gen: this.gen,
    });
    return true;
  }

  /** Something the translations depend on changed (tables, ports, MACs):
   * every flow is revalidated before it is used again. */
  invalidate(): void {
    if (!this.backend.invalidate) {
      this.purge();
      return;
    }
    this.gen++;
    this.backend.invalidate();
    // Stale flows nobody hits are revalidated by a round soon after.
    if (!this.soon) {
      this.soon = setTimeout(() => { this.soon = null; this.startRound(); }, 20);
      this.soon.unref();
    }
  }

  private soon: ReturnType<typeof setTimeout> | null = null;

  /** The backend's question on a hit of a stale flow: may 'handle' be used? */
  revalidateOnHit(handle: number): boolean {
    const u = this.ukeys.get(handle);
    if (!u) return true; // not ours (dpctl): nothing to revalidate it against
    return this.revalidateUkey(u);
  }

  /** Credits what flow 'u' counted since the last push: to the rules of its
   * last translation if 'cached', else by translating it again. */
  private pushStats(u: Ukey, st: DpFlowStats, cached: boolean): void {
    const packets = st.packets - u.packets, bytes = st.bytes - u.bytes;
    if (packets <= 0) return;
    u.packets = st.packets;
    u.bytes = st.bytes;
    u.owner.nHit += packets;
    const stats: XlateStats = { packets, bytes, used: u.owner.ofproto.now(), tcpFlags: st.tcpFlags };
    // Tunnel port counters are credited by translating (ofproto-dpif-xlate-tnl.ts).
    if (cached && !xlateTunnelNeedsStats(u.owner.xbridge, u.flow, u.actions)) {
      for (const r of u.rules) u.owner.xbridge.ruleCredit?.(r, stats);
      return;
    }
    try {
      xlateActions({ bridge: u.owner.xbridge, flow: u.flow, resubmitStats: stats,
        allowSideEffects: u.hasNormal && !u.hasLearn });
    } catch (e) {
      log.warnRl(rl, `${this.name}: statistics push failed: ${(e as Error).message}`);
    }
  }

  /** Re-translates stale flow 'u' and updates or deletes it; true if it stays. */
  private revalidateUkey(u: Ukey): boolean {
    const st = this.backend.flowStats?.(u.handle) ?? null;
    if (!st) { this.ukeys.delete(u.handle); return false; }
    this.pushStats(u, st, true);
    u.gen = this.gen;
    let xout: XlateOut;
    try {
      xout = xlateActions({ bridge: u.owner.xbridge, flow: u.flow, allowSideEffects: false });
    } catch (e) {
      log.warnRl(rl, `${this.name}: revalidation failed: ${(e as Error).message}`);
      this.deleteUkey(u, true);
      return false;
    }
    if (xout.error || xout.slow) { this.deleteUkey(u, true); return false; }
    // The installed megaflow must still match every bit the translation looks at.
    const mask = datapathMask(u.flow, xout.wc);
    for (let i = 0; i < FLOW_SIZE; i++) {
      if (mask[i]! & ~u.mask[i]!) { this.deleteUkey(u, true); return false; }
    }
    // Without side effects xlate marks controller actions "don't send"; the
    // upcall's translation (with them) did not: compare and install like it.
    const actions = sendControllerActions(xout.odpActions);
    if (!odpEqual(actions, u.actions)) {
      if (!this.backend.flowModify?.(u.handle, actions)) { this.deleteUkey(u, true); return false; }
      u.actions = actions;
    }
    u.rules = xout.rules;
    u.hasNormal = xout.hasNormal;
    u.hasLearn = xout.hasLearn;
    return true;
  }

  /** Deletes flow 'u' from the datapath and credits its last statistics. */
  private deleteUkey(u: Ukey, cached: boolean): void {
    this.ukeys.delete(u.handle);
    const st = this.backend.flowDel?.(u.handle) ?? null;
    if (st) this.pushStats(u, st, cached || u.gen !== this.gen);
  }

  /* ---- Rounds. ---- */

  /** revalidator/pause: no rounds until resumed (flows stay as they are). */
  paused = false;

  /** Starts a revalidation round unless one is running (or rounds are paused). */
  startRound(): void {
    if (this.round || this.paused) return;
    const n = this.nFlows();
    this.round = {
      iter: this.ukeys.values(), cpu: 0, nFlows: n,
      killAll: n > 2 * this.flowLimit, maxIdle: n > this.flowLimit ? 100 : maxIdleConfig,
    };
    this.continueRound(SLICE_MS);
  }

  /** Works on the current round for up to 'budget' ms (Infinity: to the end). */
  private continueRound(budget: number): void {
    const r = this.round;
    if (!r) return;
    const t0 = performance.now();
    const now = timeMsec();
    let k = 0;
    for (;;) {
      const next = r.iter.next();
      if (next.done) break;
      this.revalidateInRound(next.value, r, now);
      if ((++k & 31) === 0 && performance.now() - t0 >= budget) {
        r.cpu += performance.now() - t0;
        setImmediate(() => this.continueRound(SLICE_MS));
        return;
      }
    }
    r.cpu += performance.now() - t0;
    this.finishRound(r);
  }

  private revalidateInRound(u: Ukey, r: Round, now: number): void {
    if (!this.ukeys.has(u.handle)) return;
    const st = this.backend.flowStats?.(u.handle) ?? null;
    if (!st) { this.ukeys.delete(u.handle); return; }
    const used = st.used || st.created;
    if (r.killAll || now - used >= r.maxIdle) {
      this.deleteUkey(u, false);
    } else if (u.gen !== this.gen) {
      this.revalidateUkey(u);
    } else {
      this.pushStats(u, st, false);
    }
  }

  /** Ends a round: adapts the flow limit to how long it took (as OVS). */
  private finishRound(r: Round): void {
    this.round = null;
    const duration = Math.max(1, Math.round(r.cpu));
    this.dumpDuration = duration;
    const n = r.nFlows;
    this.avgFlows = Math.floor((this.avgFlows + n) / 2);
    this.maxFlows = Math.max(this.maxFlows, n);
    let limit = this.flowLimit;
    if (duration > 2000) limit = Math.floor(limit / (duration / 1000));
    else if (duration > 1300) limit = Math.floor(limit * 3 / 4);
    else if (duration < 1000 && limit < n * 1000 / duration) limit += 1000;
    this.flowLimit = Math.min(flowLimitConfig, Math.max(limit, 1000));
  }

  /** Finishes the round in progress, then runs a whole new one (revalidator/wait). */
  wait(): void {
    if (this.paused) return;
    if (this.round) this.continueRound(Infinity);
    this.startRound();
    if (this.round) this.continueRound(Infinity);
  }

  /** Deletes every datapath flow, crediting their statistics (revalidator/purge). */
  purge(): void {
    for (const u of [...this.ukeys.values()]) this.deleteUkey(u, false);
    this.backend.flowFlush();
  }

  /** Deletes the flows of bridge 'owner' (it is going away). */
  removeOwner(owner: OfprotoDpif): void {
    for (const u of [...this.ukeys.values()]) if (u.owner === owner) this.deleteUkey(u, true);
  }

  /** This datapath's upcall/show paragraph. */
  show(): string {
    let s = `${this.name}:\n`;
    s += `  flows         : (current ${this.nFlows()}) (avg ${this.avgFlows}) (max ${this.maxFlows}) (limit ${this.flowLimit})\n`;
    s += `  dump duration : ${this.dumpDuration}ms\n`;
    s += '  ufid enabled : true\n\n';
    s += `  ${REVALIDATOR_ID}: (keys ${this.ukeys.size})\n`;
    return s;
  }
}

/** 'actions' with controller userspace cookies marked to be sent (a copy where changed). */
function sendControllerActions(actions: readonly OdpAction[]): OdpAction[] {
  return actions.map((a): OdpAction => {
    if (a.type === 'userspace' && a.cookie?.type === 'controller' && a.cookie.dontSend) {
      return { ...a, cookie: { ...a.cookie, dontSend: false } };
    }
    if (a.type === 'clone') return { ...a, actions: sendControllerActions(a.actions) };
    if (a.type === 'sample') return { ...a, actions: sendControllerActions(a.actions) };
    if (a.type === 'check_pkt_len') return { ...a, gt: sendControllerActions(a.gt), le: sendControllerActions(a.le) };
    return a;
  });
}

/** Deep equality of action values (objects, arrays, byte arrays, primitives). */
function odpEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!odpEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/* ---- unixctl commands (reply texts). ---- */

function sorted(): Udpif[] { return [...udpifs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); }

/** revalidator/wait: every datapath finishes a whole revalidation round. */
export function unixctlRevalidatorWait(): string {
  for (const u of sorted()) u.wait();
  return '';
}

/** revalidator/purge: deletes every datapath flow. */
export function unixctlRevalidatorPurge(): string {
  for (const u of sorted()) u.purge();
  return '';
}

/** upcall/show. */
export function unixctlUpcallShow(): string {
  return sorted().map((u) => u.show()).join('');
}

/** upcall/set-flow-limit N: the current limit of every datapath (until rounds adapt it). */
export function unixctlUpcallSetFlowLimit(arg: string): string {
  const parsed = Number.parseInt(arg, 10);
  const n = Number.isFinite(parsed) ? parsed >>> 0 : 0;
  for (const u of udpifs) u.flowLimit = n;
  return `set flow_limit to ${n}\n`;
}

/** revalidator/pause and revalidator/resume. */
export function unixctlRevalidatorPause(pause: boolean): string {
  for (const u of udpifs) {
    u.paused = pause;
    if (!pause) u.startRound();
  }
  return '';
}

/** upcall/enable-megaflows, upcall/disable-megaflows: the datapath flows
 * installed from now on are megaflows or exact matches; existing ones go. */
export function unixctlUpcallSetMegaflows(enable: boolean): string {
  if (enableMegaflows !== enable) {
    enableMegaflows = enable;
    for (const u of udpifs) u.purge();
  }
  return enable ? 'megaflows enabled\n' : 'megaflows disabled\n';
}

/** upcall/enable-ufid, upcall/disable-ufid: accepted (flows are always dumped whole here). */
export function unixctlUpcallSetUfid(enable: boolean): string {
  return `Datapath dumping tersely using UFID ${enable ? 'enabled' : 'disabled'}\n`;
}
