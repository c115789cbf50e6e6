/* ofproto-openflow: the OpenFlow side of a switch (handle_openflow and its
 * helpers in OVS's ofproto/ofproto.c).
 *
 * connmgr.ts owns the connections and answers the session messages (echo,
 * roles, async config, formats, barrier); every other request comes here
 * through ConnmgrHandler.handleMessage().  Each handler decodes the request
 * with the openflow layer, calls the Ofproto API (ofproto.ts) or the
 * provider's state (ofproto-dpif.ts for packets), and encodes the reply in
 * the requester's version; multipart replies are split at 64 kB.  Errors
 * are thrown as OfpError and connmgr turns them into OFPT_ERROR.
 *
 * The same object is the Ofproto's listener: flow-removed, port-status,
 * flow-monitor updates (ofmonitor.ts) and packet-ins go out through
 * connmgr.sendAsync() to the connections whose async configuration wants
 * them, each in its own version and packet-in format.  Bundles (OF1.4 and
 * the ONF OF1.3 extension) are kept per connection and committed with
 * Ofproto's start/revert/finish phases so they apply atomically.
 */
import { OfpError, type OfpErrName } from '../openflow/ofp-errors.js';
import { startMsg, statsReplyRaw, setStatsMore, msgBody, decodeMsgThrow, type OfpMsg, type OfpType } from '../openflow/ofp-msgs.js';
import type { OfpWriter } from '../openflow/ofp-buffer.js';
import { Proto, protocolFromVersion } from '../openflow/ofp-protocol.js';
import {
  decodeFlowMod, decodeFlowStatsRequest, encodeAggregateReply, putFlowStats, OFPFC_ADD, OFPTT_ALL,
  type FlowMod,
} from '../openflow/ofp-flow.js';
import { checkActions, formatActions } from '../openflow/ofp-actions.js';
import { matchToString } from '../openflow/ofp-match-codec.js';
import { forEachFlattened } from './ofproto-actions.js';
import {
  encodeFeaturesReply, encodeGetConfigReply, decodeSetConfig, encodeDescReply, C_FLOW_STATS, C_TABLE_STATS,
  C_PORT_STATS, C_QUEUE_STATS, C_GROUP_STATS, C_BUNDLES, C_ARP_MATCH_IP, FRAG_NORMAL, FRAG_DROP, fragToString,
} from '../openflow/ofp-switch.js';
import {
  type PhyPort, type PortMod, type PortStats, decodePortMod, decodePortStatsRequest, decodePortDescRequest, putPhyPort,
  putPortStats, encodePortStatus, emptyPortStats, OFPP_ANY, OFPP_MAX, OFPPR_MODIFY, PC_PORT_DOWN, PS_LINK_DOWN,
  PS_LIVE, PS_BLOCKED, OFPP_NORMAL, OFPP_LOCAL,
} from '../openflow/ofp-port.js';
import {
  decodeQueueStatsRequest, decodeQueueGetConfigRequest, encodeQueueConfigReply, putQueueStats, OFPQ_ALL,
  type QueueConfig,
} from '../openflow/ofp-queue.js';
import {
  decodeGroupMod, decodeGroupDescRequest, decodeGroupStatsRequest, encodeGroupMod, putGroupDesc, putGroupStats,
  encodeGroupFeaturesReply, OFPG_ALL, type GroupMod, type GroupFeatures,
} from '../openflow/ofp-group.js';
import {
  decodeMeterMod, decodeMeterRequest, putMeterConfig, putMeterStats, encodeMeterFeaturesReply, encodeMeterMod,
  OFPM13_ALL, OFPMC13_DELETE, type MeterMod,
} from '../openflow/ofp-meter.js';
import {
  decodeTableMod, putTableDesc, encodeTableStatus, SETTING_ON, SETTING_OFF, OFPTR_VACANCY_DOWN, OFPTR_VACANCY_UP, type TableDesc,
} from '../openflow/ofp-table.js';
import {
  putTableStats13, putTableStats10, putTableFeatures, decodeTableFeatures, type TableFeatures, type TableStats,
} from '../openflow/ofp-table-stats.js';
import { decodePacketOut, encodePacketIn, type PacketIn, type PacketOut } from '../openflow/ofp-packet.js';
import {
  decodeBundleCtrl, decodeBundleAdd, encodeBundleCtrlReply, OFPBCT_OPEN_REQUEST, OFPBCT_OPEN_REPLY,
  OFPBCT_CLOSE_REQUEST, OFPBCT_CLOSE_REPLY, OFPBCT_COMMIT_REQUEST, OFPBCT_COMMIT_REPLY, OFPBCT_DISCARD_REQUEST,
  OFPBCT_DISCARD_REPLY, OFPBF_ATOMIC,
} from '../openflow/ofp-bundle.js';
import {
  encodeFlowRemoved, encodeRequestForward, decodeFlowMonitorRequests, decodeFlowMonitorCancel, type FlowRemoved,
} from '../openflow/ofp-monitor.js';
import {
  OAM_PACKET_IN, OAM_PORT_STATUS, OAM_FLOW_REMOVED, OAM_TABLE_STATUS, OAM_REQUESTFORWARD, NXFF_NXM,
  ROLE_SECONDARY, OFPR_INVALID_TTL,
} from '../openflow/ofp-connection.js';
import { encodeErrorMsg } from '../openflow/ofp-errors.js';
import { FL, get32, put32 } from '../openflow/flow.js';
import { flowExtract } from '../openflow/flow-extract.js';
import { Match } from '../openflow/match.js';
import { MF, MF_N_IDS, mfFromId, type MfField } from '../openflow/meta-flow.js';
import { nxmFieldByMfId, type MfSubfield } from '../openflow/nx-match.js';
import { ofpactNames, actionBitmapFromNames } from '../openflow/ofpact-bitmap.js';
import { ofpactsFrom } from '../openflow/ofpact-codec.js';
import { decodeCtFlush, decodeCtFlushZone, formatCtMatch, type CtMatch } from '../openflow/ofp-ct.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { type Netdev } from '../datapath/netdev-provider.js';
import { netdevGetStats, netdevUpdateFlags, netdevGetFlags, netdevGetCarrier, netdevGetEtherAddr } from '../datapath/netdev.js';
import { Connmgr, type Ofconn, type ConnmgrHandler, type ControllerConfig } from './connmgr.js';
import { isPassiveName } from '../lib/stream.js';
import { Ofmonitors } from './ofmonitor.js';
import {
  decodeTlvTableMod, encodeTlvTableReply, NXTTMC_ADD, NXTTMC_DELETE, TUN_METADATA_NUM_OPTS, type TlvMap,
} from '../openflow/ofp-tlv.js';
import { InBand, inBandRemoteFromTarget, type InBandRemote } from './in-band.js';
import { Ofproto, calcDuration, type OfprotoFlowMod, type OfprotoGroupMod } from './ofproto.js';
import {
  OFTABLE_HIDDEN, EVICTION_OPENFLOW, OFPFME_ADDED, OFPFME_REMOVED, type Rule, type Ofport, type ModRequester, type OfprotoListener,
} from './ofproto-provider.js';
import type { RuleActions } from './ofproto-actions.js';
import type { OfprotoDpif } from './ofproto-dpif.js';
import { VERSION_MAX } from './classifier.js';
import { hmapOrder, hashInt } from '../lib/hash.js';

const log = vlogModule('ofproto');
const connmgrLog = vlogModule('connmgr');
const flowLog = vlogModule('ofp_flow');
const ctDpifLog = vlogModule('ct_dpif');
const flowRl = new RateLimit(5, 20);
const rl = new RateLimit(5, 20);

/** The "max_entries" OVS reports for a table without a limit. */
const DEFAULT_MAX_ENTRIES = 1000000;
/** Option space for tunnel metadata, in bytes (TUN_METADATA_TOT_OPT_SIZE). */
const TUN_METADATA_TOT_OPT_SIZE = 256;
/** The eviction flags OVS reports and accepts: OTHER | IMPORTANCE | LIFETIME (OFPROTO_EVICTION_FLAGS). */
const EVICTION_FLAGS = 1 | 2 | 4;

/* ---- Connection protocol. ---- */

/** The flow protocol a connection speaks (ofconn_get_protocol). */
export function ofconnProtocol(c: Ofconn): number {
  if (c.version !== 1) return protocolFromVersion(c.version);
  const nxm = c.flowFormat === NXFF_NXM;
  if (c.flowModTableId) return nxm ? Proto.OF10_NXM_TID : Proto.OF10_STD_TID;
  return nxm ? Proto.OF10_NXM : Proto.OF10_STD;
}

/* ---- Multipart replies. ---- */

/** Builds the replies to a stats request, splitting at 64 kB (ofpmp_init/ofpmp_postappend). */
class Replies {
  private readonly writers: OfpWriter[] = [];
  private readonly hdrLen: number;

