/* dpif-provider: the interface every datapath implementation provides (OVS
 * lib/dpif-provider.h).
 *
 * A datapath ("dpif") has a type ("netdev", "dummy") and a name ("br0",
 * "ovs-netdev"), written together as TYPE@NAME.  It owns ports — netdevs
 * numbered by datapath port number, port 0 being its own internal port — and
 * a table of megaflows: (key, mask) → actions, with statistics.  dpif.ts (the
 * front) keeps the class registry, parses TYPE@NAME, checks arguments and
 * logs; dpctl.ts turns the dpctl/* commands into calls on the front;
 * ofproto-dpif (next) installs flows from its upcall handler.
 *
 * Error rule: hooks return 0 or a positive errno, or a value / negative errno
 * as documented, and do not throw on bad input.  Keys and masks are flow.ts
 * layouts, actions odp-actions.ts values.
 */
import { type Netdev } from './netdev-provider.js';
import { type OdpAction } from './odp-actions.js';
import type { UpcallHandler } from './dpif-netdev.js';

/** A port as dpif_port_query/dump report it. */
export interface DpifPort { name: string; type: string; portNo: number }

/** Datapath counters (OVS struct dpif_dp_stats); masks -1 when not applicable. */
export interface DpifDpStats { hit: number; missed: number; lost: number; flows: number; maskHit: number; masks: number }

/** A flow as a dump returns it. */
export interface DpifFlow {
  key: Uint32Array; mask: Uint32Array; actions: OdpAction[];
  packets: number; bytes: number; used: number; tcpFlags: number;
}

/** Flags of flowPut (OVS DPIF_FP_*). */
export const enum DpifFlowPutFlags { CREATE = 1, MODIFY = 2, ZERO_STATS = 4 }

/** The base of an open datapath; implementations may extend it. */
export class Dpif {
  constructor(readonly name: string, readonly dpifClass: DpifClass) {}

  /** TYPE@NAME. */
  get fullName(): string { return `${this.dpifClass.type}@${this.name}`; }
}

/** A datapath implementation (OVS struct dpif_class). */
export interface DpifClass {
  /** Type name ("netdev", "dummy"). */
  readonly type: string;
  /** Names of the existing datapaths of this type. */
  enumerate(): string[];
  /** The type a port of 'type' really opens as (e.g. "internal" → "tap"). */
  portOpenType(type: string): string;
  /** Opens datapath 'name', creating it if 'create' (EEXIST if it exists
   * then); without 'create', ENODEV if it does not exist. */
  open(name: string, create: boolean): Dpif | number;
  /** Releases this open. */
  close(dpif: Dpif): void;
  /** Destroys the datapath (once the last open is closed); 0 or errno. */
  destroy(dpif: Dpif): number;
  /** Counters. */
  getStats(dpif: Dpif): DpifDpStats;
  /** Adds 'netdev' (the datapath takes the reference) as 'portNo' or a free
   * number; the number or -errno. */
  portAdd(dpif: Dpif, netdev: Netdev, portNo?: number): number;
  /** Removes a port; 0 or errno (EINVAL for port 0, ENOENT if none). */
  portDel(dpif: Dpif, portNo: number): number;
  /** The port numbered 'portNo', or null. */
  portQueryByNumber(dpif: Dpif, portNo: number): DpifPort | null;
  /** The port named 'name', or null. */
  portQueryByName(dpif: Dpif, name: string): DpifPort | null;
  /** Every port. */
  portDump(dpif: Dpif): DpifPort[];
  /** The netdev of port 'portNo' (for dpctl/set-if), or null. */
  portNetdev(dpif: Dpif, portNo: number): Netdev | null;
  /** Creates or modifies a flow per 'flags'; 0 or errno (EEXIST, ENOENT, EFBIG). */
  flowPut(dpif: Dpif, key: Uint32Array, mask: Uint32Array, actions: OdpAction[], flags: number): number;
  /** Deletes the flow with this key (and mask, or the one flow whose masked
   * key equals it); 0 or ENOENT. */
  flowDel(dpif: Dpif, key: Uint32Array, mask: Uint32Array | null): number;
  /** Deletes every flow; 0 or errno. */
  flowFlush(dpif: Dpif): number;
  /** Every flow with the name of the thread that holds it ("main" for now). */
  flowDump(dpif: Dpif): { thread: string; flow: DpifFlow }[];
  /** Executes 'actions' on 'packet' as received on 'inPort'; 0 or errno. */
  execute(dpif: Dpif, packet: Uint8Array, inPort: number, actions: OdpAction[]): number;
  /** Sets the function misses go to (null: drop them). */
  setUpcallHandler(dpif: Dpif, h: UpcallHandler | null): void;
}
