/* ofproto-dpif-xlate: translates a flow through the OpenFlow tables into
 * datapath actions and a megaflow mask.
 *
 * What?
 * -----
 * Given a packet's flow (the flow layout of openflow/flow.ts) arriving on
 * a bridge, xlateActions() looks it up in the bridge's tables, runs the
 * OpenFlow actions of the rules it finds (resubmits, groups, the action
 * set...), and produces:
 *
 *   - the datapath actions (datapath/odp-actions.ts) that do the same to
 *     every packet of the flow;
 *   - the megaflow mask: every flow bit the result depended on (classifier
 *     lookups and actions un-wildcard what they read), so the datapath can
 *     reuse the actions for all packets that agree on those bits;
 *   - optionally, a trace tree for ofproto/trace (ofproto-dpif-trace.ts).
 *
 * Flows and commits
 * -----------------
 * 'flow' is the packet as OpenFlow actions have changed it; 'baseFlow' is
 * what the datapath will see given the actions emitted so far.  Actions that
 * only change headers just change 'flow'; anything that looks at the packet
 * (output, userspace, recirculation) first commits the difference as
 * set/push/pop actions (odp-commit.ts).
 *
 * Configuration
 * -------------
 * Translation does not read ofproto-dpif's structures directly; it works on
 * a snapshot of the bridge's configuration: XBridge (with its Ofproto, MAC
 * table and ports), XBundle (a port's VLAN configuration) and XPort (one
 * OpenFlow port and its datapath port).  ofproto-dpif.ts builds them; tests
 * build them by hand.  The NORMAL action lives in
 * ofproto-dpif-xlate-normal.ts.
 *
 * Freezing
 * --------
 * When translation needs the datapath to act first (ct with table=, pause),
 * it freezes its state under a recirculation id (ofproto-dpif-rid.ts),
 * emits recirc(id), and resumes from XlateIn.frozen on the next upcall.
 */
import { hashAdd, hashFinish, hashBytes } from '../lib/hash.js';
import { hashInt } from '../lib/hash.js';
import { flowHashFields, flowHashSymmetricL4, flowMaskHashFields, multipathAlgorithm, bundleSelect, NX_HASH_FIELDS } from './multipath.js';
import {
  FL, FLOW_SIZE, get16, get32, get64, put16, put32, put64, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST, ETH_TYPE_VLAN, IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_ICMPV6, FLOW_NW_FRAG_ANY,
  FLOW_NW_FRAG_LATER, FLOW_NW_FRAG_MASK, VLAN_CFI, VLAN_VID_MASK, VLAN_PCP_MASK, IP_DSCP_MASK,
} from '../openflow/flow.js';
import { Match } from '../openflow/match.js';
import { formatMatch, OFP_DEFAULT_PRIORITY } from '../openflow/match-format.js';
import { type Ofpact, type OfpactOf, formatAction, formatActions, encodeActions } from '../openflow/ofp-actions-all.js';
import { OfpWriter } from '../openflow/ofp-buffer.js';
import type { Ofpacts } from '../openflow/ofpact-codec.js';
import type { PortNames } from '../openflow/ofp-port-map.js';
import {
  OFPP_IN_PORT, OFPP_TABLE, OFPP_NORMAL, OFPP_FLOOD, OFPP_ALL, OFPP_CONTROLLER, OFPP_LOCAL, OFPP_NONE,
  OFPP_ANY, OFPP_MAX,
} from '../openflow/ofp-port.js';
import { OFPG_ANY, OFPGT11_ALL, OFPGT11_SELECT, OFPGT11_INDIRECT, OFPGT11_FF } from '../openflow/ofp-group.js';
import { OFPFC_ADD, U64_MAX, FF_SEND_FLOW_REM } from '../openflow/ofp-flow.js';
import { MF, P, mfFromId } from '../openflow/meta-flow.js';
import { formatSubfield, type MfSubfield } from '../openflow/nx-match.js';
import { type OdpAction, SLOW_ACTION } from '../datapath/odp-actions.js';
import { vlogModule } from '../lib/vlog.js';
import { commitOdpActions, flowPushMpls, flowPopMpls } from './odp-commit.js';
import {
  prereqsOkWc, setMaskL3Prereqs, fieldSetMasked, fieldMaskMasked, fieldGet, subfieldRead, subfieldWrite,
  subfieldMask, subfieldValueBytes, subfieldMaskBytes, bigToBytes, wcMask,
} from '../openflow/mf-flow.js';
import type { Ofproto } from './ofproto.js';
import { TBL_INTERNAL, simpleFlowMod } from './ofproto.js';
import { type Rule, type OfGroup, TableMiss, RuleState } from './ofproto-provider.js';
import type { MacLearning } from './mac-learning.js';
import type { FrozenState, RecircIdPool } from './ofproto-dpif-rid.js';
import { xlateTunnelOutput, xlateTerminateTunnel, xlateTunnelWcInit, xlateTunnelRxStats, xlateTunnelProcessEcn } from './ofproto-dpif-xlate-tnl.js';
import { type TraceNode, TraceType, traceReport } from './ofproto-dpif-trace.js';
import { xlateNormal } from './ofproto-dpif-xlate-normal.js';

const log = vlogModule('ofproto_dpif_xlate');

/** Datapath port number meaning "none" (ODPP_NONE). */
export const ODPP_NONE = 0xffffffff;
/** Maximum resubmit depth and count (MAX_DEPTH, MAX_RESUBMITS). */
export const MAX_DEPTH = 64;
export const MAX_RESUBMITS = MAX_DEPTH * MAX_DEPTH;
const MAX_LIVENESS_RECURSION = 128;

/** Port config and state bits (OFPUTIL_PC_*, OFPUTIL_PS_*). */
export const PC_PORT_DOWN = 1, PC_NO_RECV = 4, PC_NO_RECV_STP = 8, PC_NO_FLOOD = 16, PC_NO_FWD = 32,
  PC_NO_PACKET_IN = 64;

/** Packet-in reasons (enum ofp_packet_in_reason, with OVS's internal miss kinds). */
export const OFPR_NO_MATCH = 0, OFPR_ACTION = 1, OFPR_INVALID_TTL = 2, OFPR_ACTION_SET = 3, OFPR_GROUP = 4,
  OFPR_PACKET_OUT = 5, OFPR_EXPLICIT_MISS = 6, OFPR_IMPLICIT_MISS = 7;
const NX_CTLR_NO_METER = 0xffffffff;
const OFPP_UNSET = 0xfff7;
const NX_LEARN_F_SEND_FLOW_REM = 1;
const NX_LEARN_F_WRITE_RESULT = 4;
const NX_LEARN_DST_MATCH = 0, NX_LEARN_DST_LOAD = 0x800, NX_LEARN_DST_OUTPUT = 0x1000;
const NX_LEARN_SRC_IMMEDIATE = 0x2000;
const CS_TRACKED = 0x20;

/** Translation errors (enum xlate_error). */
export const enum XlateError {
  OK, BRIDGE_NOT_FOUND, RECURSION_TOO_DEEP, TOO_MANY_RESUBMITS, STACK_TOO_DEEP, NO_RECIRCULATION_CONTEXT,
  RECIRCULATION_CONFLICT, TOO_MANY_MPLS_LABELS, INVALID_TUNNEL_METADATA, UNSUPPORTED_PACKET_TYPE,
  CONGESTION_DROP, FORWARDING_DISABLED,
}

const XLATE_ERROR_TEXT = [
  'OK', 'Bridge not found', 'Recursion too deep', 'Too many resubmits', 'Stack too deep',
  'No recirculation context', 'Recirculation conflict', 'Too many MPLS labels', 'Invalid tunnel metadata',
  'Unsupported packet type', 'Congestion Drop', 'Forwarding is disabled',
];

/** Text of a translation error (xlate_strerror). */
export function xlateStrerror(e: XlateError): string { return XLATE_ERROR_TEXT[e] ?? 'Unknown error'; }

/* ---- Configuration snapshot. ---- */

/** VLAN modes of a bundle (enum port_vlan_mode). */
export type VlanMode = 'access' | 'trunk' | 'native-tagged' | 'native-untagged' | 'dot1q-tunnel';

/** A port as translation sees it (struct xport). */
export interface XPort {
  ofpPort: number;
  /** Datapath port, or ODPP_NONE. */
  odpPort: number;
  name: string;
  bridge: XBridge;
  bundle: XBundle | null;
  /** OFPUTIL_PC_* bits. */
  config: number;
  /** OFPUTIL_PS_* bits. */
  state: number;
  /** The other end of a patch port, in another (or the same) bridge. */
  peer: XPort | null;
  isTunnel: boolean;
  /** Whether the port may carry traffic (link up, LACP...). */
  mayEnable: boolean;
  /** Queue (skb_priority) to DSCP marking, if configured. */
  dscpBySkbPriority?: ReadonlyMap<number, number>;
}

/** A bundle (a port's VLAN and flooding configuration; struct xbundle). */
export interface XBundle {
  name: string;
  /** The bridge's own object for the bundle: the MAC learning table's "port". */
  ofbundle: unknown;
  ports: XPort[];
  vlanMode: VlanMode;
  /** Access or native VLAN, or -1. */
  vlan: number;
  /** Trunked VLANs; null for all. */
  trunks: ReadonlySet<number> | null;
  /** Customer VLANs of a dot1q-tunnel port; null for all. */
  cvlans: ReadonlySet<number> | null;
  /** TPID of the outer tag on dot1q-tunnel ports. */
  qinqEthtype: number;
  usePriorityTags: boolean;
  floodable: boolean;
  protected: boolean;
  isBond: boolean;
  /** True if the bundle is a mirror output port. */
  mirrorOut: boolean;
}

/** Statistics to credit during translation of a real packet. */
export interface XlateStats {
  packets: number;
  bytes: number;
  used: number;
  tcpFlags?: number;
}

/** What the datapath supports (struct dpif_backer_support, the parts we use). */
export interface XlateSupport {
  maskedSet: boolean;
  recirc: boolean;
  clone: boolean;
  checkPktLen: boolean;
  trunc: boolean;
  ctState: boolean;
  /** Native tunnels (tnl_push/tnl_pop); false: kernel-style set(tunnel(...)). Default true. */
  tnlPushPop?: boolean;
}

/** A bridge as translation sees it (struct xbridge). */
export interface XBridge {
  name: string;
  ofproto: Ofproto;
  ml: MacLearning<unknown>;
  bundles: XBundle[];
  ports: Map<number, XPort>;
  /** Ports in the order flooding visits them (OVS: hash order); defaults to port number order. */
  floodOrder?: XPort[];
  forwardBpdu: boolean;
  support: XlateSupport;
  rids: RecircIdPool;
  /** connmgr: whether some controller wants packet-ins for table misses. */
  wantsPacketInOnMiss(): boolean;
  /** Netlink pid for userspace actions from 'odpPort' (0 in the userspace datapath). */
  portPid?(odpPort: number): number;
  /** Credits a rule with packets (ofproto-dpif keeps rule counters). */
  ruleCredit?(rule: Rule, stats: XlateStats): void;
  /** Credits a group (and bucket index, or -1 for all). */
  groupCredit?(group: OfGroup, bucket: number, stats: XlateStats): void;
  /** Port names for traces with names. */
  portNames?: PortNames;
  /** IP fragment handling: "normal" zeroes L4 ports for lookups, "drop" drops fragments. */
  fragHandling?: 'normal' | 'drop' | 'nx-match';
}

/** Input to a translation (struct xlate_in). */
export interface XlateIn {
  bridge: XBridge;
  /** The packet's flow; not modified. */
  flow: Uint8Array;
  /** Classifier version; defaults to the bridge's current one. */
  version?: number;
  packet?: Uint8Array | null;
  /** Actions to run instead of a table lookup (packet-out). */
  ofpacts?: Ofpact[] | null;
  /** Rule to start from instead of a lookup. */
  rule?: Rule | null;
  /** Credit rules, tables and groups with these statistics. */
  resubmitStats?: XlateStats | null;
  /** May learn MACs, install learned flows, send packet-ins (default true). */
  allowSideEffects?: boolean;
  /** Set to a list to record a trace tree into it. */
  trace?: TraceNode[] | null;
  /** Frozen state to resume. */
  frozen?: FrozenState | null;
  /** Translating a packet-out. */
  inPacketOut?: boolean;
  /** True if the packet has TCP FIN or RST set (fin_timeout). */
  tcpFlagsFin?: boolean;
  /** When tracing: where to queue recirculations the trace should follow. */
  recircQueue?: RecircNode[] | null;
}

