/* vconn-stream: an event-driven OpenFlow connection (OVS's lib/vconn.c):
 * connmgr's connections to controllers and to ovs-ofctl, and underneath
 * vconn.ts, the request/reply client the tools use.  This is the one place
 * where hellos are exchanged and versions negotiated.
 *
 * Each side sends HELLO with the versions it allows as soon as the stream is
 * up; the first message received must be the peer's HELLO, and the version
 * spoken is the highest both allow.  With no common version the connection
 * sends OFPHFC_INCOMPATIBLE and closes, as OVS does.  Afterwards messages are
 * handed to onMessage() whole (ofp-framer.ts splits the stream); a message
 * carrying another version than the negotiated one is answered with
 * OFPBRC_BAD_VERSION (except hello, error and echo).
 */
import type { Socket } from 'node:net';
import { OfpFramer } from './ofp-framer.js';
import { decodeHello, encodeHello, negotiateVersion } from './ofp-hello.js';
import { encodeErrorMsg, type OfpErrName } from './ofp-errors.js';
import { openActive, OFP_PORT } from '../lib/stream.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { ofpToString } from './ofp-print.js';
import { hexDump } from '../lib/hex-dump.js';

const log = vlogModule('vconn');
const rl = new RateLimit(5, 5);
/** Debug logging of every message (vconn.c's ofmsg_rl). */
const ofmsgRl = new RateLimit(200, 200);

/** A message's text for the debug log, as OVS's ofp_to_string at verbosity 1. */
function msgText(m: Uint8Array): string {
  return ofpToString(m, 1).replace(/\n$/, '');
}

/** A version bitmap as OVS words it in logs ("version 0x04 and earlier"). */
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

/** OpenFlow 1.0 through 1.5, as a version bitmap (bit N = wire version N). */
export const OFP_SUPPORTED_VERSIONS = 0x7e;

const OFPT_HELLO = 0, OFPT_ERROR = 1, OFPT_ECHO_REQUEST = 2, OFPT_ECHO_REPLY = 3;

export class VconnStream {
  /** Negotiated OpenFlow wire version; 0 until the hellos are exchanged. */
  version = 0;
  /** Versions the peer allows (from its hello). */
  peerVersions = 0;
  /** Called once the version is agreed. */
  onConnected: (version: number) => void = () => {};
  /** Called for each message after negotiation (the whole message, header included). */
  onMessage: (msg: Uint8Array) => void = () => {};
  /** Called once when the connection is gone; 'reason' is set on errors. */
  onClose: (reason?: string) => void = () => {};

