/* ofproto: an OpenFlow switch, independent of how it forwards packets.
 *
 * An Ofproto owns the OpenFlow state of one bridge: its flow tables (each a
 * classifier.ts Classifier of Rules), groups, meters and ports, and applies
 * OpenFlow's rules to changes of that state: the five flow-mod commands with
 * their cookie, out_port/out_group and overlap checks, eviction, idle and
 * hard timeouts, table-mod, group-mod and meter-mod.  The forwarding itself
 * is a provider's business (ofproto-provider.ts: OfprotoClass), found by
 * datapath type; ofproto-dpif.ts is the provider built on a datapath.
 * connmgr.ts feeds it decoded OpenFlow requests (the openflow layer's
 * version-independent FlowMod, GroupMod, MeterMod...) and hears back through
 * an OfprotoListener (flow-removed, flow monitors, port status).
 *
 * Versions and the three-phase change
 * -----------------------------------
 * Every change to the tables goes through start / revert / finish, like
 * OVS's: start() makes the change in the next classifier version (new rules
 * visible from it, old ones invisible from it) and can fail; revert() undoes
 * a started change; finish() runs after the version is published and does
 * the rest (provider insertion, notifications, freeing old rules).  A single
 * flow-mod is start + publish + finish; a bundle starts several and publishes
 * once, so packets see all of them or none.
 *
 * Time is milliseconds from an injectable clock (options.clock), so tests
 * and the trace tool can step it.
 */
import { OfpError, type OfpErrName } from '../openflow/ofp-errors.js';
import type { Match } from '../openflow/match.js';
import {
  type FlowMod, type FlowStats, type FlowStatsRequest, type AggregateStats,
  OFPFC_ADD, OFPFC_MODIFY, OFPFC_MODIFY_STRICT, OFPFC_DELETE, OFPFC_DELETE_STRICT, OFPTT_ALL, U64_MAX,
  FF_CHECK_OVERLAP, FF_RESET_COUNTS, FF_SEND_FLOW_REM, FF_NO_READONLY,
} from '../openflow/ofp-flow.js';
import type { FlowRemoved } from '../openflow/ofp-monitor.js';
import {
  type Bucket, type GroupMod, type GroupDesc, type GroupStats, type GroupFeatures,
  OFPG_MAX, OFPG_ALL, OFPG_ANY, OFPGT11_FF, OFPGC11_ADD, OFPGC11_MODIFY, OFPGC11_DELETE, OFPGC11_ADD_OR_MOD,
  OFPGC15_INSERT_BUCKET, OFPGC15_REMOVE_BUCKET, OFPG15_BUCKET_MAX, OFPG15_BUCKET_FIRST, OFPG15_BUCKET_LAST,
  OFPG15_BUCKET_ALL,
} from '../openflow/ofp-group.js';
import {
  type MeterMod, type MeterConfig, type MeterStats, type MeterFeatures,
  OFPM13_MAX, OFPM13_SLOWPATH, OFPM13_CONTROLLER, OFPM13_ALL, OFPMC13_ADD, OFPMC13_MODIFY, OFPMC13_DELETE,
} from '../openflow/ofp-meter.js';
import { OFPP_ANY, OFPP_MAX } from '../openflow/ofp-port.js';
import { type TableMod, SETTING_ON, SETTING_OFF, SETTING_DEFAULT, OFPTR_VACANCY_UP, OFPTR_VACANCY_DOWN } from '../openflow/ofp-table.js';
import { type TableStats, type TableFeatures, emptyTableFeatures } from '../openflow/ofp-table-stats.js';
import { OFPACT_TYPES } from '../openflow/ofp-actions.js';
import { MF, MF_FIELDS, mfFromId } from '../openflow/meta-flow.js';
import { vlogModule } from '../lib/vlog.js';
import { Classifier, ClsRule, VERSION_MAX, VERSION_MIN } from './classifier.js';
import {
  type RuleActions, ruleActionsCreate, actionsOutputToPort, actionsOutputToGroup, actionsGroups,
  actionsGetMeter, actionsConjunctions, ofpactsEqual, forEachFlattened,
} from './ofproto-actions.js';
import {
  Rule, RuleState, OfTable, OfGroup, TableMiss, type Meter, type Ofport, type OfprotoClass, type OfprotoListener,
  type ModRequester, type PktStats, type SimpleFlow, type EvictionGroup,
  OFPRR_IDLE_TIMEOUT, OFPRR_HARD_TIMEOUT, OFPRR_DELETE, OFPRR_GROUP_DELETE, OFPRR_METER_DELETE, OFPRR_EVICTION,
  OFPRR_NONE, OFTABLE_HIDDEN, OFTABLE_READONLY, EVICTION_OPENFLOW, OFPFME_ADDED, OFPFME_REMOVED, OFPFME_MODIFIED,
} from './ofproto-provider.js';

const log = vlogModule('ofproto');

/** Number of flow tables (ofproto-dpif's N_TABLES). */
export const N_TABLES = 255;
/** The hidden, read-only table for internal flows (TBL_INTERNAL). */
export const TBL_INTERNAL = N_TABLES - 1;
/** Eviction flags OVS supports (OFPROTO_EVICTION_FLAGS: OFPTMPEF14_OTHER | OFPTMPEF14_IMPORTANCE). */
export const OFPROTO_EVICTION_FLAGS = 1 | 2;
/** Default prefix trie fields of each table. */
export const DEFAULT_PREFIX_FIELDS = [MF.IPV4_DST, MF.IPV4_SRC] as const;
/** Default maximum number of flows per table when eviction is configured without a limit. */
const UINT_MAX = 0xffffffff;

/* ---- Provider registry. ---- */

const classes: OfprotoClass[] = [];

/** Registers an ofproto provider.  Returns false if one already handles one of its types. */
export function ofprotoClassRegister(cls: OfprotoClass): boolean {
  if (classes.includes(cls)) return false;
  if (cls.types.some((t) => classes.some((c) => c.types.includes(t)))) return false;
  classes.push(cls);
  return true;
}

/** Unregisters a provider. */
export function ofprotoClassUnregister(cls: OfprotoClass): boolean {
  const i = classes.indexOf(cls);
  if (i < 0) return false;
  classes.splice(i, 1);
  return true;
}

/** Datapath types some registered provider implements. */
export function ofprotoEnumerateTypes(): string[] {
  return classes.flatMap((c) => c.types);
}

/** "" means "system", as in OVS. */
export function ofprotoNormalizeType(type: string): string {
  return type === '' ? 'system' : type;
}

function findClass(type: string): OfprotoClass | undefined {
  const t = ofprotoNormalizeType(type);
  return classes.find((c) => c.types.includes(t));
}

/* ---- Flow-mod state. ---- */

/** What a flow-mod looks for (struct rule_criteria). */
export interface RuleCriteria {
  cr: ClsRule;
  tableId: number;
  version: number;
  cookie: bigint;
  cookieMask: bigint;
  outPort: number;
  outGroup: number;
  includeHidden: boolean;
  includeReadonly: boolean;
}

/** A flow-mod in progress (struct ofproto_flow_mod). */
export interface OfprotoFlowMod {
  command: number;
  modifyCookie: boolean;
  modifyMayAddFlow: boolean;
  modifyKeepCounts: boolean;
  tableId: number;
  /** Version the change becomes visible in. */
  version: number;
  tempRule: Rule | null;
  criteria: RuleCriteria | null;
  oldRules: Rule[];
  newRules: Rule[];
}

/** A group-mod in progress (struct ofproto_group_mod). */
export interface OfprotoGroupMod {
  gm: GroupMod;
  version: number;
  newGroup: OfGroup | null;
  oldGroups: OfGroup[];
}

/** One change of an OpenFlow bundle. */
export type BundleOp = { kind: 'flow'; fm: FlowMod } | { kind: 'group'; gm: GroupMod };

/** Options for a new switch. */
export interface OfprotoOptions {
  /** Milliseconds clock; defaults to Date.now. */
  clock?: () => number;
  listener?: OfprotoListener;
  nTables?: number;
}

/** Result of creating a switch: the switch or an errno-like error. */
export type OfprotoCreateResult = { ofproto: Ofproto } | { error: number; message: string };