/** A recirculation a trace follows after the main translation (struct oftrace_recirc_node). */
export interface RecircNode {
  type: 'conntrack';
  recircId: number;
  /** The flow to resume with (recirc_id and ct_zone set). */
  flow: Uint8Array;
  packet: Uint8Array | null;
}

/** Result of a translation (struct xlate_out plus the outputs xlate_in points to). */
export interface XlateOut {
  odpActions: OdpAction[];
  /** The megaflow mask. */
  wc: Uint8Array;
  /** The flow after translation ("Final flow"). */
  finalFlow: Uint8Array;
  /** Slow-path reasons (SLOW_*). */
  slow: number;
  error: XlateError;
  errorText: string;
  hasLearn: boolean;
  hasNormal: boolean;
  hasFinTimeout: boolean;
  /** Rules the translation went through, for stats and revalidation. */
  rules: Rule[];
  /** Recirculation ids referenced by the actions. */
  recircs: number[];
}

/* ---- Rules found by lookups. ---- */

/** What a table lookup can return: a rule or one of ofproto-dpif's internal miss rules. */
export type LookupRule = Rule | InternalRule;

/** ofproto-dpif's internal rules for misses (table 254 in OVS). */
export interface InternalRule {
  internal: 'miss' | 'no_packet_in' | 'drop_frags';
  actions: Ofpact[];
  flowCookie: bigint;
}

const MISS_RULE: InternalRule = {
  internal: 'miss', flowCookie: 0n,
  actions: [{
    type: 'CONTROLLER', maxLen: 0xffff, controllerId: 0, reason: OFPR_IMPLICIT_MISS,
    userdata: new Uint8Array(0), pause: false, meterId: NX_CTLR_NO_METER,
  }],
};
const NO_PACKET_IN_RULE: InternalRule = { internal: 'no_packet_in', actions: [], flowCookie: 0n };
const DROP_FRAGS_RULE: InternalRule = { internal: 'drop_frags', actions: [], flowCookie: 0n };

function isInternal(r: LookupRule): r is InternalRule { return 'internal' in r; }

/** A table-miss rule: priority 0 and matching everything (rule_is_table_miss). */
function ruleIsTableMiss(r: LookupRule): boolean {
  return !isInternal(r) && r.priority === 0 && r.isCatchall();
}

/* ---- Helpers on flows. ---- */

function isIpAny(f: Uint8Array): boolean {
  const t = get16(f, FL.DL_TYPE);
  return t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
}
function isMpls(t: number): boolean { return t === ETH_TYPE_MPLS || t === ETH_TYPE_MPLS_MCAST; }

/* ---- The translation context. ---- */

/** The state of one translation (struct xlate_ctx). */
export class XlateCtx {
  readonly xin: XlateIn;
  xbridge: XBridge;
  /** The packet as actions have changed it. */
  flow: Uint8Array;
  /** The packet as the datapath will have it. */
  baseFlow: Uint8Array;
  readonly wc = new Uint8Array(FLOW_SIZE);
  /** The datapath action list being built (nested lists swap it). */
  odp: OdpAction[] = [];
  /** Where trace nodes go, or null when not tracing. */
  trace: TraceNode[] | null;
  version: number;
  depth = 0;
  resubmits = 0;
  tableId = 0;
  rule: LookupRule | null = null;
  ruleCookie = U64_MAX;
  actionSet: Ofpact[] = [];
  actionSetHasGroup = false;
  inActionSet = false;
  inPacketOut: boolean;
  stack: bigint[] = [];
  exit = false;
  error = XlateError.OK;
  freezing = false;
  frozenActions: Ofpact[] = [];
  wasMpls = false;
  conntracked = false;
  origSkbPriority: number;
  slow = 0;
  hasLearn = false;
  hasNormal = false;
  hasFinTimeout = false;
  readonly rules: Rule[] = [];
  readonly recircs: number[] = [];

  constructor(xin: XlateIn) {
    this.xin = xin;
    this.xbridge = xin.bridge;
    this.flow = xin.flow.slice(0, FLOW_SIZE);
    this.baseFlow = this.flow.slice();
    this.trace = xin.trace ?? null;
    this.version = xin.version ?? xin.bridge.ofproto.tablesVersion;
    this.inPacketOut = !!xin.inPacketOut;
    this.origSkbPriority = get32(this.flow, FL.SKB_PRIORITY);
  }

  get allowSideEffects(): boolean { return this.xin.allowSideEffects !== false; }

  /* ---- Tracing. ---- */

  /** Adds a trace node (xlate_report); returns its sub-list, or null when not tracing. */
  report(type: TraceType, text: string | (() => string)): TraceNode[] | null {
    if (!this.trace) return null;
    return traceReport(this.trace, type, typeof text === 'string' ? text : text()).subs;
  }

  /** Reports an error (also logged when not tracing and a packet is being handled). */
  reportError(text: string): void {
    if (this.trace) traceReport(this.trace, TraceType.ERROR, text);
    else if (this.xin.packet) log.warn(`${text} on bridge ${this.xbridge.name}`);
  }

  private reportActions(type: TraceType, title: string, acts: Ofpact[]): void {
    if (this.trace) this.report(type, `${title}: ${formatActions(acts, { ports: this.xbridge.portNames })}`);
  }

  private reportActionSet(verb: string): void {
    if (!this.trace) return;
    const list = executeActionSet(this.actionSet);
    if (list.length) this.report(TraceType.DETAIL, `action set ${verb}: ${formatActions(list, { ports: this.xbridge.portNames })}`);
    else this.report(TraceType.DETAIL, `action set ${verb} empty`);
  }

  private reportTable(rule: LookupRule, tableId: number): void {
    if (!this.trace) return;
    let s = `${String(tableId).padStart(2)}. `;
    if (isInternal(rule)) {
      s += rule.internal === 'miss' ? 'No match, and a "packet-in" is called for.'
        : rule.internal === 'no_packet_in' ? 'No match.'
          : 'Packets are IP fragments and the fragment handling mode is "drop".';
    } else {
      s += formatMatch(rule.match, this.xbridge.portNames, OFP_DEFAULT_PRIORITY);
      if (!s.endsWith(' ')) s += ', ';
      s += `priority ${rule.priority}`;
      if (rule.flowCookie) s += `, cookie 0x${rule.flowCookie.toString(16)}`;
    }
    this.trace = traceReport(this.trace, TraceType.TABLE, s).subs;
  }

  private reportSubfield(sf: MfSubfield): void {
    if (!this.trace) return;
    let s = formatSubfield(sf) + ' is now ';
    const v = subfieldRead(sf, this.flow);
    if (sf.ofs === 0 && sf.nBits >= sf.field.nBits) s += formatFieldValue(sf.field.id, fieldGet(sf.field, this.flow));
    else s += v ? '0x' + v.toString(16) : '0';
    this.report(TraceType.DETAIL, s);
  }

  /* ---- Entry point. ---- */

  /** Runs the translation (xlate_actions). */
  run(): void {
    const flow = this.flow;
    put32(flow, FL.ACTSET_OUTPUT, OFPP_UNSET);
    /* The datapath never sees tunnel metadata as part of the packet. */
    this.baseFlow.fill(0, 0, FL.METADATA);
    put32(this.baseFlow, FL.ACTSET_OUTPUT, OFPP_UNSET);
    this.wcInit();
    if (this.trace) this.trace = this.report(TraceType.BRIDGE, `bridge("${this.xbridge.name}")`);

    const xin = this.xin;
    let ofpacts: Ofpact[] | null = xin.ofpacts ?? null;
    this.rule = xin.rule ?? null;
    if (xin.frozen) {
      if (!this.thaw(xin.frozen)) return this.finish(false);
      ofpacts = xin.frozen.ofpacts.length ? xin.frozen.ofpacts : null;
    } else if (get32(flow, FL.RECIRC_ID)) {
      this.reportError(`Recirculation context not found for ID ${get32(flow, FL.RECIRC_ID).toString(16)}`);
      this.error = XlateError.NO_RECIRCULATION_CONTEXT;
      return this.finish(false);
    }
    if (!xin.frozen && flow[FL.CT_STATE]! & CS_TRACKED) this.conntracked = true;

    const inPort = this.xbridge.ports.get(get32(this.baseFlow, FL.IN_PORT)) ?? null;
    if (inPort?.isTunnel) xlateTunnelRxStats(this, inPort);
    if (!xin.frozen && !xlateTunnelProcessEcn(flow)) return this.finish(true);
    if (!ofpacts && !this.rule) {
      const r = this.lookupFromTable(this.tableId, get32(flow, FL.IN_PORT), true, true);
      this.rule = r.rule;
      this.tableId = r.tableId;
      if (!isInternal(r.rule)) this.noteRule(r.rule);
      this.reportTable(r.rule, r.tableId);
    }

    if (inPort?.bundle?.mirrorOut) {
      this.reportError(`dropping packet received on port ${inPort.bundle.name}, which is reserved exclusively for mirroring`);
    } else if (!inPort || this.mayReceive(inPort)) {
      if (!ofpacts) {
        const r = this.rule!;
        ofpacts = ruleOfpacts(r);
        this.ruleCookie = r.flowCookie;
      }
      this.doXlateActions(ofpacts, true, false);
      if (this.error) return this.finish(false);
      if (!this.freezing) this.xlateActionSet();
      if (this.freezing) this.finishFreezing();
    }
    this.finish(true);
  }

  private finish(ok: boolean): void {
    if (ok) this.wcFinish();
    if (this.error) this.slow = 0;
    if (!this.error) {
      /* A trailing clone() is the same as its contents. */
      const last = this.odp[this.odp.length - 1];
      if (last && last.type === 'clone') this.odp.splice(this.odp.length - 1, 1, ...last.actions);
    }
    if (this.error === XlateError.CONGESTION_DROP || this.error === XlateError.FORWARDING_DISABLED) {
      this.error = XlateError.OK;
    }
  }

  /** The result. */
  out(): XlateOut {
    return {
      odpActions: this.error ? [] : this.odp, wc: this.wc, finalFlow: this.flow, slow: this.slow,
      error: this.error, errorText: xlateStrerror(this.error), hasLearn: this.hasLearn, hasNormal: this.hasNormal,
      hasFinTimeout: this.hasFinTimeout, rules: this.rules, recircs: this.recircs,
    };
  }

  private noteRule(rule: Rule): void {
    this.rules.push(rule);
    if (this.xin.resubmitStats) this.xbridge.ruleCredit?.(rule, this.xin.resubmitStats);
  }

  /** Fields every translation depends on (xlate_wc_init). */
  private wcInit(): void {
    const wc = this.wc;
    wcMask(wc, FL.PACKET_TYPE, 4);
    wcMask(wc, FL.IN_PORT, 4);
    wcMask(wc, FL.DL_TYPE, 2);
    if (isIpAny(this.xin.flow)) wc[FL.NW_FRAG]! |= FLOW_NW_FRAG_MASK;
    if (this.xbridge.support.recirc) wcMask(wc, FL.RECIRC_ID, 4);
    /* tnl_wc_init: tunnel flags and endpoints when the packet came from a tunnel. */
    if (get32(this.xin.flow, FL.TUN_IP_DST) || this.xin.flow.subarray(FL.TUN_IPV6_DST, FL.TUN_IPV6_DST + 16).some((b) => b)) {
      xlateTunnelWcInit(this.xin.flow, wc);
    }
  }

