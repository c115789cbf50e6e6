/* netdev-relay: forwards everything between two netdevs, both ways.
 *
 * The smallest possible datapath: rx batch from one port, send the same batch
 * on the other, no flow lookup.  It exists to test and measure the netdev
 * layer on its own (tests/netdev-linux.test.ts, bench/netdev-io.ts) until
 * dpif-netdev takes its place, and shows the intended driving pattern:
 * receive until a queue is empty, then arm rxqWait() and return to the event
 * loop — no polling from JavaScript — while bounding the work per turn so
 * that both directions and the rest of the process keep running.
 */
import { DpPacketBatch, HEADROOM } from './dp-packet.js';
import { type Netdev, type NetdevRxq } from './netdev-provider.js';
import { netdevRxqOpen, netdevRxqClose, netdevRxqRecv, netdevRxqWait, netdevSend } from './netdev.js';

/** Per-direction counters. */
export interface RelayCounters { packets: number; bytes: number; batches: number; sendErrors: number }

/** Options for NetdevRelay. */
export interface RelayOptions {
  /** Packets per batch (1..256); default 32. */
  batchSize?: number;
  /** Bytes a received packet may have (the netdevs' receive capacity); default 2048. */
  packetCapacity?: number;
  /** Batches per direction per event-loop turn before yielding; default 64. */
  burst?: number;
}

class Direction {
  readonly counters: RelayCounters = { packets: 0, bytes: 0, batches: 0, sendErrors: 0 };
  private armed = false;
  running = true;

  constructor(readonly rxq: NetdevRxq, readonly to: Netdev, readonly batch: DpPacketBatch,
              readonly burst: number) {}

  readonly pump = (): void => {
    this.armed = false;
    if (!this.running) return;
    for (let i = 0; i < this.burst; i++) {
      const n = netdevRxqRecv(this.rxq, this.batch);
      if (n > 0) {
        const c = this.counters;
        c.batches++;
        c.packets += n;
        for (let k = 0; k < n; k++) c.bytes += this.batch.sizes[k]!;
        if (netdevSend(this.to, 0, this.batch)) c.sendErrors++;
      }
      // A short batch means the queue is drained: wait for readiness.
      if (n < this.batch.maxPackets) {
        this.armed = true;
        netdevRxqWait(this.rxq, this.pump);
        return;
      }
    }
    setImmediate(this.pump);
  };

  get waiting(): boolean { return this.armed; }
}

/** Relays a ⇄ b until stop(). */
export class NetdevRelay {
  private readonly dirs: Direction[] = [];

  /** Opens receive queue 0 of both ports; throws with the errno text if one cannot be opened. */
  constructor(readonly a: Netdev, readonly b: Netdev, opts: RelayOptions = {}) {
    const size = opts.batchSize ?? 32;
    const slot = HEADROOM + (opts.packetCapacity ?? 2048);
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const rxq = netdevRxqOpen(from, 0);
      if (typeof rxq === 'number') {
        for (const d of this.dirs) netdevRxqClose(d.rxq);
        throw new Error(`${from.name}: cannot open receive queue (errno ${rxq})`);
      }
      this.dirs.push(new Direction(rxq, to, new DpPacketBatch(size, slot), opts.burst ?? 64));
    }
  }

  /** Starts forwarding. */
  start(): void {
    for (const d of this.dirs) d.pump();
  }

  /** Counters for a→b and b→a. */
  counters(): [RelayCounters, RelayCounters] {
    return [{ ...this.dirs[0]!.counters }, { ...this.dirs[1]!.counters }];
  }

  /** Stops forwarding and closes the receive queues (the netdevs stay open). */
  stop(): void {
    for (const d of this.dirs) {
      d.running = false;
      netdevRxqClose(d.rxq);
    }
    this.dirs.length = 0;
  }
}
