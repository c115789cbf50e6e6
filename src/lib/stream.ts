/* stream: OVS stream addresses, active and passive.
 *
 * Active:  unix:PATH   tcp:HOST[:PORT]   ssl:HOST[:PORT]
 * Passive: punix:PATH  ptcp:[PORT][:IP]  pssl:[PORT][:IP]
 *
 * IPv6 addresses go in brackets ("tcp:[::1]:6640", "ptcp:6640:[::1]").  A
 * relative unix path is relative to the run directory, as in OVS.  The default
 * port depends on the protocol (6640 for OVSDB, 6653 for OpenFlow) and is
 * given by the caller.  TLS material is supplied by setSslConfig() (the
 * database layer reads it from --private-key/--certificate/--ca-cert).
 */
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { readFileSync, unlinkSync, existsSync, writeFileSync, writeSync } from 'node:fs';
import { ovsRundir, absFileName } from './dirs.js';
import { errorText, strerror } from './program.js';
import { RateLimit, vlogModule } from './vlog.js';

const socketLog = vlogModule('socket_util');
const sslLog = vlogModule('stream_ssl');
const sslRl = new RateLimit(1, 5);

export type ActiveAddress =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp' | 'ssl'; host: string; port: number };

export type PassiveAddress =
  | { kind: 'punix'; path: string }
  | { kind: 'ptcp' | 'pssl'; host: string; port: number };

/** Thrown for an address that does not parse; the message is the one-line reason. */
export class StreamAddressError extends Error {}

export const OVSDB_PORT = 6640;
export const OFP_PORT = 6653;

function parsePort(s: string, name: string): number {
  if (!/^\d+$/.test(s) || Number(s) > 65535) throw new StreamAddressError(`${name}: bad port number "${s}"`);
  return Number(s);
}

/** Splits "HOST[:PORT]" or "[V6][:PORT]". */
function splitHostPort(s: string, name: string): [string, string | undefined] {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new StreamAddressError(`${name}: bad IPv6 address "${s}"`);
    const host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest === '') return [host, undefined];
    if (!rest.startsWith(':')) throw new StreamAddressError(`${name}: bad address "${s}"`);
    return [host, rest.slice(1)];
  }
  const colon = s.indexOf(':');
  if (colon < 0) return [s, undefined];
  if (s.indexOf(':', colon + 1) >= 0) {
    throw new StreamAddressError(`${name}: IPv6 address must be enclosed in brackets`);
  }
  return [s.slice(0, colon), s.slice(colon + 1)];
}

/** True if 'name' looks like an active stream name this module can open. */
export function isActiveName(name: string): boolean {
  return /^(unix|tcp|ssl):/.test(name);
}
export function isPassiveName(name: string): boolean {
  return /^(punix|ptcp|pssl):/.test(name);
}

export function parseActive(name: string, defaultPort: number): ActiveAddress {
  const colon = name.indexOf(':');
  const kind = colon < 0 ? name : name.slice(0, colon);
  const rest = colon < 0 ? '' : name.slice(colon + 1);
  if (kind === 'unix') {
    if (!rest) throw new StreamAddressError(`${name}: missing file name`);
    return { kind: 'unix', path: absFileName(ovsRundir(), rest) };
  }
  if (kind === 'tcp' || kind === 'ssl') {
    const [host, port] = splitHostPort(rest, name);
    if (!host) throw new StreamAddressError(`${name}: host must be specified`);
    return { kind, host, port: port === undefined || port === '' ? defaultPort : parsePort(port, name) };
  }
  throw new StreamAddressError(`${name}: unknown stream type "${kind}"`);
}

export function parsePassive(name: string, defaultPort: number): PassiveAddress {
  const colon = name.indexOf(':');
  const kind = colon < 0 ? name : name.slice(0, colon);
  const rest = colon < 0 ? '' : name.slice(colon + 1);
  if (kind === 'punix') {
    if (!rest) throw new StreamAddressError(`${name}: missing file name`);
    return { kind: 'punix', path: absFileName(ovsRundir(), rest) };
  }
  if (kind === 'ptcp' || kind === 'pssl') {
    // ptcp:[PORT][:IP]
    const c = rest.indexOf(':');
    const portText = c < 0 ? rest : rest.slice(0, c);
    let host = c < 0 ? '' : rest.slice(c + 1);
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    const port = portText === '' ? defaultPort : parsePort(portText, name);
    return { kind, host: host || '0.0.0.0', port };
  }
  throw new StreamAddressError(`${name}: unknown stream type "${kind}"`);
}