  constructor(private readonly request: OfpMsg) {
    this.writers.push(this.start());
    this.hdrLen = this.writers[0]!.len;
  }

  private start(): OfpWriter {
    const raw = statsReplyRaw(this.request.info, this.request.version);
    if (!raw) throw new OfpError('OFPBRC_BAD_STAT');
    return startMsg(raw, this.request.version, this.request.xid);
  }

  /** The reply raw's name, for encoders that depend on it. */
  get raw(): string { return statsReplyRaw(this.request.info, this.request.version)!.raw; }

  /** Appends one entry written by 'put'; an entry too long for any reply
   * is dropped and reported through 'tooLong'. */
  put(put: (w: OfpWriter) => void, tooLong?: () => void): void {
    let w = this.writers[this.writers.length - 1]!;
    const at = w.len;
    put(w);
    if (tooLong && w.len - at > 0xffff - this.hdrLen) {
      w.len = at;
      tooLong();
      return;
    }
    if (w.len > 0xffff && at > this.hdrLen) {
      const entry = w.buf.slice(at, w.len);
      w.len = at;
      w = this.start();
      w.bytes(entry);
      this.writers.push(w);
    }
  }

  /** Sends every message to 'c', all but the last flagged "more". */
  send(c: Ofconn): void {
    const n = this.writers.length;
    this.writers.forEach((w, i) => {
      const m = w.finishMsg();
      if (i < n - 1) setStatsMore(m, true);
      c.send(m);
    });
  }
}

/* ---- Netdev facts the OpenFlow side reports. ---- */

const UINT64_MAX = 0xffffffffffffffffn;

/** Queue ids a port's device has (netdev-dummy has queue 0; others none we know of). */
function netdevQueues(netdev: unknown): number[] | null {
  const nd = netdev as Netdev | null;
  return nd && nd.type.startsWith('dummy') ? [0] : null;
}

/** Driver-specific counters ovs-ofctl shows as "CUSTOM Statistics" (netdev-dummy's). */
function netdevCustomStats(netdev: unknown): { name: string; value: bigint }[] {
  const nd = netdev as Netdev | null;
  if (!nd || !nd.type.startsWith('dummy')) return [];
  const out = [{ name: 'rx_custom_packets_1', value: 0n }, { name: 'rx_custom_packets_2', value: 0n }];
  for (let q = 0; q < nd.nRxq; q++) out.push({ name: `rx_q${q}_bytes`, value: 0n }, { name: `rx_q${q}_packets`, value: 0n });
  for (let q = 0; q < nd.nRxq; q++) out.push({ name: `tx_q${q}_bytes`, value: 0n }, { name: `tx_q${q}_packets`, value: 0n });
  return out;
}

/* ---- Bundles. ---- */

interface BundleEntry {
  type: OfpType;
  /** The BUNDLE_ADD message, for errors. */
  msg: Uint8Array;
  xid: number;
  ofm?: OfprotoFlowMod;
  ogm?: OfprotoGroupMod;
  pm?: PortMod;
  po?: PacketOut;
  /** Runs a translated packet-out's datapath actions. */
  execute?: () => void;
}

interface Bundle {
  id: number;
  flags: number;
  /** The message that created the bundle (the error on expiry quotes it). */
  msg: Uint8Array;
  closed: boolean;
  entries: BundleEntry[];
  used: number;
}

/** Flow mods a connection made since its last summary. */
interface OpStats {
  nAdd: number; nDelete: number; nModify: number;
  firstOp: number; lastOp: number;
  /** When to log the summary (Infinity: nothing pending), and not before 'backoff'. */
  nextReport: number; backoff: number;
}

/* ---- The handler. ---- */

type Handler = (self: OfprotoOpenflow, c: Ofconn, msg: OfpMsg) => void | Promise<void>;

/** OpenFlow request handling and async messages for one switch. */
export class OfprotoOpenflow implements ConnmgrHandler, OfprotoListener {
  readonly connmgr: Connmgr;
  readonly monitors: Ofmonitors;
  /** Fragment handling (OFPC_FRAG_*). */
  fragHandling = FRAG_NORMAL;
  /** The provider's packet side, when it has one. */
  dpif: OfprotoDpif | null = null;
  /** Wraps packet execution so the datapath knows which bridge it runs for (set by the bridge). */
  executeContext: (fn: () => void) => void = (fn) => fn();
  /** Runs 'fn' (translation of packets) holding back the datapath actions it executes; the
   * returned function runs them (bundled packet-outs execute after the commit).  Set by the bridge. */
  captureExecution: (fn: () => void) => () => void = (fn) => { fn(); return () => undefined; };
  /** Fail mode; connmgr starts in secure mode, so a standalone bridge gets its NORMAL flow at once. */
  private failMode: 'standalone' | 'secure' = 'secure';
  /** Number of active controller targets configured. */
  private activeControllers = 0;
  /** In-band control rules, while an in-band controller is configured. */
  private inBand: InBand | null = null;
  /** When the switch was created (the age of its internal rules). */
  private readonly created: number;
  /** Port creation times (ms), for port stats durations. */
  private readonly portCreated = new Map<number, number>();
  private readonly bundles = new Map<Ofconn, Map<number, Bundle>>();
  /** Flow-mod counts per connection for the periodic summary (ofconn_report_flow_mod). */
  private readonly opStats = new Map<Ofconn, OpStats>();
  /** Parts of a multipart request received so far, per connection. */
  private readonly parts = new Map<Ofconn, OfpMsg[]>();
  /** Each port's netdev change sequence number last looked at. */
  private readonly portSeq = new Map<number, number>();

  constructor(readonly ofproto: Ofproto) {
    this.created = ofproto.now();
    this.connmgr = new Connmgr(ofproto.name, this);
    this.monitors = new Ofmonitors(ofproto);
    ofproto.listener = this;
  }

  /** Connects the packet side of ofproto-dpif (packet-ins, table-miss policy). */
  attachDpif(dpif: OfprotoDpif): void {
    this.dpif = dpif;
    dpif.onPacketIn = (pin, controllerId, maxLen) => this.sendPacketIn(pin, controllerId, maxLen);
    dpif.wantsPacketInOnMiss = () => this.wantsPacketInOnMiss();
  }

  /* ---- ConnmgrHandler. ---- */

  async handleMessage(c: Ofconn, msg: OfpMsg): Promise<void> {
    if (msg.info.isStat && (msg.flags & 1 || this.parts.has(c))) {
      /* A multipart request in several messages: collect them (ofpmp_assembler). */
      const parts = this.parts.get(c) ?? [];
      if (parts.length && (parts[0]!.xid !== msg.xid || parts[0]!.info !== msg.info)) {
        this.parts.delete(c);
        throw new OfpError('OFPBRC_MULTIPART_BUFFER_OVERFLOW');
      }
      parts.push(msg);
      if (msg.flags & 1) { this.parts.set(c, parts); return; }
      this.parts.delete(c);
      if (parts.length > 1) {
        if (msg.info.type === 'TABLE_FEATURES_STATS_REQUEST') return this.handleTableFeatures(c, parts);
        if (msg.info.type === 'FLOW_MONITOR_STATS_REQUEST') {
          return this.monitors.handleRequest(c, msg, parts.flatMap((m) => decodeFlowMonitorRequests(m)));
        }
        throw new OfpError('OFPBRC_BAD_STAT');
      }
    }
    const h = HANDLERS[msg.info.type];
    if (!h) throw new OfpError(msg.info.isStat ? 'OFPBRC_BAD_STAT' : 'OFPBRC_BAD_TYPE');
    await h(this, c, msg);
  }

  connectionsChanged(): void {
    const live = new Set(this.connmgr.connections());
    for (const c of [...this.opStats.keys()]) {
      if (!live.has(c)) { this.logFlowMods(c); this.opStats.delete(c); }
    }
    for (const c of [...this.bundles.keys()]) if (!live.has(c)) this.bundles.delete(c);
    this.monitors.pruneClosed(live);
  }

  /* ---- OfprotoListener. ---- */

  flowRemoved(fr: FlowRemoved): void {
    this.connmgr.sendAsync(OAM_FLOW_REMOVED, fr.reason, (c) =>
      encodeFlowRemoved(fr, c.version, c.version === 1 && c.flowFormat === NXFF_NXM));
  }

  flowMonitor(rule: Rule, event: number, reason: number, req: ModRequester | null, oldActions: RuleActions | null): void {
    this.monitors.report(rule, event, reason, req, oldActions);
    /* Flows added or removed may cross a vacancy threshold (send_table_status). */
    if (event === OFPFME_ADDED || event === OFPFME_REMOVED) this.checkTableStatus(rule.tableId);
  }