/** An OpenFlow switch (struct ofproto). */
export class Ofproto {
  readonly name: string;
  readonly type: string;
  readonly cls: OfprotoClass;
  /** Datapath id. */
  datapathId = 0n;
  mfrDesc = 'Nicira, Inc.';
  hwDesc = 'Open vSwitch';
  swDesc = '3.1.0';
  serialDesc = 'None';
  dpDesc = 'None';
  readonly tables: OfTable[];
  /** Classifier version lookups currently use. */
  tablesVersion = VERSION_MIN;
  /** Highest OpenFlow port number plus one allowed. */
  maxPorts = OFPP_MAX;
  readonly ports = new Map<number, Ofport>();
  /** Groups by id; an id has two entries while a modification is in progress. */
  private readonly groups = new Map<number, OfGroup[]>();
  /** Number of groups of each type. */
  readonly nGroups = [0, 0, 0, 0];
  groupFeatures: GroupFeatures = {
    types: 0xf, capabilities: 0x7, maxGroups: [OFPG_MAX, OFPG_MAX, OFPG_MAX, OFPG_MAX], actions: [0, 0, 0, 0],
  };
  readonly meters = new Map<number, Meter>();
  meterFeatures: MeterFeatures;
  /** Datapath meter ids of the special slowpath and controller meters, or -1. */
  slowpathMeterId = -1;
  controllerMeterId = -1;
  private readonly cookies = new Map<bigint, Set<Rule>>();
  /** Rules with an idle or hard timeout. */
  readonly expirable = new Set<Rule>();
  listener: OfprotoListener;
  /** Provider state. */
  dp: unknown = null;
  private readonly clock: () => number;
  private destroyed = false;

  private constructor(name: string, type: string, cls: OfprotoClass, opts: OfprotoOptions) {
    this.name = name;
    this.type = ofprotoNormalizeType(type);
    this.cls = cls;
    this.clock = opts.clock ?? Date.now;
    this.listener = opts.listener ?? {};
    const n = opts.nTables ?? N_TABLES;
    const prefix = DEFAULT_PREFIX_FIELDS.map((id) => mfFromId(id));
    this.tables = [];
    for (let i = 0; i < n; i++) this.tables.push(new OfTable(i, new Classifier<Rule>({ prefixFields: prefix })));
    if (n === N_TABLES) this.tables[TBL_INTERNAL]!.flags = OFTABLE_HIDDEN | OFTABLE_READONLY;
    this.meterFeatures = { maxMeters: 0, bandTypes: 0, capabilities: 0, maxBands: 0, maxColor: 0 };
  }

  /**
   * Creates a switch named 'name' whose provider implements datapath 'type'
   * (ofproto_create).
   */
  static create(name: string, type: string, opts: OfprotoOptions = {}): OfprotoCreateResult {
    const cls = findClass(type);
    if (!cls) {
      log.warn(`could not create datapath ${name} of unknown type ${type}`);
      return { error: 97 /* EAFNOSUPPORT */, message: `unknown datapath type ${type}` };
    }
    const p = new Ofproto(name, type, cls, opts);
    const error = cls.construct(p);
    if (error) {
      log.err(`failed to open datapath ${name}: ${error}`);
      return { error, message: `failed to open datapath ${name}` };
    }
    if (cls.meterGetFeatures) p.meterFeatures = cls.meterGetFeatures(p);
    return { ofproto: p };
  }

  /** Milliseconds now, from the switch's clock. */
  now(): number { return this.clock(); }

  get nTables(): number { return this.tables.length; }

  /** Destroys the switch: flushes flows, groups and meters, then the provider. */
  destroy(del = false): void {
    if (this.destroyed) return;
    this.flushFlows();
    this.groupDeleteAll();
    this.meterDeleteAll();
    this.cls.destruct?.(this, del);
    this.destroyed = true;
  }

  /* ---- Versions. ---- */

  /** Publishes the next classifier version (ofproto_bump_tables_version). */
  bumpTablesVersion(): void {
    this.tablesVersion++;
    this.cls.setTablesVersion?.(this, this.tablesVersion);
  }

  /* ---- Table helpers. ---- */

  /** True if 'tableId' names a table or is 0xff (check_table_id). */
  checkTableId(tableId: number): boolean {
    return tableId === OFPTT_ALL || tableId < this.tables.length;
  }

  /** Tables 'tableId' selects: one table, or every visible one for 0xff. */
  matchingTables(tableId: number): OfTable[] {
    if (tableId === OFPTT_ALL) return this.tables.filter((t) => !(t.flags & OFTABLE_HIDDEN));
    const t = this.tables[tableId];
    return t ? [t] : [];
  }

  /** Number of tables not hidden. */
  nVisibleTables(): number {
    return this.tables.filter((t) => !(t.flags & OFTABLE_HIDDEN)).length;
  }

  /* ---- Rules: construction and bookkeeping. ---- */

  private ruleCreate(match: Match, priority: number, tableId: number, cookie: bigint, idleTimeout: number,
                     hardTimeout: number, flags: number, importance: number, actions: RuleActions): Rule | OfpError {
    const rule = new Rule(this, match, priority, tableId, {
      cookie, flags, idleTimeout, hardTimeout, importance, actions, now: this.now(),
    });
    rule.conjs = actionsConjunctions(actions);
    const err = this.cls.ruleConstruct?.(rule) ?? null;
    if (err) return err;
    return rule;
  }

  /** The rule's counters and last-use time (rule_get_stats). */
  ruleGetStats(rule: Rule): PktStats {
    return this.cls.ruleGetStats?.(rule) ?? { packets: 0, bytes: 0, used: rule.created };
  }

  private ruleInsert__(rule: Rule): void {
    if (rule.hardTimeout || rule.idleTimeout) this.expirable.add(rule);
    let set = this.cookies.get(rule.flowCookie);
    if (!set) { set = new Set(); this.cookies.set(rule.flowCookie, set); }
    set.add(rule);
    this.evictionGroupAddRule(rule);
    if (rule.actions.hasMeter) this.meters.get(actionsGetMeter(rule.actions))?.rules.add(rule);
    if (rule.actions.hasGroups) {
      for (const id of actionsGroups(rule.actions)) this.groupLookup(id, VERSION_MAX)?.rules.add(rule);
    }
    rule.state = RuleState.INSERTED;
  }

  private ruleRemove__(rule: Rule): void {
    const set = this.cookies.get(rule.flowCookie);
    if (set) { set.delete(rule); if (!set.size) this.cookies.delete(rule.flowCookie); }
    this.evictionGroupRemoveRule(rule);
    this.expirable.delete(rule);
    if (rule.actions.hasMeter) this.meters.get(actionsGetMeter(rule.actions))?.rules.delete(rule);
    if (rule.actions.hasGroups) {
      for (const id of actionsGroups(rule.actions)) {
        const g = this.groupLookup(id, VERSION_MAX);
        if (g && !g.beingDeleted) g.rules.delete(rule);
      }
    }
    rule.state = RuleState.REMOVED;
  }

  /** Takes 'rule' out of its classifier and tells the provider (remove_rule_rcu + destroy). */
  private ruleDestroy(rule: Rule): void {
    this.tables[rule.tableId]!.cls.remove(rule);
    this.cls.ruleDelete?.(rule);
    if (rule.flags & FF_SEND_FLOW_REM && rule.removedReason !== OFPRR_NONE && !rule.isHidden()) {
      this.sendFlowRemoved(rule);
    }
    this.cls.ruleDestruct?.(rule);
  }

  private sendFlowRemoved(rule: Rule): void {
    if (!this.listener.flowRemoved) return;
    const stats = this.ruleGetStats(rule);
    const [sec, nsec] = calcDuration(rule.created, this.now());
    const fr: FlowRemoved = {
      match: rule.match, priority: rule.priority, cookie: rule.flowCookie, reason: rule.removedReason,
      tableId: rule.tableId, durationSec: sec, durationNsec: nsec, idleTimeout: rule.idleTimeout,
      hardTimeout: rule.hardTimeout, packetCount: BigInt(stats.packets), byteCount: BigInt(stats.bytes),
    };
    this.listener.flowRemoved(fr);
  }

  /** Checks a rule's actions against the switch (ofproto_check_ofpacts). */
  private checkOfpacts(actions: RuleActions): OfpError | null {
    let err: OfpErrName | null = null;
    forEachFlattened(actions.list, (a) => {
      if (err) return;
      if (a.type === 'METER') {
        const m = a.meterId ? this.meters.get(a.meterId) : undefined;
        if (!m) err = 'OFPMMFC_INVALID_METER';
      } else if (a.type === 'GROUP' && !this.groupLookup(a.groupId, VERSION_MAX)) {
        err = 'OFPBAC_BAD_OUT_GROUP';
      }
    });
    return err ? new OfpError(err) : null;
  }

  /* ---- Collecting rules. ---- */