export interface SslConfig {
  privateKey?: string;
  certificate?: string;
  caCert?: string;
  /** --bootstrap-ca-cert: if 'caCert' does not exist yet, accept the peer,
   * save the root of its certificate chain as 'caCert' and drop the
   * connection (OVS's CA certificate bootstrap). */
  bootstrapCaCert?: boolean;
  /** --peer-ca-cert: a CA certificate sent along with our own certificate. */
  peerCaCert?: string;
  /** --ssl-protocols: comma-separated TLSv1, TLSv1.1, TLSv1.2 (TLSv1.3 too);
   * the connection may use the range from the oldest to the newest named. */
  protocols?: string;
  /** --ssl-ciphers: an OpenSSL cipher list. */
  ciphers?: string;
  /** Accept any peer when no CA cert is configured ("--bootstrap-ca-cert" aside). */
}
let sslConfig: SslConfig = {};

/** Sets the files TLS streams use (re-read on each new connection). */
export function setSslConfig(cfg: SslConfig): void { sslConfig = { ...cfg }; }
export function getSslConfig(): SslConfig { return { ...sslConfig }; }

function tlsOptions(): tls.SecureContextOptions & { rejectUnauthorized: boolean; requestCert: boolean; bootstrap: boolean } {
  const { privateKey, certificate, caCert, peerCaCert } = sslConfig;
  if (!privateKey || !certificate) {
    throw new Error('Private key and certificate must be configured to use SSL');
  }
  const bootstrap = !!caCert && caCert !== 'none' && !!sslConfig.bootstrapCaCert && !existsSync(caCert);
  const cert = readFileSync(certificate);
  return {
    key: readFileSync(privateKey),
    cert: peerCaCert ? Buffer.concat([cert, Buffer.from('\n'), readFileSync(peerCaCert)]) : cert,
    ca: caCert && caCert !== 'none' && !bootstrap ? readFileSync(caCert) : undefined,
    rejectUnauthorized: !!caCert && caCert !== 'none' && !bootstrap,
    requestCert: true,
    bootstrap,
    ...tlsVersionRange(sslConfig.protocols),
    ...(sslConfig.ciphers ? { ciphers: sslConfig.ciphers } : {}),
  };
}

const TLS_VERSIONS: readonly tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** The TLS versions an --ssl-protocols list allows, as Node's min/max
 * (unknown names are logged and skipped, as OVS does). */
function tlsVersionRange(list: string | undefined): { minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion } {
  if (!list) return {};
  let lo = -1, hi = -1;
  for (const name of list.split(/[\s,]+/).filter(Boolean)) {
    const i = TLS_VERSIONS.indexOf(name as tls.SecureVersion);
    if (i < 0) { sslLog.warnRl(sslRl, `${name}: SSL protocol not recognized`); continue; }
    if (lo < 0 || i < lo) lo = i;
    if (i > hi) hi = i;
  }
  return lo < 0 ? {} : { minVersion: TLS_VERSIONS[lo], maxVersion: TLS_VERSIONS[hi] };
}

/** Saves the root of the peer's certificate chain as the CA certificate
 * (bootstrap); returns an error text or null. */
