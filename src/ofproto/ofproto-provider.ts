/* ofproto-provider: the contract between the generic OpenFlow switch
 * (ofproto.ts) and the implementations that forward packets (ofproto-dpif.ts,
 * built on a datapath; test providers in the tests).
 *
 * Base objects
 * ------------
 * ofproto.ts owns the base objects below: Ofproto itself, Rule (one flow
 * entry), OfTable (one of the 255 flow tables), OfGroup and Meter.  A
 * provider may read them but changes them only through ofproto.ts; its own
 * ("derived") state hangs off the 'dp' member each base object has.
 *
 * Life cycle
 * ----------
 * ofproto.ts creates a rule, calls ruleConstruct() (which may refuse it with
 * an OpenFlow error), inserts it into the classifier and then ruleInsert().
 * When the rule goes away ruleDelete() is called once it is out of the
 * classifier, then ruleDestruct().  Groups follow the same pattern with
 * groupConstruct()/groupModify()/groupDestruct().  Hooks marked optional may
 * be left out; the front then does without (no meters, no stats...).
 *
 * Errors
 * ------
 * Hooks that can fail for reasons an OpenFlow controller should hear about
 * return an OfpError (or null); hooks on ports return errno-like numbers
 * (0 for success), as OVS's do.  Hooks never throw for bad input.
 */
import type { OfpError } from '../openflow/ofp-errors.js';
import type { Match } from '../openflow/match.js';
import type { FlowRemoved } from '../openflow/ofp-monitor.js';
import type { Bucket, GroupProps } from '../openflow/ofp-group.js';
import type { MeterBand, MeterConfig, MeterFeatures } from '../openflow/ofp-meter.js';
import type { PhyPort } from '../openflow/ofp-port.js';
import { ClsRule, Classifier, type ClsConjunction } from './classifier.js';
import type { RuleActions } from './ofproto-actions.js';
import type { Ofproto } from './ofproto.js';

/* ---- Constants. ---- */

/** Flow-removed reasons (enum ofp_flow_removed_reason). */
export const OFPRR_IDLE_TIMEOUT = 0, OFPRR_HARD_TIMEOUT = 1, OFPRR_DELETE = 2, OFPRR_GROUP_DELETE = 3,
  OFPRR_METER_DELETE = 4, OFPRR_EVICTION = 5;
/** Internal "not removed" reason (OVS_OFPRR_NONE). */
export const OFPRR_NONE = 6;

/** Table-miss configuration (enum ofputil_table_miss; openflow/ofp-table.ts MISS_*). */
export const enum TableMiss {
  /** Protocol default: OF1.0-1.2 send to the controller, OF1.3+ drop. */
  DEFAULT = 0,
  /** Send to the controller. */
  CONTROLLER = 1,
  /** Go on to the next table. */
  CONTINUE = 2,
  DROP = 3,
}

/** Table flags (enum oftable_flags). */
export const OFTABLE_HIDDEN = 1, OFTABLE_READONLY = 2;

/** Who enabled eviction on a table. */
export const EVICTION_CLIENT = 1, EVICTION_OPENFLOW = 2;

/** Rule flags kept as part of a flow entry (OFPUTIL_FF_STATE). */
export const FF_STATE_MASK = 1 | 2 | 4 | 8 | 16;

/** Highest priority an OpenFlow flow may have; higher ones are hidden (internal). */
export const OFP_MAX_PRIORITY = 0xffff;

/* ---- Rules. ---- */

export const enum RuleState { INITIALIZED, INSERTED, REMOVED }

/** One flow entry (struct rule). */
export class Rule extends ClsRule {
  state = RuleState.INITIALIZED;
  /** Flow cookie. */
  flowCookie: bigint;
  /** Flow-mod flags kept with the entry (FF_SEND_FLOW_REM, ...). */
  flags: number;
  /** Seconds after 'modified' the rule expires (0: never). */
  hardTimeout: number;
  /** Seconds after last use the rule expires (0: never). */
  idleTimeout: number;
  readonly importance: number;
  /** Why the rule was removed (OFPRR_*), OFPRR_NONE while in use. */
  removedReason = OFPRR_NONE;
  actions: RuleActions;
  /** Conjunctions when the rule is a conjunctive (soft) match. */
  conjs: ClsConjunction[] | undefined;
  /** Creation and last modification time, ms. */
  created: number;
  modified: number;
  /** Flow-monitor bookkeeping. */
  monitorFlags = 0;
  addSeqno = 0;
  modifySeqno = 0;
  /** The eviction group this rule is in, if its table evicts. */
  evictionGroup: EvictionGroup | null = null;
  /** Provider state. */
  dp: unknown = null;

