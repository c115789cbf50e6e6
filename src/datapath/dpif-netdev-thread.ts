/* dpif-netdev-thread: PMD threads, the userspace datapath's packet
 * processing in worker_threads (OVS's pmd threads of lib/dpif-netdev.c).
 *
 * The main thread's DpifNetdev (dpif-netdev.ts) keeps the ports' netdevs and
 * the authoritative flow table; a port given to a PMD thread is added there
 * with 'rx' off.  Each PMD thread (a DpifNetdevPmd, one worker) adopts the
 * fds of its ports (netdevLinuxExport/netdevLinuxAdopt) and runs its own
 * DpifNetdev over them: receive, flow key extraction, EMC and megaflow
 * lookups and the actions all happen in the worker, so a busy main thread
 * (OpenFlow, database, revalidation) does not stall forwarding.
 *
 * What crosses the boundary:
 *   main → PMD, one message per main-thread tick ({ops: [...]}):
 *     flow put / new actions / delete (as DpRemote, the main datapath tells
 *     every PMD of every change: the PMD's flows are a replica with the same
 *     ids), port add (with the fd handle) and delete, acknowledgements of
 *     upcalls, stop;
 *   PMD → main, one message per received batch that had any: the misses
 *     ({packet, key, inPort, offloads}: upcalls) and the packets of
 *     userspace actions (packet-ins), {done: [seq...]} for port deletes,
 *     and {log: [module, level, text]}: the thread's log messages (INFO and
 *     up) are written by the main thread's vlog;
 *   shared memory: each PMD counts its flow hits in a SharedArrayBuffer
 *     (FLOW_SLAB_WORDS per flow id, tagged with the ufid) that the main
 *     thread adds in for dumps and the revalidator, and publishes its
 *     datapath counters (pmd-stats-show) in another after each batch.
 * The main thread translates the misses (ofproto), installs the megaflows
 * (which reach the PMDs as puts) and executes the packets itself, sending on
 * the same fds.  At most MAX_PENDING upcalls of a PMD wait at a time; more
 * misses are dropped and counted as failed upcalls.  Until the revalidator
 * has updated a flow after a table change, a PMD keeps using its previous
 * actions (OVS's PMDs do the same); the main thread's own ports check
 * staleness on every hit (dpif-netdev.ts).
 */
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { LEVELS, vlogModule, vlogSetConsoleWriter, vlogSetFromString } from '../lib/vlog.js';
import { timeMsec } from '../lib/timeval.js';
import {
  DpifNetdev, FLOW_SLAB_WORDS, MAX_FLOWS,
  type DpFlow, type DpFlowCounters, type DpRemote, type DpStats, type DpifNetdevOptions,
} from './dpif-netdev.js';
import { netdevLinuxAdopt, netdevLinuxClass, type LinuxPortHandle } from './netdev-linux.js';
import { netdevInternalClass, netdevTapClass } from './netdev-tap.js';
import { netdevClose } from './netdev.js';
import { type OdpAction } from './odp-actions.js';
import { FLOW_WORDS } from './flow.js';
import { type PacketOffloads } from './dp-packet.js';

const log = vlogModule('dpif_netdev');

/** This module's own file when run unbundled (build/), else the separately
 * bundled worker entry next to the program (dist/dpif-netdev-thread.cjs; scripts/build.mjs
 * lists it), since a bundle's import.meta.url is the whole program. */
function workerUrl(): URL {
  const self = new URL(import.meta.url);
  return /dpif-netdev-thread\.[cm]?js$/.test(self.pathname) ? self : new URL('./dpif-netdev-thread.cjs', self);
}

/** True if 'actions' (clones included) decapsulate a tunnel. */
function hasTnlPop(actions: readonly OdpAction[]): boolean {
  for (const a of actions) {
    if (a.type === 'tnl_pop') return true;
    if (a.type === 'clone' && hasTnlPop(a.actions)) return true;
  }
  return false;
}

/** Upcalls of one PMD that may wait for the main thread at once. */
export const MAX_PENDING = 1024;

/** A miss a PMD thread sends up: the packet (checksum completed), its flow
 * key, its datapath input port and its offload metadata. */
