/* ofmonitor: OpenFlow flow monitors (the ofmonitor part of OVS's connmgr.c).
 *
 * A controller asks, with NXST_FLOW_MONITOR (OF1.0-1.2), ONFST13 (OF1.3) or
 * OFPMP_FLOW_MONITOR (OF1.4+), to hear about flows that match a pattern
 * being added, deleted or modified.  Each connection keeps its monitors by
 * id; ofproto-openflow.ts creates them (replying with the flows that match
 * now when the "initial" flag is set) and ofproto reports every change
 * through its listener's flowMonitor hook, which lands in report() here.
 * Updates for one batch of changes are queued per connection and sent by
 * flush() as multipart replies, as OVS does after each OpenFlow request.
 *
 * A change a connection made itself is reported in abbreviated form (only
 * the request's xid) unless the monitor asked for full reports ("no_abbrev"
 * in OF1.4, always for NX/ONF) or for own changes only ("own" missing means
 * the connection does not hear about its own changes at all).
 */
import { OfpError } from '../openflow/ofp-errors.js';
import {
  type FlowMonitorRequest, type FlowUpdate, OFPFMF_INITIAL, OFPFMF_ADD, OFPFMF_REMOVED, OFPFMF_MODIFY,
  OFPFMF_INSTRUCTIONS, OFPFMF_ONLY_OWN, OFPFMC_ADD, OFPFMC_MODIFY, OFPFMC_DELETE,
  OFPFME_INITIAL, OFPFME_ADDED, OFPFME_REMOVED, OFPFME_ABBREV, putFlowUpdate, flowUpdateReplyRaw,
} from '../openflow/ofp-monitor.js';
import { startMsg, setStatsMore, type OfpMsg } from '../openflow/ofp-msgs.js';
import { OFPP_ANY } from '../openflow/ofp-port.js';
import { OFPG_ANY } from '../openflow/ofp-group.js';
import { OFPTT_ALL } from '../openflow/ofp-flow.js';
import type { OfpWriter } from '../openflow/ofp-buffer.js';
import { ClsRule } from './classifier.js';
import { VERSION_MAX } from './classifier.js';
import type { Ofproto } from './ofproto.js';
import type { Rule, ModRequester } from './ofproto-provider.js';
import type { RuleActions } from './ofproto-actions.js';
import { actionsOutputToPort, actionsOutputToGroup } from './ofproto-actions.js';
import type { Ofconn } from './connmgr.js';

/** One monitor of one connection (struct ofmonitor). */
interface Monitor {
  id: number;
  flags: number;
  outPort: number;
  outGroup: number;
  tableId: number;
  cr: ClsRule;
}

interface ConnMonitors {
  monitors: Map<number, Monitor>;
  /** Updates waiting for flush(). */
  pending: FlowUpdate[];
  /** An abbreviated update is already queued in 'pending'. */
  sentAbbrev: boolean;
}

/** The flow monitors of one switch. */
export class Ofmonitors {
  private readonly conns = new Map<Ofconn, ConnMonitors>();

  constructor(readonly ofproto: Ofproto) {}

  private state(c: Ofconn): ConnMonitors {
    let s = this.conns.get(c);
    if (!s) { s = { monitors: new Map(), pending: [], sentAbbrev: false }; this.conns.set(c, s); }
    return s;
  }

  /** Forgets the monitors of connections not in 'live' (they closed). */
  pruneClosed(live: Set<Ofconn>): void {
    for (const c of [...this.conns.keys()]) if (!live.has(c)) this.conns.delete(c);
  }

  /**
   * Handles a flow monitor request: adds, modifies or deletes monitors and
   * replies with the matching flows for those with the "initial" flag.
   * Throws OfpError; on error nothing is changed.
   */
  handleRequest(c: Ofconn, msg: OfpMsg, requests: FlowMonitorRequest[]): void {
    const s = this.state(c);
    const added: Monitor[] = [];
    for (const rq of requests) {
      if (rq.command === OFPFMC_DELETE) continue;
      if (rq.tableId !== OFPTT_ALL && rq.tableId >= this.ofproto.nTables) throw new OfpError('OFPBRC_BAD_TABLE_ID');
    }
    for (const rq of requests) {
      const exists = s.monitors.get(rq.id);
      if (rq.command === OFPFMC_DELETE) {
        if (!exists) throw new OfpError('OFPMOFC_UNKNOWN_MONITOR');
        continue;
      }
      if (rq.command === OFPFMC_ADD && (exists || added.some((m) => m.id === rq.id))) {
        throw new OfpError('OFPMOFC_MONITOR_EXISTS');
      }
      if (rq.command === OFPFMC_MODIFY && !exists) throw new OfpError('OFPMOFC_UNKNOWN_MONITOR');
      added.push({
        id: rq.id, flags: rq.flags, outPort: rq.outPort, outGroup: rq.outGroup, tableId: rq.tableId,
        cr: new ClsRule(rq.match, 0),
      });
    }
    for (const rq of requests) if (rq.command === OFPFMC_DELETE) s.monitors.delete(rq.id);
    for (const m of added) s.monitors.set(m.id, m);

    /* The initial contents: every matching flow once, with the union of the flags of the monitors matching it. */
    const found = new Map<Rule, number>();
    for (const m of added) {
      if (!(m.flags & OFPFMF_INITIAL)) continue;
      for (const t of this.ofproto.matchingTables(m.tableId)) {
        for (const rule of t.cls.rules(m.cr, VERSION_MAX)) {
          if (!this.ruleMatches(m, rule, rule.actions)) continue;
          found.set(rule, (found.get(rule) ?? 0) | m.flags);
        }
      }
    }
    const updates: FlowUpdate[] = [];
    for (const [rule, flags] of found) updates.push(this.update(rule, OFPFME_INITIAL, 0, flags, rule.actions));
    this.sendUpdates(c, msg.version, msg.xid, updates, true);
  }

