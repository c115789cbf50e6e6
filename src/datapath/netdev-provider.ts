/* netdev-provider: the interface every network device implementation provides
 * (OVS lib/netdev-provider.h).
 *
 * Life cycle
 * ----------
 * netdev.ts (the front) owns registration by type string and the base object.
 * To open a device it calls the class's alloc(name) to get an object of the
 * implementation's own subclass of Netdev, fills in the base fields, then calls
 * construct().  construct() may only touch the derived state and returns 0 or
 * a positive errno; on failure the object is dropped without destruct().
 * When the last reference is closed the front calls destruct(), which releases
 * whatever construct() and later hooks acquired (fds, watchers, files).
 * Receive queues follow the same pattern: rxqAlloc() → rxqConstruct() →
 * rxqDestruct().
 *
 * The base fields of Netdev are the front's: an implementation may read them
 * but must not modify them, except nRxq/nTxq and olFlags during construct()
 * and reconfigure().
 *
 * Error rule
 * ----------
 * Hooks that do something return 0 or a positive errno (OVS's convention).
 * Hooks that get a number return it when non-negative, or a negative errno.
 * Hooks never throw on bad input or system errors; they may throw only on a
 * programmer error.  Optional hooks may be left out; the front then answers
 * EOPNOTSUPP (95) as OVS does.
 *
 * Packets
 * -------
 * send() takes the packets [0, batch.count) of a DpPacketBatch (dp-packet.ts)
 * and sends or drops every one: the batch is free to reuse when it returns.
 * rxqRecv() fills a batch the caller owns.  Both move many packets per call
 * and allocate nothing per packet.  The front has already cut GSO packets
 * into segments and completed partial checksums for a device without the
 * matching olFlags capability (netdev.ts, netdevSend; dp-packet-gso.ts).
 *
 * Readiness
 * ---------
 * OVS's *_wait hooks add an fd to the poll loop.  Here rxqWait(rxq, wake)
 * arms a one-shot notification: 'wake' runs once, from the event loop of the
 * thread that owns the rxq, when rxqRecv() is likely to find packets.  A
 * datapath thread calls it after rxqRecv() returned nothing.
 */
import { type DpPacketBatch } from './dp-packet.js';

/** Administrative flags (OVS enum netdev_flags). */
export const enum NetdevFlags { UP = 0x0001, PROMISC = 0x0002, LOOPBACK = 0x0004 }

/** Transmit offload capabilities of a device (OVS NETDEV_TX_OFFLOAD_*). */
export const enum NetdevOl {
  /** The device (or what reads it) accepts packets with partial L4 checksums. */
  TX_L4_CSUM = 1 << 0,
  /** The device accepts TCP GSO super-packets and segments them itself. */
  TX_TCP_TSO = 1 << 1,
  /** The device accepts UDP GSO super-packets. */
  TX_UDP_GSO = 1 << 2,
}

/** Interface counters, named as OVS's struct netdev_stats. */
export interface NetdevStats {
  rx_packets: number; tx_packets: number; rx_bytes: number; tx_bytes: number;
  rx_errors: number; tx_errors: number; rx_dropped: number; tx_dropped: number;
  multicast: number; collisions: number;
  rx_length_errors: number; rx_over_errors: number; rx_crc_errors: number;
  rx_frame_errors: number; rx_fifo_errors: number; rx_missed_errors: number;
  tx_aborted_errors: number; tx_carrier_errors: number; tx_fifo_errors: number;
  tx_heartbeat_errors: number; tx_window_errors: number;
}

/** Names of the counters in NetdevStats, in OVS's order. */
export const STATS_FIELDS: readonly (keyof NetdevStats)[] = [
  'rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes', 'rx_errors', 'tx_errors', 'rx_dropped',
  'tx_dropped', 'multicast', 'collisions', 'rx_length_errors', 'rx_over_errors', 'rx_crc_errors',
  'rx_frame_errors', 'rx_fifo_errors', 'rx_missed_errors', 'tx_aborted_errors',
  'tx_carrier_errors', 'tx_fifo_errors', 'tx_heartbeat_errors', 'tx_window_errors',
];

/** A NetdevStats with every counter zero. */
export function emptyStats(): NetdevStats {
  const s = {} as NetdevStats;
  for (const f of STATS_FIELDS) s[f] = 0;
  return s;
}

/** Link features (speed) as `ovs-ofctl show` reports them: Mbit/s, -1 if unknown. */
export interface NetdevFeatures { currentMbps: number; maxMbps: number; fullDuplex: boolean }

/** String-to-string options (OVS struct smap), e.g. Interface other_config/options. */
export type Smap = Record<string, string>;