  /** Drops what a datapath flow cannot depend on (xlate_wc_finish). */
  private wcFinish(): void {
    const wc = this.wc, orig = this.xin.flow;
    /* Metadata, registers, actset_output and conj_id are not packet fields. */
    wc.fill(0, FL.METADATA, FL.METADATA + 8);
    wc.fill(0, FL.REGS, FL.REGS + 64);
    wc.fill(0, FL.ACTSET_OUTPUT, FL.ACTSET_OUTPUT + 4);
    wc.fill(0, FL.CONJ_ID, FL.CONJ_ID + 4);
    const t = get16(orig, FL.DL_TYPE), proto = orig[FL.NW_PROTO];
    if ((t === ETH_TYPE_IP && proto === IPPROTO_ICMP) || (t === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6)) {
      wc[FL.TP_SRC] = 0; wc[FL.TP_DST] = 0;
    }
    for (let i = 0; i < 2; i++) {
      const o = FL.VLANS + 4 * i + 2;
      if (get16(wc, o)) put16(wc, o, get16(wc, o) | VLAN_CFI);
    }
    if (orig[FL.NW_FRAG]! & FLOW_NW_FRAG_LATER) { put16(wc, FL.TP_SRC, 0); put16(wc, FL.TP_DST, 0); }
    if (!isMpls(get16(orig, FL.DL_TYPE))) wc.fill(0, FL.MPLS_LSE, FL.MPLS_LSE + 16);
    for (let i = 0; i < 2; i++) {
      const tpid = get16(orig, FL.VLANS + 4 * i);
      if (tpid !== ETH_TYPE_VLAN && tpid !== 0x88a8) wc.fill(0, FL.VLANS + 4 * i, FL.VLANS + 4 * i + 4);
    }
  }

  /** Restores a frozen state (the thaw part of xlate_actions). */
  private thaw(state: FrozenState): boolean {
    const oldTrace = this.trace;
    if (this.trace) this.trace = this.report(TraceType.THAW, 'thaw');
    if ((this.xin.ofpacts && this.xin.ofpacts.length) || this.rule) {
      this.reportError(`Recirculation conflict (${this.xin.ofpacts ? 'actions' : 'rule'})!`);
      this.error = XlateError.RECIRCULATION_CONFLICT;
      this.trace = oldTrace;
      return false;
    }
    this.tableId = state.tableId;
    this.report(TraceType.THAW, `Resuming from table ${state.tableId}`);
    this.conntracked = state.conntracked;
    if (!state.conntracked) this.clearConntrack();
    /* Restore pipeline metadata: tunnel, metadata, registers, in_port. */
    const md = state.metadata;
    this.flow.set(md.subarray(0, FL.METADATA + 8), 0);
    this.flow.set(md.subarray(FL.REGS, FL.REGS + 64), FL.REGS);
    this.flow.set(md.subarray(FL.IN_PORT, FL.IN_PORT + 4), FL.IN_PORT);
    this.stack = state.stack.map((b) => bytesToBigint(b));
    if (state.actionSet.length) {
      this.reportActions(TraceType.THAW, 'Restoring action set', state.actionSet);
      put32(this.flow, FL.ACTSET_OUTPUT, OFPP_UNSET);
      this.writeActions(state.actionSet);
    }
    if (state.ofpacts.length) this.reportActions(TraceType.THAW, 'Restoring actions', state.ofpacts);
    this.ruleCookie = state.ruleCookie;
    this.trace = oldTrace;
    return true;
  }

  private clearConntrack(): void {
    const f = this.flow;
    f.fill(0, FL.CT_STATE, FL.CT_STATE + 1);
    f.fill(0, FL.CT_ZONE, FL.CT_ZONE + 2);
    f.fill(0, FL.CT_MARK, FL.CT_MARK + 4);
    f.fill(0, FL.CT_LABEL, FL.CT_LABEL + 16);
    f.fill(0, FL.CT_NW_PROTO, FL.CT_NW_PROTO + 1);
    f.fill(0, FL.CT_NW_SRC, FL.CT_NW_SRC + 8);
    f.fill(0, FL.CT_IPV6_SRC, FL.CT_IPV6_SRC + 32);
    f.fill(0, FL.CT_TP_SRC, FL.CT_TP_SRC + 4);
    this.conntracked = false;
  }

  private mayReceive(p: XPort): boolean {
    const stp = get16(this.flow, FL.DL_TYPE) !== 0 && isStpDst(this.flow);
    return !(p.config & (stp ? PC_NO_RECV_STP : PC_NO_RECV));
  }

  /* ---- Table lookups. ---- */

  /**
   * Looks the flow up starting at 'tableId' (rule_dpif_lookup_from_table):
   * follows "continue" misses, counts table hits and misses, and on a miss
   * returns the internal rule that sends a packet-in or drops.
   */
  lookupFromTable(tableId: number, inPort: number, mayPacketIn: boolean, honorTableMiss: boolean):
    { rule: LookupRule; tableId: number } {
    const flow = this.flow, ofproto = this.xbridge.ofproto, stats = this.xin.resubmitStats;
    const oldTp = get32(flow, FL.TP_SRC), oldInPort = get32(flow, FL.IN_PORT);
    if (flow[FL.NW_FRAG]! & FLOW_NW_FRAG_ANY && this.xbridge.fragHandling !== 'nx-match') {
      if (this.xbridge.fragHandling === 'drop') {
        if (stats) ofproto.tables[tableId]!.nMatched += stats.packets;
        return { rule: DROP_FRAGS_RULE, tableId };
      }
      put32(flow, FL.TP_SRC, 0);
    }
    put32(flow, FL.IN_PORT, inPort);
    let miss = TableMiss.CONTINUE;
    let rule: LookupRule | null = null;
    let id = tableId;
    for (; id < ofproto.nTables; id++, id += id === TBL_INTERNAL ? 1 : 0) {
      tableId = id;
      const t = ofproto.tables[id]!;
      const r = t.cls.lookup(this.version, flow, this.wc);
      if (stats) { if (r) t.nMatched += stats.packets; else t.nMissed += stats.packets; }
      if (r) { rule = r; break; }
      if (honorTableMiss) {
        miss = t.missConfig;
        if (miss === TableMiss.CONTINUE) continue;
      }
      break;
    }
    if (!rule) {
      rule = NO_PACKET_IN_RULE;
      if (mayPacketIn) {
        if (miss === TableMiss.CONTINUE || miss === TableMiss.CONTROLLER) {
          const port = this.xbridge.ports.get(oldInPort);
          if (!port) log.warn(`packet-in on unknown OpenFlow port ${oldInPort}`);
          else if (!(port.config & PC_NO_PACKET_IN)) rule = MISS_RULE;
        } else if (miss === TableMiss.DEFAULT && this.xbridge.wantsPacketInOnMiss()) {
          rule = MISS_RULE;
        }
      }
    }
    put32(flow, FL.TP_SRC, oldTp);
    put32(flow, FL.IN_PORT, oldInPort);
    return { rule, tableId };
  }

  private resourceCheck(): boolean {
    if (this.depth >= MAX_DEPTH) {
      this.reportError(`over max translation depth ${MAX_DEPTH}`);
      this.error = XlateError.RECURSION_TOO_DEEP;
    } else if (this.resubmits >= MAX_RESUBMITS) {
      this.reportError(`over ${MAX_RESUBMITS} resubmit actions`);
      this.error = XlateError.TOO_MANY_RESUBMITS;
    } else if (this.odp.length > 16384) {
      this.reportError('resubmits yielded over 64 kB of actions');
      this.exit = true;
    } else if (this.stack.length >= 4096) {
      this.reportError('resubmits yielded over 64 kB of stack');
      this.error = XlateError.STACK_TOO_DEEP;
    } else {
      return true;
    }
    return false;
  }

  /** resubmit/goto_table (xlate_table_action). */
  xlateTableAction(inPort: number, tableId: number, mayPacketIn: boolean, honorTableMiss: boolean,
                   withCtOrig: boolean, isLast: boolean, clone = false): void {
    if (this.wasMpls) { this.triggerFreeze(); return; }
    if (!this.resourceCheck()) return;
    const oldTableId = this.tableId;
    this.tableId = tableId;
    if (withCtOrig) {
      if (!this.flow[FL.CT_NW_PROTO] || !isIpAny(this.flow)) {
        this.reportError('resubmit(ct) with non-tracked or non-IP packet!');
        this.tableId = oldTableId;
        return;
      }
      this.tupleSwap();
    }
    const r = this.lookupFromTable(tableId, inPort, mayPacketIn, honorTableMiss);
    if (withCtOrig) this.tupleSwap();
    this.tableId = r.tableId;
    const oldTrace = this.trace;
    this.reportTable(r.rule, tableId);
    if (!isInternal(r.rule)) this.noteRule(r.rule);
    /* xlate_recursively */
    const oldRule = this.rule, oldCookie = this.ruleCookie;
    const deepens = tableId <= oldTableId ? 1 : 0;
    this.resubmits++;
    this.depth += deepens;
    this.rule = r.rule;
    this.ruleCookie = r.rule.flowCookie;
    const acts = ruleOfpacts(r.rule);
    if (clone) this.cloneXlateActions(acts, isLast);
    else this.doXlateActions(acts, isLast, false);
    this.ruleCookie = oldCookie;
    this.rule = oldRule;
    this.depth -= deepens;
    this.trace = oldTrace;
    this.tableId = oldTableId;
  }

  private tupleSwap(): void {
    const f = this.flow, wc = this.wc;
    const swap = (a: number, b: number, n: number): void => {
      const t = f.slice(a, a + n);
      f.copyWithin(a, b, b + n);
      f.set(t, b);
    };
    swap(FL.NW_PROTO, FL.CT_NW_PROTO, 1);
    if (get16(f, FL.DL_TYPE) === ETH_TYPE_IP) { swap(FL.NW_SRC, FL.CT_NW_SRC, 4); swap(FL.NW_DST, FL.CT_NW_DST, 4); }
    else { swap(FL.IPV6_SRC, FL.CT_IPV6_SRC, 16); swap(FL.IPV6_DST, FL.CT_IPV6_DST, 16); }
    swap(FL.TP_SRC, FL.CT_TP_SRC, 2);
    swap(FL.TP_DST, FL.CT_TP_DST, 2);
    wcMask(wc, FL.CT_NW_PROTO, 1);
  }

  /* ---- Actions. ---- */