  /** Sends an OF1.4 table-status when the table's vacancy crossed the armed threshold (send_table_status). */
  checkTableStatus(tableId: number): void {
    const t = this.ofproto.tables[tableId];
    if (!t || !t.vacancyEvent) return;
    const vacancy = this.ofproto.tableVacancy(t);
    const event = vacancy < t.vacancyDown ? OFPTR_VACANCY_DOWN : vacancy > t.vacancyUp ? OFPTR_VACANCY_UP : 0;
    if (!event || event !== t.vacancyEvent) return;
    this.tableStatus(tableId, event);
    t.vacancyEvent = event === OFPTR_VACANCY_DOWN ? OFPTR_VACANCY_UP : OFPTR_VACANCY_DOWN;
  }

  flowMonitorFlush(): void { this.monitors.flush(); }

  portStatus(reason: number, pp: PhyPort): void {
    if (reason === 0) this.portCreated.set(pp.portNo, this.ofproto.now());
    else if (reason === 1) this.portCreated.delete(pp.portNo);
    this.sendPortStatus(null, reason, pp);
  }

  tableStatus(tableId: number, reason: number): void {
    const td = this.tableDesc(tableId);
    this.connmgr.sendAsync(OAM_TABLE_STATUS, reason, (c) => c.version >= 5 ? encodeTableStatus(reason, td, c.version) : null);
  }

  wantsPacketInOnMiss(): boolean {
    for (const c of this.connmgr.connections()) {
      if (c.controllerId === 0 && c.version > 0 && c.version < 4) return true;
    }
    return false;
  }

  /** Sends a port-status to every connection that wants it; 'source' (a port-mod's
   * requester) does not hear about its own change before OF1.5. */
  sendPortStatus(source: Ofconn | null, reason: number, pp: PhyPort, oldPp: PhyPort | null = null): void {
    this.connmgr.sendAsync(OAM_PORT_STATUS, reason, (c) => {
      if (c === source && c.version < 6) return null;
      const msg = encodePortStatus({ reason, desc: pp }, c.version);
      /* A change this version cannot show (e.g. LIVE before OF1.2) is not sent. */
      if (reason === OFPPR_MODIFY && oldPp && bytesEqual(msg, encodePortStatus({ reason, desc: oldPp }, c.version))) return null;
      return msg;
    });
  }

  /** Sends a packet-in to the connections of controller 'controllerId' that want it. */
  sendPacketIn(pin: PacketIn, controllerId: number, maxLen: number): void {
    pin = { ...pin, metadata: packetInMetadata(pin.metadata) };
    this.connmgr.sendAsync(OAM_PACKET_IN, pin.reason, (c) => {
      if (c.controllerId !== controllerId) return null;
      return encodePacketIn(pin, c.version, c.packetInFormat, maxLen > 0 ? maxLen : 0xffff);
    });
  }

  /* ---- Controllers and fail mode (connmgr_set_controllers, connmgr_set_fail_mode). ---- */

  /** Reconfigures the controllers; going from none to some or back flushes the tables. */
  async setControllers(configs: ControllerConfig[]): Promise<void> {
    const had = this.hasControllers();
    this.activeControllers = configs.filter((c) => !isPassiveName(c.target)).length;
    await this.connmgr.setControllers(configs);
    this.updateInBandRemotes(configs);
    if (had !== this.hasControllers()) this.flushFlows();
  }

  /** The in-band remotes: the IPv4 controllers reached in-band (update_in_band_remotes). */
  private updateInBandRemotes(configs: ControllerConfig[]): void {
    const remotes: InBandRemote[] = [];
    for (const c of configs) {
      if (c.inBand === false) continue;
      const r = inBandRemoteFromTarget(c.target);
      if (r) remotes.push(r);
    }
    if (!remotes.length && !this.inBand) return;
    this.inBand ??= new InBand(this.ofproto);
    this.inBand.setRemotes(remotes);
    this.runInBand();
  }

  private runInBand(): void {
    if (!this.inBand) return;
    const local = this.ofproto.ports.get(OFPP_LOCAL);
    this.inBand.run(local ? local.pp.hwAddr : null);
    if (!this.inBand.active) this.inBand = null;
  }

  /** True if some active ("primary") controller is configured, connected or not. */
  hasControllers(): boolean { return this.activeControllers > 0; }

  /** Sets what to do without a controller; a change flushes the tables if there is none. */
  setFailMode(mode: 'standalone' | 'secure'): void {
    if (mode === this.failMode) return;
    this.failMode = mode;
    if (!this.hasControllers()) this.flushFlows();
  }

  /** Deletes every flow, group and meter (ofproto_flush_flows), then installs the
   * fail-open NORMAL flow of a standalone switch without controllers (connmgr_flushed). */
  flushFlows(): void {
    const p = this.ofproto;
    p.flushFlows();
    this.inBand?.flushed();
    p.groupDeleteAll();
    p.handleMeterMod({ command: OFPMC13_DELETE, meter: { meterId: OFPM13_ALL, flags: 0, bands: [] } });
    if (!this.hasControllers() && this.failMode === 'standalone') {
      p.addFlow({ match: new Match(), priority: 0 },
        ofpactsFrom([{ type: 'OUTPUT', port: OFPP_NORMAL, maxLen: 0 }], 1));
    }
  }

  /* ---- Flow-mod summaries. ---- */

  /** Counts a flow mod 'c' made (ofconn_report_flow_mod). */
  private reportFlowMod(c: Ofconn, command: number): void {
    let st = this.opStats.get(c);
    if (!st) {
      st = { nAdd: 0, nDelete: 0, nModify: 0, firstOp: 0, lastOp: 0, nextReport: Infinity, backoff: -Infinity };
      this.opStats.set(c, st);
    }
    if (command === 0) st.nAdd++;
    else if (command === 1 || command === 2) st.nModify++;
    else st.nDelete++;
    const now = this.ofproto.now();
    if (st.nextReport === Infinity) {
      st.firstOp = now;
      st.nextReport = Math.max(now + 10000, st.backoff);
      st.backoff = st.nextReport + 60000;
    }
    st.lastOp = now;
  }

  /** Logs and clears a connection's flow-mod counts (ofconn_log_flow_mods). */
  private logFlowMods(c: Ofconn): void {
    const st = this.opStats.get(c);
    if (!st) return;
    const n = st.nAdd + st.nDelete + st.nModify;
    if (n) {
      const ago = Math.floor((this.ofproto.now() - st.firstOp) / 1000);
      const interval = Math.floor((st.lastOp - st.firstOp) / 1000);
      let text = `${n} flow_mods `;
      if (interval === ago) text += `in the last ${ago} s`;
      else if (interval) text += `in the ${interval} s starting ${ago} s ago`;
      else text += `${ago} s ago`;
      const parts: string[] = [];
      if (st.nAdd) parts.push(`${st.nAdd} adds`);
      if (st.nDelete) parts.push(`${st.nDelete} deletes`);
      if (st.nModify) parts.push(`${st.nModify} modifications`);
      connmgrLog.info(`${c.name}: ${text} (${parts.join(', ')})`);
      st.nAdd = st.nDelete = st.nModify = 0;
    }
    st.nextReport = Infinity;
  }

  /** Periodic work: flow-mod summaries that are due. */
  run(): void {
    this.runInBand();
    const now = this.ofproto.now();
    for (const [c, st] of this.opStats) if (now >= st.nextReport) this.logFlowMods(c);
  }

  /* ---- Ports. ---- */

  /** Ports in OVS's hash-map order (HMAP_FOR_EACH over ofproto->ports). */
  portsInOrder(): Ofport[] {
    return hmapOrder([...this.ofproto.ports.values()], (p) => hashInt(p.ofpPort, 0));
  }

  portStats(port: Ofport, now: number): PortStats {
    const ps = emptyPortStats(port.pp.portNo);
    const created = this.portCreated.get(port.ofpPort) ?? now;
    [ps.durationSec, ps.durationNsec] = calcDuration(created, now);
    const st = port.netdev ? netdevGetStats(port.netdev as Netdev) : -1;
    if (typeof st !== 'number') {
      const map: [keyof typeof ps.stats, number][] = [
        ['rx_packets', st.rx_packets], ['tx_packets', st.tx_packets], ['rx_bytes', st.rx_bytes],
        ['tx_bytes', st.tx_bytes], ['rx_dropped', st.rx_dropped], ['tx_dropped', st.tx_dropped],
        ['rx_errors', st.rx_errors], ['tx_errors', st.tx_errors], ['rx_frame_errors', st.rx_frame_errors],
        ['rx_over_errors', st.rx_over_errors], ['rx_crc_errors', st.rx_crc_errors], ['collisions', st.collisions],
      ];
      for (const [k, v] of map) ps.stats[k] = v < 0 || v === Number.MAX_SAFE_INTEGER ? UINT64_MAX : BigInt(v);
    }
    /* OVS's netdev_get_stats leaves unsupported counters all-ones; netdev-dummy only counts these. */
    if (port.netdev && (port.netdev as Netdev).type.startsWith('dummy')) {
      for (const k of ['rx_dropped', 'tx_dropped', 'rx_errors', 'tx_errors', 'rx_frame_errors', 'rx_over_errors',
        'rx_crc_errors', 'collisions'] as const) ps.stats[k] = UINT64_MAX;
    }
    ps.custom = netdevCustomStats(port.netdev);
    return ps;
  }