function bootstrapCaCert(sock: tls.TLSSocket, file: string): string | null {
  let cert = sock.getPeerCertificate(true);
  if (!cert || !cert.raw) return 'peer did not send a certificate';
  for (let i = 0; i < 16 && cert.issuerCertificate && cert.issuerCertificate !== cert
       && cert.issuerCertificate.fingerprint256 !== cert.fingerprint256; i++) {
    cert = cert.issuerCertificate;
  }
  // The last certificate must be a CA's, i.e. self-signed (Node links a
  // self-signed certificate to itself; a chain that stops short has no issuer).
  if (!cert.issuerCertificate || cert.issuerCertificate.fingerprint256 !== cert.fingerprint256) {
    return 'could not bootstrap CA cert: obtained certificate is not self-signed';
  }
  const b64 = cert.raw.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  try {
    writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`, { flag: 'wx', mode: 0o444 });
  } catch (e) {
    return errorText(e);
  }
  return null;
}

type TlsModule = typeof import('node:tls');
let tlsModule: TlsModule | null = null;

/** node:tls, loaded on first use: most tools never speak TLS, and loading it
 * costs start-up time. */
async function loadTls(): Promise<TlsModule | null> {
  return tlsModule ??= await import('node:tls');
}

/** Connects to 'name'.  Resolves with the connected socket; rejects with an
 * Error whose message is the C library's errno text (e.g. "Connection refused"). */
export function openActive(name: string, defaultPort: number): Promise<net.Socket> {
  let addr: ActiveAddress;
  try {
    addr = parseActive(name, defaultPort);
  } catch (e) {
    return Promise.reject(e);
  }
  const a = addr;
  return a.kind === 'ssl' ? loadTls().then((t) => connectActive(a, t)) : connectActive(a, null);
}

function connectActive(addr: ActiveAddress, tlsMod: TlsModule | null): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let sock: net.Socket;
    const onError = (e: Error) => reject(new Error(errorText(e)));
    if (addr.kind === 'unix') {
      sock = net.connect({ path: addr.path }, () => { sock.off('error', onError); resolve(sock); });
    } else if (addr.kind === 'tcp') {
      sock = net.connect({ host: addr.host, port: addr.port }, () => {
        sock.off('error', onError); sock.setNoDelay(true); resolve(sock);
      });
    } else {
      let opts;
      try { opts = tlsOptions(); } catch (e) { reject(e); return; }
      const { bootstrap, ...tlsOpts } = opts;
      const servername = net.isIP(addr.host) ? undefined : addr.host;
      const t = tlsMod!.connect({ host: addr.host, port: addr.port, servername, ...tlsOpts, checkServerIdentity: () => undefined }, () => {
        t.off('error', onError);
        if (bootstrap) {
          // The CA certificate is saved; this connection was not verified, so it goes.
          const err = bootstrapCaCert(t, sslConfig.caCert!);
          t.destroy();
          reject(new Error(err ?? strerror('EPROTO')));
          return;
        }
        t.setNoDelay(true); resolve(t);
      });
      sock = t;
    }
    sock.once('error', onError);
  });
}

/** Listens on 'name', calling 'onConnection' for each peer.  Resolves with the
 * server once listening; rejects with the errno text (e.g. "Address already in use"). */
export function openPassive(name: string, defaultPort: number,
  onConnection: (sock: net.Socket, peerName: string) => void): Promise<net.Server> {
  let addr: PassiveAddress;
  try {
    addr = parsePassive(name, defaultPort);
  } catch (e) {
    return Promise.reject(e);
  }
  const a = addr;
  const listening = a.kind === 'pssl' ? loadTls().then((t) => listenPassive(a, t, onConnection))
    : listenPassive(a, null, onConnection);
  if (a.kind === 'punix' || a.port !== 0) return listening;
  // A port chosen by the kernel is logged as OVS does ("0:127.0.0.1: listening
  // on port N"): tests find the port in the log.
  return listening.then((server) => {
    socketLog.info(`${name.slice(name.indexOf(':') + 1)}: listening on port ${boundPort(server)}`);
    return server;
  });
}

function listenPassive(addr: PassiveAddress, tlsMod: TlsModule | null,
  onConnection: (sock: net.Socket, peerName: string) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    let server: net.Server;
    if (addr.kind === 'pssl') {
      let opts;
      try { opts = tlsOptions(); } catch (e) { reject(e); return; }
      const { bootstrap: _b, ...serverOpts } = opts;
      server = tlsMod!.createServer(serverOpts, (s) => {
        const sni = s.servername;
        if (sni) sslLog.dbg(`connection indicated server name ${sni}`);
        onConnection(s, `ssl:${s.remoteAddress}:${s.remotePort}`);
      });
    } else {
      server = net.createServer((s) => {
        const peer = addr.kind === 'punix' ? `unix#${s.remotePort ?? ''}` : `tcp:${s.remoteAddress}:${s.remotePort}`;
        if (addr.kind === 'ptcp') s.setNoDelay(true);
        onConnection(s, peer);
      });
    }
    server.once('error', (e) => reject(new Error(errorText(e))));
    const ready = () => { server.removeAllListeners('error'); server.on('error', () => {}); resolve(server); };
    if (addr.kind === 'punix') {
      // A stale socket file from a dead process blocks bind(); OVS removes it.
      if (existsSync(addr.path)) {
        try { unlinkSync(addr.path); } catch { /* bind will report it */ }
      }
      server.listen({ path: addr.path }, ready);
    } else {
      server.listen({ host: addr.host, port: addr.port, ipv6Only: false }, ready);
    }
  });
}