  /** Translates an action list (do_xlate_actions). */
  doXlateActions(acts: readonly Ofpact[], isLastAction: boolean, groupBucketAction: boolean): void {
    const flow = this.flow, wc = this.wc;
    if (!acts.length) {
      this.report(TraceType.ACTION, 'drop');
      return;
    }
    for (let i = 0; i < acts.length; i++) {
      const a = acts[i]!;
      const last = isLastAction && i === acts.length - 1 && this.actionSet.length === 0;
      if (this.error) break;
      if (this.exit) {
        if (this.freezing) this.freezeUnrollActions(acts, i);
        break;
      }
      /* Actions from here on run after thawing if this one freezes. */
      let unrollFrom = i;
      if (this.trace) this.report(TraceType.ACTION, () => formatAction(a, { ports: this.xbridge.portNames }));

      switch (a.type) {
        case 'OUTPUT':
          this.xlateOutputAction(a.port, a.maxLen, true, last, false, groupBucketAction);
          break;
        case 'GROUP':
          if (this.xlateGroupAction(a.groupId, last)) return;
          break;
        case 'CONTROLLER':
          if (a.pause) {
            this.pause = a;
            this.triggerFreeze();
            unrollFrom = i + 1;
            break;
          }
          this.xlateControllerAction(a.maxLen, a.reason, a.controllerId, a.meterId, a.userdata);
          break;
        case 'ENQUEUE':
          wcMask(wc, FL.SKB_PRIORITY, 4);
          this.xlateEnqueueAction(a.port, a.queue, last, groupBucketAction);
          break;
        case 'SET_VLAN_VID': {
          const o = FL.VLANS + 2;
          put16(wc, o, get16(wc, o) | VLAN_VID_MASK | VLAN_CFI);
          if (get16(flow, o) & VLAN_CFI || a.pushVlanIfNeeded) {
            if (!get16(flow, FL.VLANS)) put16(flow, FL.VLANS, ETH_TYPE_VLAN);
            put16(flow, o, (get16(flow, o) & ~VLAN_VID_MASK) | a.vid | VLAN_CFI);
          }
          break;
        }
        case 'SET_VLAN_PCP': {
          const o = FL.VLANS + 2;
          put16(wc, o, get16(wc, o) | VLAN_PCP_MASK | VLAN_CFI);
          if (get16(flow, o) & VLAN_CFI || a.pushVlanIfNeeded) {
            if (!get16(flow, FL.VLANS)) put16(flow, FL.VLANS, ETH_TYPE_VLAN);
            put16(flow, o, (get16(flow, o) & ~VLAN_PCP_MASK) | (a.pcp << 13) | VLAN_CFI);
          }
          break;
        }
        case 'STRIP_VLAN':
          flowPopVlan(flow, wc);
          break;
        case 'PUSH_VLAN':
          flowPushVlanUninit(flow, wc);
          put16(flow, FL.VLANS, a.ethertype);
          put16(flow, FL.VLANS + 2, VLAN_CFI);
          break;
        case 'SET_ETH_SRC':
          wcMask(wc, FL.DL_SRC, 6);
          flow.set(a.mac, FL.DL_SRC);
          break;
        case 'SET_ETH_DST':
          wcMask(wc, FL.DL_DST, 6);
          flow.set(a.mac, FL.DL_DST);
          break;
        case 'SET_IPV4_SRC':
        case 'SET_IPV4_DST':
          if (get16(flow, FL.DL_TYPE) === ETH_TYPE_IP) {
            const off = a.type === 'SET_IPV4_SRC' ? FL.NW_SRC : FL.NW_DST;
            wcMask(wc, off, 4);
            wc[FL.NW_PROTO] = 0xff;
            put32(flow, off, a.ipv4);
          }
          break;
        case 'SET_IP_DSCP':
          if (isIpAny(flow)) {
            wc[FL.NW_PROTO] = 0xff;
            wc[FL.NW_TOS]! |= IP_DSCP_MASK;
            flow[FL.NW_TOS] = (flow[FL.NW_TOS]! & ~IP_DSCP_MASK) | a.dscp;
          }
          break;
        case 'SET_IP_ECN':
          if (isIpAny(flow)) {
            wc[FL.NW_PROTO] = 0xff;
            wc[FL.NW_TOS]! |= 0x03;
            flow[FL.NW_TOS] = (flow[FL.NW_TOS]! & ~0x03) | a.ecn;
          }
          break;
        case 'SET_IP_TTL':
          if (isIpAny(flow)) {
            wc[FL.NW_PROTO] = 0xff;
            wc[FL.NW_TTL] = 0xff;
            flow[FL.NW_TTL] = a.ttl;
          }
          break;
        case 'SET_L4_SRC_PORT':
        case 'SET_L4_DST_PORT':
          if (isIpAny(flow) && !(flow[FL.NW_FRAG]! & FLOW_NW_FRAG_LATER)) {
            const off = a.type === 'SET_L4_SRC_PORT' ? FL.TP_SRC : FL.TP_DST;
            wc[FL.NW_PROTO] = 0xff;
            wcMask(wc, off, 2);
            put16(flow, off, a.port);
          }
          break;
        case 'RESUBMIT':
          this.xlateResubmit(a, last);
          continue;
        case 'GOTO_TABLE':
          this.xlateTableAction(get32(flow, FL.IN_PORT), a.tableId, true, true, false, last);
          continue;
        case 'SET_TUNNEL':
          put64(flow, FL.TUN_ID, a.tunId);
          break;
        case 'SET_QUEUE':
          wcMask(wc, FL.SKB_PRIORITY, 4);
          put32(flow, FL.SKB_PRIORITY, a.queueId);
          break;
        case 'POP_QUEUE':
          wcMask(wc, FL.SKB_PRIORITY, 4);
          if (get32(flow, FL.SKB_PRIORITY) !== this.origSkbPriority) {
            put32(flow, FL.SKB_PRIORITY, this.origSkbPriority);
            this.report(TraceType.DETAIL, `queue = ${hexOf(this.origSkbPriority)}`);
          }
          break;
        case 'REG_MOVE':
          this.xlateRegMove(a.src, a.dst);
          break;
        case 'SET_FIELD': {
          const f = a.field;
          if (prereqsOkWc(f.prereqs, flow, wc)) {
            setMaskL3Prereqs(f, flow, wc);
            fieldMaskMasked(f, wc, a.mask);
            fieldSetMasked(f, flow, a.value, a.mask);
          } else {
            this.report(TraceType.WARN, `unmet prerequisites for ${f.name}, set_field ignored`);
          }
          break;
        }
        case 'STACK_PUSH': {
          const sf = a.subfield;
          subfieldMask(sf, wc);
          this.stack.push(subfieldRead(sf, flow));
          break;
        }
        case 'STACK_POP':
          this.xlateStackPop(a.subfield);
          break;
        case 'PUSH_MPLS':
          this.composeMplsPush(a.ethertype);
          break;
        case 'POP_MPLS':
          this.composeMplsPop(a.ethertype);
          break;
        case 'SET_MPLS_LABEL':
          this.composeSetMpls(0xfffff000, 12, a.label);
          break;
        case 'SET_MPLS_TC':
          this.composeSetMpls(0xe00, 9, a.tc);
          break;
        case 'SET_MPLS_TTL':
          this.composeSetMpls(0xff, 0, a.ttl);
          break;
        case 'DEC_MPLS_TTL':
          if (this.composeDecMplsTtl()) return;
          break;
        case 'DEC_NSH_TTL':
          wc[FL.NSH_TTL] = 0xff;
          if (flow[FL.NSH_TTL]! > 1) flow[FL.NSH_TTL]!--;
          else { this.report(TraceType.WARN, 'NSH decrement TTL exception'); return; }
          break;
        case 'DEC_TTL':
          wc[FL.NW_TTL] = 0xff;
          wc[FL.NW_PROTO] = 0xff;
          if (this.composeDecTtl(a.cntIds)) return;
          break;
        case 'NOTE':
          break;
        case 'MULTIPATH':
          this.xlateMultipath(a);
          break;
        case 'BUNDLE':
          this.xlateBundleAction(a, last, groupBucketAction);
          break;
        case 'OUTPUT_REG':
          this.xlateOutputRegAction(a.src, a.maxLen, last, groupBucketAction);
          break;
        case 'OUTPUT_TRUNC':
          this.xlateOutputTruncAction(a.port, a.maxLen, last, groupBucketAction);
          break;
        case 'LEARN':
          this.xlateLearnAction(a);
          break;
        case 'CONJUNCTION':
          this.reportError('executing no-op conjunction action');
          break;
        case 'EXIT':
          this.exit = true;
          break;
        case 'UNROLL_XLATE':
          this.tableId = a.ruleTableId;
          this.ruleCookie = a.ruleCookie;
          break;
        case 'FIN_TIMEOUT':
          wc[FL.NW_PROTO] = 0xff;
          this.xlateFinTimeout(a.idle, a.hard);
          break;
        case 'DELETE_FIELD':
          this.report(TraceType.WARN, `delete_field of ${a.field.name} is not supported`);
          break;
        case 'CLEAR_ACTIONS':
          this.reportActionSet('was');
          this.actionSet = [];
          put32(flow, FL.ACTSET_OUTPUT, OFPP_UNSET);
          this.actionSetHasGroup = false;
          break;
        case 'WRITE_ACTIONS':
          this.writeActions(a.actions);
          this.reportActionSet('is');
          break;
        case 'WRITE_METADATA': {
          const md = get64(flow, FL.METADATA);
          put64(flow, FL.METADATA, (md & ~a.mask) | (a.metadata & a.mask));
          break;
        }
        case 'METER':
          this.xlateMeterAction(a.meterId);
          break;
        case 'SAMPLE':
          /* Flow sampling needs an IPFIX exporter on the bridge; without one
           * OVS does nothing either. */
          break;
        case 'CLONE':
          this.cloneXlateActions(a.actions, last);
          break;
        case 'ENCAP':
        case 'DECAP':
          this.reportError(`${a.type === 'ENCAP' ? 'encap' : 'decap'} is not supported`);
          this.error = XlateError.UNSUPPORTED_PACKET_TYPE;
          break;
        case 'CT':
          this.composeConntrack(a, last);
          break;
        case 'CT_CLEAR':
          if (this.conntracked) {
            this.commit();
            this.odp.push({ type: 'ct_clear' });
            this.clearConntrack();
          }
          break;
        case 'NAT':
          this.ctNat = a;
          break;
        case 'DEBUG_RECIRC':
          this.triggerFreeze();
          unrollFrom = i + 1;
          break;
        case 'DEBUG_SLOW':
          this.slow |= SLOW_ACTION;
          break;
        case 'CHECK_PKT_LARGER':
          this.xlateCheckPktLarger(a, acts.slice(i + 1));
          if (this.xbridge.support.checkPktLen) return;
          break;
      }
      if (!this.error && this.exit && this.freezing && this.frozenActions.length === 0) {
        this.freezeUnrollActions(acts, unrollFrom);
        break;
      }
    }
  }

  /** Saves actions i.. of 'acts' to run after thawing (freeze_unroll_actions). */
  private freezeUnrollActions(acts: readonly Ofpact[], from: number): void {
    for (let i = from; i < acts.length; i++) {
      const a = acts[i]!;
      switch (a.type) {
        case 'OUTPUT_REG': case 'OUTPUT_TRUNC': case 'GROUP': case 'OUTPUT': case 'CONTROLLER':
        case 'DEC_MPLS_TTL': case 'DEC_NSH_TTL': case 'DEC_TTL':
          /* These may send packet-ins, which report the table and cookie. */
          this.freezePutUnrollXlate();
          break;
        case 'RESUBMIT':
          if (a.tableId === 0xff) this.freezePutUnrollXlate();
          break;
        default:
          break;
      }
      this.frozenActions.push(a);
    }
  }

  private freezePutUnrollXlate(): void {
    const last = this.lastUnroll;
    if (!last || last.ruleTableId !== this.tableId || last.ruleCookie !== this.ruleCookie) {
      const u: OfpactOf<'UNROLL_XLATE'> = { type: 'UNROLL_XLATE', ruleTableId: this.tableId, ruleCookie: this.ruleCookie };
      this.frozenActions.push(u);
      this.lastUnroll = u;
    }
  }

  /** The last unroll_xlate put in the frozen actions. */
  private lastUnroll: OfpactOf<'UNROLL_XLATE'> | null = null;
  /** Hash to compute before recirculating (select groups with dp_hash). */
  private recircHash: { alg: number; basis: number } | null = null;

  /** Freezes, asking the datapath to compute dp_hash first (ctx_trigger_recirculate_with_hash). */
  private triggerRecirculateWithHash(alg: number, basis: number): void {
    this.exit = true;
    this.freezing = true;
    this.recircHash = { alg, basis };
  }

  /** Paused controller action, if any (for continuations). */
  pause: OfpactOf<'CONTROLLER'> | null = null;
  /** The nat() action ct() uses. */
  ctNat: OfpactOf<'NAT'> | null = null;

  private xlateResubmit(a: OfpactOf<'RESUBMIT'>, last: boolean): void {
    let mayPacketIn = false, honorTableMiss = false;
    if (this.rule && isInternal(this.rule)) { mayPacketIn = true; honorTableMiss = true; }
    const inPort = a.inPort === OFPP_IN_PORT ? get32(this.flow, FL.IN_PORT) : a.inPort;
    const tableId = a.tableId === 255 ? this.tableId : a.tableId;
    this.xlateTableAction(inPort, tableId, mayPacketIn, honorTableMiss, a.withCtOrig, last);
  }

  /** Adds actions to the action set (xlate_write_actions__). */
  private writeActions(acts: readonly Ofpact[]): void {
    if (!this.actionSetHasGroup) {
      for (const a of acts) {
        if (a.type === 'OUTPUT') put32(this.flow, FL.ACTSET_OUTPUT, a.port);
        else if (a.type === 'GROUP') {
          put32(this.flow, FL.ACTSET_OUTPUT, OFPP_UNSET);
          this.actionSetHasGroup = true;
          break;
        }
      }
    }
    this.actionSet.push(...acts);
  }

  /** Runs the action set at the end of the pipeline (xlate_action_set). */
  xlateActionSet(): void {
    const list = executeActionSet(this.actionSet);
    this.actionSet = [];
    if (!list.length) return;
    this.inActionSet = true;
    const oldTrace = this.trace;
    if (this.trace) this.trace = this.report(TraceType.TABLE, '--. Executing action set:');
    this.doXlateActions(list, true, false);
    this.trace = oldTrace;
    this.inActionSet = false;
  }

