/* server-lock: OVSDB locks ("lock", "steal", "unlock"), as OVS's ovsdb/server.c.
 *
 * Locks are server-wide and named by any id.  Each lock keeps a queue of
 * waiters; the waiter at the head owns the lock.  "lock" joins the back of the
 * queue; "steal" goes to the front, and a previous owner that had itself
 * stolen the lock is dropped from the queue at once (one that waited stays
 * queued, as OVS does, and gets the lock back when the thief unlocks).
 *
 * A LockSession is the protocol-neutral part of a client connection
 * (jsonrpc-server.ts embeds one per JSON-RPC session); the transaction engine
 * asks it whether a lock is held (the "assert" operation).
 */

/** How a waiter asked for a lock. */
export const enum LockMode { Wait, Steal }

/** One session's request for a lock. */
export class LockWaiter {
  /** The lock waited for; null once removed from its queue. */
  lock: Lock | null;
  constructor(readonly session: LockSession, readonly name: string, readonly mode: LockMode, lock: Lock) {
    this.lock = lock;
  }

  /** True if this waiter currently owns its lock. */
  get isOwner(): boolean { return this.lock !== null && this.lock.waiters[0] === this; }
}

/** A named lock and its queue of waiters (the first one owns it). */
export class Lock {
  readonly waiters: LockWaiter[] = [];
  constructor(readonly server: LockServer, readonly name: string) {}
}

/** The server-wide table of locks. */
export class LockServer {
  readonly locks = new Map<string, Lock>();

  /** Adds a waiter for 'name' on behalf of 'session'.  Returns the waiter and
   * the session whose ownership was stolen (if any), which should be told. */
  lock(session: LockSession, name: string, mode: LockMode): { waiter: LockWaiter; victim: LockSession | null } {
    let lock = this.locks.get(name);
    if (!lock) {
      lock = new Lock(this, name);
      this.locks.set(name, lock);
    }
    const victim = mode === LockMode.Steal && lock.waiters.length > 0 ? lock.waiters[0]! : null;
    const waiter = new LockWaiter(session, name, mode, lock);
    if (mode === LockMode.Steal) lock.waiters.unshift(waiter);
    else lock.waiters.push(waiter);
    session.waiters.set(name, waiter);
    if (victim && victim.mode === LockMode.Steal) removeWaiter(victim);
    return { waiter, victim: victim ? victim.session : null };
  }
}

/** Takes 'waiter' out of its lock's queue.  Returns the session at the head
 * of the queue afterwards (null if the lock is gone); OVS tells that session
 * "locked" even when it already owned the lock, and so do we. */
export function removeWaiter(waiter: LockWaiter): LockSession | null {
  const lock = waiter.lock;
  if (!lock) return null;
  const i = lock.waiters.indexOf(waiter);
  if (i >= 0) lock.waiters.splice(i, 1);
  waiter.lock = null;
  if (lock.waiters.length === 0) {
    lock.server.locks.delete(lock.name);
    return null;
  }
  return lock.waiters[0]!.session;
}

/** The lock state of one client session. */
export class LockSession {
  /** This session's waiters, by lock name. */
  readonly waiters = new Map<string, LockWaiter>();

  constructor(readonly server: LockServer) {}

  /** True if this session owns the lock 'name' (for the "assert" operation). */
  holdsLock(name: string): boolean {
    const w = this.waiters.get(name);
    return w !== undefined && w.isOwner;
  }

  /** Drops this session's interest in lock 'name'.  Returns the session to
   * notify with "locked" (see removeWaiter), if any. */
  unlock(name: string): LockSession | null {
    const w = this.waiters.get(name);
    if (!w) return null;
    const newOwner = removeWaiter(w);
    this.waiters.delete(name);
    return newOwner;
  }

  /** Lock names held, waited for and lost (stolen), space-separated, as the
   * Manager status columns show them. */
  lockStatus(): { held: string; waiting: string; lost: string } {
    const held: string[] = [], waiting: string[] = [], lost: string[] = [];
    for (const w of this.waiters.values()) {
      (w.isOwner ? held : w.mode === LockMode.Wait ? waiting : lost).push(w.name);
    }
    return { held: held.join(' '), waiting: waiting.join(' '), lost: lost.join(' ') };
  }
}
