/* connmgr: a bridge's OpenFlow connections (OVS's ofproto/connmgr.c).
 *
 * Two kinds of connection, as in OVS:
 *   - primary: to the controllers configured in the Controller table, active
 *     ("tcp:", "unix:", "ssl:", reconnecting with back-off and probed for
 *     inactivity) or accepted on a passive controller target;
 *   - service: ovs-ofctl and friends on the management socket
 *     ($OVS_RUNDIR/<bridge>.mgmt) or a passive "ptcp:"/"punix:" target listed
 *     as a controller.  Service connections get no asynchronous messages
 *     unless they set a non-zero miss_send_len.
 *
 * Each connection keeps its session state (role, async configuration, flow
 * and packet-in formats, miss_send_len, controller id).  Session-level
 * messages (echo, role, async config, formats, barrier) are answered here;
 * everything else goes to the owner's handler (ofproto), one request at a
 * time per connection so that a barrier reply follows everything before it.
 * A handler reports failure by throwing OfpError; the requester gets the
 * matching OFPT_ERROR with the start of its request.
 */
import type { Socket, Server } from 'node:net';
import { VconnStream, OFP_SUPPORTED_VERSIONS } from '../openflow/vconn-stream.js';
import { decodeMsg, type OfpMsg } from '../openflow/ofp-msgs.js';
import { OfpError } from '../openflow/ofp-errors.js';
import { encodeEchoReply, encodeBarrierReply } from '../openflow/ofp-hello.js';
import {
  ROLE_EQUAL, ROLE_PRIMARY, ROLE_SECONDARY, ROLE_NOCHANGE, decodeRoleMessage, encodeRoleReply,
  encodeRoleStatus, asyncConfigDefault, decodeAsyncConfig, encodeGetAsyncReply, decodeSetPacketInFormat,
  decodeFlowModTableId, decodeControllerId, NXFF_OPENFLOW10, NXFF_NXM, PACKET_IN_STD, type AsyncConfig,
} from '../openflow/ofp-connection.js';
import { openActive, openPassive, OFP_PORT, isPassiveName } from '../lib/stream.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { errorText } from '../lib/program.js';

const log = vlogModule('connmgr');
const rl = new RateLimit(5, 20);

/** OVS's default miss_send_len for controllers. */
export const OFP_DEFAULT_MISS_SEND_LEN = 128;

export type OfconnType = 'primary' | 'service';

/** Message types a secondary controller may not send (OFPBRC_IS_SECONDARY). */
const WRITE_TYPES = new Set(['FLOW_MOD', 'PACKET_OUT', 'PORT_MOD', 'GROUP_MOD', 'METER_MOD', 'TABLE_MOD',
  'BUNDLE_CONTROL', 'BUNDLE_ADD_MESSAGE', 'NXT_TLV_TABLE_MOD', 'CT_FLUSH', 'CT_FLUSH_ZONE', 'NXT_RESUME']);

/** What the owner (ofproto) does with requests. */
export interface ConnmgrHandler {
  /** Handles one request; throws OfpError to answer with an error.  May be async. */
  handleMessage(ofconn: Ofconn, msg: OfpMsg): void | Promise<void>;
  /** Called when a primary connection comes or goes (fail-mode decisions). */
  connectionsChanged?(): void;
}

/** One configured controller target. */
export interface ControllerConfig {
  target: string;
  /** Inactivity probe interval in ms (0: none). */
  probeInterval?: number;
  maxBackoff?: number;
  /** Versions allowed (bitmap); defaults to the bridge's. */
  allowedVersions?: number;
  /** Reached over the bridge's own ports (connection_mode in-band, the default). */
  inBand?: boolean;
}

/** Status of a controller target, as written to the Controller table. */
export interface ControllerStatus {
  isConnected: boolean;
  role: 'master' | 'slave' | 'other';
  state: string;
  secSinceConnect?: number;
  secSinceDisconnect?: number;
  lastError?: string;
}

export class Ofconn {
  role = ROLE_EQUAL;
  flowFormat = NXFF_OPENFLOW10;
  packetInFormat = PACKET_IN_STD;
  missSendLen: number;
  controllerId = 0;
  flowModTableId = false;
  private async: AsyncConfig | null = null;
  private queue: Promise<void> = Promise.resolve();
  readonly connectedAt = Date.now();

  constructor(readonly mgr: Connmgr, readonly vconn: VconnStream, readonly type: OfconnType, readonly name: string) {
    this.missSendLen = type === 'primary' ? OFP_DEFAULT_MISS_SEND_LEN : 0;
  }

  get version(): number { return this.vconn.version; }

  send(msg: Uint8Array): void { this.vconn.send(msg); }