  /** Translates 'acts' as a clone: the flow comes back unchanged (clone_xlate_actions). */
  cloneXlateActions(acts: readonly Ofpact[], isLast: boolean): void {
    const oldStack = this.stack.slice(), oldActionSet = this.actionSet.slice();
    const oldFlow = this.flow.slice();
    if (reversibleActions(acts) || isLast) {
      this.doXlateActions(acts, isLast, false);
      if (!this.freezing) this.xlateActionSet();
      if (this.freezing) this.finishFreezing();
    } else {
      this.commit();
      const oldBase = this.baseFlow.slice();
      const oldWasMpls = this.wasMpls, oldConntracked = this.conntracked;
      const outer = this.odp;
      this.odp = [];
      this.doXlateActions(acts, true, false);
      if (!this.freezing) this.xlateActionSet();
      if (this.freezing) this.finishFreezing();
      const inner = this.odp;
      this.odp = outer;
      if (inner.length) {
        if (this.xbridge.support.clone) this.odp.push({ type: 'clone', actions: inner });
        else this.odp.push({ type: 'sample', probability: 0xffffffff, actions: inner });
      }
      this.conntracked = oldConntracked;
      this.wasMpls = oldWasMpls;
      this.baseFlow = oldBase;
    }
    this.actionSet = oldActionSet;
    this.stack = oldStack;
    this.flow.set(oldFlow);
  }

  /* ---- Output. ---- */

  /** Emits the datapath actions that bring the packet up to date (xlate_commit_actions). */
  commit(): void {
    this.slow |= commitOdpActions(this.flow, this.baseFlow, this.wc, this.odp, this.xbridge.support.maskedSet);
  }

  /** output:port (xlate_output_action). */
  xlateOutputAction(port: number, maxLen: number, mayPacketIn: boolean, isLast: boolean, truncate: boolean,
                    groupBucketAction: boolean): void {
    const inPort = get32(this.flow, FL.IN_PORT);
    switch (port) {
      case OFPP_IN_PORT:
        this.composeOutputAction(inPort, isLast, truncate);
        break;
      case OFPP_TABLE:
        this.xlateTableAction(inPort, 0, mayPacketIn, true, false, false);
        break;
      case OFPP_NORMAL:
        xlateNormal(this);
        break;
      case OFPP_FLOOD:
        this.floodPackets(false, isLast);
        break;
      case OFPP_ALL:
        this.floodPackets(true, isLast);
        break;
      case OFPP_CONTROLLER:
        this.xlateControllerAction(maxLen, this.inPacketOut ? OFPR_PACKET_OUT : groupBucketAction ? OFPR_GROUP
          : this.inActionSet ? OFPR_ACTION_SET : OFPR_ACTION, 0, NX_CTLR_NO_METER, null);
        break;
      case OFPP_NONE:
        break;
      default:
        if (port !== inPort) this.composeOutputAction(port, isLast, truncate);
        else this.reportInfo('skipping output to input port');
        break;
    }
  }

  /** Reports something OVS logs at info level when not tracing. */
  reportInfo(text: string): void {
    if (this.trace) traceReport(this.trace, TraceType.WARN, text);
    else if (this.xin.packet) log.info(`${text} on bridge ${this.xbridge.name}`);
  }

  private floodPackets(all: boolean, isLast: boolean): void {
    const inPort = get32(this.flow, FL.IN_PORT);
    const ports = this.xbridge.floodOrder ?? [...this.xbridge.ports.values()].sort((a, b) => a.ofpPort - b.ofpPort);
    const chosen = ports.filter((p) => p.ofpPort !== inPort && (all || !(p.config & PC_NO_FLOOD)));
    chosen.forEach((p, i) => {
      if (all) this.composeOutputAction__(p.ofpPort, false, isLast && i === chosen.length - 1, false);
      else this.composeOutputAction(p.ofpPort, isLast && i === chosen.length - 1, false);
    });
  }

  /** Output to one port (compose_output_action). */
  composeOutputAction(ofpPort: number, isLast: boolean, truncate: boolean): void {
    this.composeOutputAction__(ofpPort, true, isLast, truncate);
  }

  private checkOutputPrerequisites(xport: XPort | undefined): xport is XPort {
    if (!xport) {
      this.report(TraceType.WARN, 'Nonexistent output port');
      return false;
    }
    if (xport.config & PC_NO_FWD) {
      this.report(TraceType.DETAIL, 'OFPPC_NO_FWD set, skipping output');
      return false;
    }
    if (this.flowIsProtected(xport)) {
      this.report(TraceType.WARN, 'Flow is between protected ports, skipping output.');
      return false;
    }
    return true;
  }

  private flowIsProtected(out: XPort): boolean {
    const inX = this.xbridge.ports.get(get32(this.flow, FL.IN_PORT));
    return !!(inX?.bundle?.protected && out.bundle?.protected);
  }

  /** compose_output_action__: commits and outputs, or crosses a patch port. */
  composeOutputAction__(ofpPort: number, _checkStp: boolean, isLast: boolean, truncate: boolean): void {
    const xport = this.xbridge.ports.get(ofpPort);
    if (!this.checkOutputPrerequisites(xport)) return;
    if (xport.peer) {
      if (truncate) this.reportError('Cannot truncate output to patch port');
      this.patchPortOutput(xport, xport.peer, isLast);
      return;
    }
    const flow = this.flow;
    const saved = {
      vlans: flow.slice(FL.VLANS, FL.VLANS + 8), tos: flow[FL.NW_TOS]!, dst: flow.slice(FL.DL_DST, FL.DL_DST + 12),
      pt: get32(flow, FL.PACKET_TYPE), dl: get16(flow, FL.DL_TYPE),
    };
    if (xport.dscpBySkbPriority && xport.dscpBySkbPriority.size) {
      wcMask(this.wc, FL.SKB_PRIORITY, 4);
      const dscp = xport.dscpBySkbPriority.get(get32(flow, FL.SKB_PRIORITY));
      if (dscp !== undefined) {
        this.wc[FL.NW_TOS]! |= IP_DSCP_MASK;
        flow[FL.NW_TOS] = (flow[FL.NW_TOS]! & ~IP_DSCP_MASK) | dscp;
      }
    }
    if (xport.isTunnel) {
      xlateTunnelOutput(this, xport, isLast, truncate);
    } else if (xport.odpPort !== ODPP_NONE) {
      this.commit();
      /* A packet for a native tunnel arriving at the underlay bridge's local port is decapsulated. */
      const tnlPort = xlateTerminateTunnel(this, xport);
      if (tnlPort >= 0) this.odp.push({ type: 'tnl_pop', port: tnlPort });
      else this.odp.push({ type: 'output', port: xport.odpPort });
    }
    flow.set(saved.vlans, FL.VLANS);
    flow[FL.NW_TOS] = saved.tos;
    flow.set(saved.dst, FL.DL_DST);
    put32(flow, FL.PACKET_TYPE, saved.pt);
    put16(flow, FL.DL_TYPE, saved.dl);
  }

  /** Continues translation in the bridge on the other side of a patch port (patch_port_output). */
  patchPortOutput(inDev: XPort, outDev: XPort, isLast: boolean): void {
    const flow = this.flow;
    const oldFlow = flow.slice();
    const oldWcTnl = this.wc.slice(0, FL.METADATA);
    const oldConntracked = this.conntracked, oldWasMpls = this.wasMpls, oldVersion = this.version;
    const oldStack = this.stack, oldActionSet = this.actionSet, oldTrace = this.trace;
    this.stack = [];
    this.actionSet = [];
    put32(flow, FL.IN_PORT, outDev.ofpPort);
    put64(flow, FL.METADATA, 0n);
    flow.fill(0, 0, FL.METADATA);
    this.wc.fill(0, 0, FL.METADATA);
    flow.fill(0, FL.REGS, FL.REGS + 64);
    put32(flow, FL.ACTSET_OUTPUT, OFPP_UNSET);
    this.clearConntrack();
    if (this.trace) this.trace = this.report(TraceType.BRIDGE, `bridge("${outDev.bridge.name}")`);
    this.xbridge = outDev.bridge;
    this.version = outDev.bridge.ofproto.tablesVersion;
    if (this.mayReceive(outDev)) {
      this.xlateTableAction(get32(flow, FL.IN_PORT), 0, true, true, false, isLast, true);
      if (!this.freezing) this.xlateActionSet();
      if (this.freezing) this.finishFreezing();
    }
    this.trace = oldTrace;
    flow.set(oldFlow);
    this.xbridge = inDev.bridge;
    this.actionSet = oldActionSet;
    this.stack = oldStack;
    this.version = oldVersion;
    this.wc.set(oldWcTnl, 0);
    this.wasMpls = oldWasMpls;
    this.conntracked = oldConntracked;
    this.exit = false;
    this.error = XlateError.OK;
  }

  private xlateEnqueueAction(port: number, queue: number, isLast: boolean, groupBucket: boolean): void {
    /* Queues map to skb_priority; without a queue table the queue id is used as is. */
    const flow = this.flow;
    const old = get32(flow, FL.SKB_PRIORITY);
    put32(flow, FL.SKB_PRIORITY, queue);
    const ofpPort = port === OFPP_IN_PORT ? get32(flow, FL.IN_PORT) : port;
    if (ofpPort === get32(flow, FL.IN_PORT) && port !== OFPP_IN_PORT) {
      /* Sending back out the input port requires OFPP_IN_PORT. */
    } else if (ofpPort < OFPP_MAX || ofpPort === OFPP_LOCAL) {
      this.composeOutputAction(ofpPort, isLast, false);
    } else {
      this.xlateOutputAction(ofpPort, 0, false, isLast, false, groupBucket);
    }
    put32(flow, FL.SKB_PRIORITY, old);
  }

  private xlateOutputRegAction(src: MfSubfield, maxLen: number, isLast: boolean, groupBucket: boolean): void {
    const port = Number(subfieldRead(src, this.flow));
    if (port <= 0xffff) {
      this.report(TraceType.DETAIL, `output port is ${port}`);
      subfieldMask(src, this.wc);
      this.xlateOutputAction(port, maxLen, false, isLast, false, groupBucket);
    } else {
      this.report(TraceType.WARN, `output port ${port} is out of range`);
    }
  }

  private xlateOutputTruncAction(port: number, maxLen: number, isLast: boolean, groupBucket: boolean): void {
    if (!this.xbridge.support.trunc) { this.slow |= SLOW_ACTION; }
    switch (port) {
      case OFPP_TABLE: case OFPP_NORMAL: case OFPP_FLOOD: case OFPP_ALL: case OFPP_CONTROLLER: case OFPP_NONE:
        this.reportError(`output_trunc does not support port: ${port}`);
        return;
      default: {
        const xport = this.xbridge.ports.get(port);
        if (!xport || !xport.odpPort || xport.odpPort === ODPP_NONE) {
          this.reportError('output_trunc does not support patch port');
          return;
        }
        if (port !== get32(this.flow, FL.IN_PORT)) {
          this.odp.push({ type: 'trunc', maxLen });
          this.xlateOutputAction(port, 0, false, isLast, true, groupBucket);
        } else {
          this.reportInfo('skipping output to input port');
        }
      }
    }
  }

  /* ---- Controller. ---- */

  /** Sends the packet to the controller (xlate_controller_action). */
  xlateControllerAction(len: number, reason: number, controllerId: number, meterId: number,
                        userdata: Uint8Array | null): void {
    this.commit();
    if (reason === OFPR_ACTION && this.rule && ruleIsTableMiss(this.rule)) reason = OFPR_EXPLICIT_MISS;
    const state: FrozenState = {
      bridge: this.xbridge.name, tableId: this.tableId, metadata: frozenMetadata(this.flow),
      stack: this.stack.map((v) => bigintToBytes(v)), mirrors: 0, conntracked: this.conntracked,
      wasMpls: this.wasMpls, ofpacts: [], actionSet: [], userdata: userdata && userdata.length ? userdata : null,
      ruleCookie: this.ruleCookie, dpFlow: this.flow.slice(0, FLOW_SIZE),
    };
    const recircId = this.xbridge.rids.alloc(state);
    this.recircs.push(recircId);
    let meter = meterId === NX_CTLR_NO_METER ? this.xbridge.ofproto.controllerMeterId : meterId;
    if (meter === NX_CTLR_NO_METER) meter = -1;
    const userspace: OdpAction = {
      type: 'userspace', pid: this.xbridge.portPid?.(this.odpInPort()) ?? 0,
      cookie: {
        type: 'controller', reason, dontSend: !this.allowSideEffects, continuation: false, recircId,
        ruleCookie: this.ruleCookie, controllerId, maxLen: len,
      },
      userdata: null, actions: false, tunnelOutPort: null,
    };
    if (meter >= 0) {
      this.odp.push({ type: 'sample', probability: 0xffffffff, actions: [{ type: 'meter', id: meter }, userspace] });
    } else {
      this.odp.push(userspace);
    }
  }