  /** Builds criteria (rule_criteria_init); 'priority' 0 for loose matching. */
  ruleCriteria(tableId: number, match: Match, priority: number, version: number, cookie: bigint,
               cookieMask: bigint, outPort: number, outGroup: number): RuleCriteria {
    return {
      cr: new ClsRule(match, priority), tableId, version, cookie, cookieMask, outPort, outGroup,
      includeHidden: priority > 0xffff, includeReadonly: true,
    };
  }

  private collectRule(rule: Rule, c: RuleCriteria, out: Rule[], readonly: { n: number }): void {
    if ((c.tableId === rule.tableId || c.tableId === OFPTT_ALL)
        && (c.outPort === OFPP_ANY || actionsOutputToPort(rule.actions, c.outPort))
        && (c.outGroup === OFPG_ANY || actionsOutputToGroup(rule.actions, c.outGroup))
        && ((rule.flowCookie ^ c.cookie) & c.cookieMask) === 0n
        && (!rule.isHidden() || c.includeHidden)
        && rule.visibleIn(c.version)) {
      if (!(this.tables[rule.tableId]!.flags & OFTABLE_READONLY) || c.includeReadonly) out.push(rule);
      else readonly.n++;
    }
  }

  /** Rules matching 'c' loosely (OFPFC_MODIFY, OFPFC_DELETE, flow stats). */
  collectRulesLoose(c: RuleCriteria): Rule[] | OfpError {
    if (!this.checkTableId(c.tableId)) return new OfpError('OFPBRC_BAD_TABLE_ID');
    const out: Rule[] = [], ro = { n: 0 };
    if (c.cookieMask === U64_MAX) {
      for (const rule of this.cookies.get(c.cookie) ?? []) {
        if (rule.isLooseMatch(c.cr)) this.collectRule(rule, c, out, ro);
      }
    } else {
      for (const t of this.matchingTables(c.tableId)) {
        for (const rule of t.cls.rules(c.cr, c.version)) this.collectRule(rule, c, out, ro);
      }
    }
    if (!out.length && ro.n) return new OfpError('OFPBRC_EPERM');
    return out;
  }

  /** Rules matching 'c' exactly, priority included (the *_STRICT commands). */
  collectRulesStrict(c: RuleCriteria): Rule[] | OfpError {
    if (!this.checkTableId(c.tableId)) return new OfpError('OFPBRC_BAD_TABLE_ID');
    const out: Rule[] = [], ro = { n: 0 };
    if (c.cookieMask === U64_MAX) {
      for (const rule of this.cookies.get(c.cookie) ?? []) {
        if (rule.equals(c.cr)) this.collectRule(rule, c, out, ro);
      }
    } else {
      for (const t of this.matchingTables(c.tableId)) {
        const rule = t.cls.findRuleExactly(c.cr, c.version);
        if (rule) this.collectRule(rule, c, out, ro);
      }
    }
    if (!out.length && ro.n) return new OfpError('OFPBRC_EPERM');
    return out;
  }

  /* ---- Flow mods. ---- */

  /** Handles one flow-mod completely: init, start, publish, finish (handle_flow_mod__). */
  handleFlowMod(fm: FlowMod, req: ModRequester | null = null): OfpError | null {
    const ofm = this.flowModInit(fm);
    if (ofm instanceof OfpError) return ofm;
    ofm.version = this.tablesVersion + 1;
    const err = this.flowModStart(ofm);
    if (err) return err;
    this.bumpTablesVersion();
    const err2 = this.flowModFinish(ofm, req);
    this.listener.flowMonitorFlush?.();
    return err2;
  }

  /** Validates 'fm' and prepares its state (ofproto_flow_mod_init). */
  flowModInit(fm: FlowMod): OfprotoFlowMod | OfpError {
    const ofm: OfprotoFlowMod = {
      command: fm.command, modifyCookie: fm.modifyCookie,
      modifyMayAddFlow: fm.newCookie !== U64_MAX && fm.cookieMask === 0n,
      modifyKeepCounts: !(fm.flags & FF_RESET_COUNTS), tableId: fm.tableId,
      version: this.tablesVersion + 1, tempRule: null, criteria: null, oldRules: [], newRules: [],
    };
    let err: OfpError | null = null, checkBufferId = false;
    const noReadonly = (fm.flags & FF_NO_READONLY) !== 0;
    switch (fm.command) {
      case OFPFC_ADD:
        checkBufferId = true;
        err = this.addFlowInit(ofm, fm);
        break;
      case OFPFC_MODIFY:
      case OFPFC_MODIFY_STRICT:
        checkBufferId = true;
        ofm.criteria = this.ruleCriteria(fm.tableId, fm.match, fm.command === OFPFC_MODIFY ? 0 : fm.priority,
          VERSION_MAX, fm.cookie, fm.cookieMask, OFPP_ANY, OFPG_ANY);
        ofm.criteria.includeReadonly = noReadonly;
        err = this.addFlowInit(ofm, fm);
        break;
      case OFPFC_DELETE:
      case OFPFC_DELETE_STRICT:
        ofm.criteria = this.ruleCriteria(fm.tableId, fm.match, fm.command === OFPFC_DELETE ? 0 : fm.priority,
          VERSION_MAX, fm.cookie, fm.cookieMask, fm.outPort, fm.outGroup);
        ofm.criteria.includeReadonly = noReadonly;
        break;
      default:
        err = new OfpError('OFPFMFC_BAD_COMMAND');
    }
    if (!err && checkBufferId && fm.bufferId !== 0xffffffff) err = new OfpError('OFPBRC_BUFFER_UNKNOWN');
    return err ?? ofm;
  }

  private addFlowInit(ofm: OfprotoFlowMod, fm: FlowMod): OfpError | null {
    if (!this.checkTableId(fm.tableId)) return new OfpError('OFPBRC_BAD_TABLE_ID');
    let tableId: number;
    if (fm.tableId === OFPTT_ALL) {
      if (this.cls.ruleChooseTable) {
        const r = this.cls.ruleChooseTable(this, fm.match);
        if (r instanceof OfpError) return r;
        tableId = r;
      } else {
        tableId = 0;
      }
    } else if (fm.tableId < this.tables.length) {
      tableId = fm.tableId;
    } else {
      return new OfpError('OFPBRC_BAD_TABLE_ID');
    }
    const table = this.tables[tableId]!;
    if (table.flags & OFTABLE_READONLY && !(fm.flags & FF_NO_READONLY)) return new OfpError('OFPBRC_EPERM');
    const r = this.ruleCreate(fm.match, fm.priority, tableId, fm.newCookie, fm.idleTimeout, fm.hardTimeout,
      fm.flags, fm.importance, ruleActionsCreate(fm.ofpacts));
    if (r instanceof OfpError) return r;
    ofm.tempRule = r;
    return null;
  }

  /** Applies a prepared flow-mod in version ofm.version (ofproto_flow_mod_start). */
  flowModStart(ofm: OfprotoFlowMod): OfpError | null {
    ofm.oldRules = [];
    ofm.newRules = [];
    let err: OfpError | null;
    switch (ofm.command) {
      case OFPFC_ADD: err = this.addFlowStart(ofm); break;
      case OFPFC_MODIFY:
      case OFPFC_MODIFY_STRICT: {
        const c = ofm.criteria!;
        const rules = ofm.command === OFPFC_MODIFY ? this.collectRulesLoose(c) : this.collectRulesStrict(c);
        if (rules instanceof OfpError) { err = rules; break; }
        ofm.oldRules = rules;
        err = this.modifyFlowsStart(ofm);
        break;
      }
      case OFPFC_DELETE:
      case OFPFC_DELETE_STRICT: {
        const c = ofm.criteria!;
        const rules = ofm.command === OFPFC_DELETE ? this.collectRulesLoose(c) : this.collectRulesStrict(c);
        if (rules instanceof OfpError) { err = rules; break; }
        ofm.oldRules = rules;
        this.deleteFlowsStart(ofm.version, rules);
        err = null;
        break;
      }
      default: err = new OfpError('OFPFMFC_BAD_COMMAND');
    }
    ofm.tempRule = null;
    if (err) { ofm.oldRules = []; ofm.newRules = []; }
    return err;
  }

  private addFlowStart(ofm: OfprotoFlowMod): OfpError | null {
    const newRule = ofm.tempRule!;
    const table = this.tables[newRule.tableId]!;
    const err = this.checkOfpacts(newRule.actions);
    if (err) return err;
    let oldRule = table.cls.findRuleExactly(newRule, ofm.version);
    if (!oldRule) {
      if (newRule.flags & FF_CHECK_OVERLAP && table.cls.ruleOverlaps(newRule, ofm.version)) {
        return new OfpError('OFPFMFC_OVERLAP');
      }
      if (table.nFlows >= table.maxFlows) {
        oldRule = this.chooseRuleToEvict(table);
        if (!oldRule) return new OfpError('OFPFMFC_TABLE_FULL');
        this.evictionGroupRemoveRule(oldRule);
        oldRule.removedReason = OFPRR_EVICTION;
      }
    } else {
      ofm.modifyCookie = true;
    }
    if (oldRule) ofm.oldRules.push(oldRule);
    ofm.newRules.push(newRule);
    ofm.tempRule = null;
    this.replaceRuleStart(ofm, oldRule, newRule);
    return null;
  }

