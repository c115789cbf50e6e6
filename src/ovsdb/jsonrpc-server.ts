/* jsonrpc-server: the OVSDB protocol over JSON-RPC (OVS's ovsdb/jsonrpc-server.c).
 *
 * A JsonRpcServer owns the remotes (listeners such as "punix:db.sock" or
 * "ptcp:6640", and outgoing connections such as "tcp:1.2.3.4:6640" that are
 * reconnected when they drop) and one Session per client connection.  A
 * Session dispatches the RFC 7047 methods and OVS's extensions:
 *
 *   transact, cancel (notification), monitor, monitor_cond,
 *   monitor_cond_since, monitor_cond_change, monitor_cancel, get_schema,
 *   list_dbs, get_server_id, lock, steal, unlock, set_db_change_aware, echo
 *
 * Transactions run as triggers (server-trigger.ts); monitors and the database
 * itself are behind the ServerDatabase interface (server-db.ts implements it
 * on the engine and storage).  Before any reply goes out on a session, that
 * session's pending monitor updates are sent, so a client always sees the
 * update for its own change before the reply to the transaction, as with OVS.
 * Updates are otherwise flushed once per event-loop turn, and not at all while
 * the peer is slow to read (they accumulate and merge, as OVS's change sets do).
 */
import type { Server as NetServer, Socket } from 'node:net';
import { JsonRpc, type JsonId } from '../lib/jsonrpc.js';
import { openPassive, isPassiveName, OVSDB_PORT, boundPort } from '../lib/stream.js';
import { ReconnectSession } from '../lib/reconnect.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { errorText } from '../lib/program.js';
import { LockServer, LockSession, LockMode } from './server-lock.js';
import { Trigger, type TriggerDb } from './server-trigger.js';
import { type Json, jsonToString, jsonParse, jsonToWireString } from '../lib/json.js';
import { shashOrder } from '../lib/shash-order.js';
import { syntaxError } from './ovsdb-error.js';
import { isId } from './ovsdb-parser.js';
import { uuidGenerate } from './uuid.js';

const log = vlogModule('ovsdb_jsonrpc_server');
const rl = new RateLimit(1, 5);

/** Monitor protocol versions: "monitor" (update), "monitor_cond" (update2),
 * "monitor_cond_since" (update3). */
export const enum MonitorVersion { V1 = 1, V2 = 2, V3 = 3 }

const UPDATE_METHOD = ['', 'update', 'update2', 'update3'];

/** One client's monitor, as the database keeps it. */
export interface DbMonitor {
  /** Pending changes as table-updates JSON texts, oldest first, each to be
   * sent as one notification (empty if nothing changed since the last call). */
  takeUpdates(): string[];
  /** Applies a "monitor_cond_change" request object; returns an OVSDB error
   * object or null.  The update it causes comes from the next takeUpdates(). */
  changeConditions(requests: Record<string, unknown>): unknown | null;
  /** The id of the last transaction seen (monitor_cond_since). */
  lastTxnId(): string;
  destroy(): void;
}

/** The result of creating a monitor. */
export type MonitorCreation =
  | { error: unknown }
  | { monitor: DbMonitor; initial: string | null; found: boolean };

/** What the JSON-RPC server needs from a database. */
export interface ServerDatabase extends TriggerDb {
  readonly name: string;
  /** The schema as "get_schema" returns it, as JSON text. */
  schemaText(): string;
  /** Creates a monitor; 'onChange' is called (at most once per commit) when
   * takeUpdate() would return something. */
  createMonitor(version: MonitorVersion, requests: Record<string, unknown>, lastTxnId: string | null,
    onChange: () => void): MonitorCreation;
  /** Writes the commits queued so far (their triggers then complete). */
  flushCommits(): void;
}

/** Per-remote options (from the command line or a Manager row). */
export interface RemoteOptions {
  maxBackoff: number;
  /** Inactivity probe interval, ms; 0 disables. */
  probeInterval: number;
  readOnly: boolean;
  role: string | null;
  dscp: number;
}

/** Options for 'target' before any Manager row changes them. */
export function defaultRemoteOptions(target: string): RemoteOptions {
  const needsProbes = /^p?(tcp|ssl):/.test(target);
  return { maxBackoff: 8000, probeInterval: needsProbes ? 5000 : 0, readOnly: false, role: null, dscp: 48 };
}