  private odpInPort(): number {
    return this.xbridge.ports.get(get32(this.flow, FL.IN_PORT))?.odpPort ?? ODPP_NONE;
  }

  /* ---- Groups. ---- */

  /** group:N (xlate_group_action); returns true if the group does not exist. */
  xlateGroupAction(groupId: number, isLast: boolean): boolean {
    if (!this.resourceCheck()) return false;
    const group = this.xbridge.ofproto.groupLookup(groupId, this.version);
    if (!group) {
      this.report(TraceType.WARN, `output to nonexistent group ${groupId >>> 0}`);
      return true;
    }
    if (group.type === OFPGT11_ALL || group.type === OFPGT11_INDIRECT) {
      group.buckets.forEach((b, i) => this.xlateGroupBucket(b.bucketId, bucketOfpacts(b), isLast && i === group.buckets.length - 1));
      this.groupStats(group, -1);
    } else {
      let idx = -1;
      if (group.type === OFPGT11_SELECT) idx = this.pickSelectBucket(group);
      else if (group.type === OFPGT11_FF) idx = this.firstLiveBucket(group, 0);
      if (idx >= 0) {
        const b = group.buckets[idx]!;
        this.report(TraceType.DETAIL, `using bucket ${b.bucketId >>> 0}`);
        this.xlateGroupBucket(b.bucketId, bucketOfpacts(b), isLast);
        this.groupStats(group, idx);
      } else {
        this.report(TraceType.DETAIL, 'no live bucket');
      }
    }
    return false;
  }

  private groupStats(group: OfGroup, bucket: number): void {
    if (this.xin.resubmitStats) this.xbridge.groupCredit?.(group, bucket, this.xin.resubmitStats);
  }

  private xlateGroupBucket(bucketId: number, acts: Ofpact[], isLast: boolean): void {
    const oldTrace = this.trace;
    if (this.trace) this.trace = traceReport(this.trace, TraceType.BUCKET, `bucket ${bucketId >>> 0}`).subs;
    const list = executeActionSet(acts);
    const oldFlow = this.flow.slice(), oldWasMpls = this.wasMpls;
    this.depth++;
    this.doXlateActions(list, isLast, true);
    this.depth--;
    if (this.freezing) this.finishFreezing();
    this.flow.set(oldFlow);
    this.wasMpls = oldWasMpls;
    this.exit = false;
    if (this.error === XlateError.TOO_MANY_MPLS_LABELS || this.error === XlateError.UNSUPPORTED_PACKET_TYPE) {
      this.error = XlateError.OK;
    }
    this.trace = oldTrace;
  }

  private bucketIsAlive(group: OfGroup, b: OfGroup['buckets'][number], depth: number): boolean {
    if (depth >= MAX_LIVENESS_RECURSION) {
      this.reportError(`bucket chaining exceeded ${MAX_LIVENESS_RECURSION} links`);
      return false;
    }
    if (group.type === OFPGT11_SELECT && b.weight === 0) return false;
    const hasLiveness = b.watchPort !== OFPP_ANY || b.watchGroup !== OFPG_ANY;
    if (!hasLiveness) return true;
    if (b.watchPort !== OFPP_ANY && b.watchPort !== OFPP_CONTROLLER) {
      const xp = this.xbridge.ports.get(b.watchPort);
      if (xp && xp.mayEnable) return true;
    }
    if (b.watchGroup !== OFPG_ANY) {
      const g = this.xbridge.ofproto.groupLookup(b.watchGroup, this.version);
      if (g && this.firstLiveBucket(g, depth + 1) >= 0) return true;
    }
    return b.watchPort === OFPP_CONTROLLER;
  }

  private reportBucketNotLive(b: OfGroup['buckets'][number]): void {
    if (!this.trace) return;
    const why: string[] = [];
    if (b.watchPort !== OFPP_ANY) why.push(`port ${b.watchPort}`);
    if (b.watchGroup !== OFPG_ANY) why.push(`group ${b.watchGroup >>> 0}`);
    this.report(TraceType.DETAIL, `bucket ${b.bucketId >>> 0}: not live due to ${why.join(' and ')}`);
  }

  private firstLiveBucket(group: OfGroup, depth: number): number {
    for (let i = 0; i < group.buckets.length; i++) {
      const b = group.buckets[i]!;
      if (this.bucketIsAlive(group, b, depth)) return i;
      this.reportBucketNotLive(b);
    }
    return -1;
  }

  /** Picks a select group's bucket by the group's selection method (pick_select_group). */
  private pickSelectBucket(group: OfGroup): number {
    if (this.wasMpls) { this.triggerFreeze(); return -1; }
    const table = dpHashTable(group);
    if (table) return this.pickDpHashBucket(group, table);
    if (group.props.selectionMethod === 'hash' && group.props.fields.length) return this.pickHashFieldsBucket(group);
    return this.pickDefaultBucket(group);
  }

  /** "hash" method: a hash of the group's fields under their masks, best
   * weighted score (pick_hash_fields_select_group). */
  private pickHashFieldsBucket(group: OfGroup): number {
    const param = group.props.selectionMethodParam;
    let basis = hashFinish(mix(mix(0, Number(param & 0xffffffffn)), Number(param >> 32n)), 8);
    for (const { field, value: mask } of hashFieldsInIdOrder(group)) {
      if (!prereqsOkWc(field.prereqs, this.flow, this.wc)) continue;
      const v = fieldGet(field, this.flow);
      for (let j = 0; j < field.nBytes; j++) v[j]! &= mask[j]!;
      basis = hashBytes(v, basis);
      if (field.id >= MF.TUN_METADATA0 && field.id < MF.TUN_METADATA0 + 64) {
        const set = v.some((b) => b !== 0);
        basis = ((set ? 0xc2b73583 : 0xe90f1258) ^ ((basis << 1) | (basis >>> 31))) >>> 0;
      }
      fieldMaskMasked(field, this.wc, mask);
    }
    return this.bestLiveBucket(group, basis);
  }

  /** The live bucket with the best weighted score for 'basis' (group_best_live_bucket). */
  private bestLiveBucket(group: OfGroup, basis: number): number {
    let best = -1, bestScore = 0;
    group.buckets.forEach((b, i) => {
      if (this.bucketIsAlive(group, b, 0)) {
        const score = (hashInt(b.bucketId >>> 0, basis) & 0xffff) * b.weight;
        if (score >= bestScore) { best = i; bestScore = score; }
        this.report(TraceType.DETAIL, `bucket ${b.bucketId >>> 0}: score ${score}`);
      } else {
        this.reportBucketNotLive(b);
      }
    });
    return best;
  }

  /** dp_hash method: recirculate to get a datapath hash, then map it to a bucket. */
  private pickDpHashBucket(group: OfGroup, t: DpHashTable): number {
    const dpHash = get32(this.flow, FL.DP_HASH);
    if (!dpHash) {
      this.triggerRecirculateWithHash(t.alg, t.basis);
      return -1;
    }
    put32(this.wc, FL.DP_HASH, get32(this.wc, FL.DP_HASH) | t.mask);
    for (let i = 0; i <= t.mask; i++) {
      const idx = t.map[(dpHash + i) & t.mask]!;
      if (this.bucketIsAlive(group, group.buckets[idx]!, 0)) return idx;
    }
    return -1;
  }

  /** Default select method: symmetric L4 hash, best weighted score (pick_default_select_group). */
  private pickDefaultBucket(group: OfGroup): number {
    flowMaskHashFields(this.flow, this.wc, NX_HASH_FIELDS.SYMMETRIC_L4);
    return this.bestLiveBucket(group, flowHashSymmetricL4(this.flow, 0));
  }

  /* ---- Header actions. ---- */

  private xlateRegMove(src: MfSubfield, dst: MfSubfield): void {
    const flow = this.flow, wc = this.wc;
    if (prereqsOkWc(dst.field.prereqs, flow, wc) && prereqsOkWc(src.field.prereqs, flow, wc)) {
      subfieldMask(src, wc);
      subfieldMask(dst, wc);
      subfieldWrite(dst, flow, subfieldRead(src, flow));
    }
    this.reportSubfield(dst);
  }

  private xlateStackPop(sf: MfSubfield): void {
    const v = this.stack.pop();
    if (v === undefined) {
      this.reportError(`stack underflow`);
      return;
    }
    subfieldMask(sf, this.wc);
    subfieldWrite(sf, this.flow, v);
    this.reportSubfield(sf);
  }

  private composeMplsPush(ethertype: number): void {
    const flow = this.flow;
    const n = countMplsLabelsWc(flow, this.wc);
    if (!n) {
      this.commit();
    } else if (n >= FLOW_MAX_MPLS_LABELS) {
      if (this.xin.packet) {
        this.reportError(`dropping packet on which an MPLS push action can't be performed as it would have more MPLS LSEs than the ${FLOW_MAX_MPLS_LABELS} supported.`);
      }
      this.error = XlateError.TOO_MANY_MPLS_LABELS;
      return;
    }
    if (n) {
      this.wc.fill(0xff, FL.MPLS_LSE, FL.MPLS_LSE + 4 * n);
      flowPushMpls(flow, n, ethertype, get32(flow, FL.MPLS_LSE) & ~0x100);
    } else {
      /* A first label: IPv4 (or IPv6) explicit null, TTL and TC from IP. */
      const label = get16(flow, FL.DL_TYPE) === ETH_TYPE_IPV6 ? 2 : 0;
      let tc = 0, ttl = 64;
      if (isIpAny(flow)) {
        tc = (flow[FL.NW_TOS]! & IP_DSCP_MASK) >> 2;
        this.wc[FL.NW_TOS]! |= IP_DSCP_MASK;
        this.wc[FL.NW_TTL] = 0xff;
        if (flow[FL.NW_TTL]) ttl = flow[FL.NW_TTL]!;
      }
      const lse = ((label << 12) | ((tc << 9) & 0xe00) | 0x100 | (ttl & 0xff)) >>> 0;
      flowPushMpls(flow, 0, ethertype, lse);
      /* L3 and L4 headers are no longer visible. */
      flow.fill(0, FL.NW_SRC, FLOW_SIZE);
      put32(flow, FL.DP_HASH, 0);
    }
  }

  private composeMplsPop(ethertype: number): void {
    const flow = this.flow;
    const n = countMplsLabelsWc(flow, this.wc);
    if (n === 0) return;
    if (n === FLOW_MAX_MPLS_LABELS) {
      put32(this.wc, FL.MPLS_LSE + 4 * (n - 1), get32(this.wc, FL.MPLS_LSE + 4 * (n - 1)) | 0x100);
      if (!(get32(flow, FL.MPLS_LSE + 4 * (n - 1)) & 0x100)) {
        if (this.xin.packet) {
          this.reportError(`dropping packet on which an MPLS pop action can't be performed as it has more MPLS LSEs than the ${FLOW_MAX_MPLS_LABELS} supported.`);
        }
        this.error = XlateError.TOO_MANY_MPLS_LABELS;
        this.odp.length = 0;
        return;
      }
    }
    this.wc.fill(0xff, FL.MPLS_LSE + 4, FL.MPLS_LSE + 4 * n);
    flowPopMpls(flow, n, ethertype);
    if (!isMpls(ethertype) && this.xbridge.support.recirc) this.wasMpls = true;
  }

  private composeSetMpls(mask: number, shift: number, v: number): void {
    const flow = this.flow;
    if (!isMpls(get16(flow, FL.DL_TYPE))) return;
    put32(this.wc, FL.MPLS_LSE, get32(this.wc, FL.MPLS_LSE) | mask);
    put32(flow, FL.MPLS_LSE, ((get32(flow, FL.MPLS_LSE) & ~mask) | ((v << shift) & mask)) >>> 0);
  }

  private composeDecMplsTtl(): boolean {
    const flow = this.flow;
    if (isMpls(get16(flow, FL.DL_TYPE))) {
      put32(this.wc, FL.MPLS_LSE, get32(this.wc, FL.MPLS_LSE) | 0xff);
      const ttl = get32(flow, FL.MPLS_LSE) & 0xff;
      if (ttl > 1) {
        put32(flow, FL.MPLS_LSE, ((get32(flow, FL.MPLS_LSE) & ~0xff) | (ttl - 1)) >>> 0);
        return false;
      }
      this.xlateControllerAction(0xffff, OFPR_INVALID_TTL, 0, NX_CTLR_NO_METER, null);
    }
    this.report(TraceType.WARN, 'MPLS decrement TTL exception');
    return true;
  }

