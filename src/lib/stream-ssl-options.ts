/* stream-ssl-options: the command-line options every OVS program shares for
 * TLS and stream addresses (OVS's STREAM_SSL_LONG_OPTIONS, the bootstrap and
 * peer CA options, and stream_usage()'s help text), so each tool lists them
 * from one table instead of its own copy.  The values land in stream.ts's
 * SSL configuration.
 */
import type { OptionSpec } from './command-line.js';
import { getSslConfig, setSslConfig } from './stream.js';

/** -p/--private-key, -c/--certificate, -C/--ca-cert, --ssl-protocols, --ssl-ciphers. */
export const SSL_OPTIONS: readonly OptionSpec[] = [
  { name: 'private-key', short: 'p', arg: 'required' },
  { name: 'certificate', short: 'c', arg: 'required' },
  { name: 'ca-cert', short: 'C', arg: 'required' },
  { name: 'ssl-protocols', arg: 'required' },
  { name: 'ssl-ciphers', arg: 'required' },
];

/** --bootstrap-ca-cert (read the CA certificate, or fetch it from the first peer). */
export const SSL_BOOTSTRAP_OPTION: OptionSpec = { name: 'bootstrap-ca-cert', arg: 'required' };
/** --peer-ca-cert (a CA certificate sent along with our own). */
export const SSL_PEER_CA_OPTION: OptionSpec = { name: 'peer-ca-cert', arg: 'required' };

/** Applies one of the options above to the stream layer's TLS settings;
 * false if 'name' is not one of them. */
export function sslOptionApply(name: string, value: string): boolean {
  const cfg = getSslConfig();
  switch (name) {
    case 'private-key': cfg.privateKey = value; break;
    case 'certificate': cfg.certificate = value; break;
    case 'ca-cert': cfg.caCert = value; cfg.bootstrapCaCert = false; break;
    case 'bootstrap-ca-cert': cfg.caCert = value; cfg.bootstrapCaCert = true; break;
    case 'peer-ca-cert': cfg.peerCaCert = value; break;
    case 'ssl-protocols': cfg.protocols = value; break;
    case 'ssl-ciphers': cfg.ciphers = value; break;
    default: return false;
  }
  setSslConfig(cfg);
  return true;
}

/** The help text of the connection methods and PKI options (OVS's stream_usage). */
export function streamUsage(name: string, active: boolean, passive: boolean, bootstrap: boolean): string {
  let s = '\n';
  if (active) {
    s += `Active ${name} connection methods:\n`
      + '  tcp:HOST:PORT           PORT at remote HOST\n'
      + '  ssl:HOST:PORT           SSL PORT at remote HOST\n'
      + '  unix:FILE               Unix domain socket named FILE\n';
  }
  if (passive) {
    s += `Passive ${name} connection methods:\n`
      + '  ptcp:PORT[:IP]          listen to TCP PORT on IP\n'
      + '  pssl:PORT[:IP]          listen for SSL on PORT on IP\n'
      + '  punix:FILE              listen on Unix domain socket FILE\n';
  }
  s += 'PKI configuration (required to use SSL):\n'
    + '  -p, --private-key=FILE  file with private key\n'
    + '  -c, --certificate=FILE  file with certificate for private key\n'
    + '  -C, --ca-cert=FILE      file with peer CA certificate\n';
  if (bootstrap) s += '  --bootstrap-ca-cert=FILE  file with peer CA certificate to read or create\n';
  s += 'SSL options:\n'
    + '  --ssl-protocols=PROTOS  list of SSL protocols to enable\n'
    + '  --ssl-ciphers=CIPHERS   list of SSL ciphers to enable\n';
  return s;
}
