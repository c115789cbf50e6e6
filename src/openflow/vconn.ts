/* vconn: an OpenFlow connection as a client (OVS's lib/vconn.c): open a
 * stream (unix:, tcp:), exchange hellos and negotiate the version, then send
 * messages and receive framed ones, with the request/reply patterns tools
 * use (transact, transact-with-barrier, multipart dumps).  Used by ovs-ofctl;
 * the switch side (connmgr) frames with ofp-framer.ts directly. */
import type { Socket } from 'node:net';
import { openActive, OFP_PORT } from '../lib/stream.js';
import { OfpFramer } from './ofp-framer.js';
import { OFPSF_REPLY_MORE, allocXid, decodeMsg, type OfpMsg } from './ofp-msgs.js';
import { encodeHello, decodeHello, encodeBarrierRequest, encodeEchoReply } from './ofp-hello.js';
import { OfpError, encodeErrorMsg } from './ofp-errors.js';
import { ofpToString } from './ofp-print.js';
import { hexDump } from '../lib/hex-dump.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('vconn');

/** A connection failure with an errno-style text ("Connection refused"). */
export class VconnError extends Error {}

export function versionBitmapToString(bm: number): string {
  const hex = (v: number): string => '0x' + v.toString(16).padStart(2, '0');
  if (!bm) return 'no versions';
  const top = 31 - Math.clz32(bm);
  if ((bm & (bm - 1)) === 0) return `version ${hex(top)}`;
  const low = (bm >>> 1) + 1;
  if ((low & (low - 1)) === 0) return `version ${hex(top)} and earlier`;
  const parts: string[] = [];
  for (let v = 0; v < 32; v++) if (bm & (1 << v)) parts.push(hex(v));
  return `versions ${parts.join(', ')}`;
}

/** Patches the xid of an encoded message. */
export function setXid(msg: Uint8Array, xid: number): void {
  new DataView(msg.buffer, msg.byteOffset, msg.byteLength).setUint32(4, xid >>> 0);
}

/** Reads the xid of an encoded message. */
export function getXid(msg: Uint8Array): number {
  return new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(4);
}

/** An open, version-negotiated OpenFlow connection. */
export class Vconn {
  version = 0;
  peerVersions = 0;
  private framer = new OfpFramer();
  private queue: Uint8Array[] = [];
  private waiters: { resolve: (m: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  private closedError: Error | null = null;
  /** Reply automatically to echo requests from the peer. */
  autoEcho = true;

  private constructor(readonly name: string, readonly socket: Socket, readonly allowedVersions: number) {
    socket.on('data', (chunk: Buffer) => this.onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(new VconnError(errnoText(e))));
    socket.on('close', () => this.fail(new VconnError('End of file')));
  }

  /** Connects to 'name' ("unix:PATH" or "tcp:HOST[:PORT]") and negotiates a
   * version among 'allowedVersions' (bit N = wire version N). */
  static async open(name: string, allowedVersions: number): Promise<Vconn> {
    let sock: Socket;
    try {
      sock = await openActive(name, OFP_PORT);
    } catch (e) {
      throw new VconnError(errnoText(e as NodeJS.ErrnoException));
    }
    const vc = new Vconn(name, sock, allowedVersions);
    await vc.handshake();
    return vc;
  }

  private async handshake(): Promise<void> {
    this.sendRaw(encodeHello(this.allowedVersions, allocXid()));
    const m = await this.recvRaw();
    const d = decodeMsg(m);
    if (d instanceof OfpError || d.info.type !== 'HELLO') {
      log.warn(`${this.name}: received message while expecting hello: ${ofpToString(m, 1)}`);
      this.close();
      throw new VconnError('Protocol error');
    }
    const h = decodeHello(m);
    if (!h.ok) log.warn(`${this.name}: unknown data in hello:\n${hexDump(m)}`);
    this.peerVersions = h.allowedVersions;
    const common = (this.peerVersions & this.allowedVersions) >>> 0;
    const local = versionBitmapToString(this.allowedVersions), peer = versionBitmapToString(this.peerVersions);
    if (!common) {
      this.version = 31 - Math.clz32(this.peerVersions);
      log.warn(`${this.name}: version negotiation failed (we support ${local}, peer supports ${peer})`);
      const text = new TextEncoder().encode(`We support ${local}, you support ${peer}, no common versions.`);
      const v = this.version >= 1 && this.version <= 6 ? this.version : 1;
      const err = encodeErrorMsg('OFPHFC_INCOMPATIBLE', v, 0, text);
      this.sendRaw(err);
      this.close();
      throw new VconnError('Protocol error');
    }
    this.version = 31 - Math.clz32(common);
    log.dbg(`${this.name}: negotiated OpenFlow version 0x${this.version.toString(16).padStart(2, '0')} (we support ${local}, peer supports ${peer})`);
  }

  private onData(chunk: Uint8Array): void {
    const out = this.framer.push(chunk);
    for (const m of out.messages) {
      if (this.autoEcho && this.version && m[1] === 2 && m.length >= 8) {
        const d = decodeMsg(m);
        if (!(d instanceof OfpError) && d.info.type === 'ECHO_REQUEST') { this.sendRaw(encodeEchoReply(d)); continue; }
      }
      const w = this.waiters.shift();
      if (w) w.resolve(m);
      else this.queue.push(m);
    }
    if (out.error) this.fail(new VconnError('Protocol error'));
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  private sendRaw(m: Uint8Array): void {
    if (this.closedError) throw this.closedError;
    this.socket.write(m);
  }

  private recvRaw(): Promise<Uint8Array> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Sends one encoded message. */
  send(m: Uint8Array): void { this.sendRaw(m); }

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

  /** Closes the connection. */
  close(): void {
    this.socket.end();
    this.socket.destroy();
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