/** Connection status of a remote, for the Manager table's status column. */
export interface RemoteStatus {
  isConnected: boolean;
  lastError: string | null;
  state: string | null;
  secSinceConnect: number | null;
  secSinceDisconnect: number | null;
  locksHeld: string;
  locksWaiting: string;
  locksLost: string;
  nConnections: number;
  boundPort: number;
}

/** Messages larger than this close the connection (OVS has no limit; 64 MB
 * is far above what OVS's own clients send in one request). */
const MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
/** A session's queued messages are handled in slices of at most this many
 * messages and about this many ms (OVS handles one message per session per
 * main-loop iteration; a Node event-loop turn costs more, so we take more). */
const SLICE_MESSAGES = 50;
const SLICE_MS = 4;
/** Stop reading requests from a client while this much output is unsent. */
const BACKLOG_PAUSE = 4 * 1024 * 1024;

/** OVSDB peers exchange 64-bit integers and OVS-formatted reals. */
const WIRE = {
  parse: (text: string): unknown => jsonParse(text),
  stringify: (msg: object): string => jsonToWireString(msg as Json),
};

/** A remote: a listener with its sessions, or one outgoing session. */
class Remote {
  listener: NetServer | null = null;
  active: ReconnectSession | null = null;
  readonly sessions = new Set<Session>();
  /** Set once a listener failed to open (reported once, retried on reconfigure). */
  failed = false;

  constructor(readonly server: JsonRpcServer, readonly name: string, public options: RemoteOptions) {}
}

export class JsonRpcServer {
  /** The server id ("get_server_id"), new at every start. */
  readonly uuid = uuidGenerate();
  readonly dbs = new Map<string, ServerDatabase>();
  readonly locks = new LockServer();
  readonly remotes = new Map<string, Remote>();
  /** Backup servers refuse writes and locks. */
  private readOnly: boolean;
  private nSessions = 0;
  /** False after ovsdb-server/disable-monitor-cond. */
  monitorCondEnabled = true;

  constructor(readOnly: boolean) { this.readOnly = readOnly; }

  get sessionCount(): number { return this.nSessions; }

  /** Adds 'db'; sessions that are not database-change aware reconnect. */
  addDb(db: ServerDatabase): void {
    this.reconnect(false, `adding ${db.name} database`);
    this.dbs.set(db.name, db);
  }

  /** Removes 'db': its monitors are canceled and its triggers completed. */
  removeDb(db: ServerDatabase, comment: string | null): void {
    this.cancelDb(db, false);
    this.dbs.delete(db.name);
    this.reconnect(false, comment);
  }

  /** Cancels the monitors (telling db-change-aware clients with
   * monitor_canceled) and triggers on 'db', before it is removed or after its
   * contents were replaced by a conversion. */
  cancelDb(db: ServerDatabase, replacing: boolean): void {
    for (const remote of this.remotes.values()) {
      for (const s of remote.sessions) s.preremoveDb(db, replacing);
    }
  }

  setReadOnly(readOnly: boolean): void {
    if (this.readOnly === readOnly) return;
    this.readOnly = readOnly;
    for (const remote of this.remotes.values()) {
      for (const s of remote.sessions) s.readOnly = readOnly || remote.options.readOnly;
    }
  }

  get isReadOnly(): boolean { return this.readOnly; }

  /** Makes the set of remotes exactly 'wanted' (name -> options). */
  async setRemotes(wanted: Map<string, RemoteOptions>): Promise<void> {
    for (const [name, remote] of [...this.remotes]) {
      const opts = wanted.get(name);
      if (!opts) {
        log.info(`${name}: remote deconfigured`);
        this.delRemote(remote);
      } else if (opts.dscp !== remote.options.dscp) {
        this.delRemote(remote);
      }
    }
    const pending: Promise<void>[] = [];
    for (const [name, opts] of wanted) {
      const remote = this.remotes.get(name);
      if (!remote) {
        pending.push(this.addRemote(name, opts));
      } else {
        remote.options = opts;
        for (const s of remote.sessions) s.setOptions(opts);
        if (remote.active) remote.active.setProbeInterval(opts.probeInterval);
      }
    }
    await Promise.all(pending);
  }