  constructor(readonly ofproto: Ofproto, match: Match, priority: number, public tableId: number,
              init: { cookie: bigint; flags: number; idleTimeout: number; hardTimeout: number;
                      importance: number; actions: RuleActions; now: number }) {
    super(match, priority);
    this.flowCookie = init.cookie;
    this.flags = init.flags & FF_STATE_MASK;
    this.idleTimeout = init.idleTimeout;
    this.hardTimeout = init.hardTimeout;
    this.importance = init.importance;
    this.actions = init.actions;
    this.created = this.modified = init.now;
  }

  /** Rules above OpenFlow's priority range are internal and hidden. */
  isHidden(): boolean { return this.priority > OFP_MAX_PRIORITY; }
}

/** Packet and byte counters and last-use time of a rule (or group, bucket). */
export interface PktStats {
  packets: number;
  bytes: number;
  /** Time of last use, ms. */
  used: number;
}

/** Rules of one table that share eviction field values (struct eviction_group). */
export interface EvictionGroup {
  id: number;
  rules: Set<Rule>;
}

/* ---- Tables. ---- */

/** One OpenFlow flow table (struct oftable). */
export class OfTable {
  flags = 0;
  readonly cls: Classifier<Rule>;
  /** Name exposed through OpenFlow, or null. */
  name: string | null = null;
  /** 0: unset, 1: set through OpenFlow, 2: set through OVSDB. */
  nameLevel = 0;
  /** Maximum number of flows (0xffffffff: no limit). */
  maxFlows = 0xffffffff;
  /** Number of flows, not counting rules being replaced. */
  nFlows = 0;
  /** How many of them are hidden (in-band and fail-open rules, priority above 65535). */
  nHidden = 0;
  /** EVICTION_CLIENT | EVICTION_OPENFLOW when eviction is on. */
  eviction = 0;
  /** Fields whose values group rules for fair eviction. */
  evictionFields: { off: number; nBytes: number }[] = [];
  readonly evictionGroups = new Map<string, EvictionGroup>();
  missConfig: TableMiss = TableMiss.DEFAULT;
  /** Vacancy events (OF1.4): 0 off, else OFPTR_VACANCY_DOWN/UP. */
  vacancyEvent = 0;
  vacancyDown = 0;
  vacancyUp = 0;
  /** Lookup counters. */
  nMatched = 0;
  nMissed = 0;

  constructor(readonly tableId: number, cls: Classifier<Rule>) {
    this.cls = cls;
  }
}

/* ---- Groups and meters. ---- */

/** A group (struct ofgroup). */
export class OfGroup {
  /** Visible in versions [addVersion, removeVersion). */
  addVersion: number;
  removeVersion = Number.MAX_SAFE_INTEGER;
  beingDeleted = false;
  /** Rules that output to this group. */
  readonly rules = new Set<Rule>();
  modified: number;
  /** Provider state. */
  dp: unknown = null;

  constructor(readonly ofproto: Ofproto, readonly groupId: number, readonly type: number,
              public buckets: Bucket[], readonly props: GroupProps, public created: number, version: number) {
    this.modified = created;
    this.addVersion = version;
  }

  visibleIn(version: number): boolean { return this.addVersion <= version && version < this.removeVersion; }
}

/** Statistics of a group and its buckets as a provider reports them. */
export interface GroupProviderStats {
  packets: number;
  bytes: number;
  buckets: { packets: number; bytes: number }[];
}

/** A meter (struct meter). */
export interface Meter {
  id: number;
  flags: number;
  bands: MeterBand[];
  /** The provider's id for the meter. */
  providerMeterId: number;
  created: number;
  /** Rules whose instructions use this meter. */
  rules: Set<Rule>;
}

/** Statistics of a meter as a provider reports them. */
export interface MeterProviderStats {
  packetsIn: number;
  bytesIn: number;
  bands: { packets: number; bytes: number }[];
}

/* ---- Ports. ---- */

/** An OpenFlow port of the switch (struct ofport). */
export interface Ofport {
  ofpPort: number;
  /** Description as OpenFlow shows it (name, address, config, state, features). */
  pp: PhyPort;
  /** The network device behind the port (the datapath layer's object). */
  netdev: unknown;
  /** Provider state. */
  dp: unknown;
}

/* ---- Notifications to the connection manager. ---- */

