/* vconn: an OpenFlow connection as a client (OVS's lib/vconn.c as the tools
 * use it): open a stream (unix:, tcp:, ssl:), let vconn-stream.ts exchange
 * hellos and negotiate the version, then send messages and receive them in
 * order, with the request/reply patterns of ovs-ofctl (transact,
 * transact-with-barrier, multipart dumps, bundles).  Echo requests from the
 * peer are answered here unless autoEcho is off. */
import { openActive, OFP_PORT } from '../lib/stream.js';
import { OFPSF_REPLY_MORE, allocXid, decodeMsg, type OfpMsg } from './ofp-msgs.js';
import { encodeBarrierRequest, encodeEchoReply } from './ofp-hello.js';
import { OfpError } from './ofp-errors.js';
import { encodeBundleCtrl, decodeBundleCtrl, encodeBundleAdd, OFPBCT_OPEN_REQUEST, OFPBCT_COMMIT_REQUEST, OFPBCT_DISCARD_REQUEST } from './ofp-bundle.js';
import { VconnStream, versionBitmapToString } from './vconn-stream.js';
import { vlogModule } from '../lib/vlog.js';

export { versionBitmapToString };

const log = vlogModule('vconn');

/** A connection failure with an errno-style text ("Connection refused"). */
export class VconnError extends Error {}

/** Patches the xid of an encoded message. */
export function setXid(msg: Uint8Array, xid: number): void {
  msg[4] = xid >>> 24; msg[5] = xid >>> 16; msg[6] = xid >>> 8; msg[7] = xid;
}

/** Reads the xid of an encoded message. */
export function getXid(msg: Uint8Array): number {
  return ((msg[4]! << 24) | (msg[5]! << 16) | (msg[6]! << 8) | msg[7]!) >>> 0;
}

/** The text a VconnStream close reason stands for (an errno code becomes
 * its C text; a clean close is end of file, or a reset before the hellos). */
function reasonText(reason: string | undefined, connected: boolean): string {
  if (!reason) return connected ? 'End of file' : 'Connection reset by peer';
  return /^E[A-Z0-9]+$/.test(reason) ? errnoText({ code: reason, message: reason } as NodeJS.ErrnoException) : reason;
}