  /** dec_ttl (compose_dec_ttl); true if the TTL ran out (stops this action list). */
  private composeDecTtl(cntIds: number[]): boolean {
    const flow = this.flow;
    if (!isIpAny(flow)) return false;
    if (flow[FL.NW_TTL]! > 1) {
      flow[FL.NW_TTL]!--;
      return false;
    }
    for (const id of cntIds) this.xlateControllerAction(0xffff, OFPR_INVALID_TTL, id, NX_CTLR_NO_METER, null);
    this.report(TraceType.WARN, `IPv${get16(flow, FL.DL_TYPE) === ETH_TYPE_IP ? 4 : 6} decrement TTL exception`);
    return true;
  }

  private xlateFinTimeout(idle: number, hard: number): void {
    this.hasFinTimeout = true;
    if (!(this.xin.tcpFlagsFin ?? false)) return;
    const r = this.rule;
    if (r && !isInternal(r) && this.allowSideEffects) this.xbridge.ofproto.ruleReduceTimeouts(r, idle, hard);
  }

  private xlateMeterAction(meterId: number): void {
    const m = this.xbridge.ofproto.meters.get(meterId);
    if (!m) return;
    this.commit();
    this.odp.push({ type: 'meter', id: m.providerMeterId });
  }

  private xlateMultipath(a: OfpactOf<'MULTIPATH'>): void {
    /* A link chosen by a hash of the selected fields (multipath_execute). */
    const hash = flowHashFields(this.flow, a.fields, a.basis);
    const link = multipathAlgorithm(hash, a.algorithm, a.maxLink + 1, a.arg);
    flowMaskHashFields(this.flow, this.wc, a.fields);
    subfieldMask(a.dst, this.wc);
    subfieldWrite(a.dst, this.flow, BigInt(link));
    this.reportSubfield(a.dst);
  }

  private xlateBundleAction(a: OfpactOf<'BUNDLE'>, isLast: boolean, groupBucket: boolean): void {
    /* A member chosen by bundle_execute; reserved ports count as enabled, the controller never. */
    const enabled = (m: number): boolean => {
      if (m === OFPP_CONTROLLER) return false;
      if (m >= 0xfff8 && m !== 0xfffe) return true;
      return this.xbridge.ports.get(m)?.mayEnable ?? false;
    };
    const port = bundleSelect(a.algorithm, a.fields, a.basis, a.members, this.flow, this.wc, enabled) ?? OFPP_NONE;
    if (a.dst) {
      subfieldMask(a.dst, this.wc);
      subfieldWrite(a.dst, this.flow, BigInt(port));
      this.reportSubfield(a.dst);
    } else {
      this.xlateOutputAction(port, 0, false, isLast, false, groupBucket);
    }
  }

  private xlateCheckPktLarger(a: OfpactOf<'CHECK_PKT_LARGER'>, rest: Ofpact[]): void {
    const dst = a.dst;
    if (!this.xbridge.support.checkPktLen) {
      /* Without datapath support the length is only known in the slow path. */
      const larger = this.xin.packet ? this.xin.packet.length > a.pktLen : false;
      subfieldWrite(dst, this.flow, larger ? 1n : 0n);
      this.slow |= SLOW_ACTION;
      return;
    }
    const oldStack = this.stack.slice(), oldActionSet = this.actionSet.slice();
    const oldFlow = this.flow.slice();
    this.commit();
    const oldBase = this.baseFlow.slice();
    const oldWasMpls = this.wasMpls, oldConntracked = this.conntracked;
    const outer = this.odp;
    const branch = (v: bigint): OdpAction[] => {
      this.odp = [];
      subfieldWrite(dst, this.flow, v);
      this.doXlateActions(rest, true, false);
      if (!this.freezing) this.xlateActionSet();
      if (this.freezing) this.finishFreezing();
      return this.odp;
    };
    const gt = branch(1n);
    this.baseFlow = oldBase.slice();
    this.wasMpls = oldWasMpls;
    this.conntracked = oldConntracked;
    this.flow.set(oldFlow);
    const oldExit = this.exit;
    this.exit = false;
    const le = branch(0n);
    this.odp = outer;
    this.odp.push({ type: 'check_pkt_len', size: a.pktLen, gt, le });
    this.actionSet = oldActionSet;
    this.stack = oldStack;
    this.baseFlow = oldBase;
    this.wasMpls = oldWasMpls;
    this.conntracked = oldConntracked;
    this.flow.set(oldFlow);
    this.exit = oldExit;
  }

  /* ---- Conntrack (the datapath action; state tracking is the datapath's). ---- */

  private composeConntrack(a: OfpactOf<'CT'>, isLast: boolean): void {
    const flow = this.flow, wc = this.wc;
    let zone: number;
    if (a.zoneSrc) {
      zone = Number(subfieldRead(a.zoneSrc, flow));
      subfieldMask(a.zoneSrc, wc);
    } else {
      zone = a.zoneImm;
    }
    const oldLabelMask = wc.slice(FL.CT_LABEL, FL.CT_LABEL + 16), oldMarkMask = get32(wc, FL.CT_MARK);
    this.commit();
    /* Nested actions (ct_mark, ct_label, nat) fill in the ct() action. */
    this.ctNat = null;
    put32(wc, FL.CT_MARK, 0);
    wc.fill(0, FL.CT_LABEL, FL.CT_LABEL + 16);
    this.doXlateActions(a.actions, isLast, false);
    const markMask = get32(wc, FL.CT_MARK);
    const mark: [number, number] | null = markMask ? [(get32(flow, FL.CT_MARK) & markMask) >>> 0, markMask] : null;
    let labels: { value: Uint8Array; mask: Uint8Array } | null = null;
    const lm = wc.slice(FL.CT_LABEL, FL.CT_LABEL + 16);
    if (lm.some((b) => b)) {
      const v = flow.slice(FL.CT_LABEL, FL.CT_LABEL + 16);
      for (let i = 0; i < 16; i++) v[i]! &= lm[i]!;
      labels = { value: v, mask: lm };
    }
    this.odp.push({
      type: 'ct', ct: {
        commit: (a.flags & 1) !== 0, force: (a.flags & 2) !== 0, zone, mark, labels,
        helper: a.alg === 21 ? 'ftp' : a.alg === 69 ? 'tftp' : null, timeout: null, nat: this.ctNat ? formatCtNat(this.ctNat) : null,
      },
    });
    put32(wc, FL.CT_MARK, oldMarkMask);
    wc.set(oldLabelMask, FL.CT_LABEL);
    if (a.recircTable !== 0xff) {
      this.conntracked = true;
      this.recirculateAndFork(a.recircTable, zone);
    }
    this.ctNat = null;
    this.clearConntrack();
    this.report(TraceType.DETAIL, 'Sets the packet to an untracked state, and clears all the conntrack fields.');
    this.conntracked = false;
  }

  /** Freezes into 'table' and emits recirc(), letting translation go on (compose_recirculate_and_fork). */
  private recirculateAndFork(table: number, zone: number): void {
    this.freezing = true;
    const id = this.finishFreezing__(table);
    if (this.trace && id && this.xin.recircQueue) {
      const f = this.flow.slice();
      put32(f, FL.RECIRC_ID, id);
      put16(f, FL.CT_ZONE, zone);
      this.xin.recircQueue.push({ type: 'conntrack', recircId: id, flow: f, packet: this.xin.packet ?? null });
      this.report(TraceType.DETAIL, `A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table ${table}.`);
    }
  }

  /* ---- Freezing. ---- */

  triggerFreeze(): void {
    this.exit = true;
    this.freezing = true;
  }

  /** Emits recirc() for the frozen state (finish_freezing). */
  finishFreezing(): void {
    this.commit();
    this.finishFreezing__(0);
  }

  /** Saves the frozen state under a recirculation id and emits recirc (finish_freezing__). */
  private finishFreezing__(table: number): number {
    const state: FrozenState = {
      bridge: this.xbridge.name, tableId: table, metadata: frozenMetadata(this.flow),
      stack: this.stack.map((v) => bigintToBytes(v)), mirrors: 0, conntracked: this.conntracked,
      wasMpls: this.wasMpls, ofpacts: this.frozenActions, actionSet: this.actionSet.slice(),
      userdata: this.pause && this.pause.userdata.length ? this.pause.userdata : null,
      ruleCookie: this.ruleCookie,
    };
    const id = this.xbridge.rids.alloc(state);
    this.recircs.push(id);
    if (this.pause) {
      this.emitContinuation(id);
    } else {
      if (this.recircHash) this.odp.push({ type: 'hash', alg: this.recircHash.alg, basis: this.recircHash.basis });
      this.odp.push({ type: 'recirc', id });
    }
    this.freezing = false;
    this.frozenActions = [];
    this.lastUnroll = null;
    this.recircHash = null;
    this.pause = null;
    return id;
  }

  /** A paused controller action: a userspace action naming the continuation. */
  private emitContinuation(recircId: number): void {
    const p = this.pause!;
    this.odp.push({
      type: 'userspace', pid: this.xbridge.portPid?.(this.odpInPort()) ?? 0,
      cookie: {
        type: 'controller', reason: p.reason, dontSend: !this.allowSideEffects, continuation: true, recircId,
        ruleCookie: this.ruleCookie, controllerId: p.controllerId, maxLen: p.maxLen,
      },
      userdata: null, actions: false, tunnelOutPort: null,
    });
  }

  /* ---- Learn. ---- */

  private xlateLearnAction(a: OfpactOf<'LEARN'>): void {
    this.hasLearn = true;
    /* learn_mask: what the learned flow depends on. */
    for (const spec of a.specs) if (spec.srcType !== NX_LEARN_SRC_IMMEDIATE && spec.src) subfieldMask(spec.src, this.wc);
    if (!this.allowSideEffects) {
      this.report(TraceType.WARN, 'suppressing side effects, so learn action ignored');
      return;
    }
    const { match, acts } = learnExecute(a, this.flow);
    if (this.trace) {
      let s = `table=${a.tableId} `;
      s += formatMatch(match, undefined, OFP_DEFAULT_PRIORITY);
      s = s.replace(/ $/, '');
      s += ` priority=${a.priority}`;
      if (a.cookie) s += ` cookie=0x${a.cookie.toString(16)}`;
      if (a.idleTimeout) s += ` idle=${a.idleTimeout}`;
      if (a.hardTimeout) s += ` hard=${a.hardTimeout}`;
      if (a.flags & NX_LEARN_F_SEND_FLOW_REM) s += ' send_flow_rem';
      s += ' actions=' + formatActions(acts, {});
      this.report(TraceType.DETAIL, s);
    }
    const ofproto = this.xbridge.ofproto;
    const w = new OfpWriter();
    encodeActions(w, acts, 4);
    const ofpacts: Ofpacts = { version: 4, instructions: false, raw: w.buf.slice(0, w.len), decoded: acts };
    const existing = ofproto.tables[a.tableId]?.cls.findMatchExactly(match, a.priority, ofproto.tablesVersion);
    let ok = true;
    if (existing && existing.state === RuleState.INSERTED && sameActions(existing, ofpacts.raw)) {
      /* Relearning refreshes the flow's hard timeout (ofproto_flow_mod_learn_refresh). */
      existing.modified = ofproto.now();
    } else {
      const fm = simpleFlowMod({ match, priority: a.priority, tableId: a.tableId, cookie: a.cookie,
        idleTimeout: a.idleTimeout, hardTimeout: a.hardTimeout,
        flags: a.flags & NX_LEARN_F_SEND_FLOW_REM ? FF_SEND_FLOW_REM : 0 }, ofpacts, OFPFC_ADD);
      fm.importance = 0;
      const err = ofproto.handleFlowMod(fm);
      if (err) ok = false;
    }
    if (a.flags & NX_LEARN_F_WRITE_RESULT && a.resultDst) {
      subfieldMask(a.resultDst, this.wc);
      subfieldWrite(a.resultDst, this.flow, ok ? 1n : 0n);
      this.reportSubfield(a.resultDst);
    }
  }
}

/* ---- Entry point. ---- */

