/* server-trigger: a "transact" or "convert" request until it is answered
 * (OVS's ovsdb/trigger.c).
 *
 * Every transaction is a trigger.  Most complete at once; one whose "wait"
 * operations are not yet satisfied stays pending and is tried again after
 * each commit to its database and when its timeout expires (the engine turns
 * an expired wait into a "timed out" error).  A transaction that changed the
 * database completes when its commit is on disk.
 *
 * The database side is the TriggerDb interface (server-db.ts implements it);
 * the session side is the 'complete' callback, which jsonrpc-server.ts uses to
 * send the reply.
 */
import type { LockSession } from './server-lock.js';
import { OvsdbError } from './ovsdb-error.js';

/** The outcome of one attempt at a transaction. */
export type TransactAttempt =
  /** Done without a commit (read-only, or failed): reply with 'result'. */
  | { kind: 'done'; result: unknown }
  /** A "wait" is unsatisfied: retry after a commit or when 'timeoutMs' (from
   * the trigger's creation) has passed; Infinity means no timeout. */
  | { kind: 'wait'; timeoutMs: number }
  /** Committing: reply with 'result' once the database reports 'change'
   * as committed (TriggerDb.whenCommitted); an error (an OvsdbError or other
   * Error) is appended to the result, as OVS does for I/O errors. */
  | { kind: 'commit'; result: unknown[]; change: unknown };

/** What a trigger needs from its database. */
export interface TriggerDb {
  readonly name: string;
  /** Runs "transact" 'params' (the full request params, db name first). */
  transact(params: unknown[], session: LockSession, readOnly: boolean, role: string | null,
    id: string | null, elapsedMs: number): TransactAttempt;
  /** Calls 'done' (at once, or later) with null once 'change' (from a
   * 'commit' attempt) is on disk, or with the error that prevented it. */
  whenCommitted(change: unknown, done: (e: unknown) => void): void;
  /** Runs "convert": resolves with null on success or an OVSDB error object. */
  convert(params: unknown[], role: string | null, id: string | null): Promise<unknown | null>;
  /** Triggers not yet answered, except those committing: re-run after each commit. */
  readonly triggers: Set<Trigger>;
}

/** A reply: either a result or an error, for the request 'id'. */
export interface TriggerReply { result?: unknown; error?: unknown }

export class Trigger {
  /** The reply, once known. */
  reply: TriggerReply | null = null;
  private readonly created = Date.now();
  private timeoutMs = Infinity;
  private timer: NodeJS.Timeout | null = null;
  private committing = false;
  private done = false;

  constructor(
    readonly db: TriggerDb,
    readonly session: LockSession,
    readonly method: 'transact' | 'convert',
    readonly params: unknown[],
    readonly readOnly: boolean,
    readonly role: string | null,
    readonly id: string | null,
    /** Called once with the reply when the trigger completes. */
    private readonly complete: (t: Trigger) => void,
  ) {}

  /** Starts the trigger (may complete synchronously). */
  start(): void {
    this.db.triggers.add(this);
    this.attempt();
  }

  get isComplete(): boolean { return this.done; }

  /** Retries a waiting transaction (after a commit to its database). */
  retry(): void {
    if (!this.done && !this.committing) this.attempt();
  }

  /** Cancels a pending trigger: a transaction gets the error "canceled", a
   * conversion an OVSDB "canceled" error naming 'reason'. */
  cancel(reason: string): void {
    if (this.done) return;
    if (this.method === 'transact') {
      this.finish({ error: 'canceled' });
    } else {
      this.finish({ error: { error: 'canceled', details: `database conversion canceled because ${reason}` } });
    }
  }

  /** Forgets the trigger without replying (session gone). */
  destroy(): void {
    this.done = true;
    this.clearTimer();
    this.db.triggers.delete(this);
  }

  private attempt(): void {
    if (this.method === 'convert') {
      this.committing = true;
      this.db.convert(this.params, this.role, this.id).then((error) => {
        this.committing = false;
        if (this.done) return;
        this.finish(error ? { error } : { result: {} });
      }, (e: Error) => {
        this.committing = false;
        if (!this.done) this.finish({ error: { error: 'internal error', details: e.message } });
      });
      return;
    }
    const now = Date.now();
    const r = this.db.transact(this.params, this.session, this.readOnly, this.role, this.id, now - this.created);
    switch (r.kind) {
      case 'done':
        this.finish({ result: r.result });
        return;
      case 'wait':
        this.timeoutMs = r.timeoutMs;
        this.armTimer(now);
        return;
      case 'commit':
        this.committing = true;
        this.clearTimer();
        // Nothing to retry while committing: leaving the set spares the
        // database a retry pass after every commit.
        this.db.triggers.delete(this);
        this.db.whenCommitted(r.change, (e) => {
          this.committing = false;
          if (this.done) return;
          if (e) r.result.push(e instanceof OvsdbError ? e.toJson() : { error: 'I/O error', details: String(e) });
          this.finish({ result: r.result });
        });
        return;
    }
  }

  private armTimer(now: number): void {
    this.clearTimer();
    if (!Number.isFinite(this.timeoutMs)) return;
    const delay = Math.max(0, this.created + this.timeoutMs - now);
    this.timer = setTimeout(() => { this.timer = null; this.retry(); }, delay);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private finish(reply: TriggerReply): void {
    this.reply = reply;
    this.done = true;
    this.clearTimer();
    this.db.triggers.delete(this);
    this.complete(this);
  }
}

/** Re-runs every pending trigger of 'db' (after a commit changed it). */
export function runTriggers(db: TriggerDb): void {
  if (db.triggers.size === 0) return;
  for (const t of [...db.triggers]) t.retry();
}
