/* netdev-dummy: in-memory network devices for tests (OVS lib/netdev-dummy.c).
 *
 * Types "dummy", "dummy-internal" and "dummy-pmd" (polled by datapath
 * threads, with n_rxq/n_txq options).  Packets enter through
 * `ovs-appctl netdev-dummy/receive PORT [--qid N] PACKET...` where each
 * PACKET is hex bytes or a datapath flow (odp-util.ts syntax, composed into a
 * packet by flow-compose.ts, optionally followed by `--len SIZE`).  Sent
 * packets are counted and, like every received one, may be appended to pcap
 * files: options:pcap=FILE (both), options:rxq_pcap=FILE, options:tx_pcap=FILE,
 * exactly as OVS's tests use them.  `netdev-dummy/set-admin-state [PORT] up|down`
 * changes the administrative state.
 *
 * Packet connections join dummies across processes as OVS's tests do:
 * options:pstream=punix:PATH listens, options:stream=unix:PATH connects (and
 * reconnects); every packet sent goes to every connected peer, every packet
 * a peer sends is received, framed as a 2-byte big-endian length and the
 * frame.  `netdev-dummy/conn-state [PORT]` reports connected/disconnected.
 *
 * netdevDummyRegister() registers the classes and the unixctl commands; with
 * 'override' it also takes over the "system", "internal" and "tap" types so a
 * whole bridge runs on dummies (ovs-vswitchd --enable-dummy=override).
 */
import { vlogModule } from '../lib/vlog.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { PcapWriter } from '../lib/pcap-file.js';
import { strerror } from '../lib/program.js';
import { type DpPacketBatch } from './dp-packet.js';
import {
  Netdev, NetdevRxq, type NetdevClass, type NetdevStats, type Smap, NetdevFlags, emptyStats,
} from './netdev-provider.js';
import { netdevAddInAddr, netdevFromName, netdevGetAll, netdevRegisterProvider, netdevUnregisterProvider, netdevTypeIsRegistered } from './netdev.js';
import { parseFlowKey } from './odp-util.js';
import { parseIp } from '../openflow/addr-text.js';
import { parseIpv6Addr } from '../lib/packets/ipv6.js';
import { flowComposeSized } from './flow-compose.js';
import { newFlowKey } from './flow.js';
import { openActive, openPassive } from '../lib/stream.js';
import type { Server, Socket } from 'node:net';

const log = vlogModule('netdev_dummy');

/** Packets a dummy rx queue holds before it drops (NETDEV_DUMMY_MAX_QUEUE). */
const MAX_QUEUE = 10000;
const MAX_QUEUES_PER_PORT = 1024;
const EMSGSIZE = 90, EINVAL = 22;

let nextN = 0xaa550000;

/** A dummy device's state. */
export class NetdevDummy extends Netdev {
  mac = 0;
  mtu = 1500;
  flags = NetdevFlags.UP;
  ifindex = -95;
  stats: NetdevStats = emptyStats();
  rxqPcap: PcapWriter | null = null;
  conn: PacketConn | null = null;
  txPcap: PcapWriter | null = null;
  rxqs: RxqDummy[] = [];
  requestedNRxq = 1;
  requestedNTxq = 1;
  carrierResets = 0;
  /** Every packet sent, newest last, up to 'keepSent' (tests read it). */
  sent: Uint8Array[] = [];
  keepSent = 0;
}

/** One framed packet stream to a peer. */
class PacketStream {
  private rx = new Uint8Array(0);

  constructor(readonly sock: Socket, onPacket: (p: Uint8Array) => void, onClose: () => void) {
    sock.on('data', (chunk: Uint8Array) => {
      const buf = new Uint8Array(this.rx.length + chunk.length);
      buf.set(this.rx);
      buf.set(chunk, this.rx.length);
      let o = 0;
      while (buf.length - o >= 2) {
        const size = (buf[o]! << 8) | buf[o + 1]!;
        if (size < 14) {
          log.warn(`${sock.remoteAddress ?? 'stream'}: received packet of ${size} bytes is too short (${strerror('EPROTO')})`);
          sock.destroy();
          return;
        }
        if (buf.length - o - 2 < size) break;
        onPacket(buf.slice(o + 2, o + 2 + size));
        o += 2 + size;
      }
      this.rx = buf.slice(o);
    });
    sock.on('error', () => { /* reported by 'close' */ });
    sock.on('close', onClose);
  }