/** Translates one flow (xlate_actions). */
export function xlateActions(xin: XlateIn): XlateOut {
  const rid = get32(xin.flow, FL.RECIRC_ID);
  if (!xin.frozen && rid) {
    const st = xin.bridge.rids.find(rid);
    if (st) xin = { ...xin, frozen: st };
  }
  const ctx = new XlateCtx(xin);
  ctx.run();
  return ctx.out();
}

/* ---- Helpers. ---- */

const FLOW_MAX_MPLS_LABELS = 3;
const HASH_ALG_SYM_L4 = 1;
/** A select group's hash fields in meta-flow id order, as OVS keeps them. */
function hashFieldsInIdOrder(group: OfGroup): OfGroup['props']['fields'] {
  const f = group.props.fields;
  return f.every((x, i) => i === 0 || f[i - 1]!.field.id < x.field.id) ? f : f.slice().sort((a, b) => a.field.id - b.field.id);
}

/** A select group's dp_hash selection: hash values -> bucket index, and the hash to ask for. */
interface DpHashTable { mask: number; map: number[]; alg: number; basis: number }
const dpHashTables = new WeakMap<OfGroup, DpHashTable | null>();
const MAX_SELECT_GROUP_HASH_VALUES = 256;

/**
 * The dp_hash selection of a select group (group_set_selection_method and
 * group_setup_dp_hash_table): used with no selection method or "dp_hash"
 * when the weights fit in 256 hash values, which Webster's method shares out
 * between the buckets; null means the default (slow path hash) method.
 */
function dpHashTable(group: OfGroup): DpHashTable | null {
  if (dpHashTables.has(group)) return dpHashTables.get(group)!;
  let t: DpHashTable | null = null;
  const method = group.props.selectionMethod;
  const bs = group.buckets;
  let total = 0, minWeight = 0xffff;
  for (const b of bs) {
    if (b.weight > 0 && b.weight < minWeight) minWeight = b.weight;
    total += b.weight;
  }
  if ((method === '' || method === 'dp_hash') && bs.length && total) {
    const minSlots = Math.ceil(total / minWeight);
    let pow2 = 1;
    while (pow2 < minSlots) pow2 *= 2;
    const nHash = Math.max(16, pow2);
    if (nHash <= MAX_SELECT_GROUP_HASH_VALUES) {
      const w = bs.map((b) => ({ divisor: 1, value: b.weight }));
      const map: number[] = [];
      for (let h = 0; h < nHash; h++) {
        let win = 0;
        for (let i = 1; i < w.length; i++) if (w[i]!.value > w[win]!.value) win = i;
        w[win]!.divisor += 2;
        w[win]!.value = bs[win]!.weight / w[win]!.divisor;
        map.push(win);
      }
      const param = group.props.selectionMethodParam;
      const alg = method === 'dp_hash' ? Number(param >> 32n) : HASH_ALG_SYM_L4;
      t = { mask: nHash - 1, map, alg: alg > 1 ? 0 : alg, basis: method === 'dp_hash' ? Number(param & 0xffffffffn) : 0 };
    }
  }
  dpHashTables.set(group, t);
  return t;
}

/** Counts MPLS labels, un-wildcarding the BOS bits looked at (flow_count_mpls_labels). */
function countMplsLabelsWc(flow: Uint8Array, wc: Uint8Array): number {
  if (!isMpls(get16(flow, FL.DL_TYPE))) return 0;
  let cnt = 0;
  for (let i = 0; i < FLOW_MAX_MPLS_LABELS; i++) {
    const o = FL.MPLS_LSE + 4 * i;
    put32(wc, o, get32(wc, o) | 0x100);
    const lse = get32(flow, o);
    if (lse & 0x100) return i + 1;
    if (lse) cnt++;
  }
  return cnt;
}

/** The nat part of a datapath ct() action as OVS prints it. */
function formatCtNat(n: OfpactOf<'NAT'>): string {
  const parts: string[] = [];
  const kind = n.flags & 1 ? 'src' : n.flags & 2 ? 'dst' : '';
  let s = 'nat';
  if (kind) {
    let r = '';
    const ip = (b: Uint8Array | null): string => (b ? (b.length === 4 ? Array.from(b).join('.') : formatIpv6Bytes(b)) : '');
    if (n.range.min) r = ip(n.range.min) + (n.range.max && ip(n.range.max) !== ip(n.range.min) ? '-' + ip(n.range.max) : '');
    if (n.protoMin) r += `:${n.protoMin}` + (n.protoMax && n.protoMax !== n.protoMin ? `-${n.protoMax}` : '');
    parts.push(r ? `${kind}=${r}` : kind);
    if (n.flags & 4) parts.push('persistent');
    if (n.flags & 8) parts.push('hash');
    if (n.flags & 16) parts.push('random');
    s += `(${parts.join(',')})`;
  }
  return s;
}

function formatIpv6Bytes(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function ruleOfpacts(r: LookupRule): Ofpact[] {
  if (isInternal(r)) return r.actions;
  return r.actions.list as Ofpact[];
}

function bucketOfpacts(b: OfGroup['buckets'][number]): Ofpact[] {
  return b.actions.decoded;
}

function sameActions(r: Rule, raw: Uint8Array): boolean {
  const a = r.actions.ofpacts.raw;
  if (a.length !== raw.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== raw[i]) return false;
  return true;
}

const SET_OR_MOVE = new Set([
  'SET_FIELD', 'REG_MOVE', 'SET_ETH_DST', 'SET_ETH_SRC', 'SET_IP_DSCP', 'SET_IP_ECN', 'SET_IP_TTL',
  'SET_IPV4_DST', 'SET_IPV4_SRC', 'SET_L4_DST_PORT', 'SET_L4_SRC_PORT', 'SET_MPLS_LABEL', 'SET_MPLS_TC',
  'SET_MPLS_TTL', 'SET_QUEUE', 'SET_TUNNEL', 'SET_VLAN_PCP', 'SET_VLAN_VID',
]);
const ACTION_SET_SLOTS = ['STRIP_VLAN', 'POP_MPLS', 'DECAP', 'ENCAP', 'PUSH_MPLS', 'PUSH_VLAN', 'DEC_TTL',
  'DEC_MPLS_TTL', 'DEC_NSH_TTL'];
const ACTION_SET_FINAL = ['CT', 'CT_CLEAR', 'RESUBMIT', 'OUTPUT', 'GROUP'];

/** Orders an action set for execution (ofpacts_execute_action_set). */
export function executeActionSet(set: readonly Ofpact[]): Ofpact[] {
  const slots: (Ofpact | undefined)[] = [];
  const setOrMove: Ofpact[] = [];
  let final: Ofpact | null = null, finalClass = -1;
  for (const a of set) {
    const slot = ACTION_SET_SLOTS.indexOf(a.type);
    if (slot >= 0) { slots[slot] = a; continue; }
    const fc = ACTION_SET_FINAL.indexOf(a.type);
    if (fc >= 0) {
      if (fc >= finalClass) { final = a; finalClass = fc; }
      continue;
    }
    if (SET_OR_MOVE.has(a.type)) setOrMove.push(a);
  }
  if (!final) return [];
  const out: Ofpact[] = [];
  for (const s of slots) if (s) out.push(s);
  out.push(...setOrMove, final);
  return out;
}

const IRREVERSIBLE = new Set(['CT', 'METER', 'NAT', 'OUTPUT_TRUNC', 'ENCAP', 'DECAP', 'DEC_NSH_TTL']);
function reversibleActions(acts: readonly Ofpact[]): boolean {
  for (const a of acts) if (IRREVERSIBLE.has(a.type)) return false;
  return true;
}

/** Pops the outer VLAN header (flow_pop_vlan), un-wildcarding what it moves. */
function flowPopVlan(flow: Uint8Array, wc: Uint8Array): void {
  let n = 0;
  for (let i = 0; i < 2; i++) { if (!(get16(flow, FL.VLANS + 4 * i + 2) & VLAN_CFI)) break; n++; }
  if (n === 0) return;
  if (n > 1) wc.fill(0xff, FL.VLANS + 4, FL.VLANS + 8);
  wc.fill(0xff, FL.VLANS, FL.VLANS + 4);
  flow.copyWithin(FL.VLANS, FL.VLANS + 4, FL.VLANS + 8);
  flow.fill(0, FL.VLANS + 4, FL.VLANS + 8);
}

/** Makes room for a new outer VLAN header (flow_push_vlan_uninit). */
function flowPushVlanUninit(flow: Uint8Array, wc: Uint8Array): void {
  let n = 0;
  for (let i = 0; i < 2; i++) { if (!(get16(flow, FL.VLANS + 4 * i + 2) & VLAN_CFI)) break; n++; }
  if (n) wc.fill(0xff, FL.VLANS, FL.VLANS + 4 * Math.min(n, 1));
  flow.copyWithin(FL.VLANS + 4, FL.VLANS, FL.VLANS + 4);
  flow.fill(0, FL.VLANS, FL.VLANS + 4);
}

/** True if the destination is the STP multicast address 01:80:c2:00:00:00. */
function isStpDst(flow: Uint8Array): boolean {
  const d = FL.DL_DST;
  return flow[d] === 0x01 && flow[d + 1] === 0x80 && flow[d + 2] === 0xc2 && flow[d + 3] === 0 && flow[d + 4] === 0
    && flow[d + 5] === 0;
}

function frozenMetadata(flow: Uint8Array): Uint8Array {
  const md = new Uint8Array(FLOW_SIZE);
  md.set(flow.subarray(0, FL.METADATA + 8), 0);
  md.set(flow.subarray(FL.REGS, FL.REGS + 64), FL.REGS);
  md.set(flow.subarray(FL.IN_PORT, FL.IN_PORT + 4), FL.IN_PORT);
  return md;
}

function bigintToBytes(v: bigint): Uint8Array { return bigToBytes(v, 16); }
function bytesToBigint(b: Uint8Array): bigint {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
}
function hexOf(n: number): string { return n === 0 ? '0' : '0x' + n.toString(16); }

function formatFieldValue(id: MF, v: Uint8Array): string {
  const f = mfFromId(id);
  if (f.nBytes === 6) return Array.from(v, (x) => x.toString(16).padStart(2, '0')).join(':');
  if (f.nBytes === 4 && (id === MF.IPV4_SRC || id === MF.IPV4_DST)) return Array.from(v).join('.');
  let x = 0n;
  for (const b of v) x = (x << 8n) | BigInt(b);
  return f.string === 0 /* DEC */ ? x.toString() : '0x' + x.toString(16);
}

const mix = hashAdd;

/** Builds the flow a learn action installs (learn_execute). */
export function learnExecute(a: OfpactOf<'LEARN'>, flow: Uint8Array): { match: Match; acts: Ofpact[] } {
  const match = new Match();
  const acts: Ofpact[] = [];
  for (const spec of a.specs) {
    let value: bigint;
    if (spec.srcType === NX_LEARN_SRC_IMMEDIATE || !spec.src) {
      let x = 0n;
      for (const b of spec.imm ?? []) x = (x << 8n) | BigInt(b);
      value = x & ((1n << BigInt(spec.nBits)) - 1n);
    } else {
      value = subfieldRead(spec.src, flow);
    }
    const dst = spec.dst;
    switch (spec.dstType) {
      case NX_LEARN_DST_MATCH:
        if (dst) {
          fieldSetMasked(dst.field, match.flow, subfieldValueBytes(dst, value), subfieldMaskBytes(dst));
          fieldMaskMasked(dst.field, match.wc, subfieldMaskBytes(dst));
        }
        break;
      case NX_LEARN_DST_LOAD:
        if (dst) {
          acts.push({ type: 'SET_FIELD', field: dst.field, value: subfieldValueBytes(dst, value), mask: subfieldMaskBytes(dst) });
        }
        break;
      case NX_LEARN_DST_OUTPUT: {
        const port = Number(value & 0xffffn);
        if (spec.nBits <= 16 || value <= 0xffffn) {
          if (port < OFPP_MAX || port === OFPP_IN_PORT || port === OFPP_FLOOD || port === OFPP_LOCAL || port === OFPP_ALL) {
            acts.push({ type: 'OUTPUT', port, maxLen: 0 });
          }
        }
        break;
      }
    }
  }
  if (a.finIdleTimeout || a.finHardTimeout) acts.push({ type: 'FIN_TIMEOUT', idle: a.finIdleTimeout, hard: a.finHardTimeout });
  return { match, acts };
}

export { P, U64_MAX, isInternal };