/** The bound port of a listening TCP server (for "ptcp:0"). */
export function boundPort(server: net.Server): number {
  const a = server.address();
  return a && typeof a === 'object' ? a.port : 0;
}

/* ---- Direct I/O for busy servers ----
 *
 * A net.Socket hands each read to its owner through Node's Readable stream
 * (buffering, 'data' events, state updates) and takes each write through the
 * Writable stream: some dozens of JavaScript functions per message.  On a
 * freshly started process those run in V8's interpreter, and for a server
 * answering one small request per read they cost more than the request itself.
 * directRead() moves an accepted plain (unix or TCP, not TLS) socket onto
 * Node's "onread" mode, where each read goes straight from libuv to a
 * callback; writeDirect() writes with one write(2) while nothing is queued in
 * the socket, and queues the rest in the socket as usual. */

/** Node's libuv stream handle (Pipe or TCP wrap) as far as we use it. */
interface StreamHandle { fd?: number; reading?: boolean }

/** One read buffer for every direct socket: reads are delivered one at a time
 * on this thread and each is consumed (copied or parsed) before the next. */
let directBuffer: Buffer | null = null;

/** Moves the freshly accepted plain socket 'sock' to onread mode: 'onData'
 * gets each chunk read (valid only during the call).  Returns the socket to
 * use from now on (its 'end', 'close', 'error', 'drain' events, pause(),
 * resume() and write() behave as usual, but no 'data' events are emitted), or
 * null (and 'sock' untouched) if 'sock' cannot be moved (TLS, no handle). */
export function directRead(sock: net.Socket, onData: (chunk: Buffer) => void): net.Socket | null {
  const s = sock as net.Socket & { _handle?: StreamHandle | null; encrypted?: boolean };
  const handle = s._handle;
  if (s.encrypted || !handle || typeof handle.fd !== 'number' || handle.fd < 0
    || s.destroyed || s.readableLength !== 0 || s.listenerCount('data') !== 0) return null;
  directBuffer ??= Buffer.allocUnsafe(65536);
  const buf = directBuffer;
  const d = new net.Socket({
    handle: handle as never, readable: true, writable: true,
    onread: { buffer: buf, callback: (n: number) => { onData(buf.subarray(0, n)); } },
  } as net.SocketConstructorOpts);
  // The accepted socket no longer owns the handle: make it inert, and let it
  // close (for the listener's connection count) when the new one does.
  s._handle = null;
  d.once('close', () => s.destroy());
  d.resume();
  return d;
}

/** Writes 'text' to 'sock': with one write(2) on its descriptor when nothing
 * is queued in the socket (falling back to sock.write() for whatever the
 * kernel did not take, or on any error, which the socket then reports as
 * usual).  Returns the number of bytes of 'text'. */
export function writeDirect(sock: net.Socket, fd: number, text: string): number {
  const len = Buffer.byteLength(text);
  if (sock.writableLength === 0 && !sock.destroyed) {
    let n = -1;
    try {
      n = writeSync(fd, text);
    } catch { /* EAGAIN and the like: let the socket queue it */ }
    if (n === len) return len;
    if (n > 0) {
      sock.write(Buffer.from(text).subarray(n));
      return len;
    }
  }
  sock.write(text);
  return len;
}

/** The descriptor of a plain socket (-1 for TLS or none). */
export function socketFd(sock: net.Socket): number {
  const s = sock as net.Socket & { _handle?: StreamHandle | null; encrypted?: boolean };
  const fd = s._handle?.fd;
  return !s.encrypted && typeof fd === 'number' && fd >= 0 ? fd : -1;
}