  /**
   * Notices link and administrative changes of the ports' devices and tells
   * controllers (ofproto's update_port): 'netdevOf' gives a port's netdev.
   * Returns true if some port changed.
   */
  refreshPorts(): boolean {
    let changed = false;
    for (const port of this.ofproto.ports.values()) {
      const nd = port.netdev as Netdev | null;
      if (!nd) continue;
      const old = port.pp;
      if (this.portSeq.get(port.ofpPort) !== nd.changeSeq) {
        this.portSeq.set(port.ofpPort, nd.changeSeq);
        const up = (netdevGetFlags(nd) & 1) !== 0;
        const carrier = netdevGetCarrier(nd);
        const config = up ? old.config & ~PC_PORT_DOWN : old.config | PC_PORT_DOWN;
        const state = carrier ? old.state & ~PS_LINK_DOWN : old.state | PS_LINK_DOWN;
        const hw = macToBytes(netdevGetEtherAddr(nd));
        if (config !== old.config || state !== old.state || !bytesEqual(hw, old.hwAddr)) {
          port.pp = { ...old, config, state, hwAddr: hw };
          this.sendPortStatus(null, OFPPR_MODIFY, port.pp, old);
          changed = true;
        }
      }
      /* A port turns live once it may forward (ofproto-dpif's port_run). */
      const cur = port.pp;
      const state = normalizeState(cur.config, cur.state, true);
      if (state !== cur.state) {
        port.pp = { ...cur, state };
        this.sendPortStatus(null, OFPPR_MODIFY, port.pp, cur);
        changed = true;
      }
    }
    return changed;
  }