  /** The async configuration in force (the version's default until set). */
  get asyncConfig(): AsyncConfig { return this.async ?? asyncConfigDefault(this.version); }
  set asyncConfig(ac: AsyncConfig) {
    // Before OF1.4 "action" also means the OF1.4 action-like reasons (ofconn_set_async_config).
    const ACTION_BITS = (1 << 3) | (1 << 4) | (1 << 5);
    const primary = ac.primary.slice(), secondary = ac.secondary.slice();
    if (this.version > 0 && this.version < 5) {
      if (primary[0]! & 2) primary[0] = (primary[0]! | ACTION_BITS) >>> 0;
      if (secondary[0]! & 2) secondary[0] = (secondary[0]! | ACTION_BITS) >>> 0;
    }
    this.async = { primary, secondary };
  }

  /** Would this connection get asynchronous message 'oam' for 'reason'? */
  receivesAsync(oam: number, reason: number): boolean {
    if (this.vconn.isClosed || !this.version) return false;
    if (this.type === 'service' && !this.missSendLen) return false;
    const ac = this.asyncConfig;
    const masks = this.role === ROLE_SECONDARY ? ac.secondary : ac.primary;
    return ((masks[oam] ?? 0) >>> reason & 1) === 1;
  }

  /** Queues 'data' (one message) for processing after earlier ones. */
  receive(data: Uint8Array): void {
    this.queue = this.queue.then(() => this.process(data)).catch((e) => {
      log.err(`${this.name}: internal error handling message: ${(e as Error).stack ?? e}`);
    });
  }

  private async process(data: Uint8Array): Promise<void> {
    const msg = decodeMsg(data);
    if (msg instanceof OfpError) {
      log.warnRl(rl, `${this.name}: received bad message (${msg.error})`);
      this.vconn.sendError(msg.error, data);
      return;
    }
    try {
      await this.dispatch(msg);
    } catch (e) {
      if (e instanceof OfpError) {
        log.dbg(`${this.name}: ${msg.info.type} failed: ${e.message}`);
        this.vconn.sendError(e.error, data);
      } else {
        throw e;
      }
    }
  }

  private async dispatch(msg: OfpMsg): Promise<void> {
    const type = msg.info.type;
    switch (type) {
      case 'ECHO_REQUEST': this.send(encodeEchoReply(msg)); return;
      case 'ECHO_REPLY': return;
      case 'ERROR':
        log.infoRl(rl, `${this.name}: received OpenFlow error (xid=0x${msg.xid.toString(16)})`);
        return;
      case 'BARRIER_REQUEST': this.send(encodeBarrierReply(msg)); return;
      case 'ROLE_REQUEST': this.handleRole(msg); return;
      case 'GET_ASYNC_REQUEST': this.send(encodeGetAsyncReply(msg, this.asyncConfig)); return;
      case 'SET_ASYNC_CONFIG':
        this.asyncConfig = decodeAsyncConfig(msg, false, this.asyncConfig);
        // Asking for async messages turns them on for a service connection (handle_nxt_set_async_config).
        if (this.type === 'service' && !this.missSendLen) this.missSendLen = OFP_DEFAULT_MISS_SEND_LEN;
        return;
      case 'SET_FLOW_FORMAT': {
        const ff = new DataView(msg.data.buffer, msg.data.byteOffset).getUint32(msg.hdrsLen);
        if (ff !== NXFF_OPENFLOW10 && ff !== NXFF_NXM) throw new OfpError('OFPBRC_EPERM');
        this.flowFormat = ff;
        return;
      }
      case 'SET_PACKET_IN_FORMAT': this.packetInFormat = decodeSetPacketInFormat(msg); return;
      case 'SET_CONTROLLER_ID': this.controllerId = decodeControllerId(msg); return;
      case 'FLOW_MOD_TABLE_ID': this.flowModTableId = decodeFlowModTableId(msg); return;
      default: break;
    }
    if (this.role === ROLE_SECONDARY && WRITE_TYPES.has(type)) throw new OfpError('OFPBRC_IS_SECONDARY');
    await this.mgr.handler.handleMessage(this, msg);
  }

  private handleRole(msg: OfpMsg): void {
    // Any connection may take a role, service connections included (OVS's handle_role_request).
    const rr = decodeRoleMessage(msg);
    if (rr.role !== ROLE_NOCHANGE) {
      const mgr = this.mgr;
      if (rr.role !== ROLE_EQUAL && rr.generationId !== null) {
        if (mgr.generationId !== null && BigInt.asIntN(64, rr.generationId - mgr.generationId) < 0n) {
          throw new OfpError('OFPRRFC_STALE');
        }
        mgr.generationId = rr.generationId;
      }
      if (rr.role === ROLE_PRIMARY && this.role !== ROLE_PRIMARY) {
        for (const other of mgr.connections()) {
          if (other !== this && other.role === ROLE_PRIMARY) {
            other.role = ROLE_SECONDARY;
            const st = encodeRoleStatus({ role: ROLE_SECONDARY, reason: 0, generationId: mgr.generationId ?? 0xffffffffffffffffn }, other.version);
            if (st) other.send(st);
          }
        }
      }
      this.role = rr.role;
    }
    this.send(encodeRoleReply(msg, { role: this.role, generationId: this.mgr.generationId }));
  }
}