  send(bytes: Uint8Array, off: number, size: number): void {
    if (this.sock.writableLength > 1 << 22) return; // peer not reading: drop, as OVS caps its queue
    const frame = new Uint8Array(size + 2);
    frame[0] = size >>> 8;
    frame[1] = size & 0xff;
    frame.set(bytes.subarray(off, off + size), 2);
    this.sock.write(frame);
  }
}

/** A dummy's packet connection: listening (pstream) or connecting (stream). */
class PacketConn {
  streams: PacketStream[] = [];
  private server: Server | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly kind: 'passive' | 'active', readonly name: string, private readonly d: NetdevDummy) {
    if (kind === 'passive') {
      openPassive(name, 0, (sock) => this.add(sock)).then((srv) => {
        if (this.closed) srv.close(); else this.server = srv;
      }, (e: Error) => log.warn(`${name}: open failed (${e.message})`));
    } else {
      this.connect(100);
    }
  }

  private add(sock: Socket): void {
    if (this.closed) { sock.destroy(); return; }
    const s = new PacketStream(sock, (p) => netdevDummyQueuePacket(this.d, p, 0), () => {
      this.streams = this.streams.filter((x) => x !== s);
      if (this.kind === 'active' && !this.closed) this.connect(100);
    });
    this.streams.push(s);
  }

  private connect(backoff: number): void {
    openActive(this.name, 0).then((sock) => this.add(sock), () => {
      if (this.closed) return;
      this.timer = setTimeout(() => this.connect(Math.min(backoff * 2, 8000)), backoff);
      this.timer.unref();
    });
  }

  /** connected / disconnected, as conn-state prints it. */
  get state(): string {
    return this.streams.length ? 'connected' : 'disconnected';
  }

  send(bytes: Uint8Array, off: number, size: number): void {
    for (const s of this.streams) s.send(bytes, off, size);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.server?.close();
    for (const s of this.streams) s.sock.destroy();
    this.streams = [];
  }
}

/** A dummy receive queue: a FIFO of packets. */
export class RxqDummy extends NetdevRxq {
  queue: Uint8Array[] = [];
  head = 0;
  waiter: (() => void) | null = null;
}

function cast(n: Netdev): NetdevDummy { return n as NetdevDummy; }

function isDummy(n: Netdev): n is NetdevDummy { return n instanceof NetdevDummy; }

function closePcaps(d: NetdevDummy): void {
  d.rxqPcap?.close();
  if (d.txPcap !== d.rxqPcap) d.txPcap?.close();
  d.rxqPcap = d.txPcap = null;
}

function openPcap(path: string): PcapWriter | null {
  try {
    return new PcapWriter(path);
  } catch (e) {
    log.warn(`${path}: failed to open pcap file (${strerror((e as NodeJS.ErrnoException).code)})`);
    return null;
  }
}

/** Queues 'pkt' on rx queue 'qid' of 'd' as if it had arrived on the wire. */
export function netdevDummyQueuePacket(d: NetdevDummy, pkt: Uint8Array, qid = 0): void {
  d.rxqPcap?.write(pkt);
  let delivered = false;
  for (const rx of d.rxqs) {
    if (rx.queueId !== qid || rx.queue.length - rx.head >= MAX_QUEUE) continue;
    rx.queue.push(delivered ? pkt.slice() : pkt);
    delivered = true;
    const w = rx.waiter;
    if (w) {
      rx.waiter = null;
      setImmediate(w);
    }
  }
}