  private async addRemote(name: string, opts: RemoteOptions): Promise<void> {
    const remote = new Remote(this, name, opts);
    this.remotes.set(name, remote);
    if (isPassiveName(name)) {
      try {
        const listener = await openPassive(name, OVSDB_PORT, (sock, peer) => {
          if (this.remotes.get(name) !== remote) { sock.destroy(); return; }
          const s = new Session(this, remote, peer);
          s.attach(sock);
        });
        if (this.remotes.get(name) !== remote) { listener.close(); return; }
        remote.listener = listener;
      } catch (e) {
        log.errRl(rl, `${name}: listen failed: ${errorText(e)}`);
        this.remotes.delete(name);
      }
    } else {
      const rs = new ReconnectSession(name, {
        defaultPort: OVSDB_PORT, maxBackoff: opts.maxBackoff, probeInterval: opts.probeInterval,
        maxMessageSize: MAX_MESSAGE_SIZE, ...WIRE,
      });
      remote.active = rs;
      const s = new Session(this, remote, name);
      rs.onConnect = (rpc) => s.attachRpc(rpc);
      rs.onDisconnect = () => s.detach();
      rs.start();
    }
  }

  private delRemote(remote: Remote): void {
    for (const s of [...remote.sessions]) s.close();
    remote.listener?.close();
    remote.active?.stop();
    this.remotes.delete(remote.name);
  }

  /** Drops SSL listeners and connections so that the next setRemotes()
   * reopens them with new certificates. */
  dropSslRemotes(): void {
    for (const remote of [...this.remotes.values()]) {
      if (/^p?ssl:/.test(remote.name)) this.delRemote(remote);
    }
  }

  /** Disconnects sessions (all with 'force', else those not database-change
   * aware); 'comment' is logged for each connected session. */
  reconnect(force: boolean, comment: string | null): void {
    for (const remote of this.remotes.values()) {
      for (const s of [...remote.sessions]) {
        if (force || !s.dbChangeAware) {
          if (comment && s.isConnected) log.info(`${s.name}: disconnecting (${comment})`);
          s.forceReconnect();
        }
      }
    }
  }

  /** Status of remote 'target', or null if unknown or not connected (outgoing). */
  getRemoteStatus(target: string): RemoteStatus | null {
    const remote = this.remotes.get(target);
    if (!remote) return null;
    const empty: RemoteStatus = {
      isConnected: false, lastError: null, state: null, secSinceConnect: null, secSinceDisconnect: null,
      locksHeld: '', locksWaiting: '', locksLost: '', nConnections: 0, boundPort: 0,
    };
    if (remote.listener) {
      const port = /^p(tcp|ssl):/.test(target) ? boundPort(remote.listener) : 0;
      return { ...empty, isConnected: remote.sessions.size > 0, nConnections: remote.sessions.size, boundPort: port };
    }
    const s = [...remote.sessions][0];
    if (!s) return null;
    return { ...s.status(), nConnections: 1 };
  }

  /** Memory figures for memory/show. */
  memoryUsage(): Record<string, number> {
    let triggers = 0, backlog = 0;
    for (const remote of this.remotes.values()) {
      for (const s of remote.sessions) { triggers += s.triggerCount; backlog += s.backlog; }
    }
    return { sessions: this.nSessions, triggers, backlog };
  }

  /** Closes every remote and session. */
  close(): void {
    for (const remote of [...this.remotes.values()]) this.delRemote(remote);
  }

  /** @internal */ sessionOpened(): void { this.nSessions++; }
  /** @internal */ sessionClosed(): void { this.nSessions--; }
}

interface SessionMonitor {
  id: unknown;
  idText: string;
  db: ServerDatabase;
  version: MonitorVersion;
  dbmon: DbMonitor;
}

