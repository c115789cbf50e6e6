/* dpif-netdev-thread: a DpifNetdev whose fast path runs in a worker_thread
 * (the role of OVS's PMD threads), driven from the main thread.
 *
 * The main thread opens and configures the netdevs (it keeps them for
 * attributes and statistics), and hands their fds to the worker as
 * LinuxPortHandles (netdev-linux.ts).  The worker builds its own DpifNetdev
 * over the adopted ports and does all packet I/O, extraction, EMC and
 * megaflow lookups on its own event loop.
 *
 * Upcalls are asynchronous, as OVS's handler threads are: on a miss the
 * worker posts {upcall: id, packet, key, inPort} to the main thread and
 * keeps forwarding; the main thread's handler answers with actions and a
 * mask; the worker installs the megaflow and executes the waiting packet.
 * At most MAX_PENDING upcalls wait at a time (more misses are dropped and
 * counted lost), and a miss whose megaflow is already being set up is sent
 * up again only after the answer (OVS has the same window).
 *
 * Messages, main → worker: {op:'put', key, mask, actions, seq}, {op:'del',
 * key, mask, seq}, {op:'dump', seq}, {op:'stats', seq}, {op:'upcall-reply',
 * id, result}, {op:'stop', seq}.  Worker → main: {ready}, {upcall...},
 * {seq, result}.
 */
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { DpifNetdev, type DpifNetdevOptions, type DpStats, type UpcallResult } from './dpif-netdev.js';
import { netdevLinuxAdopt, netdevLinuxClass, type LinuxPortHandle } from './netdev-linux.js';
import { netdevInternalClass, netdevTapClass } from './netdev-tap.js';
import { type OdpAction } from './odp-actions.js';
import { FLOW_WORDS } from './flow.js';
import { type PacketOffloads } from './dp-packet.js';

/** This module's own file when run unbundled (build/), else the separately
 * bundled worker entry next to the program (dist/dpif-netdev-thread.cjs; scripts/build.mjs
 * must list it), since a bundle's import.meta.url is the whole program. */
function workerUrl(): URL {
  const self = new URL(import.meta.url);
  return /dpif-netdev-thread\.[cm]?js$/.test(self.pathname) ? self : new URL('./dpif-netdev-thread.cjs', self);
}

/** Upcalls that may wait for an answer at once. */
export const MAX_PENDING = 1024;

/** A port for the worker: its datapath number and the handle of its netdev. */
export interface ThreadPort { portNo: number; handle: LinuxPortHandle }

/** What the main thread's upcall handler gets. */
export interface ThreadUpcall { packet: Uint8Array; key: Uint32Array; inPort: number }

/** Answers an upcall (possibly asynchronously); null drops the packet. */
export type ThreadUpcallHandler = (u: ThreadUpcall) => UpcallResult | null | Promise<UpcallResult | null>;

interface WorkerInit { ports: ThreadPort[]; options: DpifNetdevOptions }

/** The main thread's side: a datapath running in a worker. */
export class DpifNetdevThread {
  private seq = 0;
  private readonly waiting = new Map<number, (r: unknown) => void>();

  private constructor(private readonly worker: Worker, handler: ThreadUpcallHandler) {
    worker.on('message', (m: Record<string, unknown>) => {
      if (typeof m.upcall === 'number') {
        const id = m.upcall;
        Promise.resolve()
          .then(() => handler({ packet: m.packet as Uint8Array, key: m.key as Uint32Array, inPort: m.inPort as number }))
          .catch(() => null)
          .then((result) => worker.postMessage({ op: 'upcall-reply', id, result }));
      } else if (typeof m.seq === 'number') {
        const w = this.waiting.get(m.seq);
        this.waiting.delete(m.seq);
        w?.(m.result);
      }
    });
  }