/** The base of every network device; implementations extend it. */
export class Netdev {
  /** Opens currently sharing this object (front only). */
  refCount = 0;
  /** Bumped whenever something visible changed (flags, carrier, MAC, MTU). */
  changeSeq = 1;
  /** Number of receive queues. */
  nRxq = 1;
  /** Number of transmit queues. */
  nTxq = 1;
  /** NetdevOl capabilities. */
  olFlags = 0;
  /** MTU the user asked for in the database (0: none). */
  mtuUserConfig = 0;
  /** Packets the front dropped before send() because the device could not take them. */
  txPrepareDrops = 0;

  constructor(readonly name: string, readonly netdevClass: NetdevClass) {}

  /** The type string of the class ("system", "internal", "dummy", ...). */
  get type(): string { return this.netdevClass.type; }

  /** Marks a visible change (OVS netdev_change_seq_changed). */
  changed(): void { this.changeSeq++; }
}

/** A receive queue of a netdev; implementations extend it. */
export class NetdevRxq {
  constructor(readonly netdev: Netdev, readonly queueId: number) {}
}

/** A network device implementation (OVS struct netdev_class). */
export interface NetdevClass {
  /** Type name as in the Interface table's "type" column. */
  readonly type: string;
  /** True if the device is polled by datapath threads rather than woken by fds. */
  readonly isPmd?: boolean;

  /* ---- class-wide -------------------------------------------------- */

  /** One-time initialisation when registered; 0 or errno (the class is then not registered). */
  init?(): number;
  /** Periodic work for the whole class (e.g. link-state polling). */
  run?(): void;

  /* ---- life cycle ---------------------------------------------------- */

  /** Allocates the implementation's Netdev subclass for 'name'. */
  alloc(name: string): Netdev;
  /** Sets up 'netdev'; 0 or errno. */
  construct(netdev: Netdev): number;
  /** Releases everything construct() and later hooks acquired. */
  destruct(netdev: Netdev): void;

  /* ---- configuration -------------------------------------------------- */

  /** Current configuration as it would be written to the database. */
  getConfig?(netdev: Netdev): Smap;
  /** Applies Interface options; null or an error message (the device keeps its old settings). */
  setConfig?(netdev: Netdev, args: Smap): string | null;
  /** Applies requested queue counts etc. after setConfig asked for it; 0 or errno. */
  reconfigure?(netdev: Netdev): number;

  /* ---- transmit ------------------------------------------------------ */

  /** Sends or drops packets [0, batch.count) on tx queue 'qid'; 0 or errno
   * (EAGAIN if the device was full: the unsent packets are counted as dropped). */
  send(netdev: Netdev, qid: number, batch: DpPacketBatch): number;
  /** Arms a one-shot 'wake' for when send() can make progress again. */
  sendWait?(netdev: Netdev, qid: number, wake: () => void): void;

  /* ---- attributes ---------------------------------------------------- */

  /** Sets the Ethernet address; 0 or errno. */
  setEtherAddr?(netdev: Netdev, mac: number): number;
  /** The Ethernet address (48-bit number) or -errno. */
  getEtherAddr(netdev: Netdev): number;
  /** The MTU or -errno. */
  getMtu?(netdev: Netdev): number;
  /** Sets the MTU; 0 or errno. */
  setMtu?(netdev: Netdev, mtu: number): number;
  /** The kernel ifindex or -errno. */
  getIfindex?(netdev: Netdev): number;
  /** Link state: 1 up, 0 down, or -errno. */
  getCarrier?(netdev: Netdev): number;
  /** Number of carrier changes so far, or -errno. */
  getCarrierResets?(netdev: Netdev): number;
  /** Counters, or -errno. */
  getStats?(netdev: Netdev): NetdevStats | number;
  /** Speed and duplex, or -errno. */
  getFeatures?(netdev: Netdev): NetdevFeatures | number;
  /** Driver-specific status (Interface status column), or -errno. */
  getStatus?(netdev: Netdev): Smap | number;
  /** Turns flags 'off' off and 'on' on; the old flags or -errno. */
  updateFlags(netdev: Netdev, off: number, on: number): number;

  /* ---- receive queues -------------------------------------------------- */

  /** Allocates the implementation's NetdevRxq subclass. */
  rxqAlloc(netdev: Netdev, queueId: number): NetdevRxq;
  /** Sets up the queue; 0 or errno. */
  rxqConstruct(rxq: NetdevRxq): number;
  /** Releases the queue. */
  rxqDestruct(rxq: NetdevRxq): void;
  /** Receives up to batch.maxPackets packets into 'batch' (emptied first);
   * the number received (0 if none waiting) or -errno. */
  rxqRecv(rxq: NetdevRxq, batch: DpPacketBatch): number;
  /** Arms a one-shot 'wake' for when rxqRecv() may find packets. */
  rxqWait(rxq: NetdevRxq, wake: () => void): void;
  /** Discards packets waiting in the queue; 0 or errno. */
  rxqDrain?(rxq: NetdevRxq): number;
}