  private replaceRuleStart(ofm: OfprotoFlowMod, oldRule: Rule | null, newRule: Rule): void {
    const table = this.tables[newRule.tableId]!;
    if (oldRule) {
      if (oldRule.removedReason !== OFPRR_EVICTION) {
        const changeCookie = ofm.modifyCookie && newRule.flowCookie !== U64_MAX
          && newRule.flowCookie !== oldRule.flowCookie;
        if (ofm.command !== OFPFC_ADD) {
          newRule.idleTimeout = oldRule.idleTimeout;
          newRule.hardTimeout = oldRule.hardTimeout;
          (newRule as { importance: number }).importance = oldRule.importance;
          newRule.flags = oldRule.flags;
          newRule.created = oldRule.created;
        }
        if (!changeCookie) newRule.flowCookie = oldRule.flowCookie;
      }
      oldRule.makeInvisibleInVersion(ofm.version);
      this.ruleRemove__(oldRule);
    } else {
      countFlow(table, newRule, 1);
    }
    this.ruleInsert__(newRule);
    table.cls.insert(newRule, ofm.version, newRule.conjs);
  }

  private replaceRuleRevert(oldRule: Rule | null, newRule: Rule): void {
    const table = this.tables[newRule.tableId]!;
    if (oldRule) {
      if (oldRule.removedReason === OFPRR_EVICTION) {
        oldRule.removedReason = OFPRR_NONE;
      }
      oldRule.state = RuleState.INITIALIZED;
      this.ruleInsert__(oldRule);
      oldRule.restoreVisibility();
    } else {
      countFlow(table, newRule, -1);
    }
    table.cls.remove(newRule);
    this.ruleRemove__(newRule);
    this.cls.ruleDestruct?.(newRule);
  }

  private replaceRuleFinish(ofm: OfprotoFlowMod, req: ModRequester | null, oldRule: Rule | null,
                            newRule: Rule): OfpError | null {
    const replaced = oldRule && oldRule.removedReason !== OFPRR_EVICTION ? oldRule : null;
    const err = this.cls.ruleInsert?.(newRule, replaced, ofm.modifyKeepCounts) ?? null;
    if (err) {
      this.tables[newRule.tableId]!.cls.remove(newRule);
      return err;
    }
    if (oldRule) {
      if (replaced) {
        const event = ofm.command === OFPFC_ADD ? OFPFME_ADDED : OFPFME_MODIFIED;
        const changedCookie = newRule.flowCookie !== oldRule.flowCookie;
        const changedActions = !ofpactsEqual(newRule.actions, oldRule.actions);
        if (event !== OFPFME_MODIFIED || changedActions || changedCookie) {
          this.listener.flowMonitor?.(newRule, event, 0, req, changedActions ? oldRule.actions : null);
        }
      } else {
        this.listener.flowMonitor?.(oldRule, OFPFME_REMOVED, OFPRR_EVICTION, req, null);
      }
    }
    return null;
  }

  private modifyFlowsStart(ofm: OfprotoFlowMod): OfpError | null {
    const oldRules = ofm.oldRules;
    if (oldRules.length > 0) {
      const temp = ofm.tempRule!;
      const err = this.checkOfpacts(temp.actions);
      if (err) return err;
      ofm.tempRule = null;
      const newRules: Rule[] = [];
      for (const old of oldRules) {
        /* Each new rule takes the old rule's match (the flow-mod's may be loose). */
        const r = this.ruleCreate(old.match, old.priority, old.tableId, temp.flowCookie, temp.idleTimeout,
          temp.hardTimeout, temp.flags, temp.importance, temp.actions);
        if (r instanceof OfpError) {
          ofm.tempRule = temp;
          return r;
        }
        newRules.push(r);
      }
      this.cls.ruleDestruct?.(temp);
      ofm.newRules = newRules;
      for (let i = 0; i < oldRules.length; i++) this.replaceRuleStart(ofm, oldRules[i]!, newRules[i]!);
      return null;
    }
    if (ofm.modifyMayAddFlow) return this.addFlowStart(ofm);
    ofm.tempRule = null;
    return null;
  }

  private deleteFlowsStart(version: number, rules: readonly Rule[]): void {
    for (const rule of rules) {
      countFlow(this.tables[rule.tableId]!, rule, -1);
      rule.makeInvisibleInVersion(version);
      this.ruleRemove__(rule);
    }
  }

  private deleteFlowsRevert(rules: readonly Rule[]): void {
    for (const rule of rules) {
      rule.state = RuleState.INITIALIZED;
      this.ruleInsert__(rule);
      countFlow(this.tables[rule.tableId]!, rule, 1);
      rule.restoreVisibility();
    }
  }

  private deleteFlowsFinish(rules: readonly Rule[], reason: number, req: ModRequester | null): void {
    for (const rule of rules) {
      rule.removedReason = reason;
      this.listener.flowMonitor?.(rule, OFPFME_REMOVED, reason, req, null);
    }
    for (const rule of rules) this.ruleDestroy(rule);
  }

  /** Deletes 'rules' now, in their own version (delete_flows__). */
  deleteFlows(rules: readonly Rule[], reason: number, req: ModRequester | null = null): void {
    if (!rules.length) return;
    this.deleteFlowsStart(this.tablesVersion + 1, rules);
    this.bumpTablesVersion();
    this.deleteFlowsFinish(rules, reason, req);
    this.listener.flowMonitorFlush?.();
  }

  /** Undoes a started flow-mod (ofproto_flow_mod_revert). */
  flowModRevert(ofm: OfprotoFlowMod): void {
    switch (ofm.command) {
      case OFPFC_ADD:
        this.replaceRuleRevert(ofm.oldRules[0] ?? null, ofm.newRules[0]!);
        break;
      case OFPFC_MODIFY:
      case OFPFC_MODIFY_STRICT:
        if (ofm.oldRules.length > 0) {
          for (let i = 0; i < ofm.oldRules.length; i++) this.replaceRuleRevert(ofm.oldRules[i]!, ofm.newRules[i]!);
        } else if (ofm.newRules.length === 1) {
          this.replaceRuleRevert(null, ofm.newRules[0]!);
        }
        break;
      case OFPFC_DELETE:
      case OFPFC_DELETE_STRICT:
        this.deleteFlowsRevert(ofm.oldRules);
        break;
    }
    ofm.oldRules = [];
    ofm.newRules = [];
  }

  /** Completes a started flow-mod after the version was published (ofproto_flow_mod_finish). */
  flowModFinish(ofm: OfprotoFlowMod, req: ModRequester | null): OfpError | null {
    let err: OfpError | null = null;
    switch (ofm.command) {
      case OFPFC_ADD:
      case OFPFC_MODIFY:
      case OFPFC_MODIFY_STRICT: {
        const isAdd = ofm.command === OFPFC_ADD || (ofm.oldRules.length === 0 && ofm.newRules.length === 1);
        if (isAdd) {
          const oldRule = ofm.oldRules[0] ?? null, newRule = ofm.newRules[0]!;
          err = this.replaceRuleFinish(ofm, req, oldRule, newRule);
          if (err) break;
          if (oldRule) this.ruleDestroy(oldRule);
          else {
            this.listener.flowMonitor?.(newRule, OFPFME_ADDED, 0, req, null);
            this.sendTableStatus(newRule.tableId);
          }
        } else {
          for (let i = 0; i < ofm.oldRules.length; i++) {
            err = this.replaceRuleFinish(ofm, req, ofm.oldRules[i]!, ofm.newRules[i]!);
            if (err) return err;
          }
          for (const old of ofm.oldRules) this.ruleDestroy(old);
        }
        break;
      }
      case OFPFC_DELETE:
      case OFPFC_DELETE_STRICT:
        this.deleteFlowsFinish(ofm.oldRules, OFPRR_DELETE, req);
        for (const r of ofm.oldRules) this.sendTableStatus(r.tableId);
        break;
    }
    ofm.oldRules = [];
    ofm.newRules = [];
    return err;
  }

  private sendTableStatus(_tableId: number): void {
    /* Vacancy events are computed by connmgr from table stats when enabled. */
  }

  /* ---- Bundles. ---- */