/** An open, version-negotiated OpenFlow connection. */
export class Vconn {
  private queue: Uint8Array[] = [];
  private waiters: { resolve: (m: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  private closedError: Error | null = null;
  /** Reply automatically to echo requests from the peer. */
  autoEcho = true;

  private constructor(readonly name: string, private readonly stream: VconnStream) {
    stream.onMessage = (m) => this.onMessage(m);
  }

  /** Negotiated OpenFlow wire version. */
  get version(): number { return this.stream.version; }
  /** Versions the peer allows (from its hello). */
  get peerVersions(): number { return this.stream.peerVersions; }
  /** Accept messages in any version, not only the negotiated one (snoop). */
  setRecvAnyVersion(): void { this.stream.recvAnyVersion = true; }
  /** Versions we allow (bit N = wire version N). */
  get allowedVersions(): number { return this.stream.allowedVersions; }

  /** Connects to 'name' ("unix:PATH", "tcp:HOST[:PORT]", "ssl:...") and
   * negotiates a version among 'allowedVersions' (bit N = wire version N). */
  static async open(name: string, allowedVersions: number): Promise<Vconn> {
    let sock;
    try {
      sock = await openActive(name, OFP_PORT);
    } catch (e) {
      throw new VconnError(errnoText(e as NodeJS.ErrnoException));
    }
    const stream = new VconnStream(sock, name, allowedVersions, allocXid());
    await new Promise<void>((resolve, reject) => {
      stream.onConnected = () => resolve();
      stream.onClose = (reason) => reject(new VconnError(reasonText(reason, false)));
    });
    const vc = new Vconn(name, stream);
    stream.onClose = (reason) => vc.fail(new VconnError(reasonText(reason, true)));
    return vc;
  }

  private onMessage(m: Uint8Array): void {
    if (this.autoEcho && m[1] === 2 && m.length >= 8) {
      const d = decodeMsg(m);
      if (!(d instanceof OfpError) && d.info.type === 'ECHO_REQUEST') { this.stream.send(encodeEchoReply(d)); return; }
    }
    const w = this.waiters.shift();
    if (w) w.resolve(m);
    else this.queue.push(m);
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  private recvRaw(): Promise<Uint8Array> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Sends one encoded message (queued; messages of one tick go out together). */
  send(m: Uint8Array): void {
    if (this.closedError) throw this.closedError;
    this.stream.send(m);
  }

  /** Receives the next message. */
  recv(): Promise<Uint8Array> { return this.recvRaw(); }

  /** Receives until a message with 'xid' arrives (others are dropped). */
  async recvXid(xid: number): Promise<Uint8Array> {
    for (;;) {
      const m = await this.recvRaw();
      if (getXid(m) === xid) return m;
      log.dbg(`${this.name}: received reply with xid ${getXid(m).toString(16).padStart(8, '0')} != expected ${xid.toString(16).padStart(8, '0')}`);
    }
  }

  /** Sends 'req' and returns the reply with the same xid. */
  async transact(req: Uint8Array): Promise<Uint8Array> {
    this.send(req);
    return this.recvXid(getXid(req));
  }

  /** Sends 'req' then a barrier; returns the reply to 'req' (typically an
   * error) if any arrived before the barrier reply, else null. */
  async transactNoReply(req: Uint8Array): Promise<Uint8Array | null> {
    const reqXid = getXid(req);
    this.send(req);
    const barrier = encodeBarrierRequest(this.version, allocXid());
    const bx = getXid(barrier);
    this.send(barrier);
    let reply: Uint8Array | null = null;
    for (;;) {
      const m = await this.recvRaw();
      const x = getXid(m);
      if (x === reqXid) {
        if (reply) log.warn(`${this.name}: duplicate replies with xid ${x.toString(16).padStart(8, '0')}`);
        reply = m;
      } else if (x === bx) {
        return reply;
      }
    }
  }

  /** Sends a multipart request and collects every reply part (stopping at
   * an error or the last part).  Each part is passed to 'onPart'. */
  async dump(req: Uint8Array, onPart: (m: Uint8Array, msg: OfpMsg | null) => void): Promise<void> {
    const xid = getXid(req);
    this.send(req);
    for (;;) {
      const m = await this.recvXid(xid);
      const d = decodeMsg(m);
      const msg = d instanceof OfpError ? null : d;
      onPart(m, msg);
      if (!msg || msg.info.type === 'ERROR') return;
      if (!msg.info.isStat || !(msg.flags & OFPSF_REPLY_MORE)) return;
    }
  }

  /** Receives until 'xid' arrives; error messages with other xids go to 'errors'. */
  private async recvXidCollect(xid: number, errors: Uint8Array[]): Promise<Uint8Array> {
    for (;;) {
      const m = await this.recvRaw();
      if (getXid(m) === xid) return m;
      if (m.length >= 8 && m[1] === 1) errors.push(m);
      else log.dbg(`${this.name}: received reply with xid ${getXid(m).toString(16).padStart(8, '0')} != expected ${xid.toString(16).padStart(8, '0')}`);
    }
  }

  /** One bundle control transaction; false on an error reply or a reply
   * that does not answer it. */
  private async bundleControl(type: number, flags: number, errors: Uint8Array[]): Promise<boolean> {
    const req = encodeBundleCtrl(this.version, { bundleId: 0, type, flags }, allocXid());
    this.send(req);
    const reply = await this.recvXidCollect(getXid(req), errors);
    const d = decodeMsg(reply);
    if (d instanceof OfpError) return false;
    if (d.info.type === 'ERROR') { errors.push(reply); return false; }
    if (d.info.type !== 'BUNDLE_CONTROL') return false;
    const bc = decodeBundleCtrl(d);
    return bc.bundleId === 0 && bc.type === type + 1;
  }

  /** Sends 'requests' in one bundle (open, add each, barrier, then commit
   * or, after any error, discard) as OVS's vconn_bundle_transact.  Returns
   * the error replies received and whether the bundle was committed. */
  async bundleTransact(requests: Uint8Array[], flags: number): Promise<{ errors: Uint8Array[]; ok: boolean }> {
    const errors: Uint8Array[] = [];
    if (!await this.bundleControl(OFPBCT_OPEN_REQUEST, flags, errors)) return { errors, ok: false };
    for (const r of requests) {
      this.send(encodeBundleAdd(this.version, 0, flags, r));
      for (let i = 0; i < this.queue.length;) {
        const m = this.queue[i]!;
        if (m.length >= 8 && m[1] === 1) { errors.push(m); this.queue.splice(i, 1); } else i++;
      }
    }
    const barrier = encodeBarrierRequest(this.version, allocXid());
    this.send(barrier);
    await this.recvXidCollect(getXid(barrier), errors);
    if (errors.length) {
      await this.bundleControl(OFPBCT_DISCARD_REQUEST, flags, errors);
      return { errors, ok: false };
    }
    const ok = await this.bundleControl(OFPBCT_COMMIT_REQUEST, flags, errors);
    return { errors, ok };
  }

  /** Closes the connection (after sending what is queued). */
  close(): void {
    this.stream.onClose = () => {};
    this.fail(new VconnError('End of file'));
    this.stream.close();
  }
}

/** C strerror-style text for a Node socket error. */
export function errnoText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT': return 'No such file or directory';
    case 'ECONNREFUSED': return 'Connection refused';
    case 'EACCES': return 'Permission denied';
    case 'ECONNRESET': return 'Connection reset by peer';
    case 'ETIMEDOUT': return 'Connection timed out';
    case 'ENOTSOCK': return 'Socket operation on non-socket';
    case 'EPIPE': return 'Broken pipe';
    default: return e.message ?? String(e);
  }
}
