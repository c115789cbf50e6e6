/* ofproto-actions: what ofproto needs to know about a rule's actions.
 *
 * Flow-mods carry their actions as the openflow layer's Ofpacts: the
 * decoded list (openflow/ofp-actions.ts Ofpact objects with a 'type' such as
 * 'OUTPUT', 'GROUP', 'METER', 'CONJUNCTION', 'LEARN', nested lists in
 * 'actions') and the wire bytes they came in.  ofproto itself only
 * asks a few questions of them: which ports and groups they output to (for
 * out_port/out_group filters and group reference counts), which meter they
 * use, whether they are conjunctions (soft classifier matches), and whether
 * two lists are the same.  Those questions are answered here, so the rest
 * of ofproto stays independent of the action codec's details; xlate reads
 * the decoded list directly.
 */
import type { Ofpacts } from '../openflow/ofpact-codec.js';
import type { Ofpact } from '../openflow/ofp-actions.js';
import type { ClsConjunction } from './classifier.js';

/** A decoded action (openflow/ofp-actions.ts). */
export type OfpactLike = Ofpact;

/** NX_LEARN_F_DELETE_LEARNED. */
export const NX_LEARN_F_DELETE_LEARNED = 1 << 1;

/** A rule's actions with the facts ofproto keeps about them (struct rule_actions). */
export interface RuleActions {
  /** The actions as the flow-mod carried them. */
  readonly ofpacts: Ofpacts;
  /** The decoded list ([] for "drop"). */
  readonly list: readonly Ofpact[];
  readonly hasMeter: boolean;
  readonly hasGroups: boolean;
  readonly hasLearnWithDelete: boolean;
}

/** The decoded action list of 'a'. */
export function ofpactsList(a: Ofpacts): readonly Ofpact[] {
  return a.decoded;
}

/** Calls 'fn' for every action, descending into nested lists (OFPACT_FOR_EACH_FLATTENED). */
export function forEachFlattened(list: readonly Ofpact[], fn: (a: Ofpact) => void): void {
  for (const a of list) {
    fn(a);
    if ('actions' in a && Array.isArray(a.actions)) forEachFlattened(a.actions, fn);
  }
}

/** Builds the RuleActions for 'ofpacts'. */
export function ruleActionsCreate(ofpacts: Ofpacts): RuleActions {
  const list = ofpactsList(ofpacts);
  let hasMeter = false, hasGroups = false, hasLearnWithDelete = false;
  forEachFlattened(list, (a) => {
    if (a.type === 'METER') hasMeter = true;
    else if (a.type === 'GROUP') hasGroups = true;
    else if (a.type === 'LEARN' && (a.flags & NX_LEARN_F_DELETE_LEARNED)) hasLearnWithDelete = true;
  });
  return { ofpacts, list, hasMeter, hasGroups, hasLearnWithDelete };
}

/** True if the actions output to 'port' (ofpacts_output_to_port). */
export function actionsOutputToPort(a: RuleActions, port: number): boolean {
  let found = false;
  forEachFlattened(a.list, (x) => {
    if ((x.type === 'OUTPUT' || x.type === 'ENQUEUE' || x.type === 'OUTPUT_TRUNC') && x.port === port) found = true;
    else if (x.type === 'CONTROLLER' && port === 0xfffd) found = true;
  });
  return found;
}

/** True if the actions output to group 'groupId' (ofpacts_output_to_group). */
export function actionsOutputToGroup(a: RuleActions, groupId: number): boolean {
  let found = false;
  forEachFlattened(a.list, (x) => { if (x.type === 'GROUP' && x.groupId === groupId) found = true; });
  return found;
}

/** Group ids the actions refer to. */
export function actionsGroups(a: RuleActions): number[] {
  const out: number[] = [];
  forEachFlattened(a.list, (x) => { if (x.type === 'GROUP') out.push(x.groupId); });
  return out;
}

/** The meter id of a 'meter' instruction, or 0. */
export function actionsGetMeter(a: RuleActions): number {
  let id = 0;
  forEachFlattened(a.list, (x) => { if (x.type === 'METER' && !id) id = x.meterId; });
  return id;
}

/**
 * The conjunctions of a conjunctive rule (its actions are only
 * "conjunction" and "note"), or undefined for any other rule.
 */
export function actionsConjunctions(a: RuleActions): ClsConjunction[] | undefined {
  const conjs: ClsConjunction[] = [];
  for (const x of a.list) {
    if (x.type === 'CONJUNCTION') conjs.push({ id: x.id, clause: x.clause, nClauses: x.nClauses });
    else if (x.type !== 'NOTE') return undefined;
  }
  return conjs.length ? conjs : undefined;
}

/** True if two action lists are the same (ofpacts_equal). */
export function ofpactsEqual(a: RuleActions, b: RuleActions): boolean {
  const ra = a.ofpacts.raw, rb = b.ofpacts.raw;
  if (ra.length && rb.length && a.ofpacts.version === b.ofpacts.version
      && a.ofpacts.instructions === b.ofpacts.instructions) {
    if (ra.length !== rb.length) return false;
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return false;
    return true;
  }
  return sameValue(a.list, b.list);
}

function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== typeof y || x === null || y === null || typeof x !== 'object') return false;
  if (x instanceof Uint8Array || y instanceof Uint8Array) {
    if (!(x instanceof Uint8Array && y instanceof Uint8Array) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const kx = Object.keys(x as object).filter((k) => k !== 'raw'), ky = Object.keys(y as object).filter((k) => k !== 'raw');
  if (kx.length !== ky.length) return false;
  for (const k of kx) if (!sameValue((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])) return false;
  return true;
}