  /**
   * Applies a bundle's flow-mods and group-mods atomically (do_bundle_commit):
   * all are started in the next version, and only if every one succeeds is
   * the version published and each finished; otherwise the started ones are
   * reverted, newest first, and the failing one's index is returned with its
   * error.
   */
  commitBundle(ops: readonly BundleOp[], req: ModRequester | null = null): { error: OfpError; index: number } | null {
    const version = this.tablesVersion + 1;
    const started: ({ kind: 'flow'; ofm: OfprotoFlowMod } | { kind: 'group'; ogm: OfprotoGroupMod })[] = [];
    let failure: { error: OfpError; index: number } | null = null;
    for (let i = 0; i < ops.length && !failure; i++) {
      const op = ops[i]!;
      if (op.kind === 'flow') {
        const ofm = this.flowModInit(op.fm);
        if (ofm instanceof OfpError) { failure = { error: ofm, index: i }; break; }
        ofm.version = version;
        const err = this.flowModStart(ofm);
        if (err) failure = { error: err, index: i };
        else started.push({ kind: 'flow', ofm });
      } else {
        const ogm: OfprotoGroupMod = { gm: op.gm, version, newGroup: null, oldGroups: [] };
        const err = this.groupModStart(ogm);
        if (err) failure = { error: err, index: i };
        else started.push({ kind: 'group', ogm });
      }
    }
    if (failure) {
      for (let i = started.length - 1; i >= 0; i--) {
        const s = started[i]!;
        if (s.kind === 'flow') this.flowModRevert(s.ofm); else this.groupModRevert(s.ogm);
      }
      return failure;
    }
    this.bumpTablesVersion();
    for (const s of started) {
      if (s.kind === 'flow') this.flowModFinish(s.ofm, req); else this.groupModFinish(s.ogm, req);
    }
    this.listener.flowMonitorFlush?.();
    return null;
  }

  /* ---- Convenience flows (in-band, fail-open, tests). ---- */

  /** Adds or replaces a flow without OpenFlow (ofproto_add_flow). */
  addFlow(flow: SimpleFlow, ofpacts: FlowMod['ofpacts']): OfpError | null {
    const existing = this.tables[flow.tableId ?? 0]?.cls.findMatchExactly(flow.match, flow.priority, this.tablesVersion);
    if (existing && ofpactsEqual(existing.actions, ruleActionsCreate(ofpacts))) return null;
    return this.handleFlowMod(simpleFlowMod(flow, ofpacts, OFPFC_ADD));
  }

  /** Deletes the flow with exactly this match and priority (ofproto_delete_flow). */
  deleteFlow(match: Match, priority: number, tableId = 0): void {
    const rule = this.tables[tableId]?.cls.findMatchExactly(match, priority, this.tablesVersion);
    if (rule) this.deleteFlows([rule], OFPRR_DELETE);
  }

  /** Deletes every flow in every table, hidden ones included (ofproto_flush__). */
  flushFlows(): void {
    this.cls.flush?.(this);
    const rules: Rule[] = [];
    for (const t of this.tables) {
      if (t.flags & OFTABLE_READONLY) continue;
      for (const r of t.cls.rules(null, this.tablesVersion)) rules.push(r);
    }
    this.deleteFlows(rules, OFPRR_DELETE);
  }

  /** Every rule, including hidden ones, in table order (for ofproto/show-like dumps). */
  allRules(): Rule[] {
    return this.tables.flatMap((t) => t.cls.rules(null, this.tablesVersion));
  }

  /* ---- Flow statistics. ---- */

  /** Flow stats for a request (handle_flow_stats_request). */
  flowStats(fsr: FlowStatsRequest): FlowStats[] | OfpError {
    const c = this.ruleCriteria(fsr.tableId, fsr.match, 0, VERSION_MAX, fsr.cookie, fsr.cookieMask, fsr.outPort,
      fsr.outGroup);
    const rules = this.collectRulesLoose(c);
    if (rules instanceof OfpError) return rules;
    const now = this.now();
    return rules.map((rule) => {
      const st = this.ruleGetStats(rule);
      const [sec, nsec] = calcDuration(rule.created, now);
      return {
        match: rule.match, priority: rule.priority, tableId: rule.tableId, cookie: rule.flowCookie,
        durationSec: sec, durationNsec: nsec, idleTimeout: rule.idleTimeout, hardTimeout: rule.hardTimeout,
        importance: rule.importance, flags: rule.flags, idleAge: ageSecs(now - st.used),
        hardAge: ageSecs(now - rule.modified), packetCount: BigInt(st.packets), byteCount: BigInt(st.bytes),
        ofpacts: rule.actions.ofpacts,
      };
    });
  }

  /** Aggregate stats for a request (handle_aggregate_stats_request). */
  aggregateStats(fsr: FlowStatsRequest): AggregateStats | OfpError {
    const c = this.ruleCriteria(fsr.tableId, fsr.match, 0, VERSION_MAX, fsr.cookie, fsr.cookieMask, fsr.outPort,
      fsr.outGroup);
    const rules = this.collectRulesLoose(c);
    if (rules instanceof OfpError) return rules;
    let packets = 0n, bytes = 0n;
    for (const rule of rules) {
      const st = this.ruleGetStats(rule);
      packets += BigInt(st.packets);
      bytes += BigInt(st.bytes);
    }
    return { packetCount: packets, byteCount: bytes, flowCount: rules.length };
  }

  /* ---- Tables. ---- */

  /** Table statistics, one entry per table (query_tables). */
  tableStats(): TableStats[] {
    return this.tables.map((t) => ({
      tableId: t.tableId, activeCount: t.nFlows - t.nHidden, lookupCount: BigInt(t.nMatched + t.nMissed),
      matchedCount: BigInt(t.nMatched),
    }));
  }

  /**
   * Table features as OVS reports them (query_tables): every field that has
   * an OXM/NXM code matchable, the fully maskable ones maskable, writable
   * ones settable; every action; goto_table only where a later visible table
   * exists; up to 1,000,000 entries unless the table is limited lower.
   */
  tableFeatures(): TableFeatures[] {
    const match = new Set<number>(), mask = new Set<number>(), write = new Set<number>();
    for (const f of MF_FIELDS) {
      if (!f.oxm.length) continue;
      match.add(f.id);
      if (f.maskable) mask.add(f.id);
      if (f.writable) write.add(f.id);
    }
    const allActions = OFPACT_TYPES.map(([, name]) => name as string);
    return this.tables.map((t, i) => {
      const f = emptyTableFeatures(i);
      f.name = t.name ?? '';
      f.metadataMatch = U64_MAX;
      f.metadataWrite = U64_MAX;
      f.missConfig = t.missConfig;
      f.maxEntries = Math.min(1000000, t.maxFlows);
      for (let j = i + 1; j < this.tables.length; j++) if (!(this.tables[j]!.flags & OFTABLE_HIDDEN)) f.nonmiss.next.add(j);
      f.nonmiss.instructions = f.nonmiss.next.size ? 0x3f : 0x3f & ~(1 << 5);
      f.nonmiss.write = { ofpacts: allActions.slice(), setFields: new Set(write) };
      f.nonmiss.apply = { ofpacts: allActions.slice(), setFields: new Set(write) };
      f.miss = { next: new Set(f.nonmiss.next), instructions: f.nonmiss.instructions,
        write: { ofpacts: allActions.slice(), setFields: new Set(write) },
        apply: { ofpacts: allActions.slice(), setFields: new Set(write) } };
      f.match = new Set(match);
      f.mask = new Set(mask);
      f.wildcard = new Set(match);
      return f;
    });
  }

  /** Applies a table-mod (table_mod). */
  tableMod(tm: TableMod): OfpError | null {
    if (!this.checkTableId(tm.tableId)) return new OfpError('OFPTMFC_BAD_TABLE');
    if (tm.evictionFlags !== UINT_MAX && tm.evictionFlags !== OFPROTO_EVICTION_FLAGS) {
      return new OfpError('OFPTMFC_BAD_CONFIG');
    }
    if (tm.tableId === OFPTT_ALL) {
      for (const t of this.tables) if (!(t.flags & (OFTABLE_HIDDEN | OFTABLE_READONLY))) this.tableMod__(t, tm);
    } else {
      const t = this.tables[tm.tableId]!;
      if (t.flags & OFTABLE_READONLY) return new OfpError('OFPTMFC_EPERM');
      this.tableMod__(t, tm);
    }
    return null;
  }

