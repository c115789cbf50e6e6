/* server-db: one database as ovsdb-server serves it: the engine's Database,
 * its storage (a standalone file, or none for _Server), its pending triggers
 * and its monitors.  It implements the ServerDatabase interface that
 * jsonrpc-server.ts dispatches to, adapting the engine (execution.ts,
 * monitor.ts, storage.ts):
 *
 *   - "transact": runs the request; a transaction that changed the database
 *     completes when storage says its record is on disk (written, and synced
 *     if durable), so every acknowledged commit survives a crash.
 *   - "wait" operations that are not yet satisfied keep their trigger, which
 *     is retried once per event-loop turn after commits.
 *   - Monitors: monitors with identical requests share one engine Monitor
 *     (a "monitor group", as OVS shares struct ovsdb_monitor) whose update is
 *     composed and serialized once per flush, then handed to every member.
 *   - "convert": replaces the database with a converted copy.
 */
import { type Json, jsonToString, jsonToWireString } from '../lib/json.js';
import { vlogModule } from '../lib/vlog.js';
import { Database } from './database.js';
import { transact } from './execution.js';
import { Monitor } from './monitor.js';
import { UUID_ZERO } from './uuid.js';
import { OvsdbError, ovsdbError, syntaxError } from './ovsdb-error.js';
import { DatabaseSchema } from './schema.js';
import { Storage } from './storage.js';
import { schemaRecordText } from './file.js';
import type { CommitChange } from './transaction.js';
import type { LockSession } from './server-lock.js';
import { type Trigger, type TransactAttempt, runTriggers } from './server-trigger.js';
import type { DbMonitor, MonitorCreation, MonitorVersion, ServerDatabase } from './jsonrpc-server.js';

const log = vlogModule('ovsdb_server');

/** JSON text of a value that may hold bigints and reals (OVS number formats). */
export function jsonText(v: Json): string {
  return jsonToWireString(v as Json);
}

/** A group of client monitors with identical requests sharing one Monitor. */
class MonitorGroup {
  readonly members = new Set<GroupMember>();

  constructor(readonly db: ServerDb, readonly key: string, readonly requests: Json, readonly monitor: Monitor) {}

  /** Composes the group's pending update once and queues it on every member. */
  flush(): void {
    const update = this.monitor.flush();
    if (!update) return;
    const text = jsonText(update);
    for (const m of this.members) m.queue(text);
  }

  remove(m: GroupMember): void {
    this.members.delete(m);
    if (this.members.size === 0) {
      this.monitor.cancel();
      this.db.monitorGroups.delete(this.key);
    }
  }
}

/** A client monitor: a member of a group, or (with conditions, or after
 * monitor_cond_change) the owner of a private Monitor. */
class GroupMember implements DbMonitor {
  private texts: string[] = [];
  private own: Monitor | null = null;
  private notified = false;

  constructor(private group: MonitorGroup | null, private readonly db: ServerDb,
    private readonly version: MonitorVersion, private readonly onChange: () => void) {}

  /** True while the monitor shares a group's Monitor. */
  get inGroup(): boolean { return this.group !== null; }

  /** Makes 'm' this member's private monitor. */
  adopt(m: Monitor): void { this.own = m; }

  /** Tells the session (once until it takes the update) that there is news. */
  notifyPending(): void {
    if (!this.notified) {
      this.notified = true;
      this.onChange();
    }
  }

  /** Adds one serialized update (from the group). */
  queue(text: string): void {
    this.texts.push(text);
    this.notifyPending();
  }

  /** Called after commits: notifies if the private monitor has changes. */
  poke(): void {
    if (this.own && this.own.hasPending()) this.notifyPending();
  }

  takeUpdates(): string[] {
    this.notified = false;
    if (this.group) this.group.flush();
    if (this.own) {
      const u = this.own.flush();
      if (u) this.texts.push(jsonText(u));
    }
    if (this.texts.length === 0) return NONE;
    const t = this.texts;
    this.texts = [];
    return t;
  }

