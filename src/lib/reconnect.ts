/* reconnect: a JSON-RPC session that keeps itself connected (OVS's
 * jsonrpc_session built on reconnect.c).
 *
 * An active session connects to its remote, and after a failure or a
 * disconnection waits and tries again, doubling the wait from 'minBackoff' up
 * to 'maxBackoff'.  While connected it probes the peer: after 'probeInterval'
 * ms with nothing received it sends an "echo" request, and if another
 * interval passes in silence it drops the connection and reconnects.  Log
 * lines read as OVS's ("<name>: connecting...", "connected", "connection
 * attempt failed (...)", "waiting N seconds before reconnect", "no response to
 * inactivity probe after N seconds, disconnecting").
 *
 * The owner sees only onConnect(rpc) and onDisconnect(); requests go through
 * the JsonRpc handed to onConnect.
 */
import { JsonRpc } from './jsonrpc.js';
import { openActive } from './stream.js';
import { vlogModule } from './vlog.js';

const log = vlogModule('reconnect');

export interface ReconnectOptions {
  /** Default TCP port for the remote's protocol (6640 OVSDB, 6653 OpenFlow). */
  defaultPort: number;
  minBackoff?: number;
  maxBackoff?: number;
  /** Inactivity probe interval in ms; 0 disables probing. */
  probeInterval?: number;
  maxMessageSize?: number;
  /** JSON parser and serializer for the connection (see JsonRpcOptions). */
  parse?: (text: string) => unknown;
  stringify?: (msg: object) => string;
  /** Stop after the first failed attempt instead of retrying (tools' --no-retry). */
  maxTries?: number;
}

export class ReconnectSession {
  onConnect: (rpc: JsonRpc) => void = () => {};
  onDisconnect: (reason?: string) => void = () => {};
  /** Called when maxTries attempts all failed. */
  onGiveUp: (reason: string) => void = () => {};

  rpc: JsonRpc | null = null;
  private backoff = 0;
  private timer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private tries = 0;
  private readonly minBackoff: number;
  private readonly maxBackoff: number;
  private probeInterval: number;
  /** Successful connections so far (the "seqno" OVS clients watch). */
  seqno = 0;

  constructor(readonly name: string, private readonly opts: ReconnectOptions) {
    this.minBackoff = opts.minBackoff ?? 1000;
    this.maxBackoff = opts.maxBackoff ?? 8000;
    this.probeInterval = opts.probeInterval ?? 5000;
  }

  get isConnected(): boolean { return this.rpc !== null && !this.rpc.isClosed; }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  setProbeInterval(ms: number): void {
    this.probeInterval = ms;
    this.armProbe();
  }

  /** Drops the current connection (if any) and reconnects at once. */
  forceReconnect(): void {
    this.backoff = 0;
    if (this.rpc) this.rpc.close(); else this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.timer = this.probeTimer = null;
    this.rpc?.close();
    this.rpc = null;
  }

  private connect(): void {
    if (this.stopped) return;
    this.tries++;
    log.info(`${this.name}: connecting...`);
    openActive(this.name, this.opts.defaultPort).then((sock) => {
      if (this.stopped) { sock.destroy(); return; }
      log.info(`${this.name}: connected`);
      this.backoff = 0;
      this.tries = 0;
      this.seqno++;
      const rpc = new JsonRpc(sock, {
        name: this.name, maxMessageSize: this.opts.maxMessageSize,
        parse: this.opts.parse, stringify: this.opts.stringify,
      });
      this.rpc = rpc;
      rpc.onClose = (reason) => {
        if (this.rpc !== rpc) return;
        this.rpc = null;
        if (this.probeTimer) clearInterval(this.probeTimer);
        this.probeTimer = null;
        if (!this.stopped) {
          log.info(reason ? `${this.name}: connection dropped (${reason})` : `${this.name}: connection closed by peer`);
        }
        this.onDisconnect(reason);
        this.scheduleRetry();
      };
      this.armProbe();
      this.onConnect(rpc);
    }, (e: Error) => {
      log.info(`${this.name}: connection attempt failed (${e.message})`);
      if (this.opts.maxTries && this.tries >= this.opts.maxTries) {
        this.stopped = true;
        this.onGiveUp(e.message);
        return;
      }
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.backoff = this.backoff === 0 ? this.minBackoff : Math.min(this.backoff * 2, this.maxBackoff);
    if (this.backoff >= 1000) log.info(`${this.name}: waiting ${Math.round(this.backoff / 1000)} seconds before reconnect`);
    this.timer = setTimeout(() => { this.timer = null; this.connect(); }, this.backoff);
    this.timer.unref?.();
  }

  private armProbe(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    const rpc = this.rpc;
    if (!rpc || this.probeInterval <= 0) return;
    let probeSentAt = 0;
    const tick = Math.max(50, Math.floor(this.probeInterval / 4));
    this.probeTimer = setInterval(() => {
      const now = Date.now();
      if (now - rpc.lastReceived < this.probeInterval) { probeSentAt = 0; return; }
      if (probeSentAt === 0) {
        log.dbg(`${this.name}: idle ${now - rpc.lastReceived} ms, sending inactivity probe`);
        probeSentAt = now;
        rpc.request('echo', []).catch(() => {});
      } else if (now - probeSentAt >= this.probeInterval) {
        log.err(`${this.name}: no response to inactivity probe after ${(this.probeInterval / 1000).toFixed(0)} seconds, disconnecting`);
        rpc.close();
      }
    }, tick);
    this.probeTimer.unref?.();
  }
}