  private tableMod__(t: OfTable, tm: TableMod): void {
    if (tm.miss !== TableMiss.DEFAULT) t.missConfig = tm.miss as TableMiss;
    let eviction = t.eviction;
    if (tm.eviction === SETTING_ON) eviction |= EVICTION_OPENFLOW;
    else if (tm.eviction === SETTING_OFF) eviction &= ~EVICTION_OPENFLOW;
    if (eviction !== t.eviction) this.configureEviction(t, eviction, t.evictionFields);
    if (tm.vacancy !== SETTING_DEFAULT) {
      t.vacancyDown = tm.tableVacancy.down;
      t.vacancyUp = tm.tableVacancy.up;
      if (tm.vacancy === SETTING_OFF) t.vacancyEvent = 0;
      else if (!t.vacancyEvent) t.vacancyEvent = this.tableVacancy(t) < t.vacancyUp ? OFPTR_VACANCY_UP : OFPTR_VACANCY_DOWN;
    }
  }

  /** Percentage of the table still free. */
  tableVacancy(t: OfTable): number {
    if (t.maxFlows === UINT_MAX) return 100;
    return t.maxFlows ? Math.floor(((t.maxFlows - t.nFlows) * 100) / t.maxFlows) : 0;
  }

  /** The table-miss configuration of 'tableId'. */
  tableMissConfig(tableId: number): TableMiss {
    return this.tables[tableId]?.missConfig ?? TableMiss.DEFAULT;
  }

  /**
   * Configures a table from OVSDB's Flow_Table row (ofproto_configure_table):
   * name, flow limit, eviction and its grouping fields, prefix fields.
   */
  configureTable(tableId: number, s: {
    name?: string | null; maxFlows?: number; enableEviction?: boolean;
    groups?: { off: number; nBytes: number }[]; prefixFields?: MF[];
  }): void {
    const t = this.tables[tableId];
    if (!t) return;
    if (s.name !== undefined) {
      if (s.name) { t.name = s.name; t.nameLevel = 2; } else if (t.nameLevel === 2) { t.name = null; t.nameLevel = 0; }
    }
    if (s.maxFlows !== undefined) t.maxFlows = s.maxFlows;
    if (s.enableEviction !== undefined || s.groups) {
      const ev = s.enableEviction ? t.eviction | 1 : t.eviction & ~1;
      this.configureEviction(t, ev, s.groups ?? t.evictionFields);
    }
    if (s.prefixFields) t.cls.setPrefixFields(s.prefixFields.map((id) => mfFromId(id)));
    if (t.eviction && t.nFlows > t.maxFlows) this.evictRulesFromTable(t);
  }

  /* ---- Eviction. ---- */

  private configureEviction(t: OfTable, eviction: number, fields: { off: number; nBytes: number }[]): void {
    const same = fields.length === t.evictionFields.length
      && fields.every((f, i) => f.off === t.evictionFields[i]!.off && f.nBytes === t.evictionFields[i]!.nBytes);
    if ((t.eviction !== 0) === (eviction !== 0) && same) { t.eviction = eviction; return; }
    for (const g of t.evictionGroups.values()) for (const r of g.rules) r.evictionGroup = null;
    t.evictionGroups.clear();
    t.evictionFields = fields.slice();
    t.eviction = eviction;
    if (eviction) for (const r of t.cls.rules(null, VERSION_MAX)) if (r.state === RuleState.INSERTED) this.evictionGroupAddRule(r);
  }

  private evictionGroupAddRule(rule: Rule): void {
    const t = this.tables[rule.tableId]!;
    if (!t.eviction || !(rule.hardTimeout || rule.idleTimeout)) return;
    let key = '';
    for (const f of t.evictionFields) {
      for (let i = 0; i < f.nBytes; i++) key += rule.match.flow[f.off + i]!.toString(16).padStart(2, '0');
      key += '/';
    }
    let g = t.evictionGroups.get(key);
    if (!g) { g = { id: t.evictionGroups.size, rules: new Set() }; t.evictionGroups.set(key, g); }
    g.rules.add(rule);
    rule.evictionGroup = g;
  }

  private evictionGroupRemoveRule(rule: Rule): void {
    const g = rule.evictionGroup;
    if (!g) return;
    rule.evictionGroup = null;
    g.rules.delete(rule);
    if (!g.rules.size) {
      const t = this.tables[rule.tableId]!;
      for (const [k, v] of t.evictionGroups) if (v === g) { t.evictionGroups.delete(k); break; }
    }
  }

  /**
   * The next rule to evict from 't' (choose_rule_to_evict): from the largest
   * eviction group, the rule with the lowest importance, then the earliest
   * expiry.  Rules without timeouts are never evicted.
   */
  private chooseRuleToEvict(t: OfTable): Rule | null {
    if (!t.eviction) return null;
    const groups: EvictionGroup[] = [...t.evictionGroups.values()].sort((a, b) => b.rules.size - a.rules.size);
    for (const g of groups) {
      let best: Rule | null = null, bestKey = 0;
      for (const r of g.rules) {
        const key = this.evictionKey(r);
        if (!best || key < bestKey) { best = r; bestKey = key; }
      }
      if (best) return best;
    }
    return null;
  }

  /** Smaller keys are evicted first: importance, then expiry time. */
  private evictionKey(r: Rule): number {
    let expiration = Infinity;
    if (r.hardTimeout) expiration = r.modified + r.hardTimeout * 1000;
    if (r.idleTimeout) expiration = Math.min(expiration, this.ruleGetStats(r).used + r.idleTimeout * 1000);
    return r.importance * 2 ** 40 + Math.floor(expiration / 1024);
  }

  /** Evicts rules until 't' fits its limit (evict_rules_from_table). */
  private evictRulesFromTable(t: OfTable): OfpError | null {
    const rules: Rule[] = [];
    let count = t.nFlows;
    let err: OfpError | null = null;
    while (count-- > t.maxFlows) {
      const r = this.chooseRuleToEvict(t);
      if (!r) { err = new OfpError('OFPFMFC_TABLE_FULL'); break; }
      this.evictionGroupRemoveRule(r);
      rules.push(r);
    }
    this.deleteFlows(rules, OFPRR_EVICTION);
    return err;
  }

  /* ---- Periodic work. ---- */

  /**
   * Runs the provider and expires rules whose idle or hard timeout passed,
   * then evicts from over-full tables.  Returns the provider's errno or 0.
   */
  run(): number {
    const err = this.cls.run?.(this) ?? 0;
    this.expireRules();
    for (const t of this.tables) if (t.eviction && t.nFlows > t.maxFlows) this.evictRulesFromTable(t);
    return err;
  }

  /** Expires timed-out rules (ofproto-dpif's rule_expire for each expirable rule). */
  expireRules(): void {
    const now = this.now();
    for (const rule of [...this.expirable]) {
      if (rule.state !== RuleState.INSERTED) continue;
      let reason = -1;
      if (rule.hardTimeout && now > rule.modified + rule.hardTimeout * 1000) reason = OFPRR_HARD_TIMEOUT;
      if (reason < 0 && rule.idleTimeout && now > this.ruleGetStats(rule).used + rule.idleTimeout * 1000) {
        reason = OFPRR_IDLE_TIMEOUT;
      }
      if (reason >= 0) this.ruleExpire(rule, reason);
    }
  }

  /** Removes 'rule' with flow-removed reason 'reason' (ofproto_rule_expire). */
  ruleExpire(rule: Rule, reason: number): void {
    this.deleteFlows([rule], reason);
  }

