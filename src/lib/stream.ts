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
import * as tls from 'node:tls';
import { readFileSync, unlinkSync, existsSync } from 'node:fs';
import { ovsRundir, absFileName } from './dirs.js';
import { errorText } from './program.js';

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
  /** Accept any peer when no CA cert is configured ("--bootstrap-ca-cert" aside). */
}
let sslConfig: SslConfig = {};

/** Sets the files TLS streams use (re-read on each new connection). */
export function setSslConfig(cfg: SslConfig): void { sslConfig = { ...cfg }; }
export function getSslConfig(): SslConfig { return { ...sslConfig }; }

function tlsOptions(): tls.SecureContextOptions & { rejectUnauthorized: boolean; requestCert: boolean } {
  const { privateKey, certificate, caCert } = sslConfig;
  if (!privateKey || !certificate) {
    throw new Error('Private key and certificate must be configured to use SSL');
  }
  return {
    key: readFileSync(privateKey),
    cert: readFileSync(certificate),
    ca: caCert && caCert !== 'none' ? readFileSync(caCert) : undefined,
    rejectUnauthorized: !!caCert && caCert !== 'none',
    requestCert: true,
  };
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
      const t = tls.connect({ host: addr.host, port: addr.port, ...opts, checkServerIdentity: () => undefined }, () => {
        t.off('error', onError); t.setNoDelay(true); resolve(t);
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
  return new Promise((resolve, reject) => {
    let server: net.Server;
    if (addr.kind === 'pssl') {
      let opts;
      try { opts = tlsOptions(); } catch (e) { reject(e); return; }
      server = tls.createServer(opts, (s) => onConnection(s, `ssl:${s.remoteAddress}:${s.remotePort}`));
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