export interface PmdUpcall { packet: Uint8Array; key: Uint32Array; inPort: number; ol: PacketOffloads | null }

/** A packet of a userspace action executed in a PMD thread. */
export interface PmdUserspace { packet: Uint8Array; inPort: number; action: Extract<OdpAction, { type: 'userspace' }> }

/** What the main thread does with what a PMD sends up (batches, in order). */
export interface PmdHandler {
  upcalls(list: PmdUpcall[]): void;
  userspace(list: PmdUserspace[]): void;
}

/** DpStats fields in the order of the shared counters. */
const STAT_KEYS: readonly (keyof DpStats)[] = ['received', 'emcHits', 'megaflowHits', 'misses', 'upcallFails', 'lost',
  'upcallsPending', 'txBatches', 'txPackets'];
/** Shared counters: STAT_KEYS, then subtable probes, then the main thread's clock offset. */
const S_PROBES = STAT_KEYS.length, S_CLOCK = S_PROBES + 1, STATS_WORDS = S_CLOCK + 1;

interface WorkerInit {
  pmd: true;
  name: string;
  options: Omit<DpifNetdevOptions, 'flowSlab' | 'clock'>;
  flowSlab: SharedArrayBuffer;
  statsSlab: SharedArrayBuffer;
  /** The main thread's performance.timeOrigin (the worker's clock follows the main thread's). */
  timeOrigin: number;
}

/** What a PMD thread posts. */
interface WorkerMsg { u?: PmdUpcall[]; s?: PmdUserspace[]; done?: number[]; log?: [string, string, string] }

type Op =
  | { o: 'port-add'; portNo: number; handle: LinuxPortHandle; rx: boolean }
  | { o: 'port-del'; portNo: number; seq: number }
  | { o: 'put'; id: number; ufid: number; key: Uint32Array; mask: Uint32Array; actions: OdpAction[] }
  | { o: 'actions'; id: number; ufid: number; actions: OdpAction[] }
  | { o: 'del'; id: number; ufid: number }
  | { o: 'ack'; n: number }
  | { o: 'stop'; seq: number };

/** The main thread's side of one PMD thread; a DpRemote of the main datapath. */
export class DpifNetdevPmd implements DpRemote {
  private readonly worker: Worker;
  private readonly flowSlab: Float64Array;
  private readonly statsSlab: Float64Array;
  private statsBase = new Float64Array(STATS_WORDS);
  private ops: Op[] = [];
  private flushQueued = false;
  private seq = 0;
  private readonly waiting = new Map<number, () => void>();
  /** Datapath port numbers this thread receives from (it sends on every port it has). */
  readonly rxPorts = new Set<number>();
  private stopped = false;

  /** Starts a PMD thread for core 'coreId' (it boots in the background;
   * ports and flows sent before it is up wait for it). */
  constructor(readonly coreId: number, private readonly handler: PmdHandler, name = 'ovs-netdev',
              options: Omit<DpifNetdevOptions, 'flowSlab' | 'clock'> = {}) {
    const flowSlab = new SharedArrayBuffer(MAX_FLOWS * FLOW_SLAB_WORDS * 8);
    const statsSlab = new SharedArrayBuffer(STATS_WORDS * 8);
    this.flowSlab = new Float64Array(flowSlab);
    this.statsSlab = new Float64Array(statsSlab);
    this.statsSlab[S_CLOCK] = timeMsec() - performance.now();
    const init: WorkerInit = { pmd: true, name, options, flowSlab, statsSlab, timeOrigin: performance.timeOrigin };
    this.worker = new Worker(workerUrl(), { workerData: init, name: `pmd-c${coreId}` });
    this.worker.unref();
    this.worker.on('message', (m: WorkerMsg) => this.receive(m));
    this.worker.on('error', (e) => log.err(`pmd thread on core ${coreId} failed: ${e.stack ?? e}`));
  }