  /** Milliseconds until the next rule may expire, or null (for the poll loop). */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const rule of this.expirable) {
      let t = Infinity;
      if (rule.hardTimeout) t = rule.modified + rule.hardTimeout * 1000;
      if (rule.idleTimeout) t = Math.min(t, this.ruleGetStats(rule).used + rule.idleTimeout * 1000);
      if (t !== Infinity && (next === null || t < next)) next = t;
    }
    return next;
  }

  /** Lowers a rule's timeouts (fin_timeout action; ofproto_rule_reduce_timeouts). */
  ruleReduceTimeouts(rule: Rule, idleTimeout: number, hardTimeout: number): void {
    if (!idleTimeout && !hardTimeout) return;
    if (rule.state === RuleState.INSERTED) this.expirable.add(rule);
    if (idleTimeout && (!rule.idleTimeout || rule.idleTimeout > idleTimeout)) rule.idleTimeout = idleTimeout;
    if (hardTimeout && (!rule.hardTimeout || rule.hardTimeout > hardTimeout)) rule.hardTimeout = hardTimeout;
  }

  /* ---- Groups. ---- */

  /** The group 'groupId' visible in 'version' (ofproto_group_lookup). */
  groupLookup(groupId: number, version: number): OfGroup | null {
    for (const g of this.groups.get(groupId) ?? []) if (g.visibleIn(version)) return g;
    return null;
  }

  /** Groups visible now, by id. */
  groupList(): OfGroup[] {
    const out: OfGroup[] = [];
    for (const list of this.groups.values()) for (const g of list) if (g.visibleIn(VERSION_MAX)) out.push(g);
    return out.sort((a, b) => a.groupId - b.groupId);
  }

  private groupInsert(g: OfGroup): void {
    const list = this.groups.get(g.groupId);
    if (list) list.push(g); else this.groups.set(g.groupId, [g]);
  }

  private groupRemove(g: OfGroup): void {
    const list = this.groups.get(g.groupId);
    if (!list) return;
    const i = list.indexOf(g);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.groups.delete(g.groupId);
  }

  /** Handles one group-mod completely (handle_group_mod). */
  handleGroupMod(gm: GroupMod, req: ModRequester | null = null): OfpError | null {
    const ogm: OfprotoGroupMod = { gm, version: this.tablesVersion + 1, newGroup: null, oldGroups: [] };
    const err = this.groupModStart(ogm);
    if (err) return err;
    this.bumpTablesVersion();
    this.groupModFinish(ogm, req);
    this.listener.flowMonitorFlush?.();
    return null;
  }

  private initGroup(gm: GroupMod, version: number): OfGroup | OfpError {
    if (gm.groupId > OFPG_MAX) return new OfpError('OFPGMFC_INVALID_GROUP');
    if (gm.type > OFPGT11_FF) return new OfpError('OFPGMFC_BAD_TYPE');
    const g = new OfGroup(this, gm.groupId, gm.type, gm.buckets.slice(), gm.props, this.now(), version);
    const err = this.cls.groupConstruct?.(g) ?? null;
    return err ?? g;
  }

  /** Applies a group-mod in version ogm.version (ofproto_group_mod_start). */
  groupModStart(ogm: OfprotoGroupMod): OfpError | null {
    ogm.newGroup = null;
    ogm.oldGroups = [];
    switch (ogm.gm.command) {
      case OFPGC11_ADD: return this.addGroupStart(ogm);
      case OFPGC11_MODIFY:
      case OFPGC15_INSERT_BUCKET:
      case OFPGC15_REMOVE_BUCKET:
        return this.modifyGroupStart(ogm);
      case OFPGC11_ADD_OR_MOD:
        return this.groupLookup(ogm.gm.groupId, VERSION_MAX) ? this.modifyGroupStart(ogm) : this.addGroupStart(ogm);
      case OFPGC11_DELETE:
        this.deleteGroupsStart(ogm);
        return null;
      default:
        log.info(`${this.name}: Invalid group_mod command type ${ogm.gm.command}`);
        return new OfpError('OFPGMFC_BAD_COMMAND');
    }
  }

  private addGroupStart(ogm: OfprotoGroupMod): OfpError | null {
    const gm = ogm.gm;
    if (this.groupLookup(gm.groupId, VERSION_MAX)) return new OfpError('OFPGMFC_GROUP_EXISTS');
    if (gm.type <= OFPGT11_FF && this.nGroups[gm.type]! >= this.groupFeatures.maxGroups[gm.type]!) {
      return new OfpError('OFPGMFC_OUT_OF_GROUPS');
    }
    const g = this.initGroup(gm, ogm.version);
    if (g instanceof OfpError) return g;
    ogm.newGroup = g;
    this.groupInsert(g);
    this.nGroups[g.type]!++;
    return null;
  }

  private modifyGroupStart(ogm: OfprotoGroupMod): OfpError | null {
    const old = this.groupLookup(ogm.gm.groupId, VERSION_MAX);
    if (!old) return new OfpError('OFPGMFC_UNKNOWN_GROUP');
    let gm = ogm.gm;
    if (gm.command === OFPGC15_INSERT_BUCKET || gm.command === OFPGC15_REMOVE_BUCKET) {
      gm = { ...gm, type: old.type, props: old.props };
    }
    if (old.type !== gm.type && gm.type <= OFPGT11_FF && this.nGroups[gm.type]! >= this.groupFeatures.maxGroups[gm.type]!) {
      return new OfpError('OFPGMFC_OUT_OF_GROUPS');
    }
    let buckets: Bucket[] | OfpError = gm.buckets;
    if (gm.command === OFPGC15_INSERT_BUCKET) buckets = insertBuckets(old.buckets, gm.buckets, gm.commandBucketId);
    else if (gm.command === OFPGC15_REMOVE_BUCKET) buckets = removeBuckets(old.buckets, gm.commandBucketId);
    if (buckets instanceof OfpError) return buckets;
    const g = this.initGroup({ ...gm, buckets }, ogm.version);
    if (g instanceof OfpError) return g;
    g.created = old.created;
    g.modified = this.now();
    ogm.newGroup = g;
    ogm.oldGroups.push(old);
    old.removeVersion = ogm.version;
    this.groupInsert(g);
    for (const r of old.rules) g.rules.add(r);
    old.rules.clear();
    if (old.type !== g.type) { this.nGroups[old.type]!--; this.nGroups[g.type]!++; }
    return null;
  }

  private deleteGroupStart(version: number, g: OfGroup, ogm: OfprotoGroupMod): void {
    g.beingDeleted = true;
    this.deleteFlowsStart(version, [...g.rules]);
    ogm.oldGroups.push(g);
    g.removeVersion = version;
    this.nGroups[g.type]!--;
  }

  private deleteGroupsStart(ogm: OfprotoGroupMod): void {
    if (ogm.gm.groupId === OFPG_ALL) {
      for (const list of [...this.groups.values()]) {
        for (const g of list) if (g.visibleIn(ogm.version)) this.deleteGroupStart(ogm.version, g, ogm);
      }
    } else {
      const g = this.groupLookup(ogm.gm.groupId, ogm.version);
      if (g) this.deleteGroupStart(ogm.version, g, ogm);
    }
  }

  /** Undoes a started group-mod. */
  groupModRevert(ogm: OfprotoGroupMod): void {
    const neu = ogm.newGroup;
    for (const old of ogm.oldGroups) {
      this.nGroups[old.type]!++;
      if (neu) {
        for (const r of neu.rules) old.rules.add(r);
        neu.rules.clear();
      } else {
        old.beingDeleted = false;
        this.deleteFlowsRevert([...old.rules]);
      }
      old.removeVersion = Number.MAX_SAFE_INTEGER;
    }
    if (neu) {
      this.groupRemove(neu);
      this.nGroups[neu.type]!--;
      this.cls.groupDestruct?.(neu);
    }
  }

  /** Completes a started group-mod (ofproto_group_mod_finish). */
  groupModFinish(ogm: OfprotoGroupMod, _req: ModRequester | null): void {
    const neu = ogm.newGroup;
    if (neu && ogm.oldGroups.length) this.cls.groupModify?.(neu);
    for (const old of ogm.oldGroups) {
      if (!neu) this.deleteFlowsFinish([...old.rules], OFPRR_GROUP_DELETE, null);
      this.groupRemove(old);
      this.cls.groupDestruct?.(old);
    }
  }

  /** Deletes every group (ofproto_group_delete_all). */
  groupDeleteAll(): void {
    this.handleGroupMod({ command: OFPGC11_DELETE, type: 0, groupId: OFPG_ALL, commandBucketId: OFPG15_BUCKET_ALL,
      buckets: [], props: { selectionMethod: '', selectionMethodParam: 0n, fields: [] } });
  }

  /** Group descriptions for 'groupId' (OFPG_ALL for all). */
  groupDescs(groupId: number): GroupDesc[] {
    const groups = groupId === OFPG_ALL ? this.groupList() : [this.groupLookup(groupId, VERSION_MAX)].filter((g) => g) as OfGroup[];
    return groups.map((g) => ({ type: g.type, groupId: g.groupId, buckets: g.buckets, props: g.props }));
  }

  /** Group statistics for 'groupId' (OFPG_ALL for all; append_group_stats). */
  groupStats(groupId: number): GroupStats[] {
    const groups = groupId === OFPG_ALL ? this.groupList() : [this.groupLookup(groupId, VERSION_MAX)].filter((g) => g) as OfGroup[];
    const now = this.now();
    return groups.map((g) => {
      const st = this.cls.groupGetStats?.(g) ?? null;
      const [sec, nsec] = calcDuration(g.created, now);
      return {
        groupId: g.groupId, refCount: g.rules.size,
        packetCount: st ? BigInt(st.packets) : U64_MAX, byteCount: st ? BigInt(st.bytes) : U64_MAX,
        durationSec: sec, durationNsec: nsec,
        buckets: g.buckets.map((_b, i) => st
          ? { packetCount: BigInt(st.buckets[i]?.packets ?? 0), byteCount: BigInt(st.buckets[i]?.bytes ?? 0) }
          : { packetCount: U64_MAX, byteCount: U64_MAX }),
      };
    });
  }

  /* ---- Meters. ---- */

  /** Handles a meter-mod (handle_meter_mod). */
  handleMeterMod(mm: MeterMod): OfpError | null {
    const id = mm.meter.meterId;
    if (mm.command !== OFPMC13_DELETE) {
      if (this.meterFeatures.maxMeters === 0) return new OfpError('OFPMMFC_INVALID_METER');
      if (id === 0) return new OfpError('OFPMMFC_INVALID_METER');
      if (id > OFPM13_MAX && id !== OFPM13_SLOWPATH && id !== OFPM13_CONTROLLER) {
        return new OfpError('OFPMMFC_INVALID_METER');
      }
      if (mm.meter.bands.length > this.meterFeatures.maxBands) return new OfpError('OFPMMFC_OUT_OF_BANDS');
    }
    switch (mm.command) {
      case OFPMC13_ADD: {
        if (this.meters.has(id)) return new OfpError('OFPMMFC_METER_EXISTS');
        const r = this.cls.meterSet ? this.cls.meterSet(this, null, mm.meter) : new OfpError('OFPMMFC_INVALID_METER');
        if (r instanceof OfpError) return r;
        const m: Meter = { id, flags: mm.meter.flags, bands: mm.meter.bands.slice(), providerMeterId: r,
          created: this.now(), rules: new Set() };
        this.meters.set(id, m);
        if (id === OFPM13_SLOWPATH) this.slowpathMeterId = r;
        if (id === OFPM13_CONTROLLER) this.controllerMeterId = r;
        return null;
      }
      case OFPMC13_MODIFY: {
        const m = this.meters.get(id);
        if (!m) return new OfpError('OFPMMFC_UNKNOWN_METER');
        const r = this.cls.meterSet ? this.cls.meterSet(this, m.providerMeterId, mm.meter) : m.providerMeterId;
        if (r instanceof OfpError) return r;
        m.flags = mm.meter.flags;
        m.bands = mm.meter.bands.slice();
        return null;
      }
      case OFPMC13_DELETE:
        if (id) {
          if (id === OFPM13_ALL) this.meterDeleteAll();
          else this.meterDelete(id);
        }
        return null;
      default:
        return new OfpError('OFPMMFC_BAD_COMMAND');
    }
  }

  private meterDelete(id: number): void {
    const m = this.meters.get(id);
    if (!m) return;
    this.meters.delete(id);
    if (id === OFPM13_SLOWPATH) this.slowpathMeterId = -1;
    if (id === OFPM13_CONTROLLER) this.controllerMeterId = -1;
    if (m.rules.size) this.deleteFlows([...m.rules], OFPRR_METER_DELETE);
    this.cls.meterDel?.(this, m.providerMeterId);
  }

  private meterDeleteAll(): void {
    for (const id of [...this.meters.keys()]) this.meterDelete(id);
  }

  /** Meter configurations for 'meterId' (OFPM13_ALL for all). */
  meterConfigs(meterId: number): MeterConfig[] {
    return this.selectMeters(meterId).map((m) => ({ meterId: m.id, flags: m.flags, bands: m.bands }));
  }

  /** Meter statistics for 'meterId' (OFPM13_ALL for all). */
  meterStats(meterId: number): MeterStats[] {
    const now = this.now(), out: MeterStats[] = [];
    for (const m of this.selectMeters(meterId)) {
      const st = this.cls.meterGet?.(this, m.providerMeterId, m.bands.length) ?? null;
      if (!st) continue;
      const [sec, nsec] = calcDuration(m.created, now);
      out.push({
        meterId: m.id, flowCount: m.rules.size, packetInCount: BigInt(st.packetsIn), byteInCount: BigInt(st.bytesIn),
        durationSec: sec, durationNsec: nsec,
        bands: m.bands.map((_b, i) => ({ packetCount: BigInt(st.bands[i]?.packets ?? 0), byteCount: BigInt(st.bands[i]?.bytes ?? 0) })),
      });
    }
    return out;
  }

  private selectMeters(meterId: number): Meter[] {
    if (meterId === OFPM13_ALL) return [...this.meters.values()].sort((a, b) => a.id - b.id);
    const m = this.meters.get(meterId);
    return m ? [m] : [];
  }

  /* ---- Ports. ---- */

  /** Adds a port the provider created (ofport_install); reports it to controllers. */
  portInstall(port: Ofport): void {
    this.ports.set(port.ofpPort, port);
    this.listener.portStatus?.(0 /* OFPPR_ADD */, port.pp);
  }

  /** Removes a port (ofport_remove); deletes nothing else. */
  portRemove(ofpPort: number): void {
    const port = this.ports.get(ofpPort);
    if (!port) return;
    this.ports.delete(ofpPort);
    this.listener.portStatus?.(1 /* OFPPR_DELETE */, port.pp);
  }

  /** The port numbered 'ofpPort'. */
  getPort(ofpPort: number): Ofport | undefined { return this.ports.get(ofpPort); }

  /** The port named 'name'. */
  portByName(name: string): Ofport | undefined {
    for (const p of this.ports.values()) if (p.pp.name === name) return p;
    return undefined;
  }
}