  changeConditions(requests: Record<string, unknown>): unknown | null {
    if (this.group) {
      // Leave the group: a private monitor with the group's request takes over.
      const g = this.group;
      g.flush();
      this.own = Monitor.create(this.db.db, this.version, g.requests, this.version === 3 ? UUID_ZERO : undefined);
      this.group = null;
      g.remove(this);
    }
    try {
      for (const u of this.own!.condChange(requests as Json)) this.texts.push(jsonText(u));
    } catch (e) {
      if (e instanceof OvsdbError) return e.toJson();
      throw e;
    }
    return null;
  }

  lastTxnId(): string { return this.db.db.lastTxnId(); }

  destroy(): void {
    if (this.group) this.group.remove(this);
    this.group = null;
    this.own?.cancel();
    this.own = null;
    this.db.members.delete(this);
  }
}

const NONE: string[] = [];

/** One served database. */
export class ServerDb implements ServerDatabase {
  readonly triggers = new Set<Trigger>();
  readonly monitorGroups = new Map<string, MonitorGroup>();
  readonly members = new Set<GroupMember>();
  /** Called after every commit (the server re-reads db: remotes and such). */
  onCommit: ((change: CommitChange) => void) | null = null;
  private triggersScheduled = false;
  private monitorsScheduled = false;
  private schemaTextCache: string | null = null;
  private unlisten: () => void;

  constructor(public db: Database, readonly storage: Storage | null, readonly filename: string) {
    this.unlisten = db.addCommitListener((change) => this.afterCommit(change));
  }

  /** Opens database file 'filename' (standalone).  Throws OvsdbError. */
  static open(filename: string): ServerDb {
    const storage = Storage.open(filename);
    return new ServerDb(storage.db, storage, filename);
  }

  get name(): string { return this.db.name; }
  get schema(): DatabaseSchema { return this.db.schema; }

  /** The schema as OVS's server sends it: members in OVS's hash order, so
   * the text is byte-identical with the real server's for the same file. */
  schemaText(): string {
    this.schemaTextCache ??= schemaRecordText(this.db.schema);
    return this.schemaTextCache;
  }

  private afterCommit(change: CommitChange): void {
    if (this.triggers.size && !this.triggersScheduled) {
      this.triggersScheduled = true;
      setImmediate(() => {
        this.triggersScheduled = false;
        runTriggers(this);
      });
    }
    if (!this.monitorsScheduled && (this.monitorGroups.size || this.members.size)) {
      this.monitorsScheduled = true;
      // Monitors record the change in their own commit listeners, which run
      // after this one; look at them once the commit is over (at the latest
      // before its reply goes out: see whenCommitted()).
      queueMicrotask(() => this.pokeMonitors());
    }
    this.onCommit?.(change);
  }

  /** Tells the sessions whose monitors have changes since the last commit. */
  private pokeMonitors(): void {
    if (!this.monitorsScheduled) return;
    this.monitorsScheduled = false;
    for (const g of this.monitorGroups.values()) {
      if (g.monitor.hasPending()) for (const m of g.members) m.notifyPending();
    }
    for (const m of this.members) m.poke();
  }

  transact(params: unknown[], session: LockSession, readOnly: boolean, _role: string | null,
    _id: string | null, elapsedMs: number): TransactAttempt {
    const r = transact(this.db, params as Json, {
      readOnly, elapsedMs, ownsLock: (name) => session.holdsLock(name),
    });
    if (r.status === 'wait') return { kind: 'wait', timeoutMs: r.timeoutMs };
    if (!r.change || !this.storage) return { kind: 'done', result: r.result };
    return { kind: 'commit', result: r.result as unknown[], change: r.change };
  }

  whenCommitted(change: unknown, done: (e: unknown) => void): void {
    // Sessions learn of their monitors' updates before any reply, so that a
    // client sees the update for its own change first.
    this.pokeMonitors();
    if (this.storage) this.storage.whenCommitted(change as CommitChange, done);
    else done(null);
  }

  /** Writes the commits queued so far now (one write for all of them), so
   * that their replies can go out in this event-loop turn. */
  flushCommits(): void {
    this.pokeMonitors();
    if (this.storage?.hasPending) this.storage.flush();
  }