interface ActiveController {
  cfg: ControllerConfig;
  ofconn: Ofconn | null;
  backoff: number;
  timer: NodeJS.Timeout | null;
  probe: NodeJS.Timeout | null;
  lastError?: string;
  connectedAt?: number;
  disconnectedAt?: number;
  stopped: boolean;
}

interface Listener { server: Server; type: OfconnType; conns: Set<Ofconn> }

export class Connmgr {
  /** The highest generation id a primary has presented (OF1.2 roles). */
  generationId: bigint | null = null;
  /** Versions the bridge allows (Bridge protocols column). */
  allowedVersions = OFP_SUPPORTED_VERSIONS;

  private readonly controllers = new Map<string, ActiveController>();
  private readonly listeners = new Map<string, Listener>();
  private nextConnId = 1;

  constructor(readonly bridge: string, readonly handler: ConnmgrHandler) {}

  /** Every open connection, primary and service. */
  *connections(): Iterable<Ofconn> {
    for (const c of this.controllers.values()) if (c.ofconn && !c.ofconn.vconn.isClosed) yield c.ofconn;
    for (const l of this.listeners.values()) yield* l.conns;
  }

  /** True if some primary connection (a controller) is up. */
  hasControllerConnected(): boolean {
    for (const c of this.connections()) if (c.type === 'primary' && c.version) return true;
    return false;
  }

  /** Listens on 'path' for service connections (the management socket). */
  async setManagementSocket(path: string): Promise<void> {
    await this.listen(`punix:${path}`, 'service');
  }

  /** Reconciles the controller targets with 'configs'. */
  async setControllers(configs: ControllerConfig[]): Promise<void> {
    const wanted = new Map(configs.map((c) => [c.target, c]));
    for (const [target, c] of this.controllers) {
      if (!wanted.has(target)) this.stopController(c);
    }
    for (const [target, l] of this.listeners) {
      if (l.type === 'primary' && !wanted.has(target)) {
        l.server.close();
        for (const c of l.conns) c.vconn.close();
        this.listeners.delete(target);
      }
    }
    for (const cfg of configs) {
      if (isPassiveName(cfg.target)) {
        if (!this.listeners.has(cfg.target)) {
          // A passive controller target is a service listener, as in OVS.
          await this.listen(cfg.target, 'service').catch((e) => {
            log.errRl(rl, `${this.bridge}: ${cfg.target}: listen failed (${errorText(e)})`);
          });
        }
      } else if (!this.controllers.has(cfg.target)) {
        const c: ActiveController = { cfg, ofconn: null, backoff: 0, timer: null, probe: null, stopped: false };
        this.controllers.set(cfg.target, c);
        this.connectController(c);
      } else {
        this.controllers.get(cfg.target)!.cfg = cfg;
      }
    }
  }

  /** Status of each active controller, keyed by target. */
  controllerStatus(): Map<string, ControllerStatus> {
    const out = new Map<string, ControllerStatus>();
    const now = Date.now();
    for (const [target, c] of this.controllers) {
      const up = !!c.ofconn && !c.ofconn.vconn.isClosed && c.ofconn.version > 0;
      // The schema knows master, slave and other (OVS writes an equal role as "other").
      const role = !up ? 'other' : c.ofconn!.role === ROLE_PRIMARY ? 'master' : c.ofconn!.role === ROLE_SECONDARY ? 'slave' : 'other';
      out.set(target, {
        isConnected: up,
        role,
        state: up ? 'ACTIVE' : c.timer ? 'BACKOFF' : 'CONNECTING',
        secSinceConnect: c.connectedAt ? Math.floor((now - c.connectedAt) / 1000) : undefined,
        secSinceDisconnect: !up && c.disconnectedAt ? Math.floor((now - c.disconnectedAt) / 1000) : undefined,
        lastError: c.lastError,
      });
    }
    return out;
  }

  /** Sends an asynchronous message to every connection that wants it:
   * 'build' makes the message for a connection (null to skip it). */
  sendAsync(oam: number, reason: number, build: (ofconn: Ofconn) => Uint8Array | null): number {
    let n = 0;
    for (const c of this.connections()) {
      if (!c.receivesAsync(oam, reason)) continue;
      const m = build(c);
      if (m) { c.send(m); n++; }
    }
    return n;
  }