  /** Starts a worker datapath on 'ports'; resolves once it is forwarding. */
  static start(ports: ThreadPort[], handler: ThreadUpcallHandler, options: DpifNetdevOptions = {}): Promise<DpifNetdevThread> {
    const worker = new Worker(workerUrl(), { workerData: { ports, options } satisfies WorkerInit });
    const t = new DpifNetdevThread(worker, handler);
    return new Promise((resolve, reject) => {
      const onMsg = (m: Record<string, unknown>) => {
        if (m.ready) { worker.off('message', onMsg); worker.off('error', reject); resolve(t); }
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
    });
  }

  private call<T>(msg: Record<string, unknown>): Promise<T> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve as (r: unknown) => void);
      this.worker.postMessage({ ...msg, seq });
    });
  }

  /** Installs a megaflow; its id or -errno. */
  flowPut(key: Uint32Array, mask: Uint32Array, actions: OdpAction[]): Promise<number> {
    return this.call({ op: 'put', key: key.slice(0, FLOW_WORDS), mask: mask.slice(0, FLOW_WORDS), actions });
  }

  /** Deletes a megaflow; true if it existed. */
  flowDel(key: Uint32Array, mask: Uint32Array): Promise<boolean> {
    return this.call({ op: 'del', key: key.slice(0, FLOW_WORDS), mask: mask.slice(0, FLOW_WORDS) });
  }

  /** dump-flows lines. */
  flowDump(): Promise<string[]> {
    return this.call({ op: 'dump' });
  }

  /** Datapath counters. */
  stats(): Promise<DpStats> {
    return this.call({ op: 'stats' });
  }

  /** Stops forwarding, releases the adopted ports and ends the worker. */
  async stop(): Promise<void> {
    await this.call({ op: 'stop' });
    await this.worker.terminate();
  }
}

/* ---- the worker's side ------------------------------------------------------ */

function workerMain(init: WorkerInit): void {
  const port = parentPort!;
  const dp = new DpifNetdev('ovs-netdev', init.options);
  for (const p of init.ports) {
    const cls = p.handle.type === 'internal' ? netdevInternalClass : p.handle.type === 'tap' ? netdevTapClass : netdevLinuxClass;
    dp.portAdd(netdevLinuxAdopt(p.handle, cls), p.portNo);
  }
  let nextId = 0;
  const pending = new Map<number, { packet: Uint8Array; key: Uint32Array; inPort: number; ol: PacketOffloads | null }>();
  dp.setUpcallHandler((packet, key, k, inPort) => {
    if (pending.size >= MAX_PENDING) return null;
    const id = nextId++;
    const u = { packet: packet.slice(), key: key.slice(k, k + FLOW_WORDS), inPort };
    pending.set(id, { ...u, ol: dp.upcallPacketOffloads() });
    port.postMessage({ upcall: id, ...u });
    return 'pending';
  });
  port.on('message', (m: Record<string, unknown>) => {
    const reply = (result: unknown) => port.postMessage({ seq: m.seq, result });
    switch (m.op) {
      case 'upcall-reply': {
        const u = pending.get(m.id as number);
        pending.delete(m.id as number);
        const r = m.result as UpcallResult | null;
        dp.stats.upcallsPending--;
        if (!u || !r) { dp.stats.lost++; break; }
        const mask = r.mask ?? new Uint32Array(FLOW_WORDS).fill(0xffffffff);
        dp.flowPut(u.key, 0, mask, 0, r.actions);
        dp.execute(u.packet, u.inPort, r.actions, u.ol);
        break;
      }
      case 'put':
        reply(dp.flowPut(m.key as Uint32Array, 0, m.mask as Uint32Array, 0, m.actions as OdpAction[]));
        break;
      case 'del':
        reply(dp.flowDel(m.key as Uint32Array, 0, m.mask as Uint32Array, 0) !== null);
        break;
      case 'dump': {
        reply(dp.flowDump().map((f) => dp.formatFlow(f)));
        break;
      }
      case 'stats':
        reply({ ...dp.stats });
        break;
      case 'stop':
        dp.destroy();
        reply(true);
        break;
    }
  });
  dp.start();
  port.postMessage({ ready: true });
}

if (parentPort && workerData && Array.isArray((workerData as WorkerInit).ports)) {
  workerMain(workerData as WorkerInit);
}