  /** Every flow as bridge/dump-flows prints it, hidden ones included (flow_stats_ds). */
  dumpAllFlows(offloadStats: boolean): string {
    const now = this.ofproto.now();
    let out = '';
    // OVS walks each table's subtables by falling priority.
    const rules = this.ofproto.allRules().map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.tableId - b.r.tableId || b.r.priority - a.r.priority || a.i - b.i).map((x) => x.r);
    for (const rule of rules) {
      const st = this.ofproto.ruleGetStats(rule);
      if (rule.tableId !== 0) out += `table_id=${rule.tableId}, `;
      out += `duration=${Math.floor((now - rule.created) / 1000)}s, n_packets=${st.packets}, n_bytes=${st.bytes}, `;
      if (offloadStats) out += 'n_offload_packets=0, n_offload_bytes=0, ';
      out += matchToString(rule.match, rule.priority) + ',actions=' + formatActions([...rule.actions.list]) + '\n';
    }
    // ofproto-dpif's internal rules in table 254 (add_internal_flows): our translation handles
    // misses itself, so they exist only as this listing.
    const age = `duration=${Math.floor((now - this.created) / 1000)}s, n_packets=0, n_bytes=0, `
      + (offloadStats ? 'n_offload_packets=0, n_offload_bytes=0, ' : '');
    for (const m of ['priority=2,recirc_id=0,actions=drop', 'priority=0,reg0=0x1,actions=controller(reason=)',
      'priority=0,reg0=0x2,actions=drop', 'priority=0,reg0=0x3,actions=drop']) out += `table_id=254, ${age}${m}\n`;
    return out;
  }

  /** Applies a port-mod's config change (update_port_config). */
  private updatePortConfig(source: Ofconn | null, port: Ofport, config: number, mask: number): void {
    let toggle = (config ^ port.pp.config) & mask;
    if (toggle & PC_PORT_DOWN && port.netdev) {
      const nd = port.netdev as Netdev;
      const r = config & PC_PORT_DOWN ? netdevUpdateFlags(nd, 1, 0) : netdevUpdateFlags(nd, 0, 1);
      if (r < 0) toggle &= ~PC_PORT_DOWN;
    }
    if (!toggle) return;
    const old = port.pp;
    port.pp = { ...old, config: old.config ^ toggle };
    port.pp.state = normalizeState(port.pp.config, port.pp.state, true);
    if (port.netdev) this.portSeq.set(port.ofpPort, -1);
    this.ofproto.cls.portReconfigured?.(port, old.config);
    this.sendPortStatus(source, OFPPR_MODIFY, port.pp, old);
    /* The device's own change (carrier) is noticed right after, as OVS's next ofproto_run. */
    setImmediate(() => this.refreshPorts());
  }

  private portModStart(pm: PortMod): Ofport {
    const port = this.ofproto.getPort(pm.portNo);
    if (!port) throw new OfpError('OFPPMFC_BAD_PORT');
    if (!bytesEqual(port.pp.hwAddr, pm.hwAddr)) throw new OfpError('OFPPMFC_BAD_HW_ADDR');
    return port;
  }

  private portModFinish(source: Ofconn | null, pm: PortMod, port: Ofport): void {
    this.updatePortConfig(source, port, pm.config, pm.mask);
  }

  /* ---- Flow mods. ---- */

  /** Decodes a flow-mod as 'c' sent it, with OVS's consistency checks (ofputil_decode_flow_mod). */
  decodeFlowMod(c: Ofconn, msg: OfpMsg): FlowMod {
    const fm = decodeFlowMod(msg, c.flowModTableId);
    if (msg.version === 1) fm.command &= 0xff;
    this.checkTlvFields(fm);
    const protocol = ofconnProtocol(c);
    const r = checkActions(fm.ofpacts.decoded, fm.match, {
      maxPorts: this.ofproto.maxPorts, tableId: fm.tableId, nTables: this.ofproto.nTables,
    });
    if (r.error) throw new OfpError(r.error);
    if (protocol & ~r.usable) throw new OfpError('OFPBAC_MATCH_INCONSISTENT');
    return fm;
  }

  private handleFlowMod(c: Ofconn, msg: OfpMsg): void {
    const fm = this.decodeFlowMod(c, msg);
    const err = this.ofproto.handleFlowMod(fm, { conn: c, xid: msg.xid });
    if (err) throw err;
    this.reportFlowMod(c, fm.command);
  }

  /* ---- Packet out. ---- */

  /** Checks a packet-out before execution (ofproto_packet_out_init + check_ofpacts). */
  private packetOutInit(c: Ofconn, po: PacketOut): void {
    const inPort = get32(po.metadata.flow, FL.IN_PORT) & 0xffff;
    if (inPort >= this.ofproto.maxPorts && inPort < OFPP_MAX) throw new OfpError('OFPBRC_BAD_PORT');
    if (po.bufferId !== 0xffffffff) throw new OfpError('OFPBRC_BUFFER_UNKNOWN');
    /* The flow the actions see: the packet's headers with the metadata given (flow_union_with_miniflow). */
    const m = new Match();
    m.flow.set(flowExtract(po.packet, get32(po.metadata.flow, FL.PACKET_TYPE)).flow);
    for (let i = 0; i < FL.DL_DST; i++) if (po.metadata.wc[i]) m.flow[i] = po.metadata.flow[i]!;
    put32(m.flow, FL.IN_PORT, inPort);
    m.wc.fill(0xff);
    const r = checkActions(po.ofpacts.decoded, m, { maxPorts: this.ofproto.maxPorts, tableId: 0, nTables: this.ofproto.nTables });
    if (r.error) throw new OfpError(r.error);
    if (ofconnProtocol(c) & ~r.usable) throw new OfpError('OFPBAC_MATCH_INCONSISTENT');
  }

  private packetOutCheck(po: PacketOut): OfpError | null {
    let err: OfpErrName | null = null;
    forEachFlattened(po.ofpacts.decoded, (a) => {
      if (err) return;
      if (a.type === 'METER' && !this.ofproto.meters.has(a.meterId)) err = 'OFPMMFC_INVALID_METER';
      else if (a.type === 'GROUP' && !this.ofproto.groupLookup(a.groupId, VERSION_MAX)) err = 'OFPBAC_BAD_OUT_GROUP';
    });
    return err ? new OfpError(err) : null;
  }

  private packetOutExecute(po: PacketOut): void {
    if (!this.dpif) return;
    const dpif = this.dpif;
    const res: { err: OfpError | null } = { err: null };
    this.executeContext(() => { res.err = dpif.packetOut(po); });
    if (res.err) log.dbg(`${this.ofproto.name}: packet-out failed (${res.err.error})`);
  }

  /* ---- Tables. ---- */

  /** Table features as OVS reports them (query_tables). */
  tableFeatures(): TableFeatures[] {
    const all = allFieldSets();
    const n = this.ofproto.nTables;
    const out: TableFeatures[] = [];
    for (let i = 0; i < n; i++) {
      const t = this.ofproto.tables[i]!;
      const next = new Set<number>();
      for (let j = i + 1; j < n; j++) if (!(this.ofproto.tables[j]!.flags & OFTABLE_HIDDEN)) next.add(j);
      let instructions = (1 << 6) - 1;
      if (!next.size) instructions &= ~(1 << 5);
      const acts = { ofpacts: ofpactNames(), setFields: new Set(all.writable) };
      const inst = { next, instructions, write: acts, apply: { ofpacts: [...acts.ofpacts], setFields: new Set(all.writable) } };
      out.push({
        tableId: i, command: 0, name: t.name ?? '', metadataMatch: UINT64_MAX, metadataWrite: UINT64_MAX,
        missConfig: t.missConfig, supportsEviction: -1, supportsVacancyEvents: -1,
        maxEntries: Math.min(DEFAULT_MAX_ENTRIES, t.maxFlows),
        nonmiss: inst, miss: { ...inst, next: new Set(next), write: { ...acts }, apply: { ...inst.apply } },
        match: new Set(all.match), mask: new Set(all.mask), wildcard: new Set(all.match),
      });
    }
    return out;
  }

  /** Table stats (query_tables' stats half). */
  tableStats(): TableStats[] {
    return this.ofproto.tableStats();
  }

  /** One table's description (query_table_desc__). */
  tableDesc(tableId: number): TableDesc {
    const t = this.ofproto.tables[tableId]!;
    return {
      tableId, eviction: t.eviction & EVICTION_OPENFLOW ? SETTING_ON : SETTING_OFF, evictionFlags: EVICTION_FLAGS,
      vacancy: t.vacancyEvent ? SETTING_ON : SETTING_OFF,
      tableVacancy: { down: t.vacancyDown, up: t.vacancyUp, vacancy: this.ofproto.tableVacancy(t) },
    };
  }

  /* ---- Request forwarding. ---- */

  /** Relays a group-mod or meter-mod to the other connections that asked (connmgr_send_requestforward). */
  private requestForward(source: Ofconn, reason: number, encode: (version: number) => Uint8Array): void {
    for (const c of this.connmgr.connections()) {
      if (c === source || !c.receivesAsync(OAM_REQUESTFORWARD, reason)) continue;
      c.send(encodeRequestForward(encode(c.version), c.version));
    }
  }

  /* ---- Bundles. ---- */

  private bundlesOf(c: Ofconn): Map<number, Bundle> {
    let m = this.bundles.get(c);
    if (!m) { m = new Map(); this.bundles.set(c, m); }
    return m;
  }

  private bundleOpen(c: Ofconn, id: number, flags: number, msg: OfpMsg): void {
    const m = this.bundlesOf(c);
    if (m.has(id)) {
      log.info(`Bundle ${id.toString(16)} already exists.`);
      m.delete(id);
      throw new OfpError('OFPBFC_BAD_ID');
    }
    m.set(id, { id, flags, msg: msg.data.slice(), closed: false, entries: [], used: this.ofproto.now() });
  }

  private bundleClose(c: Ofconn, id: number, flags: number): void {
    const m = this.bundlesOf(c);
    const b = m.get(id);
    if (!b) throw new OfpError('OFPBFC_BAD_ID');
    if (b.closed) { m.delete(id); throw new OfpError('OFPBFC_BUNDLE_CLOSED'); }
    if (b.flags !== flags) { m.delete(id); throw new OfpError('OFPBFC_BAD_FLAGS'); }
    b.used = this.ofproto.now();
    b.closed = true;
  }

  private bundleDiscard(c: Ofconn, id: number): void {
    const m = this.bundlesOf(c);
    if (!m.delete(id)) throw new OfpError('OFPBFC_BAD_ID');
  }

  private bundleAdd(c: Ofconn, msg: OfpMsg): void {
    const badd = decodeBundleAdd(msg);
    const inner = decodeMsgThrow(badd.msg);
    const e: BundleEntry = { type: badd.type, msg: msg.data.slice(), xid: msg.xid };
    switch (badd.type) {
      case 'PORT_MOD': e.pm = decodePortMod(inner, false); break;
      case 'FLOW_MOD': {
        const fm = this.decodeFlowMod(c, inner);
        const ofm = this.ofproto.flowModInit(fm);
        if (ofm instanceof OfpError) throw ofm;
        e.ofm = ofm;
        break;
      }
      case 'GROUP_MOD': e.ogm = { gm: decodeGroupMod(inner), version: 0, newGroup: null, oldGroups: [] }; break;
      case 'PACKET_OUT': {
        const po = decodePacketOut(inner);
        this.packetOutInit(c, po);
        e.po = po;
        break;
      }
      default: throw new OfpError('OFPBFC_MSG_UNSUP');
    }
    const m = this.bundlesOf(c);
    let b = m.get(badd.bundleId);
    if (!b) {
      b = { id: badd.bundleId, flags: badd.flags, msg: msg.data.slice(), closed: false, entries: [], used: this.ofproto.now() };
      m.set(b.id, b);
    } else if (b.closed) {
      m.delete(b.id);
      throw new OfpError('OFPBFC_BUNDLE_CLOSED');
    } else if (b.flags !== badd.flags) {
      m.delete(b.id);
      throw new OfpError('OFPBFC_BAD_FLAGS');
    }
    b.used = this.ofproto.now();
    b.entries.push(e);
  }

  /** Commits a bundle: everything or nothing (do_bundle_commit). */
  private bundleCommit(c: Ofconn, id: number, flags: number): void {
    const m = this.bundlesOf(c);
    const b = m.get(id);
    if (!b) throw new OfpError('OFPBFC_BAD_ID');
    m.delete(id);
    if (b.flags !== flags) throw new OfpError('OFPBFC_BAD_FLAGS');
    const p = this.ofproto;
    let version = p.tablesVersion + 1;
    let prevPortMod = false;
    let failed: { i: number; err: OfpError } | null = null;
    const ports: (Ofport | null)[] = [];
    /* 1. Start every change in the versions it becomes visible in. */
    for (let i = 0; i < b.entries.length && !failed; i++) {
      const e = b.entries[i]!;
      let err: OfpError | null = null;
      if (e.type === 'PORT_MOD') {
        if (flags & OFPBF_ATOMIC) err = new OfpError('OFPBFC_MSG_FAILED');
        else {
          prevPortMod = true;
          try { ports[i] = this.portModStart(e.pm!); } catch (x) { if (x instanceof OfpError) err = x; else throw x; }
        }
      } else {
        if (prevPortMod) { prevPortMod = false; version++; }
        if (e.type === 'FLOW_MOD') {
          e.ofm!.version = version;
          err = p.flowModStart(e.ofm!);
        } else if (e.type === 'GROUP_MOD') {
          e.ogm!.version = version;
          err = p.groupModStart(e.ogm!);
        } else if (e.type === 'PACKET_OUT') {
          err = this.packetOutCheck(e.po!);
          if (!err) err = this.packetOutTranslate(e, version);
        }
      }
      if (err) failed = { i, err };
    }
    if (failed) {
      /* 2. Revert what was started, newest first. */
      for (let i = failed.i - 1; i >= 0; i--) {
        const e = b.entries[i]!;
        if (e.type === 'FLOW_MOD') p.flowModRevert(e.ofm!);
        else if (e.type === 'GROUP_MOD') p.groupModRevert(e.ogm!);
      }
      c.send(encodeErrorMsg(failed.err.error, c.version, b.entries[failed.i]!.xid, b.entries[failed.i]!.msg));
      this.monitors.flush();
      throw new OfpError('OFPBFC_MSG_FAILED');
    }
    /* 3. Publish and finish in order. */
    for (let i = 0; i < b.entries.length; i++) {
      const e = b.entries[i]!;
      if (e.type === 'PORT_MOD') {
        if (ports[i]) this.portModFinish(c, e.pm!, ports[i]!);
        continue;
      }
      const v = e.ofm?.version ?? e.ogm?.version ?? version;
      while (p.tablesVersion < v) p.bumpTablesVersion();
      const req: ModRequester = { conn: c, xid: e.xid };
      if (e.type === 'FLOW_MOD') {
        const command = e.ofm!.command;
        const err = p.flowModFinish(e.ofm!, req);
        if (err) log.warn(`${p.name}: bundle flow_mod failed to finish (${err.error})`);
        this.reportFlowMod(c, command);
      } else if (e.type === 'GROUP_MOD') {
        p.groupModFinish(e.ogm!, req);
      }
    }
    while (p.tablesVersion < version) p.bumpTablesVersion();
    this.monitors.flush();
    for (const e of b.entries) e.execute?.();
  }

  /** Translates a bundled packet-out against the tables as of 'version' (packet_xlate); its
   * datapath actions run only once the whole bundle has committed. */
  private packetOutTranslate(e: BundleEntry, version: number): OfpError | null {
    const dpif = this.dpif;
    if (!dpif) return null;
    const p = this.ofproto;
    const saved = p.tablesVersion;
    const res: { err: OfpError | null } = { err: null };
    p.tablesVersion = version;
    try {
      e.execute = this.captureExecution(() => { res.err = dpif.packetOut(e.po!); });
    } finally {
      p.tablesVersion = saved;
    }
    return res.err;
  }

  private handleBundleControl(c: Ofconn, msg: OfpMsg): void {
    const bc = decodeBundleCtrl(msg);
    let replyType: number;
    switch (bc.type) {
      case OFPBCT_OPEN_REQUEST: this.bundleOpen(c, bc.bundleId, bc.flags, msg); replyType = OFPBCT_OPEN_REPLY; break;
      case OFPBCT_CLOSE_REQUEST: this.bundleClose(c, bc.bundleId, bc.flags); replyType = OFPBCT_CLOSE_REPLY; break;
      case OFPBCT_COMMIT_REQUEST: this.bundleCommit(c, bc.bundleId, bc.flags); replyType = OFPBCT_COMMIT_REPLY; break;
      case OFPBCT_DISCARD_REQUEST: this.bundleDiscard(c, bc.bundleId); replyType = OFPBCT_DISCARD_REPLY; break;
      default: throw new OfpError('OFPBFC_BAD_TYPE');
    }
    c.send(encodeBundleCtrlReply(msg, { bundleId: bc.bundleId, type: replyType, flags: 0 }));
  }

  /** Drops bundles idle for 'timeoutMs' or more, telling their owners (bundle_remove_expired). */
  expireBundles(timeoutMs: number): void {
    const limit = this.ofproto.now() - timeoutMs;
    for (const [c, m] of this.bundles) {
      for (const [id, b] of m) {
        if (b.used > limit) continue;
        m.delete(id);
        if (!c.vconn.isClosed) c.vconn.sendError('OFPBFC_TIMEOUT', b.msg);
      }
    }
  }

  /* ---- Statistics handlers. ---- */

  private handleFeatures(c: Ofconn, msg: OfpMsg): void {
    const ports = c.version < 4 ? this.portsInOrder().map((p) => p.pp) : [];
    c.send(encodeFeaturesReply({
      datapathId: this.ofproto.datapathId, nBuffers: 0, nTables: this.ofproto.nVisibleTables(), auxiliaryId: 0,
      capabilities: C_FLOW_STATS | C_TABLE_STATS | C_PORT_STATS | C_QUEUE_STATS | C_GROUP_STATS | C_BUNDLES
        | C_ARP_MATCH_IP,
      actions10: 0xfff, ports,
    }, msg.version, msg.xid));
  }

  private handleGetConfig(c: Ofconn, msg: OfpMsg): void {
    c.send(encodeGetConfigReply(msg, {
      frag: this.fragHandling, invalidTtlToController: (c.asyncConfig.primary[OAM_PACKET_IN]! >>> OFPR_INVALID_TTL) & 1,
      missSendLen: c.missSendLen,
    }));
  }

  private handleSetConfig(c: Ofconn, msg: OfpMsg): void {
    const cfg = decodeSetConfig(msg);
    if (c.type !== 'primary' || c.role !== ROLE_SECONDARY) {
      if (cfg.frag !== this.fragHandling) {
        if (cfg.frag === FRAG_NORMAL || cfg.frag === FRAG_DROP) this.fragHandling = cfg.frag;
        else log.warnRl(rl, `${this.ofproto.name}: unsupported fragment handling mode ${fragToString(cfg.frag)}`);
      }
    }
    if (cfg.invalidTtlToController >= 0) {
      /* The flag is the primary/equal role's packet-in bit for invalid_ttl (ofconn_set_invalid_ttl_to_controller). */
      const ac = c.asyncConfig;
      const primary = ac.primary.slice();
      const bit = 1 << OFPR_INVALID_TTL;
      primary[OAM_PACKET_IN] = cfg.invalidTtlToController > 0 ? primary[OAM_PACKET_IN]! | bit : primary[OAM_PACKET_IN]! & ~bit;
      c.asyncConfig = { primary, secondary: ac.secondary.slice() };
    }
    c.missSendLen = cfg.missSendLen;
  }

  private handleDesc(c: Ofconn, msg: OfpMsg): void {
    const p = this.ofproto;
    c.send(encodeDescReply(msg, { mfr: p.mfrDesc, hw: p.hwDesc, sw: p.swDesc, serial: p.serialDesc, dp: p.dpDesc }));
  }

  private handleFlowStats(c: Ofconn, msg: OfpMsg): void {
    const fsr = decodeFlowStatsRequest(msg);
    const stats = this.ofproto.flowStats(fsr);
    if (stats instanceof OfpError) throw stats;
    const rep = new Replies(msg);
    const raw = rep.raw as Parameters<typeof putFlowStats>[1];
    const tooLong = (): void => {
      flowLog.warnRl(flowRl, 'Flow exceeded the maximum flow statistics reply size and was excluded from the response set');
    };
    for (const fs of stats) rep.put((w) => putFlowStats(w, raw, msg.version, fs), tooLong);
    rep.send(c);
  }

  private handleAggregate(c: Ofconn, msg: OfpMsg): void {
    const fsr = decodeFlowStatsRequest(msg);
    const as = this.ofproto.aggregateStats(fsr);
    if (as instanceof OfpError) throw as;
    c.send(encodeAggregateReply(msg, as));
  }

  private handleTableStats(c: Ofconn, msg: OfpMsg): void {
    const stats = this.tableStats();
    const features = c.version < 4 ? this.tableFeatures() : null;
    const rep = new Replies(msg);
    for (let i = 0; i < this.ofproto.nTables; i++) {
      if (this.ofproto.tables[i]!.flags & OFTABLE_HIDDEN) continue;
      const st = stats[i]!;
      if (features) rep.put((w) => putTableStats10(w, msg.version, st, features[i]!));
      else rep.put((w) => putTableStats13(w, st));
    }
    rep.send(c);
  }

  private handleTableFeatures(c: Ofconn, msgs: OfpMsg[]): void {
    const msg = msgs[msgs.length - 1]!;
    if (msgs.length > 1 || msgBody(msg).length) {
      const req = msgs.flatMap((m) => decodeTableFeatures(m, false));
      this.changeTableFeatures(req);
    }
    const features = this.tableFeatures();
    const rep = new Replies(msg);
    for (const f of features) {
      if (this.ofproto.tables[f.tableId]!.flags & OFTABLE_HIDDEN) continue;
      rep.put((w) => putTableFeatures(w, msg.version, f));
    }
    rep.send(c);
  }

  /** Applies a table features request (handle_table_features_change): OVS only lets names change. */
  private changeTableFeatures(req: TableFeatures[]): void {
    if (!req.length) return;
    const seen = new Set<number>();
    for (const f of req) {
      if (seen.has(f.tableId)) throw new OfpError('NXTFFC_DUP_TABLE');
      seen.add(f.tableId);
    }
    const n = this.ofproto.nTables;
    for (let i = 0; i < n; i++) {
      if (this.ofproto.tables[i]!.flags & OFTABLE_HIDDEN) {
        if (seen.has(i)) throw new OfpError('OFPTFFC_EPERM');
        seen.add(i);
      }
    }
    const command = req[0]!.command;
    if (command === 2 || command === 3) throw new OfpError('OFPTFFC_EPERM');
    if (command === 1) for (let i = 0; i < n; i++) seen.add(i);
    let count = 0;
    while (seen.has(count)) count++;
    if (count !== n || seen.size !== count) throw new OfpError(count > n ? 'OFPTFFC_TOO_MANY' : 'OFPTFFC_EPERM');
    const cur = this.tableFeatures();
    for (const f of req) {
      if (f.maxEntries !== cur[f.tableId]!.maxEntries) throw new OfpError('OFPTFFC_EPERM');
      const t = this.ofproto.tables[f.tableId]!;
      if (t.nameLevel > 1 && f.name !== (t.name ?? '')) throw new OfpError('OFPTFFC_EPERM');
    }
    for (const f of req) {
      const t = this.ofproto.tables[f.tableId]!;
      if (t.nameLevel > 1) continue;
      if (f.name) { t.name = f.name; t.nameLevel = 1; } else { t.name = null; t.nameLevel = 0; }
    }
  }

  private handleTableDesc(c: Ofconn, msg: OfpMsg): void {
    const rep = new Replies(msg);
    for (let i = 0; i < this.ofproto.nTables; i++) {
      if (this.ofproto.tables[i]!.flags & OFTABLE_HIDDEN) continue;
      const td = this.tableDesc(i);
      rep.put((w) => putTableDesc(w, td, msg.version));
    }
    rep.send(c);
  }

  private handlePortStats(c: Ofconn, msg: OfpMsg): void {
    const portNo = decodePortStatsRequest(msg);
    const rep = new Replies(msg);
    const now = this.ofproto.now();
    for (const port of this.selectPorts(portNo)) {
      const ps = this.portStats(port, now);
      rep.put((w) => putPortStats(w, msg.version, ps));
    }
    rep.send(c);
  }

  private handlePortDesc(c: Ofconn, msg: OfpMsg): void {
    const portNo = decodePortDescRequest(msg);
    const rep = new Replies(msg);
    for (const port of this.selectPorts(portNo)) rep.put((w) => putPhyPort(w, msg.version, port.pp));
    rep.send(c);
  }

  private selectPorts(portNo: number): Ofport[] {
    if (portNo === OFPP_ANY) return this.portsInOrder();
    const p = this.ofproto.getPort(portNo);
    return p ? [p] : [];
  }

  private handleQueueStats(c: Ofconn, msg: OfpMsg): void {
    const q = decodeQueueStatsRequest(msg);
    const rep = new Replies(msg);
    const forPort = (port: Ofport): boolean => {
      const queues = netdevQueues(port.netdev);
      if (q.queue === OFPQ_ALL) {
        for (const id of queues ?? []) rep.put((w) => putQueueStats(w, msg.version, unknownQueueStats(port.pp.portNo, id)));
        return true;
      }
      if (!queues || !queues.includes(q.queue)) return false;
      rep.put((w) => putQueueStats(w, msg.version, unknownQueueStats(port.pp.portNo, q.queue)));
      return true;
    };
    if (q.port === OFPP_ANY) {
      let ok = false;
      for (const port of this.portsInOrder()) if (forPort(port)) ok = true;
      if (!ok) throw new OfpError('OFPQOFC_BAD_QUEUE');
    } else {
      const port = this.ofproto.getPort(q.port);
      if (!port) throw new OfpError('OFPQOFC_BAD_PORT');
      if (!forPort(port)) throw new OfpError('OFPQOFC_BAD_QUEUE');
    }
    rep.send(c);
  }

  private handleQueueGetConfig(c: Ofconn, msg: OfpMsg): void {
    const q = decodeQueueGetConfigRequest(msg);
    const out: QueueConfig[] = [];
    const forPort = (port: Ofport): boolean => {
      const queues = netdevQueues(port.netdev);
      if (q.queue !== OFPQ_ALL) {
        if (!queues || !queues.includes(q.queue)) return false;
        out.push({ port: port.pp.portNo, queue: q.queue, minRate: 0xffff, maxRate: 0xffff });
      } else {
        for (const id of queues ?? []) out.push({ port: port.pp.portNo, queue: id, minRate: 0xffff, maxRate: 0xffff });
      }
      return true;
    };
    if (q.port === OFPP_ANY) {
      let ok = false;
      for (const port of this.portsInOrder()) if (forPort(port)) ok = true;
      if (!ok) throw new OfpError('OFPQOFC_BAD_QUEUE');
    } else {
      const port = this.ofproto.getPort(q.port);
      if (!port) throw new OfpError('OFPQOFC_BAD_PORT');
      if (!forPort(port)) throw new OfpError('OFPQOFC_BAD_QUEUE');
    }
    c.send(encodeQueueConfigReply(msg, out));
  }

  private handleGroupMod(c: Ofconn, msg: OfpMsg): void {
    const gm = decodeGroupMod(msg);
    const err = this.ofproto.handleGroupMod(gm, { conn: c, xid: msg.xid });
    if (err) throw err;
    this.requestForward(c, 0, (v) => encodeGroupModFor(gm, v, msg.xid));
  }

  private handleGroupDesc(c: Ofconn, msg: OfpMsg): void {
    const id = decodeGroupDescRequest(msg);
    const rep = new Replies(msg);
    for (const gd of this.groupsInOrder(this.ofproto.groupDescs(id))) rep.put((w) => putGroupDesc(w, gd, msg.version));
    rep.send(c);
  }

  private handleGroupStats(c: Ofconn, msg: OfpMsg): void {
    const id = decodeGroupStatsRequest(msg);
    const rep = new Replies(msg);
    for (const gs of this.groupsInOrder(this.ofproto.groupStats(id))) rep.put((w) => putGroupStats(w, gs, msg.version));
    rep.send(c);
  }

  /** Group features with every action OVS supports in the wire bitmap of 'version'. */
  groupFeatures(version: number): GroupFeatures {
    const gf = this.ofproto.groupFeatures;
    const all = actionBitmapFromNames(ofpactNames(), version);
    return { ...gf, actions: gf.actions.map((a) => a || all) };
  }

  /** Groups in OVS's cmap order for OFPG_ALL dumps. */
  private groupsInOrder<T extends { groupId: number }>(list: T[]): T[] {
    return list.length > 1 ? hmapOrder(list, (g) => hashInt(g.groupId, 0)) : list;
  }

  private handleMeterMod(c: Ofconn, msg: OfpMsg): void {
    const mm = decodeMeterMod(msg);
    const err = this.ofproto.handleMeterMod(mm);
    if (err) throw err;
    this.requestForward(c, 1, (v) => encodeMeterModFor(mm, v, msg.xid));
  }

  private handleMeterRequest(c: Ofconn, msg: OfpMsg): void {
    const id = decodeMeterRequest(msg);
    if (id !== OFPM13_ALL && !this.ofproto.meters.has(id)) throw new OfpError('OFPMMFC_UNKNOWN_METER');
    const rep = new Replies(msg);
    if (msg.info.type === 'METER_CONFIG_STATS_REQUEST') {
      for (const mc of this.ofproto.meterConfigs(id)) rep.put((w) => putMeterConfig(w, mc));
    } else {
      for (const ms of this.ofproto.meterStats(id)) rep.put((w) => putMeterStats(w, ms));
    }
    rep.send(c);
  }

  private handlePacketOut(c: Ofconn, msg: OfpMsg): void {
    const po = decodePacketOut(msg);
    this.packetOutInit(c, po);
    const err = this.packetOutCheck(po);
    if (err) throw err;
    this.packetOutExecute(po);
  }

  private handlePortMod(c: Ofconn, msg: OfpMsg): void {
    const pm = decodePortMod(msg, false);
    const port = this.portModStart(pm);
    this.portModFinish(c, pm, port);
  }

  /* ---- Tunnel metadata (TLV) mappings (handle_tlv_table_mod, tun_metadata_table_mod). ---- */

  /** tun_metadataN -> Geneve option class, type and length. */
  private readonly tlvMap = new Map<number, TlvMap>();

  private handleTlvTableMod(_c: Ofconn, msg: OfpMsg): void {
    const ttm = decodeTlvTableMod(msg);
    const next = new Map(this.tlvMap);
    if (ttm.command === NXTTMC_ADD) {
      for (const m of ttm.mappings) {
        if (next.has(m.index)) throw new OfpError('NXTTMFC_ALREADY_MAPPED');
        for (const e of next.values()) {
          if (e.optionClass === m.optionClass && e.optionType === m.optionType) throw new OfpError('NXTTMFC_DUP_ENTRY');
        }
        let space = m.optionLen;
        for (const e of next.values()) space += e.optionLen;
        if (space > TUN_METADATA_TOT_OPT_SIZE) throw new OfpError('NXTTMFC_TABLE_FULL');
        next.set(m.index, m);
      }
    } else if (ttm.command === NXTTMC_DELETE) {
      for (const m of ttm.mappings) next.delete(m.index);
    } else {
      next.clear();
    }
    this.tlvMap.clear();
    for (const [k, v] of next) this.tlvMap.set(k, v);
  }

  /** Tunnel metadata a flow-mod matches or touches must be mapped, and bit ranges must fit
   * the mapped length (the vl_mff_map checks of decoding). */
  private checkTlvFields(fm: FlowMod): void {
    fm.match.tunMd.forEach((e, i) => {
      if (e && !this.tlvMap.has(i)) throw new OfpError('NXFMFC_INVALID_TLV_FIELD');
    });
    const check = (field: MfField, ofs: number, nBits: number): void => {
      if (field.id < MF.TUN_METADATA0 || field.id > MF.TUN_METADATA63) return;
      const m = this.tlvMap.get(field.id - MF.TUN_METADATA0);
      if (!m) throw new OfpError('NXFMFC_INVALID_TLV_FIELD');
      if (ofs + nBits > m.optionLen * 8) throw new OfpError('OFPBAC_BAD_SET_LEN');
    };
    forEachFlattened(fm.ofpacts.decoded, (a) => {
      if (a.type === 'SET_FIELD') { check(a.field, 0, 0); return; }
      for (const v of Object.values(a)) {
        if (v && typeof v === 'object' && 'field' in v && 'ofs' in v && 'nBits' in v) {
          const sf = v as MfSubfield;
          check(sf.field, sf.ofs, sf.nBits);
        }
      }
    });
  }

  private handleTlvTableRequest(c: Ofconn, msg: OfpMsg): void {
    const mappings = [...this.tlvMap.values()].sort((a, b) => a.index - b.index);
    c.send(encodeTlvTableReply(msg, { maxOptionSpace: TUN_METADATA_TOT_OPT_SIZE, maxFields: TUN_METADATA_NUM_OPTS, mappings }));
  }

  private handleTableMod(_c: Ofconn, msg: OfpMsg): void {
    const tm = decodeTableMod(msg);
    if (tm.evictionFlags !== 0xffffffff) {
      if (tm.evictionFlags !== EVICTION_FLAGS) throw new OfpError('OFPTMFC_BAD_CONFIG');
      tm.evictionFlags = 0xffffffff;
    }
    const err = this.ofproto.tableMod(tm);
    if (err) throw err;
  }

  private handleFlowMonitor(c: Ofconn, msg: OfpMsg): void {
    this.monitors.handleRequest(c, msg, decodeFlowMonitorRequests(msg));
  }

  /* The dispatch table uses these through a cast to reach the private handlers. */
  static readonly handlers = {
    FEATURES_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleFeatures(c, m),
    GET_CONFIG_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleGetConfig(c, m),
    SET_CONFIG: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleSetConfig(c, m),
    PACKET_OUT: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handlePacketOut(c, m),
    NXT_TLV_TABLE_MOD: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleTlvTableMod(c, m),
    NXT_TLV_TABLE_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleTlvTableRequest(c, m),
    PORT_MOD: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handlePortMod(c, m),
    FLOW_MOD: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleFlowMod(c, m),
    GROUP_MOD: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleGroupMod(c, m),
    TABLE_MOD: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleTableMod(c, m),
    METER_MOD: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleMeterMod(c, m),
    FLOW_AGE: () => undefined,
    FLOW_MONITOR_CANCEL: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.monitors.cancel(c, decodeFlowMonitorCancel(m)),
    FLOW_MONITOR_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleFlowMonitor(c, m),
    DESC_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleDesc(c, m),
    FLOW_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleFlowStats(c, m),
    AGGREGATE_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleAggregate(c, m),
    TABLE_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleTableStats(c, m),
    TABLE_FEATURES_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleTableFeatures(c, [m]),
    TABLE_DESC_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleTableDesc(c, m),
    PORT_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handlePortStats(c, m),
    PORT_DESC_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handlePortDesc(c, m),
    QUEUE_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleQueueStats(c, m),
    QUEUE_GET_CONFIG_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleQueueGetConfig(c, m),
    METER_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleMeterRequest(c, m),
    METER_CONFIG_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleMeterRequest(c, m),
    METER_FEATURES_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) =>
      c.send(encodeMeterFeaturesReply(m, s.ofproto.meterFeatures)),
    GROUP_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleGroupStats(c, m),
    GROUP_DESC_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleGroupDesc(c, m),
    GROUP_FEATURES_STATS_REQUEST: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) =>
      c.send(encodeGroupFeaturesReply(m, s.groupFeatures(m.version))),
    BUNDLE_CONTROL: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.handleBundleControl(c, m),
    BUNDLE_ADD_MESSAGE: (s: OfprotoOpenflow, c: Ofconn, m: OfpMsg) => s.bundleAdd(c, m),
    NXT_RESUME: () => { throw new OfpError('NXR_NOT_SUPPORTED'); },
    IPFIX_BRIDGE_STATS_REQUEST: () => { throw new OfpError('NXST_NOT_CONFIGURED'); },
    IPFIX_FLOW_STATS_REQUEST: () => { throw new OfpError('NXST_NOT_CONFIGURED'); },
    CT_FLUSH_ZONE: (s: OfprotoOpenflow, _c: Ofconn, m: OfpMsg) => ctFlushLog(s.ofproto, decodeCtFlushZone(m), null),
    CT_FLUSH: (s: OfprotoOpenflow, _c: Ofconn, m: OfpMsg) => {
      const { match, zone } = decodeCtFlush(m);
      ctFlushLog(s.ofproto, zone, match);
    },
  } satisfies Partial<Record<OfpType, Handler>>;
}