  private receive(m: WorkerMsg): void {
    if (m.log) {
      const level = LEVELS.indexOf(m.log[1] as (typeof LEVELS)[number]);
      if (level > 0) vlogModule(m.log[0]).log(level, m.log[2]);
      return;
    }
    if (m.u?.length) {
      try {
        this.handler.upcalls(m.u);
      } catch (e) {
        log.err(`upcall handling failed: ${(e as Error).stack ?? e}`);
      }
      this.push({ o: 'ack', n: m.u.length });
    }
    if (m.s?.length) {
      try {
        this.handler.userspace(m.s);
      } catch (e) {
        log.err(`userspace action handling failed: ${(e as Error).stack ?? e}`);
      }
    }
    for (const seq of m.done ?? []) {
      const w = this.waiting.get(seq);
      this.waiting.delete(seq);
      w?.();
    }
  }

  /** Queues 'op'; everything queued in one main-thread tick goes in one message. */
  private push(op: Op): void {
    if (this.stopped) return;
    this.ops.push(op);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (!this.ops.length) return;
    this.statsSlab[S_CLOCK] = timeMsec() - performance.now();
    const ops = this.ops;
    this.ops = [];
    this.worker.postMessage({ ops });
  }

  private call(make: (seq: number) => Op): Promise<void> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      this.push(make(seq));
    });
  }

  /** Hands port 'portNo' (its fd, from netdevLinuxExport) to the thread,
   * to send on and, if 'rx', to receive from. */
  portAdd(portNo: number, handle: LinuxPortHandle, rx = true): void {
    if (rx) this.rxPorts.add(portNo);
    this.push({ o: 'port-add', portNo, handle, rx });
  }

  /** Takes port 'portNo' back: resolves once the thread no longer uses its fd. */
  portDel(portNo: number): Promise<void> {
    this.rxPorts.delete(portNo);
    if (this.stopped) return Promise.resolve();
    return this.call((seq) => ({ o: 'port-del', portNo, seq }));
  }

  /* ---- DpRemote ---- */

  /* Flows that decapsulate (tnl_pop) stay out of the thread's replica: the
   * tunnel ports are known to the main thread's datapath only, so the thread
   * sends such packets up as misses and the main thread runs the flow. */
  private readonly replicated = new Set<number>();

  flowPut(f: DpFlow): void {
    if (hasTnlPop(f.actions)) return;
    this.replicated.add(f.id);
    this.push({ o: 'put', id: f.id, ufid: f.ufid, key: f.key, mask: f.mask, actions: f.actions });
  }

  flowActions(f: DpFlow): void {
    const had = this.replicated.has(f.id);
    if (hasTnlPop(f.actions)) {
      if (had) this.flowDel(f);
    } else if (had) {
      this.push({ o: 'actions', id: f.id, ufid: f.ufid, actions: f.actions });
    } else {
      this.flowPut(f);
    }
  }

  flowDel(f: DpFlow): void {
    if (!this.replicated.delete(f.id)) return;
    this.push({ o: 'del', id: f.id, ufid: f.ufid });
  }

  flowCounters(f: DpFlow, c: DpFlowCounters): void {
    const s = this.flowSlab, b = f.id * FLOW_SLAB_WORDS;
    if (s[b + 4] !== f.ufid) return; // the thread has not installed it yet
    c.packets += s[b]!;
    c.bytes += s[b + 1]!;
    // (The thread's clock follows this one's, but not time/stop: never "used" in the future.)
    if (s[b + 2]! > c.used) c.used = Math.min(s[b + 2]!, Math.max(1, timeMsec()));
    c.tcpFlags |= s[b + 3]!;
  }

  flowZeroStats(f: DpFlow): void {
    const s = this.flowSlab, b = f.id * FLOW_SLAB_WORDS;
    if (s[b + 4] === f.ufid) s.fill(0, b, b + 4);
  }

  stats(): DpStats {
    const st = {} as DpStats;
    STAT_KEYS.forEach((k, i) => {
      st[k] = k === 'upcallsPending' ? this.statsSlab[i]! : this.statsSlab[i]! - this.statsBase[i]!;
    });
    return st;
  }

  subtableProbes(): number { return this.statsSlab[S_PROBES]! - this.statsBase[S_PROBES]!; }

  clearStats(): void { this.statsBase = this.statsSlab.slice(); }

  /** Stops the thread (its ports stop forwarding) and ends the worker. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.call((seq) => ({ o: 'stop', seq }));
    this.stopped = true;
    await this.worker.terminate();
  }
}

/* ---- the worker's side ------------------------------------------------------ */