/** One client connection (for an outgoing remote: one across reconnections). */
export class Session {
  readonly lock: LockSession;
  dbChangeAware = false;
  readOnly: boolean;
  private rpc: JsonRpc | null = null;
  private socket: Socket | null = null;
  private readonly triggers = new Map<string, Trigger>();
  private readonly monitors = new Map<string, SessionMonitor>();
  private flushScheduled = false;
  private probeTimer: NodeJS.Timeout | null = null;
  private probeInterval: number;
  private connectedAt = Date.now();
  private disconnectedAt: number | null = null;
  private closed = false;

  constructor(readonly server: JsonRpcServer, readonly remote: Remote, public name: string) {
    this.lock = new LockSession(server.locks);
    this.readOnly = server.isReadOnly || remote.options.readOnly;
    this.probeInterval = remote.options.probeInterval;
    remote.sessions.add(this);
    server.sessionOpened();
  }

  get isConnected(): boolean { return this.rpc !== null && !this.rpc.isClosed; }
  get triggerCount(): number { return this.triggers.size; }
  get backlog(): number { return this.rpc?.backlog ?? 0; }

  /** Serves an accepted socket (passive remotes). */
  attach(accepted: Socket): void {
    const rpc = new JsonRpc(accepted, { name: this.name, maxMessageSize: MAX_MESSAGE_SIZE, ...WIRE, directIo: true });
    const sock = rpc.sock;
    this.socket = sock;
    sock.on('drain', () => this.onDrain());
    this.attachRpc(rpc);
    this.armProbe();
    rpc.onClose = () => this.close();
  }

  /** Serves a connection made by an outgoing remote. */
  attachRpc(rpc: JsonRpc): void {
    this.rpc = rpc;
    this.connectedAt = Date.now();
    rpc.onRequest = (method, params, id) => this.enqueue(method, params, id, true);
    rpc.onNotify = (method, params) => this.enqueue(method, params, null, false);
    rpc.onUnexpectedReply = (msg) => {
      // Replies to "echo" probes are expected; anything else ends the session.
      if (msg.id === 'echo') return;
      log.warn(`${this.name}: received unexpected reply message`);
      this.forceReconnect();
    };
  }

  /** The outgoing connection dropped: forget per-connection state. */
  detach(): void {
    this.rpc = null;
    this.disconnectedAt = Date.now();
    this.resetState();
  }

  setOptions(opts: RemoteOptions): void {
    if (opts.probeInterval !== this.probeInterval) {
      this.probeInterval = opts.probeInterval;
      if (this.socket) this.armProbe();
    }
  }

  forceReconnect(): void {
    if (this.remote.active) {
      this.resetState();
      this.remote.active.forceReconnect();
    } else {
      this.close();
    }
  }

  status(): RemoteStatus {
    const st = this.lock.lockStatus();
    const now = Date.now();
    return {
      isConnected: this.isConnected,
      lastError: null,
      state: this.isConnected ? 'ACTIVE' : 'BACKOFF',
      secSinceConnect: Math.floor((now - this.connectedAt) / 1000),
      secSinceDisconnect: this.disconnectedAt === null ? null : Math.floor((now - this.disconnectedAt) / 1000),
      locksHeld: st.held, locksWaiting: st.waiting, locksLost: st.lost,
      nConnections: 1, boundPort: 0,
    };
  }

  /** Ends the session for good. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.resetState();
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    const rpc = this.rpc;
    this.rpc = null;
    rpc?.close();
    this.remote.sessions.delete(this);
    this.server.sessionClosed();
  }

  /** Monitors and triggers on 'db' go away before 'db' is removed or once a
   * conversion ('replacing') has replaced its contents. */
  preremoveDb(db: ServerDatabase, replacing = false): void {
    for (const [key, m] of [...this.monitors]) {
      if (m.db !== db) continue;
      if (this.isConnected && this.dbChangeAware) this.sendRaw(`{"id":null,"method":"monitor_canceled","params":[${m.idText}]}`);
      m.dbmon.destroy();
      this.monitors.delete(key);
    }
    for (const [key, t] of [...this.triggers]) {
      // A conversion that replaced 'db' still gets its own reply (OVS keeps
      // "convert" triggers when a database is replaced).
      if (t.db !== db || (replacing && t.method === 'convert')) continue;
      this.completeTrigger(key, t, true);
    }
  }