  private readonly framer = new OfpFramer();
  private out: Uint8Array[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Pass on messages of any version (ovs-ofctl snoop), instead of answering
   * those not in the negotiated one with OFPBRC_BAD_VERSION. */
  recvAnyVersion = false;
  /** Messages sent and received, for statistics. */
  nRx = 0;
  nTx = 0;
  lastReceived = Date.now();

  /** 'helloXid' is the transaction id of our hello (clients allocate one, as
   * OVS's tools do; connmgr's side sends 0). */
  constructor(private readonly sock: Socket, readonly name: string, readonly allowedVersions = OFP_SUPPORTED_VERSIONS,
    helloXid = 0) {
    sock.on('data', (chunk: Buffer) => this.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    sock.on('error', (e: NodeJS.ErrnoException) => this.shutdown(e.code ?? e.message));
    sock.on('close', () => this.shutdown());
    sock.on('end', () => this.shutdown());
    this.send(encodeHello(allowedVersions, helloXid));
  }

  /** Connects to 'target' (unix:, tcp:, ssl:) and resolves once a version is
   * agreed, or rejects with the reason (one line). */
  static connect(target: string, allowedVersions = OFP_SUPPORTED_VERSIONS): Promise<VconnStream> {
    return openActive(target, OFP_PORT).then((sock) => new Promise<VconnStream>((resolve, reject) => {
      const v = new VconnStream(sock, target, allowedVersions);
      v.onConnected = () => resolve(v);
      v.onClose = (reason) => reject(new Error(reason ?? 'connection closed'));
    }));
  }

  get isClosed(): boolean { return this.closed; }

  /** Queues 'msg'; messages queued in one tick go out in one write. */
  send(msg: Uint8Array): void {
    if (this.closed) return;
    log.dbgRl(ofmsgRl, () => `${this.name}: sent (Success): ${msgText(msg)}`);
    this.nTx++;
    this.out.push(msg);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Sends an OpenFlow error 'name' in reply to 'request'. */
  sendError(name: OfpErrName, request: Uint8Array): void {
    const version = this.version || request[0]! || 1;
    const xid = request.length >= 8 ? new DataView(request.buffer, request.byteOffset).getUint32(4) : 0;
    this.send(encodeErrorMsg(name, version, xid, request.subarray(0, Math.min(request.length, 0xffff - 12))));
  }

  /** Bytes queued in the socket, not yet taken by the kernel. */
  get backlog(): number { return this.sock.writableLength; }

  close(reason?: string): void {
    this.flush();
    this.sock.end();
    this.shutdown(reason);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.out.length === 0) return;
    const parts = this.out;
    this.out = [];
    if (parts.length === 1) {
      this.sock.write(parts[0]!);
    } else {
      this.sock.write(Buffer.concat(parts));
    }
  }

  private receive(chunk: Uint8Array): void {
    this.lastReceived = Date.now();
    const { messages, error } = this.framer.push(chunk);
    for (const m of messages) {
      if (this.closed) return;
      this.nRx++;
      this.handle(m);
    }
    if (error && !this.closed) {
      log.warnRl(rl, `${this.name}: ${error}`);
      this.sock.destroy();
      this.shutdown('Protocol error');
    }
  }

  private handle(m: Uint8Array): void {
    const type = m[1]!;
    log.dbgRl(ofmsgRl, () => `${this.name}: received: ${msgText(m)}`);
    if (this.version === 0) {
      if (type !== OFPT_HELLO) {
        log.warnRl(rl, `${this.name}: received message while expecting hello: ${msgText(m)}`);
        this.sock.destroy();
        this.shutdown('Protocol error');
        return;
      }
      const hello = decodeHello(m);
      if (!hello.ok) log.warnRl(rl, `${this.name}: unknown data in hello:\n${hexDump(m).replace(/\n$/, '')}`);
      this.peerVersions = hello.allowedVersions;
      const version = negotiateVersion(this.allowedVersions, this.peerVersions);
      if (!version) {
        const local = versionBitmapToString(this.allowedVersions);
        const peer = versionBitmapToString(this.peerVersions);
        log.warnRl(rl, `${this.name}: version negotiation failed (we support ${local}, peer supports ${peer})`);
        const text = new TextEncoder().encode(`We support ${local}, you support ${peer}, no common versions.`);
        const top = 31 - Math.clz32(this.peerVersions);
        this.out.push(encodeErrorMsg('OFPHFC_INCOMPATIBLE', top >= 1 && top <= 6 ? top : 1, 0, text));
        this.close('Protocol error');
        return;
      }
      this.version = version;
      log.dbg(`${this.name}: negotiated OpenFlow version 0x${version.toString(16).padStart(2, '0')} `
        + `(we support ${versionBitmapToString(this.allowedVersions)}, peer supports ${versionBitmapToString(this.peerVersions)})`);
      this.onConnected(version);
      return;
    }
    const v = m[0]!;
    if (v !== this.version && !this.recvAnyVersion && type !== OFPT_HELLO && type !== OFPT_ERROR && type !== OFPT_ECHO_REQUEST && type !== OFPT_ECHO_REPLY) {
      log.errRl(rl, `${this.name}: received OpenFlow version 0x${v.toString(16).padStart(2, '0')} != expected ${this.version.toString(16).padStart(2, '0')}`);
      // The error goes back in the version of the offending message, as OVS's ofperr_encode_reply.
      const xid = new DataView(m.buffer, m.byteOffset).getUint32(4);
      this.send(encodeErrorMsg('OFPBRC_BAD_VERSION', v, xid, m.subarray(0, Math.min(m.length, 0xffff - 12))));
      return;
    }
    this.onMessage(m); // a HELLO after the handshake too (a switch answers OFPBRC_BAD_TYPE)
  }

  private shutdown(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.out = [];
    if (!this.sock.destroyed) this.sock.destroy();
    this.onClose(reason);
  }
}