  /** Cancels monitor 'id' (NXT_FLOW_MONITOR_CANCEL). */
  cancel(c: Ofconn, id: number): void {
    const s = this.conns.get(c);
    if (!s || !s.monitors.delete(id)) throw new OfpError('OFPMOFC_UNKNOWN_MONITOR');
  }

  private ruleMatches(m: Monitor, rule: Rule, actions: RuleActions): boolean {
    if (rule.isHidden()) return false;
    if (m.tableId !== OFPTT_ALL && m.tableId !== rule.tableId) return false;
    if (m.outPort !== OFPP_ANY && m.outPort !== 0xffffffff && !actionsOutputToPort(actions, m.outPort)) return false;
    if (m.outGroup !== OFPG_ANY && !actionsOutputToGroup(actions, m.outGroup)) return false;
    return rule.isLooseMatch(m.cr);
  }

  private update(rule: Rule, event: number, reason: number, flags: number, actions: RuleActions): FlowUpdate {
    const withActions = (flags & OFPFMF_INSTRUCTIONS) !== 0;
    return {
      event, reason, idleTimeout: rule.idleTimeout, hardTimeout: rule.hardTimeout, tableId: rule.tableId,
      cookie: rule.flowCookie, priority: rule.priority, match: rule.match,
      ofpacts: withActions ? actions.ofpacts : null, xid: 0,
    };
  }

  /** Reports a change of 'rule' to every monitor that matches it (ofmonitor_report). */
  report(rule: Rule, event: number, reason: number, req: ModRequester | null, oldActions: RuleActions | null): void {
    if (!this.conns.size || rule.isHidden()) return;
    const flag = event === OFPFME_ADDED ? OFPFMF_ADD : event === OFPFME_REMOVED ? OFPFMF_REMOVED : OFPFMF_MODIFY;
    for (const [c, s] of this.conns) {
      if (c.vconn.isClosed) continue;
      let flags = 0;
      for (const m of s.monitors.values()) {
        if (!(m.flags & flag)) continue;
        if (m.tableId !== OFPTT_ALL && m.tableId !== rule.tableId) continue;
        if (m.outPort !== OFPP_ANY && !actionsOutputToPort(rule.actions, m.outPort)
            && !(oldActions && actionsOutputToPort(oldActions, m.outPort))) continue;
        if (m.outGroup !== OFPG_ANY && !actionsOutputToGroup(rule.actions, m.outGroup)) continue;
        if (!rule.isLooseMatch(m.cr)) continue;
        flags |= m.flags;
      }
      if (!flags) continue;
      if (!s.pending.length) s.sentAbbrev = false;
      const own = req !== null && req.conn === c;
      if (flags & OFPFMF_ONLY_OWN || !own) {
        const u = this.update(rule, event, event === OFPFME_REMOVED ? reason : 0, flags, rule.actions);
        s.pending.push(u);
      } else if (!s.sentAbbrev) {
        s.pending.push({ ...this.update(rule, OFPFME_ABBREV, 0, 0, rule.actions), xid: req!.xid });
        s.sentAbbrev = true;
      }
    }
  }

  /** Sends the queued updates (ofmonitor_flush). */
  flush(): void {
    for (const [c, s] of this.conns) {
      if (!s.pending.length) continue;
      const ups = s.pending;
      s.pending = [];
      if (!c.vconn.isClosed && c.version) this.sendUpdates(c, c.version, 0, ups, false);
    }
  }

  /** Sends 'updates' to 'c' as flow monitor replies (more than one message if large). */
  private sendUpdates(c: Ofconn, version: number, xid: number, updates: FlowUpdate[], reply: boolean): void {
    if (!updates.length && !reply) return;
    const raw = flowUpdateReplyRaw(version);
    const msgs: OfpWriter[] = [startMsg(raw, version, xid)];
    for (const u of updates) {
      let w = msgs[msgs.length - 1]!;
      const at = w.len;
      putFlowUpdate(w, version, u);
      if (w.len > 0xffff && at > 16) {
        const entry = w.buf.slice(at, w.len);
        w.len = at;
        w = startMsg(raw, version, xid);
        w.bytes(entry);
        msgs.push(w);
      }
    }
    const out = msgs.map((w) => w.finishMsg());
    for (let i = 0; i < out.length; i++) {
      if (i < out.length - 1) setStatsMore(out[i]!, true);
      c.send(out[i]!);
    }
  }
}