  private resetState(): void {
    for (const [key, t] of [...this.triggers]) this.completeTrigger(key, t, false);
    for (const m of this.monitors.values()) m.dbmon.destroy();
    this.monitors.clear();
    for (const name of [...this.lock.waiters.keys()]) this.unlockName(name);
  }

  // ---- Sending ----

  /** Sends a message, after this session's pending monitor updates. */
  private send(msg: object): void {
    this.flushMonitors();
    this.rpc?.send(msg);
  }

  private sendRaw(text: string): void {
    this.rpc?.sendText(text);
  }

  private reply(id: JsonId, result: unknown): void { this.send({ id, result, error: null }); }
  private replyError(id: JsonId, error: unknown): void { this.send({ id, error }); }

  private onDrain(): void {
    if (this.socket && this.socket.isPaused()) this.socket.resume();
    if (this.hasPendingMonitors) this.scheduleFlush();
  }

  private hasPendingMonitors = false;

  /** Called by a monitor when it has something to send. */
  private scheduleFlush(): void {
    this.hasPendingMonitors = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.rpc && this.rpc.backlog > BACKLOG_PAUSE) return; // flushed on 'drain'
      this.flushMonitors();
    });
  }

  private flushMonitors(): void {
    if (!this.hasPendingMonitors) return;
    this.hasPendingMonitors = false;
    for (const m of this.monitors.values()) {
      for (const update of m.dbmon.takeUpdates()) this.sendRaw(this.notifyText(m, update));
    }
  }

  private notifyText(m: SessionMonitor, update: string): string {
    const params = m.version === MonitorVersion.V3
      ? `[${m.idText},${jsonText(m.dbmon.lastTxnId())},${update}]`
      : `[${m.idText},${update}]`;
    return `{"id":null,"method":"${UPDATE_METHOD[m.version]}","params":${params}}`;
  }

  // ---- Probes (passive sessions) ----

  private armProbe(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    const interval = this.probeInterval;
    if (interval <= 0 || !this.rpc) return;
    let sentAt = 0;
    this.probeTimer = setInterval(() => {
      const rpc = this.rpc;
      if (!rpc) return;
      const now = Date.now();
      if (now - rpc.lastReceived < interval) { sentAt = 0; return; }
      if (sentAt === 0) {
        sentAt = now;
        rpc.request('echo', []).catch(() => {});
      } else if (now - sentAt >= interval) {
        log.errRl(rl, `${this.name}: no response to inactivity probe after ${Math.round(interval / 1000)} seconds, disconnecting`);
        this.close();
      }
    }, Math.max(50, Math.floor(interval / 4)));
    this.probeTimer.unref();
  }

  // ---- Requests ----

  /** Queues one received message.  Messages are handled in order, a slice
   * at a time (once the received data has been split into messages): after
   * each slice the commits it made are written to the log in one write and
   * their replies sent in one write, so that a client pipelining many
   * requests gets replies while later requests are still being executed,
   * and other sessions get their turn. */
  private enqueue(method: string, params: unknown[], id: JsonId, isRequest: boolean): void {
    this.inbox.push({ method, params, id, isRequest });
    if (!this.draining) {
      this.draining = true;
      if (this.inbox.length === 1) queueMicrotask(() => this.drain());
    }
  }

  private readonly inbox: { method: string; params: unknown[]; id: JsonId; isRequest: boolean }[] = [];
  private inboxHead = 0;
  private draining = false;

  private drain(): void {
    const start = performance.now();
    const inbox = this.inbox;
    const end = Math.min(inbox.length, this.inboxHead + SLICE_MESSAGES);
    while (this.inboxHead < end && !this.closed) {
      const m = inbox[this.inboxHead]!;
      inbox[this.inboxHead++] = undefined as never;
      if (m.isRequest) this.gotRequest(m.method, m.params, m.id);
      else this.gotNotify(m.method, m.params);
      if (performance.now() - start >= SLICE_MS) break;
    }
    // Write this slice's commits now: their triggers complete and queue
    // their replies, which then leave in one write.
    for (const db of this.server.dbs.values()) db.flushCommits();
    this.rpc?.flushOutput();
    if (this.inboxHead < inbox.length && !this.closed) {
      setImmediate(() => this.drain());
      return;
    }
    inbox.length = 0;
    this.inboxHead = 0;
    this.draining = false;
  }

  private gotRequest(method: string, params: unknown[], id: JsonId): void {
    if (this.socket && this.rpc && this.rpc.backlog > BACKLOG_PAUSE) this.socket.pause();
    const handler = METHODS.get(method);
    if (handler === undefined
      || (!this.server.monitorCondEnabled && (method === 'monitor_cond' || method === 'monitor_cond_since'))) {
      this.replyError(id, 'unknown method');
      return;
    }
    handler(this, method, params, id);
  }

  private gotNotify(method: string, params: unknown[]): void {
    if (method === 'cancel' && params.length === 1) {
      const key = jsonKey(params[0]);
      const t = this.triggers.get(key);
      if (t) this.completeTrigger(key, t, false);
    }
  }

  /** Finds the database named by params[0], or replies with OVS's error. */
  lookupDb(method: string, params: unknown[], id: JsonId): ServerDatabase | null {
    if (params.length === 0 || typeof params[0] !== 'string') {
      this.replyError(id, jsonSyntaxErrorJson(params, null, `${method} request params must begin with <db-name>`));
      return null;
    }
    const db = this.server.dbs.get(params[0]);
    if (!db) {
      this.replyError(id, jsonSyntaxErrorJson(params, 'unknown database',
        `${method} request specifies unknown database ${params[0]}`));
      return null;
    }
    return db;
  }

  // transact, convert
  startTrigger(method: 'transact' | 'convert', params: unknown[], id: JsonId): void {
    const db = this.lookupDb(method, params, id);
    if (!db) return;
    const key = jsonKey(id);
    if (this.triggers.has(key)) {
      this.replyError(id, jsonSyntaxErrorJson(params, null, `${method}: duplicate request ID`));
      return;
    }
    const t = new Trigger(db, this.lock, method, params, this.readOnly, this.remote.options.role, this.name,
      (done) => {
        if (this.triggers.get(key) !== done) return;
        this.triggers.delete(key);
        this.sendTriggerReply(id, done);
      });
    this.triggers.set(key, t);
    t.start();
  }

  private sendTriggerReply(id: JsonId, t: Trigger): void {
    if (!this.isConnected || !t.reply) return;
    if (t.reply.error !== undefined) this.replyError(id, t.reply.error);
    else this.reply(id, t.reply.result);
  }

  /** Completes trigger 't' early: cancel (db-change-aware sessions get the
   * "canceled" reply), session reset, or database removal. */
  private completeTrigger(key: string, t: Trigger, _dbRemoved: boolean): void {
    this.triggers.delete(key);
    if (t.isComplete) return;
    if (this.isConnected && this.dbChangeAware) {
      // Re-key so that the completion callback finds it, then cancel.
      this.triggers.set(key, t);
      t.cancel('closing JSON-RPC session');
      this.triggers.delete(key);
    }
    t.destroy();
  }

  // monitor, monitor_cond, monitor_cond_since
  createMonitor(method: string, params: unknown[], id: JsonId): void {
    const db = this.lookupDb(method, params, id);
    if (!db) return;
    const version = method === 'monitor' ? MonitorVersion.V1 : method === 'monitor_cond' ? MonitorVersion.V2 : MonitorVersion.V3;
    if ((version === MonitorVersion.V2 && params.length !== 3) || (version === MonitorVersion.V3 && params.length !== 4)) {
      this.replyError(id, jsonSyntaxErrorJson(params, null, 'invalid parameters'));
      return;
    }
    if (version === MonitorVersion.V1 && params.length < 3) {
      // OVS reads the array out of bounds here; answer as for V2.
      this.replyError(id, jsonSyntaxErrorJson(params, null, 'invalid parameters'));
      return;
    }
    const monitorId = params[1];
    const requests = params[2];
    if (typeof requests !== 'object' || requests === null || Array.isArray(requests)) {
      this.replyError(id, jsonSyntaxErrorJson(requests, null, 'monitor-requests must be object'));
      return;
    }
    const key = jsonKey(monitorId);
    if (this.monitors.has(key)) {
      this.replyError(id, jsonSyntaxErrorJson(monitorId, null, 'duplicate monitor ID'));
      return;
    }
    let lastId: string | null = null;
    if (version === MonitorVersion.V3) {
      const last = params[3];
      if (typeof last !== 'string') {
        this.replyError(id, jsonSyntaxErrorJson(last, null, 'last-txn-id must be string'));
        return;
      }
      if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(last)) {
        this.replyError(id, jsonSyntaxErrorJson(last, null, 'last-txn-id must be UUID format.'));
        return;
      }
      lastId = last;
    }
    const m: SessionMonitor = { id: monitorId, idText: jsonText(monitorId), db, version, dbmon: null as unknown as DbMonitor };
    const created = db.createMonitor(version, requests as Record<string, unknown>, lastId, () => {
      if (this.monitors.get(key) === m) this.scheduleFlush();
    });
    if ('error' in created) {
      this.replyError(id, created.error);
      return;
    }
    m.dbmon = created.monitor;
    this.monitors.set(key, m);
    const body = created.initial ?? '{}';
    const result = version === MonitorVersion.V3
      ? `[${created.found ? 'true' : 'false'},${jsonText(created.monitor.lastTxnId())},${body}]`
      : body;
    this.flushMonitors();
    this.sendRaw(`{"id":${jsonText(id)},"result":${result},"error":null}`);
  }

  condChange(params: unknown[], id: JsonId): void {
    if (params.length !== 3) {
      this.replyError(id, jsonSyntaxErrorJson(params, null, 'invalid parameters'));
      return;
    }
    const key = jsonKey(params[0]);
    const m = this.monitors.get(key);
    if (!m) {
      this.replyError(id, jsonSyntaxErrorJson(params[0], null, 'unknown monitor session'));
      return;
    }
    const newKey = jsonKey(params[1]);
    const changingId = newKey !== key;
    if (changingId && this.monitors.has(newKey)) {
      this.replyError(id, jsonSyntaxErrorJson(params[1], null, 'duplicate monitor ID'));
      return;
    }
    const reqs = params[2];
    if (typeof reqs !== 'object' || reqs === null || Array.isArray(reqs)) {
      this.replyError(id, jsonSyntaxErrorJson(undefined, null, 'monitor-cond-change-requests must be object'));
      return;
    }
    const error = m.dbmon.changeConditions(reqs as Record<string, unknown>);
    if (error) {
      this.replyError(id, error);
      return;
    }
    if (changingId) {
      this.monitors.delete(key);
      m.id = params[1];
      m.idText = jsonText(params[1]);
      this.monitors.set(newKey, m);
    }
    // The update for the new condition goes out before the reply.
    for (const update of m.dbmon.takeUpdates()) this.sendRaw(this.notifyText(m, update));
    this.reply(id, {});
  }

  monitorCancel(params: unknown[], id: JsonId): void {
    if (params.length !== 1) {
      this.replyError(id, 'invalid parameters');
      return;
    }
    const key = jsonKey(params[0]);
    const m = this.monitors.get(key);
    if (!m) {
      this.replyError(id, 'unknown monitor');
      return;
    }
    m.dbmon.destroy();
    this.monitors.delete(key);
    this.reply(id, {});
  }

  // lock, steal, unlock
  lockRequest(method: string, params: unknown[], id: JsonId, mode: LockMode): void {
    if (this.readOnly) {
      this.replyError(id, 'lock and unlock methods not allowed, DB server is read only.');
      return;
    }
    const name = this.parseLockName(method, params, id);
    if (name === null) return;
    if (this.lock.waiters.has(name)) {
      this.replyError(id, jsonSyntaxErrorJson(params, null, `must issue "unlock" before new "${method}"`));
      return;
    }
    const { waiter, victim } = this.server.locks.lock(this.lock, name, mode);
    if (victim) notifySession(this.server, victim, name, 'stolen');
    this.reply(id, { locked: waiter.isOwner });
  }

  unlockRequest(method: string, params: unknown[], id: JsonId): void {
    if (this.readOnly) {
      this.replyError(id, 'lock and unlock methods not allowed, DB server is read only.');
      return;
    }
    const name = this.parseLockName(method, params, id);
    if (name === null) return;
    if (!this.lock.waiters.has(name)) {
      this.replyError(id, jsonSyntaxErrorJson(params, null, `${method}: "unlock" without "lock" or "steal"`));
      return;
    }
    this.unlockName(name);
    this.reply(id, {});
  }

  private unlockName(name: string): void {
    const newOwner = this.lock.unlock(name);
    if (newOwner) notifySession(this.server, newOwner, name, 'locked');
  }

  private parseLockName(method: string, params: unknown[], id: JsonId): string | null {
    if (params.length !== 1 || typeof params[0] !== 'string' || !isId(params[0])) {
      this.replyError(id, jsonSyntaxErrorJson(params, null, `${method} request params must be <id>`));
      return null;
    }
    return params[0];
  }

  setDbChangeAware(method: string, params: unknown[], id: JsonId): void {
    if (params.length !== 1 || typeof params[0] !== 'boolean') {
      this.replyError(id, jsonSyntaxErrorJson(params, null, `${method}: true or false parameter expected`));
      return;
    }
    this.dbChangeAware = params[0];
    this.reply(id, {});
  }

  /** Sends a lock notification ("locked"/"stolen"). */
  notifyLock(name: string, method: string): void {
    this.send({ id: null, method, params: [name] });
  }

  replyTo(id: JsonId, result: unknown): void { this.reply(id, result); }
  /** Replies with a result that is already JSON text. */
  replyRaw(id: JsonId, resultText: string): void {
    this.flushMonitors();
    this.sendRaw(`{"id":${jsonText(id)},"result":${resultText},"error":null}`);
  }
  replyErrorTo(id: JsonId, error: unknown): void { this.replyError(id, error); }
}