function makeClass(type: string, isPmd: boolean): NetdevClass {
  const cls: NetdevClass = {
    type,
    isPmd,
    alloc: (name) => new NetdevDummy(name, cls),
    construct(netdev) {
      const d = cast(netdev);
      const n = nextN++ >>> 0;
      d.mac = 0xaa55 * 0x100000000 + n;
      return 0;
    },
    destruct(netdev) {
      closePcaps(cast(netdev));
      cast(netdev).conn?.close();
    },
    getConfig(netdev) {
      const d = cast(netdev);
      const args: Smap = {};
      if (d.ifindex >= 0) args.ifindex = String(d.ifindex);
      if (d.conn) args[d.conn.kind === 'passive' ? 'pstream' : 'stream'] = d.conn.name;
      if (isPmd) {
        args.requested_rx_queues = String(d.requestedNRxq);
        args.configured_rx_queues = String(d.nRxq);
        args.requested_tx_queues = String(d.requestedNTxq);
        args.configured_tx_queues = String(d.nTxq);
      }
      return args;
    },
    setConfig(netdev, args) {
      const d = cast(netdev);
      const ifindex = args.ifindex !== undefined ? Number.parseInt(args.ifindex, 10) : NaN;
      d.ifindex = Number.isFinite(ifindex) ? ifindex : -95;
      if (args.pstream && args.stream) {
        log.warn(`Open failed: both ${args.pstream} and ${args.stream} are configured`);
      } else {
        const kind = args.pstream ? 'passive' : args.stream ? 'active' : null;
        const name = args.pstream ?? args.stream ?? '';
        if (!kind || !d.conn || d.conn.kind !== kind || d.conn.name !== name) {
          d.conn?.close();
          d.conn = kind ? new PacketConn(kind, name, d) : null;
        }
      }
      closePcaps(d);
      if (args.pcap) {
        d.rxqPcap = d.txPcap = openPcap(args.pcap);
      } else {
        if (args.rxq_pcap) d.rxqPcap = openPcap(args.rxq_pcap);
        if (args.tx_pcap) d.txPcap = openPcap(args.tx_pcap);
      }
      d.changed();
      if (isPmd) {
        let nRxq = Math.max(Number.parseInt(args.n_rxq ?? '1', 10) || 1, 1);
        let nTxq = Math.max(Number.parseInt(args.n_txq ?? '1', 10) || 1, 1);
        if (nRxq > MAX_QUEUES_PER_PORT || nTxq > MAX_QUEUES_PER_PORT) {
          log.warn(`The one or both of interface ${d.name} queues(rxq: ${nRxq}, txq: ${nTxq}) exceed ${MAX_QUEUES_PER_PORT}. Sets it ${MAX_QUEUES_PER_PORT}.`);
          nRxq = Math.min(nRxq, MAX_QUEUES_PER_PORT);
          nTxq = Math.min(nTxq, MAX_QUEUES_PER_PORT);
        }
        d.requestedNRxq = nRxq;
        d.requestedNTxq = nTxq;
      }
      return null;
    },
    reconfigure(netdev) {
      const d = cast(netdev);
      d.nRxq = d.requestedNRxq;
      d.nTxq = d.requestedNTxq;
      return 0;
    },
    send(netdev, _qid, batch: DpPacketBatch) {
      const d = cast(netdev);
      let error = 0;
      for (let i = 0; i < batch.count; i++) {
        const off = batch.offsets[i]!, size = batch.sizes[i]!;
        if (size < 14) { error = EMSGSIZE; d.stats.tx_errors++; continue; }
        let max = d.mtu + 14;
        if (batch.data[off + 12] === 0x81 && batch.data[off + 13] === 0x00) max += 4;
        if (size > max && !(batch.olFlags[i]! & 4)) { error = EMSGSIZE; d.stats.tx_errors++; continue; }
        d.stats.tx_packets++;
        d.stats.tx_bytes += size;
        d.conn?.send(batch.data, off, size);
        d.txPcap?.write(batch.data, off, size);
        if (d.keepSent) {
          d.sent.push(batch.data.slice(off, off + size));
          if (d.sent.length > d.keepSent) d.sent.shift();
        }
      }
      batch.count = 0;
      return error;
    },
    setEtherAddr(netdev, mac) {
      const d = cast(netdev);
      if (d.mac !== mac) { d.mac = mac; d.changed(); }
      return 0;
    },
    getEtherAddr: (netdev) => cast(netdev).mac,
    getMtu: (netdev) => cast(netdev).mtu,
    setMtu(netdev, mtu) {
      cast(netdev).mtu = mtu;
      return 0;
    },
    getIfindex: (netdev) => cast(netdev).ifindex,
    getCarrier: (netdev) => (cast(netdev).flags & NetdevFlags.UP ? 1 : 0),
    getCarrierResets: (netdev) => cast(netdev).carrierResets,
    getStats: (netdev) => ({ ...cast(netdev).stats }),
    getStatus: () => ({}),
    updateFlags(netdev, off, on) {
      const d = cast(netdev);
      if ((off | on) & ~(NetdevFlags.UP | NetdevFlags.PROMISC)) return -EINVAL;
      const old = d.flags;
      d.flags = (old & ~off) | on;
      if ((old ^ d.flags) & NetdevFlags.UP) d.carrierResets++;
      if (d.flags !== old) d.changed();
      return old;
    },
    rxqAlloc: (netdev, queueId) => new RxqDummy(netdev, queueId),
    rxqConstruct(rxq) {
      cast(rxq.netdev).rxqs.push(rxq as RxqDummy);
      return 0;
    },
    rxqDestruct(rxq) {
      const d = cast(rxq.netdev);
      d.rxqs = d.rxqs.filter((r) => r !== rxq);
    },
    rxqRecv(rxq_, batch) {
      const rxq = rxq_ as RxqDummy;
      const d = cast(rxq.netdev);
      batch.resetForReceive();
      let n = 0;
      while (rxq.head < rxq.queue.length && n < batch.maxPackets) {
        const pkt = rxq.queue[rxq.head]!;
        if (pkt.length > batch.capacity) {
          rxq.head++;
          d.stats.rx_errors++;
          continue;
        }
        rxq.queue[rxq.head++] = undefined as unknown as Uint8Array;
        batch.data.set(pkt, batch.offsets[n]!);
        batch.sizes[n] = pkt.length;
        d.stats.rx_packets++;
        d.stats.rx_bytes += pkt.length;
        n++;
      }
      if (rxq.head === rxq.queue.length) { rxq.queue.length = 0; rxq.head = 0; }
      batch.count = n;
      return n;
    },
    rxqWait(rxq_, wake) {
      const rxq = rxq_ as RxqDummy;
      if (rxq.head < rxq.queue.length) setImmediate(wake);
      else rxq.waiter = wake;
    },
    rxqDrain(rxq_) {
      const rxq = rxq_ as RxqDummy;
      rxq.queue.length = 0;
      rxq.head = 0;
      return 0;
    },
  };
  return cls;
}