  /** Closes every connection and listener. */
  destroy(): void {
    for (const c of this.controllers.values()) this.stopController(c);
    for (const l of this.listeners.values()) {
      l.server.close();
      for (const c of l.conns) c.vconn.close();
    }
    this.listeners.clear();
  }

  private async listen(target: string, type: OfconnType): Promise<void> {
    const conns = new Set<Ofconn>();
    const server = await openPassive(target, OFP_PORT, (sock: Socket) => {
      // The connection is "unix#N" (or the peer's tcp:IP:PORT) and the ofconn "<bridge><->" that.
      const peer = target.startsWith('punix:') ? `unix#${this.nextConnId++}`
        : `tcp:${sock.remoteAddress ?? '0.0.0.0'}:${sock.remotePort ?? 0}`;
      const ofconn = this.attach(sock, `${this.bridge}<->${peer}`, type, this.allowedVersions, peer);
      conns.add(ofconn);
      ofconn.vconn.onClose = () => { conns.delete(ofconn); this.handler.connectionsChanged?.(); };
    });
    this.listeners.set(target, { server, type, conns });
  }

  private attach(sock: Socket, name: string, type: OfconnType, versions: number, vconnName = name): Ofconn {
    const vconn = new VconnStream(sock, vconnName, versions);
    const ofconn = new Ofconn(this, vconn, type, name);
    vconn.onMessage = (m) => ofconn.receive(m);
    vconn.onConnected = () => {
      log.dbg(`${name}: connected (OpenFlow 0x${vconn.version.toString(16).padStart(2, '0')})`);
      this.handler.connectionsChanged?.();
    };
    return ofconn;
  }

  private connectController(c: ActiveController): void {
    if (c.stopped) return;
    const target = c.cfg.target;
    log.info(`${this.bridge}<->${target}: connecting...`);
    openActive(target, OFP_PORT).then((sock) => {
      if (c.stopped) { sock.destroy(); return; }
      const ofconn = this.attach(sock, `${this.bridge}<->${target}`, 'primary', c.cfg.allowedVersions ?? this.allowedVersions, target);
      c.ofconn = ofconn;
      ofconn.vconn.onConnected = () => {
        log.info(`${this.bridge}<->${target}: connected`);
        c.backoff = 0;
        c.connectedAt = Date.now();
        c.lastError = undefined;
        this.armProbe(c);
        this.handler.connectionsChanged?.();
      };
      ofconn.vconn.onClose = (reason) => {
        if (c.ofconn !== ofconn) return;
        c.ofconn = null;
        c.disconnectedAt = Date.now();
        if (c.probe) clearInterval(c.probe);
        c.probe = null;
        if (reason) c.lastError = reason;
        if (!c.stopped) log.info(`${this.bridge}<->${target}: connection ${reason ? `dropped (${reason})` : 'closed by peer'}`);
        this.handler.connectionsChanged?.();
        this.retry(c);
      };
    }, (e: Error) => {
      c.lastError = e.message;
      log.info(`${this.bridge}<->${target}: connection failed (${e.message})`);
      this.retry(c);
    });
  }

  private retry(c: ActiveController): void {
    if (c.stopped) return;
    const max = c.cfg.maxBackoff ?? 8000;
    c.backoff = c.backoff ? Math.min(c.backoff * 2, max) : 1000;
    log.info(`${this.bridge}<->${c.cfg.target}: waiting ${Math.round(c.backoff / 1000)} seconds before reconnect`);
    c.timer = setTimeout(() => { c.timer = null; this.connectController(c); }, c.backoff);
    c.timer.unref();
  }

  private armProbe(c: ActiveController): void {
    const interval = c.cfg.probeInterval ?? 5000;
    if (!interval || !c.ofconn) return;
    const ofconn = c.ofconn;
    let sentAt = 0;
    c.probe = setInterval(() => {
      const idle = Date.now() - ofconn.vconn.lastReceived;
      if (idle < interval) { sentAt = 0; return; }
      if (!sentAt) {
        sentAt = Date.now();
        // An echo request with an empty body is the inactivity probe.
        const v = ofconn.version;
        ofconn.send(new Uint8Array([v, 2, 0, 8, 0, 0, 0, 0]));
      } else if (Date.now() - sentAt >= interval) {
        log.err(`${this.bridge}<->${c.cfg.target}: no response to inactivity probe after ${Math.round(interval / 1000)} seconds, disconnecting`);
        ofconn.vconn.close();
      }
    }, Math.max(100, interval / 4));
    c.probe.unref();
  }

  private stopController(c: ActiveController): void {
    c.stopped = true;
    if (c.timer) clearTimeout(c.timer);
    if (c.probe) clearInterval(c.probe);
    c.ofconn?.vconn.close();
    this.controllers.delete(c.cfg.target);
  }
}