  async convert(params: unknown[], role: string | null, id: string | null): Promise<unknown | null> {
    if (role) {
      return new OvsdbError('permission error',
        `RBAC rules for client "${id}" role "${role}" prohibit "convert" of database ${this.name} `
        + '(only the root role may convert databases)').toJson();
    }
    if (params.length !== 2) return syntaxError(params as Json, null, 'array expected').toJson();
    const schemaJson = params[1] as Json;
    let schema: DatabaseSchema;
    try {
      schema = DatabaseSchema.fromJson(schemaJson);
    } catch (e) {
      if (e instanceof OvsdbError) return e.toJson();
      throw e;
    }
    if (schema.name !== this.name) {
      return ovsdbError('invalid parameters',
        `new schema name (${schema.name}) does not match database name (${this.name})`).toJson();
    }
    const newDb = new Database(schema);
    const snapshot = this.db.toSnapshotChange().toFileJson(false);
    if (snapshot) {
      const err = newDb.replay(snapshot, true);
      if (err) return err.toJson();
    }
    try {
      if (this.storage) await this.storage.replaceDatabase(newDb, schemaJson);
    } catch (e) {
      return e instanceof OvsdbError ? e.toJson() : ovsdbError('I/O error', String(e)).toJson();
    }
    this.replaceDb(newDb);
    return null;
  }

  /** Switches to 'newDb' (after a conversion): monitors and triggers on the
   * old contents are dropped by the caller (sessions reconnect). */
  replaceDb(newDb: Database): void {
    this.unlisten();
    for (const m of [...this.members]) m.destroy();
    for (const g of [...this.monitorGroups.values()]) g.monitor.cancel();
    this.monitorGroups.clear();
    this.db = newDb;
    this.schemaTextCache = null;
    this.unlisten = newDb.addCommitListener((change) => this.afterCommit(change));
    this.onReplace?.();
  }

  /** Called after a conversion replaced the database. */
  onReplace: (() => void) | null = null;

  createMonitor(version: MonitorVersion, requests: Record<string, unknown>, lastTxnId: string | null,
    onChange: () => void): MonitorCreation {
    const key = version === 1 || !hasWhere(requests)
      ? `${version}\0${jsonToString(requests as Json, { sort: true })}` : null;
    let monitor: Monitor;
    try {
      monitor = Monitor.create(this.db, version, requests as Json, version === 3 ? lastTxnId ?? '' : undefined);
    } catch (e) {
      if (e instanceof OvsdbError) return { error: e.toJson() };
      throw e;
    }
    const initial = monitor.initialReply();
    const update = version === 3 ? (initial as Json[])[2]! : initial;
    const found = version === 3 ? (initial as Json[])[0] === true : false;
    const initialText = jsonText(update);
    let group = key !== null && !found ? this.monitorGroups.get(key) : undefined;
    if (group) {
      // Same request as an existing group: its pending changes are already in
      // our initial contents, so take them out of the group first.
      group.flush();
      monitor.cancel();
    } else if (key !== null && !found) {
      group = new MonitorGroup(this, key, requests as Json, monitor);
      this.monitorGroups.set(key, group);
    }
    const member = new GroupMember(group ?? null, this, version, onChange);
    if (group) group.members.add(member);
    else member.adopt(monitor);
    this.members.add(member);
    return { monitor: member, initial: initialText, found };
  }

  /** Commits a transaction built by 'fn' on behalf of the server itself
   * (Manager status, _Server); logs failures as OVS does. */
  internalCommit(what: string, fn: (txn: ReturnType<Database['newTxn']>) => void): void {
    const txn = this.db.newTxn();
    fn(txn);
    const r = this.db.commit(txn);
    if (r instanceof OvsdbError) log.err(`Failed to update ${what}: ${r.toString()}`);
  }

  close(): void {
    this.unlisten();
    for (const m of [...this.members]) m.destroy();
    for (const t of [...this.triggers]) t.destroy();
    this.storage?.close();
  }
}

function hasWhere(requests: Record<string, unknown>): boolean {
  for (const v of Object.values(requests)) {
    const list = Array.isArray(v) ? v : [v];
    for (const r of list) if (r && typeof r === 'object' && 'where' in (r as object)) return true;
  }
  return false;
}