const HANDLERS: Partial<Record<OfpType, Handler>> = OfprotoOpenflow.handlers;

/* ---- Helpers. ---- */

/** A conntrack flush request, logged as OVS's ct_dpif does (the userspace
 * datapath keeps no connection table yet, so there is nothing to flush). */
function ctFlushLog(p: Ofproto, zone: number | null, match: CtMatch | null): void {
  const dp = `${p.type}@ovs-${p.type}`;
  const zero = (t: CtMatch['orig']): boolean => t.src.every((b) => !b) && t.dst.every((b) => !b) && !t.srcPort
    && !t.dstPort && !t.icmpId && !t.icmpType && !t.icmpCode;
  if (match && (match.ipProto || !zero(match.orig) || !zero(match.reply))) {
    ctDpifLog.dbg(`${dp}: ct_flush: zone=${zone ?? 0} ${formatCtMatch(match)}`);
  } else if (zone !== null) {
    ctDpifLog.dbg(`${dp}: ct_flush: zone ${zone}`);
  } else {
    ctDpifLog.dbg(`${dp}: ct_flush: <all>`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A port's state bits after a config change (normalize_state). */
function normalizeState(config: number, state: number, mayEnable: boolean): number {
  return config & PC_PORT_DOWN || state & (PS_LINK_DOWN | PS_BLOCKED) || !mayEnable
    ? state & ~PS_LIVE : state | PS_LIVE;
}

/** Flow members a packet-in reports when they are not zero (flow_get_metadata); in_port always. */
const PIN_METADATA: [number, number][] = [
  [FL.TUN_ID, 8], [FL.TUN_IP_SRC, 4], [FL.TUN_IP_DST, 4], [FL.TUN_IPV6_SRC, 16], [FL.TUN_IPV6_DST, 16],
  [FL.TUN_FLAGS, 2], [FL.TUN_GBP_ID, 2], [FL.TUN_GBP_FLAGS, 1], [FL.METADATA, 8],
  ...Array.from({ length: 16 }, (_x, i): [number, number] => [FL.REGS + 4 * i, 4]),
  [FL.PKT_MARK, 4], [FL.PACKET_TYPE, 4], [FL.CT_STATE, 1], [FL.CT_ZONE, 2], [FL.CT_MARK, 4], [FL.CT_LABEL, 16],
];

/** The metadata match of a packet-in: each field exact when set, absent when zero. */
function packetInMetadata(m: Match): Match {
  const out = new Match();
  for (const [off, n] of PIN_METADATA) {
    let set = false;
    for (let i = 0; i < n; i++) if (m.flow[off + i]) { set = true; break; }
    if (!set) continue;
    for (let i = 0; i < n; i++) { out.flow[off + i] = m.flow[off + i]!; out.wc[off + i] = 0xff; }
  }
  for (let i = 0; i < 4; i++) out.flow[FL.IN_PORT + i] = m.flow[FL.IN_PORT + i]!;
  put32(out.wc, FL.IN_PORT, 0xffff);
  return out;
}

function macToBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  let v = mac < 0 ? 0 : mac;
  for (let i = 5; i >= 0; i--) { b[i] = v % 256; v = Math.floor(v / 256); }
  return b;
}

function unknownQueueStats(port: number, queue: number) {
  return { port, queue, txBytes: UINT64_MAX, txPackets: UINT64_MAX, txErrors: UINT64_MAX,
    durationSec: 0xffffffff, durationNsec: 0xffffffff };
}

function encodeGroupModFor(gm: GroupMod, version: number, xid: number): Uint8Array {
  return encodeGroupMod(gm, version, xid);
}

function encodeMeterModFor(mm: MeterMod, version: number, xid: number): Uint8Array {
  return encodeMeterMod(mm, version, xid);
}

let fieldSets: { match: Set<number>; mask: Set<number>; writable: Set<number> } | null = null;

/** The OXM fields OVS can match, mask and write (oxm_matchable/maskable/writable_fields). */
function allFieldSets(): { match: Set<number>; mask: Set<number>; writable: Set<number> } {
  if (fieldSets) return fieldSets;
  const match = new Set<number>(), mask = new Set<number>(), writable = new Set<number>();
  for (let id = 0; id < MF_N_IDS; id++) {
    const f = mfFromId(id);
    if (!nxmFieldByMfId(id, 4) && !nxmFieldByMfId(id, 1)) continue;
    match.add(id);
    if (f.maskable) mask.add(id);
    if (f.writable) writable.add(id);
  }
  fieldSets = { match, mask, writable };
  return fieldSets;
}