/** Finds the JSON-RPC session owning 'lockSession' and sends it a notification. */
function notifySession(server: JsonRpcServer, lockSession: LockSession, name: string, method: string): void {
  for (const remote of server.remotes.values()) {
    for (const s of remote.sessions) {
      if (s.lock === lockSession) { s.notifyLock(name, method); return; }
    }
  }
}

/** A syntax error object about 'json' (OVS's ovsdb_syntax_error()). */
function jsonSyntaxErrorJson(json: unknown, tag: string | null, details: string): Json {
  return syntaxError(json as Json | undefined, tag, details).toJson();
}

/** JSON text of a value that may hold bigints. */
function jsonText(v: unknown): string {
  return jsonToWireString(v as Json);
}

/** A map key for a JSON value (request and monitor ids compare as JSON). */
function jsonKey(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return '\0' + v;
  return '\0' + jsonToString(v as Json, { sort: true });
}

type Handler = (s: Session, method: string, params: unknown[], id: JsonId) => void;

/** The method table. */
const METHODS = new Map<string, Handler>([
  ['transact', (s, _m, p, id) => s.startTrigger('transact', p, id)],
  ['convert', (s, _m, p, id) => s.startTrigger('convert', p, id)],
  ['monitor', (s, m, p, id) => s.createMonitor(m, p, id)],
  ['monitor_cond', (s, m, p, id) => s.createMonitor(m, p, id)],
  ['monitor_cond_since', (s, m, p, id) => s.createMonitor(m, p, id)],
  ['monitor_cond_change', (s, _m, p, id) => s.condChange(p, id)],
  ['monitor_cancel', (s, _m, p, id) => s.monitorCancel(p, id)],
  ['get_schema', (s, m, p, id) => {
    const db = s.lookupDb(m, p, id);
    if (db) s.replyRaw(id, db.schemaText());
  }],
  ['list_dbs', (s, _m, _p, id) => s.replyTo(id, shashOrder([...s.server.dbs.keys()]))],
  ['get_server_id', (s, _m, _p, id) => s.replyTo(id, s.server.uuid)],
  ['lock', (s, m, p, id) => s.lockRequest(m, p, id, LockMode.Wait)],
  ['steal', (s, m, p, id) => s.lockRequest(m, p, id, LockMode.Steal)],
  ['unlock', (s, m, p, id) => s.unlockRequest(m, p, id)],
  ['set_db_change_aware', (s, m, p, id) => s.setDbChangeAware(m, p, id)],
  ['echo', (s, _m, p, id) => s.replyTo(id, p)],
]);
