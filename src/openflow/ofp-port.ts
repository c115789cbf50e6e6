/* ofp-port: OpenFlow ports: port numbers (OF1.0 16-bit and OF1.1+ 32-bit,
 * reserved names), physical port descriptions, port-status, port-mod,
 * port stats and port-desc requests, in every version, with their text. */
import { OfpReader, OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { pullProp, unknownProp, startProp, endProp } from './ofp-prop.js';
import { bitNames, formatDuration, formatEth, UINT64_MAX } from './ofp-format.js';
import type { Ds } from '../lib/dynamic-string.js';
import { vlogModule } from '../lib/vlog.js';
import {
  OFPP_MAX, OFPP_ANY, OFPP_NONE, OFPP11_MAX, formatPort as mapFormatPort, parsePort,
  portFromOfp11 as mapPortFromOfp11, reservedPortName as mapReservedPortName, portToOfp11, type PortNames,
} from './ofp-port-map.js';

const log = vlogModule('ofp_port');

export {
  OFPP_MAX, OFPP_UNSET, OFPP_IN_PORT, OFPP_TABLE, OFPP_NORMAL, OFPP_FLOOD, OFPP_ALL, OFPP_CONTROLLER,
  OFPP_LOCAL, OFPP_NONE, OFPP_ANY, portToOfp11,
} from './ofp-port-map.js';

/** Optional map of port numbers to names for printing and parsing. */
export type PortMap = ReadonlyMap<number, string> | null;

/** Reserved port name ("LOCAL") or null. */
export function reservedPortName(port: number): string | null {
  return mapReservedPortName(port) ?? null;
}

/** A port as ovs-ofctl prints it: reserved name, mapped name or number. */
export function formatPort(port: number, map: PortMap = null): string {
  return mapFormatPort(port, map);
}

/** Parses a port number or reserved name (also "none"); null if invalid. */
export function portFromString(s: string, map: PortMap = null): number | null {
  return parsePort(s, map) ?? null;
}

/** OF1.1+ 32-bit port to the 16-bit form; throws OFPBAC_BAD_OUT_PORT. */
export function portFromOfp11(p: number): number {
  const r = portFromOfp11Warn(p);
  if (r === undefined) throw new OfpError('OFPBAC_BAD_OUT_PORT');
  return r;
}

/** OF1.1+ 32-bit port to the 16-bit form, or undefined (logged, as OVS's
 * ofputil_port_from_ofp11) if it has none. */
export function portFromOfp11Warn(p: number): number | undefined {
  const r = mapPortFromOfp11(p);
  if (r === undefined) {
    log.warn(`port ${p >>> 0} is outside the supported range 0 through ${OFPP_MAX - 1} or 0x${OFPP11_MAX.toString(16)} through 0xffffffff`);
  }
  return r;
}

export const PC_PORT_DOWN = 1, PC_NO_STP = 2, PC_NO_RECV = 4, PC_NO_RECV_STP = 8,
  PC_NO_FLOOD = 16, PC_NO_FWD = 32, PC_NO_PACKET_IN = 64;
const PC10_ALL = 0x7f;
const PC11_ALL = PC_PORT_DOWN | PC_NO_RECV | PC_NO_FWD | PC_NO_PACKET_IN;
export const PS_LINK_DOWN = 1, PS_BLOCKED = 2, PS_LIVE = 4;
const PS_STP_MASK = 3 << 8;
const PS10_ALL = PS_LINK_DOWN | PS_STP_MASK;
const PS11_ALL = PS_LINK_DOWN | PS_BLOCKED | PS_LIVE;

const CONFIG_NAMES: Record<number, string> = {
  1: 'PORT_DOWN', 2: 'NO_STP', 4: 'NO_RECV', 8: 'NO_RECV_STP', 16: 'NO_FLOOD', 32: 'NO_FWD', 64: 'NO_PACKET_IN',
};
const STATE_NAMES: Record<number, string> = { 1: 'LINK_DOWN', 2: 'BLOCKED', 4: 'LIVE' };
const FEATURE_NAMES: Record<number, string> = {
  1: '10MB-HD', 2: '10MB-FD', 4: '100MB-HD', 8: '100MB-FD', 16: '1GB-HD', 32: '1GB-FD', 64: '10GB-FD',
  128: '40GB-FD', 256: '100GB-FD', 512: '1TB-FD', 1024: 'OTHER', 2048: 'COPPER', 4096: 'FIBER',
  8192: 'AUTO_NEG', 16384: 'AUTO_PAUSE', 32768: 'AUTO_PAUSE_ASYM',
};

/** Port config bits as text. */
export function formatPortConfig(c: number): string { return bitNames(c, (b) => CONFIG_NAMES[b]); }
/** Port state bits as text (the STP state separately, as OVS does). */
export function formatPortState(st: number): string {
  const stp = st & PS_STP_MASK;
  if (stp) {
    const name = stp === 1 << 8 ? 'STP_LEARN' : stp === 2 << 8 ? 'STP_FORWARD' : 'STP_BLOCK';
    const rest = st & ~PS_STP_MASK;
    return rest ? name + bitNames(rest, (b) => STATE_NAMES[b]) : name;
  }
  return bitNames(st, (b) => STATE_NAMES[b]);
}
/** Netdev feature bits as text. */
export function formatFeatures(f: number): string { return bitNames(f, (b) => FEATURE_NAMES[b]); }

function featuresFromOfp10(f: number): number { return (f & 0x7f) | ((f & 0xf80) << 4); }
function featuresToOfp10(f: number): number { return (f & 0x7f) | ((f & 0xf800) >>> 4); }

/** Speed in bps implied by feature bits (0 if none). */
export function featuresToBps(f: number): number {
  return f & 512 ? 1e12 : f & 256 ? 1e11 : f & 128 ? 4e10 : f & 64 ? 1e10
    : f & 48 ? 1e9 : f & 12 ? 1e8 : f & 3 ? 1e7 : 0;
}

/** A port's description (OVS's ofputil_phy_port). */
export interface PhyPort {
  portNo: number;
  hwAddr: Uint8Array;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  /** Speeds in kbps. */
  currSpeed: number;
  maxSpeed: number;
}

function pullName(r: OfpReader): string {
  const b = r.bytes(16);
  let s = '';
  for (let i = 0; i < 15; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Pulls one port of 'version' from 'r'; null when 'r' is empty. */
export function pullPhyPort(version: number, r: OfpReader): PhyPort | null {
  if (version === 1) {
    if (r.remaining < 48) return null;
    const portNo = r.u16();
    const hwAddr = r.bytes(6).slice();
    const name = pullName(r);
    const config = r.u32() & PC10_ALL;
    const state = r.u32() & PS10_ALL;
    const curr = featuresFromOfp10(r.u32()), advertised = featuresFromOfp10(r.u32());
    const supported = featuresFromOfp10(r.u32()), peer = featuresFromOfp10(r.u32());
    return {
      portNo, hwAddr, name, config, state, curr, advertised, supported, peer,
      currSpeed: featuresToBps(curr) / 1000, maxSpeed: featuresToBps(supported) / 1000,
    };
  }
  if (version <= 4) {
    if (r.remaining < 64) return null;
    const portNo = portFromOfp11(r.u32());
    r.skip(4);
    const hwAddr = r.bytes(6).slice();
    r.skip(2);
    const name = pullName(r);
    const config = r.u32() & PC11_ALL, state = r.u32() & PS11_ALL;
    const curr = r.u32() & 0xffff, advertised = r.u32() & 0xffff, supported = r.u32() & 0xffff, peer = r.u32() & 0xffff;
    return { portNo, hwAddr, name, config, state, curr, advertised, supported, peer, currSpeed: r.u32(), maxSpeed: r.u32() };
  }
  if (!r.remaining) return null;
  if (r.remaining < 40) throw new OfpError('OFPBRC_BAD_LEN');
  const portNoRaw = r.u32();
  const len = r.u16();
  if (len < 40 || len - 40 > r.remaining - 34) throw new OfpError('OFPBRC_BAD_LEN');
  r.skip(2);
  const hwAddr = r.bytes(6).slice();
  r.skip(2);
  const name = pullName(r);
  const pp: PhyPort = {
    portNo: portFromOfp11(portNoRaw), hwAddr, name, config: r.u32() & PC11_ALL, state: r.u32() & PS11_ALL,
    curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0,
  };
  const props = r.sub(len - 40);
  while (props.remaining) {
    const p = pullProp(props);
    if (p.type === 0) {
      if (p.body.remaining !== 28) throw new OfpError('OFPBPC_BAD_LEN');
      p.body.skip(4);
      pp.curr = p.body.u32() & 0xffff;
      pp.advertised = p.body.u32() & 0xffff;
      pp.supported = p.body.u32() & 0xffff;
      pp.peer = p.body.u32() & 0xffff;
      pp.currSpeed = p.body.u32();
      pp.maxSpeed = p.body.u32();
    } else unknownProp(log, true, 'port', p);
  }
  return pp;
}

/** Appends 'pp' in 'version' encoding. */
export function putPhyPort(w: OfpWriter, version: number, pp: PhyPort): void {
  if (version === 1) {
    w.u16(pp.portNo).bytes(pp.hwAddr).str(pp.name, 16).u32(pp.config & PC10_ALL).u32(pp.state & PS10_ALL);
    for (const f of [pp.curr, pp.advertised, pp.supported, pp.peer]) w.u32(featuresToOfp10(f));
  } else if (version <= 4) {
    w.u32(portToOfp11(pp.portNo)).zeros(4).bytes(pp.hwAddr).zeros(2).str(pp.name, 16)
      .u32(pp.config & PC11_ALL).u32(pp.state & PS11_ALL);
    for (const f of [pp.curr, pp.advertised, pp.supported, pp.peer]) w.u32(f & 0xffff);
    w.u32(pp.currSpeed).u32(pp.maxSpeed);
  } else {
    w.u32(portToOfp11(pp.portNo)).u16(72).zeros(2).bytes(pp.hwAddr).zeros(2).str(pp.name, 16)
      .u32(pp.config & PC11_ALL).u32(pp.state & PS11_ALL);
    const at = startProp(w, 0);
    w.zeros(4);
    for (const f of [pp.curr, pp.advertised, pp.supported, pp.peer]) w.u32(f & 0xffff);
    w.u32(pp.currSpeed).u32(pp.maxSpeed);
    endProp(w, at);
  }
}

/** The multi-line text of one port, as in `ovs-ofctl show`. */
export function formatPhyPort(pp: PhyPort, map: PortMap = null): string {
  let s = ` ${formatPort(pp.portNo, map)}(${pp.name}): addr:${formatEth(pp.hwAddr)}\n`;
  s += `     config:     ${formatPortConfig(pp.config)}\n`;
  s += `     state:      ${formatPortState(pp.state)}\n`;
  if (pp.curr) s += `     current:    ${formatFeatures(pp.curr)}\n`;
  if (pp.advertised) s += `     advertised: ${formatFeatures(pp.advertised)}\n`;
  if (pp.supported) s += `     supported:  ${formatFeatures(pp.supported)}\n`;
  if (pp.peer) s += `     peer:       ${formatFeatures(pp.peer)}\n`;
  s += `     speed: ${Math.floor(pp.currSpeed / 1000)} Mbps now, ${Math.floor(pp.maxSpeed / 1000)} Mbps max\n`;
  return s;
}

/** Decodes every port in 'r' (sorted by number, as OVS prints them) and
 * appends their text; an error stops after the ports already read. */
export function formatPhyPorts(ds: Ds, version: number, r: OfpReader): void {
  const ports: PhyPort[] = [];
  let err: unknown = null;
  try {
    for (;;) {
      const p = pullPhyPort(version, r);
      if (!p) break;
      ports.push(p);
    }
  } catch (e) { err = e; }
  ports.sort((a, b) => a.portNo - b.portNo);
  for (const p of ports) ds.put(formatPhyPort(p));
  if (err) throw err;
}

/** Decodes all ports in a port-desc reply or features reply tail. */
export function decodePhyPorts(version: number, r: OfpReader): PhyPort[] {
  const out: PhyPort[] = [];
  for (;;) {
    const p = pullPhyPort(version, r);
    if (!p) return out;
    out.push(p);
  }
}

/* ---- port status ---- */

export const OFPPR_ADD = 0, OFPPR_DELETE = 1, OFPPR_MODIFY = 2;

/** A port-status message. */
export interface PortStatus { reason: number; desc: PhyPort }

export function decodePortStatus(msg: OfpMsg): PortStatus {
  const r = new OfpReader(msgBody(msg));
  const reason = r.u8();
  r.skip(7);
  if (reason > 2) throw new OfpError('NXBRC_BAD_REASON');
  const desc = pullPhyPort(msg.version, r);
  if (!desc) throw new OfpError('OFPBRC_BAD_LEN');
  return { reason, desc };
}

export function encodePortStatus(ps: PortStatus, version: number, xid = 0): Uint8Array {
  const raw = version === 1 ? 'OFPT10_PORT_STATUS' : version <= 4 ? 'OFPT11_PORT_STATUS' : 'OFPT14_PORT_STATUS';
  const w = startMsg(raw, version, xid);
  w.u8(ps.reason).zeros(7);
  putPhyPort(w, version, ps.desc);
  return w.finishMsg();
}

export function formatPortStatusMsg(ds: Ds, msg: OfpMsg): void {
  const ps = decodePortStatus(msg);
  ds.put(ps.reason === 0 ? ' ADD:' : ps.reason === 1 ? ' DEL:' : ' MOD:');
  ds.put(formatPhyPort(ps.desc));
}

/* ---- port mod ---- */

/** A port-mod request. */
export interface PortMod { portNo: number; hwAddr: Uint8Array; config: number; mask: number; advertise: number }

export function decodePortMod(msg: OfpMsg, loose = true): PortMod {
  const r = new OfpReader(msgBody(msg));
  let pm: PortMod;
  if (msg.version === 1) {
    const portNo = r.u16(), hwAddr = r.bytes(6).slice();
    pm = { portNo, hwAddr, config: r.u32() & PC10_ALL, mask: r.u32() & PC10_ALL, advertise: featuresFromOfp10(r.u32()) };
  } else {
    const portNo = portFromOfp11(r.u32());
    r.skip(4);
    const hwAddr = r.bytes(6).slice();
    r.skip(2);
    pm = { portNo, hwAddr, config: r.u32() & PC11_ALL, mask: r.u32() & PC11_ALL, advertise: 0 };
    if (msg.version <= 4) pm.advertise = r.u32() & 0xffff;
    else {
      while (r.remaining) {
        const p = pullProp(r);
        if (p.type === 0) {
          if (p.body.remaining !== 4) throw new OfpError('OFPBPC_BAD_LEN');
          pm.advertise = p.body.u32() & 0xffff;
        } else unknownProp(log, loose, 'port_mod', p);
      }
    }
  }
  pm.config &= pm.mask;
  return pm;
}

export function encodePortMod(pm: PortMod, version: number, xid = 0): Uint8Array {
  if (version === 1) {
    const w = startMsg('OFPT10_PORT_MOD', version, xid);
    w.u16(pm.portNo).bytes(pm.hwAddr).u32(pm.config & PC10_ALL).u32(pm.mask & PC10_ALL)
      .u32(featuresToOfp10(pm.advertise)).zeros(4);
    return w.finishMsg();
  }
  const w = startMsg(version <= 4 ? 'OFPT11_PORT_MOD' : 'OFPT14_PORT_MOD', version, xid);
  w.u32(portToOfp11(pm.portNo)).zeros(4).bytes(pm.hwAddr).zeros(2).u32(pm.config & PC11_ALL).u32(pm.mask & PC11_ALL);
  if (version <= 4) w.u32(pm.advertise & 0xffff).zeros(4);
  else {
    if (pm.advertise) {
      const at = startProp(w, 0);
      w.u32(pm.advertise & 0xffff);
      endProp(w, at);
    }
  }
  return w.finishMsg();
}

export function formatPortModMsg(ds: Ds, msg: OfpMsg): void {
  const pm = decodePortMod(msg, true);
  ds.put(` port: ${formatPort(pm.portNo)}: addr:${formatEth(pm.hwAddr)}\n`);
  ds.put(`     config: ${formatPortConfig(pm.config)}\n`);
  ds.put(`     mask:   ${formatPortConfig(pm.mask)}\n`);
  ds.put('     advertise: ' + (pm.advertise ? formatFeatures(pm.advertise) + '\n' : 'UNCHANGED\n'));
}

/* ---- port stats ---- */

/** Counter names of a port's statistics; absent counters are UINT64_MAX. */
export const PORT_STAT_NAMES = [
  'rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes', 'rx_dropped', 'tx_dropped', 'rx_errors', 'tx_errors',
  'rx_frame_errors', 'rx_over_errors', 'rx_crc_errors', 'collisions',
  'rx_1_to_64_packets', 'rx_65_to_127_packets', 'rx_128_to_255_packets', 'rx_256_to_511_packets',
  'rx_512_to_1023_packets', 'rx_1024_to_1522_packets', 'rx_1523_to_max_packets',
  'tx_1_to_64_packets', 'tx_65_to_127_packets', 'tx_128_to_255_packets', 'tx_256_to_511_packets',
  'tx_512_to_1023_packets', 'tx_1024_to_1522_packets', 'tx_1523_to_max_packets',
  'tx_multicast_packets', 'rx_broadcast_packets', 'tx_broadcast_packets',
  'rx_undersized_errors', 'rx_oversize_errors', 'rx_fragmented_errors', 'rx_jabber_errors',
] as const;
export type PortStatName = (typeof PORT_STAT_NAMES)[number];

/** One port's statistics (OVS's ofputil_port_stats). */
export interface PortStats {
  portNo: number;
  stats: Record<PortStatName, bigint>;
  /** 0xffffffff when unknown (OF1.0-1.2). */
  durationSec: number;
  durationNsec: number;
  custom: { name: string; value: bigint }[];
}

/** A PortStats with every counter unknown. */
export function emptyPortStats(portNo: number): PortStats {
  const stats = {} as Record<PortStatName, bigint>;
  for (const n of PORT_STAT_NAMES) stats[n] = UINT64_MAX;
  return { portNo, stats, durationSec: 0xffffffff, durationNsec: 0xffffffff, custom: [] };
}

const BASIC12: PortStatName[] = ['rx_packets', 'tx_packets', 'rx_bytes', 'tx_bytes', 'rx_dropped', 'tx_dropped',
  'rx_errors', 'tx_errors', 'rx_frame_errors', 'rx_over_errors', 'rx_crc_errors', 'collisions'];
const RFC2819: PortStatName[] = PORT_STAT_NAMES.slice(12, 33) as PortStatName[];
const INTEL_VENDOR_ID = 0x0000aa01;

/** Pulls one port stats entry of 'version'; null at the end. */
export function pullPortStats(version: number, r: OfpReader): PortStats | null {
  if (!r.remaining) return null;
  if (version === 1) {
    if (r.remaining < 104) throw new OfpError('OFPBRC_BAD_LEN');
    const ps = emptyPortStats(r.u16());
    r.skip(6);
    for (const n of BASIC12) ps.stats[n] = r.u64();
    return ps;
  }
  if (version <= 4) {
    const size = version === 4 ? 112 : 104;
    if (r.remaining < size) throw new OfpError('OFPBRC_BAD_LEN');
    const ps = emptyPortStats(portFromOfp11(r.u32()));
    r.skip(4);
    for (const n of BASIC12) ps.stats[n] = r.u64();
    if (version === 4) { ps.durationSec = r.u32(); ps.durationNsec = r.u32(); }
    return ps;
  }
  if (r.remaining < 80) throw new OfpError('OFPBRC_BAD_LEN');
  const len = r.u16();
  if (len < 80 || len - 80 > r.remaining - 78) throw new OfpError('OFPBRC_BAD_LEN');
  r.skip(2);
  const ps = emptyPortStats(portFromOfp11(r.u32()));
  ps.durationSec = r.u32();
  ps.durationNsec = r.u32();
  for (const n of BASIC12.slice(0, 8)) ps.stats[n] = r.u64();
  const props = r.sub(len - 80);
  while (props.remaining) {
    const p = pullProp(props);
    if (p.type === 0) {
      if (p.body.remaining !== 36) throw new OfpError('OFPBPC_BAD_LEN');
      p.body.skip(4);
      for (const n of BASIC12.slice(8)) ps.stats[n] = p.body.u64();
    } else if (p.type < 0 && p.exp === INTEL_VENDOR_ID && p.expType === 1) {
      if (p.body.remaining !== 4 + 8 * RFC2819.length) throw new OfpError('OFPBPC_BAD_LEN');
      p.body.skip(4);
      for (const n of RFC2819) ps.stats[n] = p.body.u64();
    } else if (p.type < 0 && p.exp === INTEL_VENDOR_ID && p.expType === 2) {
      const b = p.body;
      b.shortError = 'OFPBPC_BAD_LEN';
      b.skip(2);
      const n = b.u16();
      for (let i = 0; i < n; i++) {
        const nl = b.u8();
        const name = b.str(nl);
        ps.custom.push({ name: name.slice(0, 31), value: b.u64() });
      }
    } else unknownProp(log, true, 'port stats', p);
  }
  return ps;
}

/** Appends one port stats entry in 'version' encoding. */
export function putPortStats(w: OfpWriter, version: number, ps: PortStats): void {
  const v = (n: PortStatName): bigint => ps.stats[n];
  if (version === 1) {
    w.u16(ps.portNo).zeros(6);
    for (const n of BASIC12) w.u64(v(n));
  } else if (version <= 4) {
    w.u32(portToOfp11(ps.portNo)).zeros(4);
    for (const n of BASIC12) w.u64(v(n));
    if (version === 4) w.u32(ps.durationSec).u32(ps.durationNsec);
  } else {
    const start = w.len;
    w.u16(0).zeros(2).u32(portToOfp11(ps.portNo)).u32(ps.durationSec).u32(ps.durationNsec);
    for (const n of BASIC12.slice(0, 8)) w.u64(v(n));
    let at = startProp(w, 0);
    w.zeros(4);
    for (const n of BASIC12.slice(8)) w.u64(v(n));
    endProp(w, at);
    at = startProp(w, 0, INTEL_VENDOR_ID, 1);
    w.zeros(4);
    for (const n of RFC2819) w.u64(v(n));
    endProp(w, at);
    if (ps.custom.length) {
      at = startProp(w, 0, INTEL_VENDOR_ID, 2);
      w.zeros(2).u16(ps.custom.length);
      for (const c of ps.custom) {
        w.u8(c.name.length);
        for (let i = 0; i < c.name.length; i++) w.u8(c.name.charCodeAt(i));
        w.u64(c.value);
      }
      endProp(w, at);
    }
    w.set16(start, w.len - start);
  }
}

function stat(v: bigint): string { return v === UINT64_MAX ? '?' : v.toString(); }

/** The text of one port's statistics (dump-ports). */
export function formatPortStats(ps: PortStats, map: PortNames = null): string {
  const s = ps.stats;
  let out = '  port ' + (ps.portNo < 10 ? ' ' : '') + mapFormatPort(ps.portNo, map) + ': rx ';
  out += `pkts=${stat(s.rx_packets)}, bytes=${stat(s.rx_bytes)}, drop=${stat(s.rx_dropped)}, errs=${stat(s.rx_errors)}, frame=${stat(s.rx_frame_errors)}, over=${stat(s.rx_over_errors)}, crc=${stat(s.rx_crc_errors)}\n`;
  out += `           tx pkts=${stat(s.tx_packets)}, bytes=${stat(s.tx_bytes)}, drop=${stat(s.tx_dropped)}, errs=${stat(s.tx_errors)}, coll=${stat(s.collisions)}\n`;
  if (ps.durationSec !== 0xffffffff) out += `           duration=${formatDuration(ps.durationSec, ps.durationNsec)}\n`;
  const cond = (pairs: [string, bigint][]): string =>
    pairs.filter(([, v]) => v !== UINT64_MAX).map(([k, v]) => `${k}=${v}, `).join('');
  const rx = cond([['1_to_64_packets', s.rx_1_to_64_packets], ['65_to_127_packets', s.rx_65_to_127_packets],
    ['128_to_255_packets', s.rx_128_to_255_packets], ['256_to_511_packets', s.rx_256_to_511_packets],
    ['512_to_1023_packets', s.rx_512_to_1023_packets], ['1024_to_1522_packets', s.rx_1024_to_1522_packets],
    ['1523_to_max_packets', s.rx_1523_to_max_packets], ['broadcast_packets', s.rx_broadcast_packets],
    ['undersized_errors', s.rx_undersized_errors], ['oversize_errors', s.rx_oversize_errors],
    ['rx_fragmented_errors', s.rx_fragmented_errors], ['rx_jabber_errors', s.rx_jabber_errors]]);
  if (rx) out += `           rx rfc2819 ${rx}\n`;
  const tx = cond([['1_to_64_packets', s.tx_1_to_64_packets], ['65_to_127_packets', s.tx_65_to_127_packets],
    ['128_to_255_packets', s.tx_128_to_255_packets], ['256_to_511_packets', s.tx_256_to_511_packets],
    ['512_to_1023_packets', s.tx_512_to_1023_packets], ['1024_to_1522_packets', s.tx_1024_to_1522_packets],
    ['1523_to_max_packets', s.tx_1523_to_max_packets], ['multicast_packets', s.tx_multicast_packets],
    ['broadcast_packets', s.tx_broadcast_packets]]);
  if (tx) out += `           tx rfc2819 ${tx}\n`;
  if (ps.custom.length) {
    out += '           CUSTOM Statistics';
    ps.custom.forEach((c, i) => {
      if (!c.name) return;
      out += i % 3 === 0 ? '\n                      ' : ' ';
      out += `${c.name}=${c.value},`;
    });
    out += '\n';
  }
  return out;
}

/** Decodes every entry of a port stats reply. */
export function decodePortStatsReply(msg: OfpMsg): PortStats[] {
  const r = new OfpReader(msgBody(msg));
  const out: PortStats[] = [];
  for (;;) {
    const ps = pullPortStats(msg.version, r);
    if (!ps) return out;
    out.push(ps);
  }
}

export function formatPortStatsReply(ds: Ds, msg: OfpMsg, verbosity: number, names?: { ports?: PortNames }): void {
  const r = new OfpReader(msgBody(msg));
  let n = 0;
  try { while (pullPortStats(msg.version, r)) n++; } catch { /* count what decodes */ }
  ds.put(` ${n} ports\n`);
  if (verbosity < 1) return;
  const r2 = new OfpReader(msgBody(msg));
  for (;;) {
    const ps = pullPortStats(msg.version, r2);
    if (!ps) return;
    ds.put(formatPortStats(ps, names?.ports));
  }
}

/** Port number asked for by a port stats request. */
export function decodePortStatsRequest(msg: OfpMsg): number {
  const r = new OfpReader(msgBody(msg));
  return msg.version === 1 ? r.u16() : portFromOfp11(r.u32());
}

export function encodePortStatsRequest(version: number, port: number, xid = 0): Uint8Array {
  if (version === 1) return startMsg('OFPST10_PORT_REQUEST', version, xid).u16(port).zeros(6).finishMsg();
  return startMsg('OFPST11_PORT_REQUEST', version, xid).u32(portToOfp11(port)).zeros(4).finishMsg();
}

export function formatPortStatsRequest(ds: Ds, msg: OfpMsg): void {
  ds.put(' port_no=' + formatPort(decodePortStatsRequest(msg)));
}

/** Port asked for by a port-desc request (OFPP_ANY before OF1.5). */
export function decodePortDescRequest(msg: OfpMsg): number {
  if (msg.info.raw === 'OFPST15_PORT_DESC_REQUEST') return portFromOfp11(new OfpReader(msgBody(msg)).u32());
  return OFPP_ANY;
}

export function encodePortDescRequest(version: number, port = OFPP_ANY, xid = 0): Uint8Array {
  if (version < 6) return startMsg('OFPST10_PORT_DESC_REQUEST', version, xid).finishMsg();
  return startMsg('OFPST15_PORT_DESC_REQUEST', version, xid).u32(portToOfp11(port)).zeros(4).finishMsg();
}

export function formatPortDescRequest(ds: Ds, msg: OfpMsg): void {
  ds.put(' port=' + formatPort(decodePortDescRequest(msg)));
}

export function formatPortDescReply(ds: Ds, msg: OfpMsg): void {
  ds.put('\n');
  formatPhyPorts(ds, msg.version, new OfpReader(msgBody(msg)));
}