function pmdMain(init: WorkerInit): void {
  const port = parentPort!;
  // Log lines go to the main thread (its log file and levels).
  vlogSetFromString('console:info');
  vlogSetConsoleWriter((line) => {
    const m = /^[^|]*\|\d+\|([^|]+)\|([A-Z]+)\|(.*)$/s.exec(line);
    if (m) port.postMessage({ log: [m[1]!, m[2]!, m[3]!.replace(/\n$/, '')] } satisfies WorkerMsg);
  });
  const shared = new Float64Array(init.statsSlab);
  const skew = performance.timeOrigin - init.timeOrigin;
  const dp = new DpifNetdev(init.name, {
    ...init.options,
    flowSlab: new Float64Array(init.flowSlab),
    // The main thread's timeMsec(), so that flows' 'used' times compare with it.
    clock: () => Math.max(1, Math.floor(performance.now() + skew + shared[S_CLOCK]!)),
  });
  let pending = 0;
  let upcalls: PmdUpcall[] = [];
  let userspace: PmdUserspace[] = [];
  dp.setUpcallHandler((packet, key, k, inPort) => {
    if (pending >= MAX_PENDING) return null;
    pending++;
    upcalls.push({ packet: packet.slice(), key: key.slice(k, k + FLOW_WORDS), inPort, ol: dp.upcallPacketOffloads() });
    return 'pending';
  });
  dp.setUserspaceHandler((packet, inPort, action) => {
    userspace.push({ packet: packet.slice(), inPort, action });
  });
  const publish = (): void => {
    const st = dp.stats;
    for (let i = 0; i < STAT_KEYS.length; i++) shared[i] = st[STAT_KEYS[i]!];
    shared[S_PROBES] = dp.subtableProbes;
  };
  dp.afterInput = () => {
    if (upcalls.length || userspace.length) {
      const transfer = [...upcalls.map((u) => u.packet.buffer), ...userspace.map((u) => u.packet.buffer)] as ArrayBuffer[];
      port.postMessage({ u: upcalls, s: userspace }, transfer);
      upcalls = [];
      userspace = [];
    }
    publish();
  };
  port.on('message', (m: { ops: Op[] }) => {
    const done: number[] = [];
    for (const op of m.ops) {
      switch (op.o) {
        case 'port-add': {
          const h = op.handle;
          const cls = h.type === 'internal' ? netdevInternalClass : h.type === 'tap' ? netdevTapClass : netdevLinuxClass;
          const r = dp.portAdd(netdevLinuxAdopt(h, cls), op.portNo, { rx: op.rx });
          if (r < 0) log.warn(`${h.name}: pmd thread could not add port ${op.portNo} (error ${-r})`);
          break;
        }
        case 'port-del': {
          const nd = dp.portDetach(op.portNo);
          if (nd) netdevClose(nd); // an adopted netdev: the fd stays open
          done.push(op.seq);
          break;
        }
        case 'put':
          dp.flowPut(op.key, 0, op.mask, 0, op.actions, { id: op.id, ufid: op.ufid });
          break;
        case 'actions': {
          const f = dp.flowById(op.id);
          if (f && f.ufid === op.ufid) dp.flowSetActions(f, op.actions);
          break;
        }
        case 'del': {
          const f = dp.flowById(op.id);
          if (f && f.ufid === op.ufid) dp.flowDelete(f);
          break;
        }
        case 'ack':
          pending -= op.n;
          dp.stats.upcallsPending -= op.n;
          break;
        case 'stop':
          dp.destroy();
          done.push(op.seq);
          break;
      }
    }
    publish();
    if (done.length) port.postMessage({ done });
  });
  dp.start();
}

if (parentPort && workerData && (workerData as WorkerInit).pmd === true) {
  pmdMain(workerData as WorkerInit);
}