/** Who made a change, so replies and monitors can tell (struct openflow_mod_requester). */
export interface ModRequester {
  /** The connection the request came on (opaque to ofproto). */
  conn: unknown;
  xid: number;
}

/** Flow-monitor events (OFPFME_*). */
export const OFPFME_INITIAL = 0, OFPFME_ADDED = 1, OFPFME_REMOVED = 2, OFPFME_MODIFIED = 3;

/**
 * What ofproto tells the connection manager.  Every member is optional;
 * connmgr.ts implements them to send messages to controllers.
 */
export interface OfprotoListener {
  /** A rule with send_flow_rem went away. */
  flowRemoved?(fr: FlowRemoved): void;
  /** A rule was added, modified or removed (flow monitors). */
  flowMonitor?(rule: Rule, event: number, reason: number, req: ModRequester | null, oldActions: RuleActions | null): void;
  /** End of a batch of flow-monitor reports. */
  flowMonitorFlush?(): void;
  /** A port was added, deleted or changed (OFPPR_*). */
  portStatus?(reason: number, pp: PhyPort): void;
  /** A table's vacancy crossed a threshold (OF1.4 table status). */
  tableStatus?(tableId: number, reason: number): void;
  /** Whether any controller wants packet-ins for table misses. */
  wantsPacketInOnMiss?(): boolean;
}

/* ---- The provider interface. ---- */

/** An ofproto implementation (struct ofproto_class). */
export interface OfprotoClass {
  /** Datapath types this class implements ("netdev", "system", ...). */
  readonly types: readonly string[];

  /** Sets up provider state for a new switch; returns 0 or an errno. */
  construct(ofproto: Ofproto): number;
  /** Tears it down; 'del' if the datapath should be deleted too. */
  destruct?(ofproto: Ofproto, del: boolean): void;
  /** Periodic work (expiry input, port changes...); returns 0 or an errno. */
  run?(ofproto: Ofproto): number;
  /** Tells the provider which classifier version lookups should use. */
  setTablesVersion?(ofproto: Ofproto, version: number): void;
  /** Drops cached forwarding state (e.g. datapath flows). */
  flush?(ofproto: Ofproto): void;

  /* Rules. */
  /** Picks a table for a flow-mod with table_id 0xff; optional (table 0 otherwise). */
  ruleChooseTable?(ofproto: Ofproto, match: Match): number | OfpError;
  /** Sets up provider state for a rule, or refuses it. */
  ruleConstruct?(rule: Rule): OfpError | null;
  /** The rule is now in the flow table, replacing 'old' (same match) if non-null. */
  ruleInsert?(rule: Rule, old: Rule | null, forwardCounts: boolean): OfpError | null;
  /** The rule has left the flow table. */
  ruleDelete?(rule: Rule): void;
  ruleDestruct?(rule: Rule): void;
  /** The rule's counters; without this hook counters read zero and 'used' is the creation time. */
  ruleGetStats?(rule: Rule): PktStats;

  /* Groups. */
  groupConstruct?(group: OfGroup): OfpError | null;
  /** The group's buckets or type changed (new object 'group' replaces an old one). */
  groupModify?(group: OfGroup): void;
  groupDestruct?(group: OfGroup): void;
  groupGetStats?(group: OfGroup): GroupProviderStats | null;

  /* Meters. */
  meterGetFeatures?(ofproto: Ofproto): MeterFeatures;
  /** Creates ('providerId' null) or changes a meter; returns the provider's id or an error. */
  meterSet?(ofproto: Ofproto, providerId: number | null, config: MeterConfig): number | OfpError;
  meterGet?(ofproto: Ofproto, providerId: number, nBands: number): MeterProviderStats | null;
  meterDel?(ofproto: Ofproto, providerId: number): void;

  /* Ports. */
  /** Adds a network device as a port; returns the OpenFlow port number or a negative errno. */
  portAdd?(ofproto: Ofproto, netdev: unknown, requestedOfpPort: number | null): number;
  /** Removes a port; returns 0 or an errno. */
  portDel?(ofproto: Ofproto, ofpPort: number): number;
  /** Port config (OFPPC_*) changed through OpenFlow. */
  portReconfigured?(port: Ofport, oldConfig: number): void;
}

/** A flow to add directly, without OpenFlow (in-band, fail-open, tests). */
export interface SimpleFlow {
  match: Match;
  priority: number;
  tableId?: number;
  cookie?: bigint;
  idleTimeout?: number;
  hardTimeout?: number;
  flags?: number;
}