/* ---- unixctl commands ---------------------------------------------------- */

function hexPacket(s: string): Uint8Array | null {
  const h = s.replace(/\s+/g, '');
  if (h.length < 28 || h.length % 2 || !/^[0-9a-fA-F]+$/.test(h)) return null;
  const b = new Uint8Array(h.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return b;
}

/** netdev-dummy/receive NAME [--qid N] PACKET|FLOW [--len SIZE]...; throws UnixctlError. */
export function netdevDummyReceive(args: string[]): string {
  let k = 0;
  const netdev = netdevFromName(args[k++]!);
  if (!netdev || !isDummy(netdev)) throw new UnixctlError('no such dummy netdev');
  let qid = 0;
  if (args.length > k + 1 && args[k] === '--qid') {
    qid = Number.parseInt(args[k + 1]!, 10);
    if (!(qid >= 0 && qid < netdev.nRxq)) throw new UnixctlError('bad rx queue id.');
    k += 2;
  }
  const pkts: Uint8Array[] = [];
  for (let i = k; i < args.length; i++) {
    let pkt = hexPacket(args[i]!);
    if (!pkt) {
      const flowText = args[i]!;
      let size = 0;
      if (args[i + 1] === '--len' && i + 2 < args.length) {
        size = Number.parseInt(args[i + 2]!, 10);
        if (!(size >= 60)) throw new UnixctlError('too small packet len');
        i += 2;
      }
      const key = newFlowKey(), mask = newFlowKey();
      const err = parseFlowKey(flowText, key, mask);
      if (err) throw new UnixctlError(err);
      pkt = flowComposeSized(key, 0, size);
      if (!pkt) throw new UnixctlError('too small packet len');
    }
    pkts.push(pkt);
  }
  for (const p of pkts) netdevDummyQueuePacket(netdev, p, qid);
  return '';
}

/** netdev-dummy/set-admin-state [NAME] up|down */
function cmdSetAdminState(args: string[]): string {
  const state = args[args.length - 1]!.toLowerCase();
  if (state !== 'up' && state !== 'down') throw new UnixctlError("Invalid Admin State");
  const apply = (d: NetdevDummy) => d.netdevClass.updateFlags(d, state === 'up' ? 0 : NetdevFlags.UP, state === 'up' ? NetdevFlags.UP : 0);
  if (args.length > 1) {
    const netdev = netdevFromName(args[0]!);
    if (!netdev || !isDummy(netdev)) throw new UnixctlError('Unknown Dummy Interface');
    apply(netdev);
  } else {
    for (const d of dummies()) apply(d);
  }
  return 'OK';
}

function dummies(): NetdevDummy[] { return netdevGetAll().filter(isDummy); }

/** netdev-dummy/conn-state [NAME] */
/** netdev-dummy/ip4addr NETDEV IP/PLEN and ip6addr NETDEV IP6/PLEN: give a
 * dummy an address (routes and tunnel endpoints use it). */
function cmdAddr(v6: boolean): (args: string[]) => string {
  return (args) => {
    const netdev = netdevFromName(args[0]!);
    if (!netdev || !isDummy(netdev)) throw new UnixctlError('Unknown Dummy Interface');
    const m = /^([^/]+)\/(\d+)$/.exec(args[1]!);
    const plen = m ? Number(m[2]) : -1;
    let addr: Uint8Array | null = null;
    const mask = new Uint8Array(16);
    if (m && !v6 && plen <= 32) {
      const ip = parseIp(m[1]!);
      if (ip !== undefined) {
        addr = new Uint8Array(16);
        addr[10] = 0xff; addr[11] = 0xff;
        addr[12] = ip >>> 24; addr[13] = (ip >>> 16) & 0xff; addr[14] = (ip >>> 8) & 0xff; addr[15] = ip & 0xff;
        mask.fill(0xff, 0, 12);
        for (let i = 0; i < plen; i++) mask[12 + (i >> 3)]! |= 0x80 >> (i & 7);
      }
    } else if (m && v6 && plen <= 128) {
      addr = parseIpv6Addr(m[1]!);
      for (let i = 0; i < plen; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
    }
    if (!addr) throw new UnixctlError('Invalid parameters');
    netdevAddInAddr(netdev.name, { addr, mask });
    return 'OK';
  };
}

function cmdConnState(args: string[]): string {
  if (args.length) {
    const n = netdevFromName(args[0]!);
    const c = n && isDummy(n) ? n.conn : null;
    return `${args[0]}: ${c ? c.state : 'unknown'}\n`;
  }
  return dummies().filter((d) => d.conn).map((d) => `${d.name}: ${d.conn!.state}\n`).join('');
}

/** Registers the dummy classes and netdev-dummy/* commands.  'override'
 * also replaces the system, internal and tap types with dummies. */
export function netdevDummyRegister(mode: 'dummy' | 'override' = 'dummy'): void {
  if (mode === 'override') {
    for (const t of ['system', 'internal', 'tap']) {
      if (netdevTypeIsRegistered(t)) netdevUnregisterProvider(t);
      netdevRegisterProvider(makeClass(t, false));
    }
  }
  for (const [t, pmd] of [['dummy', false], ['dummy-internal', false], ['dummy-pmd', true]] as const) {
    if (!netdevTypeIsRegistered(t)) netdevRegisterProvider(makeClass(t, pmd));
  }
  unixctlCommandRegister('netdev-dummy/receive', 'name [--qid queue_id] packet|flow [--len packet_len]',
    2, Number.MAX_SAFE_INTEGER, netdevDummyReceive);
  unixctlCommandRegister('netdev-dummy/set-admin-state', '[netdev] up|down', 1, 2, cmdSetAdminState);
  unixctlCommandRegister('netdev-dummy/conn-state', '[netdev]', 0, 1, cmdConnState);
  unixctlCommandRegister('netdev-dummy/ip4addr', '[netdev] ipaddr/mask-prefix-len', 2, 2, cmdAddr(false));
  unixctlCommandRegister('netdev-dummy/ip6addr', '[netdev] ip6addr', 2, 2, cmdAddr(true));
}