/* ---- Helpers. ---- */

/** [seconds, nanoseconds] between two millisecond times (calc_duration). */
export function calcDuration(start: number, now: number): [number, number] {
  const ms = Math.max(0, now - start);
  return [Math.floor(ms / 1000), (ms % 1000) * 1000000];
}

/** Milliseconds to whole seconds, capped to 16 bits (age_secs). */
export function ageSecs(ms: number): number {
  return ms < 0 ? 0 : ms >= 0xffff * 1000 ? 0xffff : Math.floor(ms / 1000);
}

/** Counts a rule into or out of its table (hidden rules apart, as OpenFlow does not see them). */
function countFlow(t: OfTable, rule: Rule, delta: number): void {
  t.nFlows += delta;
  if (rule.isHidden()) t.nHidden += delta;
}

/** A FlowMod for a flow added from inside the switch. */
export function simpleFlowMod(flow: SimpleFlow, ofpacts: FlowMod['ofpacts'], command: number): FlowMod {
  return {
    match: flow.match, priority: flow.priority, cookie: 0n, cookieMask: 0n, newCookie: flow.cookie ?? 0n,
    modifyCookie: false, tableId: flow.tableId ?? 0, command, idleTimeout: flow.idleTimeout ?? 0,
    hardTimeout: flow.hardTimeout ?? 0, importance: 0, bufferId: 0xffffffff, outPort: OFPP_ANY, outGroup: OFPG_ANY,
    flags: (flow.flags ?? 0) | FF_NO_READONLY, ofpacts,
  };
}

/** Buckets of an insert_bucket command placed relative to 'commandBucketId'. */
function insertBuckets(old: Bucket[], added: Bucket[], commandBucketId: number): Bucket[] | OfpError {
  if (commandBucketId <= OFPG15_BUCKET_MAX && !old.some((b) => b.bucketId === commandBucketId)) {
    return new OfpError('OFPGMFC_UNKNOWN_BUCKET');
  }
  const ids = new Set<number>();
  for (const b of [...old, ...added]) {
    if (ids.has(b.bucketId)) return new OfpError('OFPGMFC_BUCKET_EXISTS');
    ids.add(b.bucketId);
  }
  if (commandBucketId === OFPG15_BUCKET_FIRST) return [...added, ...old];
  if (commandBucketId === OFPG15_BUCKET_LAST) return [...old, ...added];
  const i = old.findIndex((b) => b.bucketId === commandBucketId);
  return [...old.slice(0, i + 1), ...added, ...old.slice(i + 1)];
}

/** Buckets left after a remove_bucket command. */
function removeBuckets(old: Bucket[], commandBucketId: number): Bucket[] | OfpError {
  if (commandBucketId === OFPG15_BUCKET_ALL) return [];
  if (commandBucketId === OFPG15_BUCKET_FIRST) return old.slice(1);
  if (commandBucketId === OFPG15_BUCKET_LAST) return old.slice(0, -1);
  if (!old.some((b) => b.bucketId === commandBucketId)) return new OfpError('OFPGMFC_UNKNOWN_BUCKET');
  return old.filter((b) => b.bucketId !== commandBucketId);
}

export { OFPRR_IDLE_TIMEOUT, OFPRR_HARD_TIMEOUT, OFPRR_DELETE, OFPRR_GROUP_DELETE, OFPRR_METER_DELETE, OFPRR_EVICTION };
