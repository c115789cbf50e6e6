/* in-band: hidden flows that keep in-band control traffic flowing (OVS's
 * ofproto/in-band.c).
 *
 * When a bridge reaches its controllers over its own data ports ("in-band",
 * the default for tcp:/ssl: controllers), the switch installs high-priority
 * hidden rules in table 0 (priorities 180000 and up, above anything OpenFlow
 * can add) whose action is NORMAL, so DHCP and ARP of the local port and TCP
 * to and from each controller are never blocked by the controller's own
 * flows.  ofproto-openflow.ts creates an InBand when an in-band controller
 * is configured and calls run() periodically; the rules go in and out
 * through Ofproto.addFlow()/deleteFlow() (ofproto.ts).
 *
 * Only what the switch can know without the kernel is used: the remotes'
 * IPv4 addresses and ports and the local port's MAC.  The rules that need
 * the next hop's MAC (a route and ARP lookup) are left out, as OVS leaves
 * them out until it has learned that MAC.
 */
import { FL } from '../openflow/flow.js';
import { Match } from '../openflow/match.js';
import { ofpactsFrom } from '../openflow/ofpact-codec.js';
import { OFPP_NORMAL } from '../openflow/ofp-port.js';
import type { Ofproto } from './ofproto.js';

/** Rule priorities (enum in_band_rule_priority); each kind of rule has its own. */
const IBR_FROM_LOCAL_DHCP = 180000;
const IBR_TO_LOCAL_ARP = 180001;
const IBR_FROM_LOCAL_ARP = 180002;
const IBR_TO_REMOTE_ARP = 180005;
const IBR_FROM_REMOTE_ARP = 180006;
const IBR_TO_REMOTE_TCP = 180007;
const IBR_FROM_REMOTE_TCP = 180008;

const ETH_TYPE_IP = 0x0800, ETH_TYPE_ARP = 0x0806;
const IPPROTO_TCP = 6, IPPROTO_UDP = 17;
const ARP_OP_REQUEST = 1, ARP_OP_REPLY = 2;
const DHCP_CLIENT_PORT = 68, DHCP_SERVER_PORT = 67;
const OFPP_LOCAL = 0xfffe;

/** A controller (or manager) reached in-band: IPv4 address (host order) and TCP port. */
export interface InBandRemote { ip: number; port: number }

/** Parses "tcp:IP[:PORT]" / "ssl:IP[:PORT]" into an in-band remote; null for other targets. */
export function inBandRemoteFromTarget(target: string, defaultPort = 6653): InBandRemote | null {
  const m = /^(?:tcp|ssl):(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d+))?$/.exec(target);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return null;
  const port = m[5] !== undefined ? Number(m[5]) : defaultPort;
  if (port > 65535) return null;
  return { ip: ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0, port };
}

/** The in-band rules of one bridge (struct in_band). */
/** The four rules each remote gets: ARP to and from it, TCP to and from its port. */
const REMOTE_RULES = [
  { dlType: ETH_TYPE_ARP, proto: ARP_OP_REPLY, ip: FL.NW_DST, port: -1, rule: IBR_TO_REMOTE_ARP },
  { dlType: ETH_TYPE_ARP, proto: ARP_OP_REQUEST, ip: FL.NW_SRC, port: -1, rule: IBR_FROM_REMOTE_ARP },
  { dlType: ETH_TYPE_IP, proto: IPPROTO_TCP, ip: FL.NW_DST, port: FL.TP_DST, rule: IBR_TO_REMOTE_TCP },
  { dlType: ETH_TYPE_IP, proto: IPPROTO_TCP, ip: FL.NW_SRC, port: FL.TP_SRC, rule: IBR_FROM_REMOTE_TCP },
] as const;

export class InBand {
  private remotes: InBandRemote[] = [];
  private localMac: Uint8Array | null = null;
  /** Installed rules by key (priority + match), so changes add and delete only the difference. */
  private installed = new Map<string, { match: Match; priority: number }>();
  /** What the installed rules were computed from; run() does nothing while it is unchanged. */
  private sig: string | null = null;
  private readonly actions = ofpactsFrom([{ type: 'OUTPUT', port: OFPP_NORMAL, maxLen: 0 }], 1);

  constructor(private readonly ofproto: Ofproto) {}

  /** Sets the remotes to keep reachable (in_band_set_remotes). */
  setRemotes(remotes: InBandRemote[]): void { this.remotes = remotes.slice(); this.sig = null; }

  /** True while remotes are configured or rules are still installed. */
  get active(): boolean { return this.remotes.length > 0 || this.installed.size > 0; }

  /** Brings the hidden rules up to date with the remotes and the local port's MAC
   * (in_band_run); 'localMac' is null when the local port has none. */
  run(localMac: Uint8Array | null): void {
    this.localMac = localMac && localMac.some((b) => b !== 0) ? localMac : null;
    const sig = `${this.localMac?.join(':') ?? ''} ${this.remotes.map((r) => `${r.ip}:${r.port}`).join(' ')}`;
    if (sig === this.sig) return;
    this.sig = sig;
    const want = new Map<string, { match: Match; priority: number }>();
    const add = (match: Match, priority: number): void => {
      want.set(`${priority}/${match.flow.join(',')}/${match.wc.join(',')}`, { match, priority });
    };
    const mac = this.localMac;
    if (this.remotes.length && mac) {
      let m = new Match();
      m.setInPort(OFPP_LOCAL);
      m.setDlType(ETH_TYPE_IP);
      setMac(m, FL.DL_SRC, mac);
      m.setNwProto(IPPROTO_UDP);
      m.setExact(FL.TP_SRC, 2, DHCP_CLIENT_PORT);
      m.setExact(FL.TP_DST, 2, DHCP_SERVER_PORT);
      add(m, IBR_FROM_LOCAL_DHCP);

      m = new Match();
      m.setDlType(ETH_TYPE_ARP);
      setMac(m, FL.DL_DST, mac);
      m.setNwProto(ARP_OP_REPLY);
      add(m, IBR_TO_LOCAL_ARP);

      m = new Match();
      m.setDlType(ETH_TYPE_ARP);
      setMac(m, FL.DL_SRC, mac);
      m.setNwProto(ARP_OP_REQUEST);
      add(m, IBR_FROM_LOCAL_ARP);
    }
    for (const r of this.remotes) {
      for (const t of REMOTE_RULES) {
        const m = new Match();
        m.setDlType(t.dlType);
        m.setNwProto(t.proto);
        m.setExact(t.ip, 4, r.ip);
        if (t.port >= 0) m.setExact(t.port, 2, r.port);
        add(m, t.rule);
      }
    }
    for (const [k, r] of this.installed) {
      if (!want.has(k)) this.ofproto.deleteFlow(r.match, r.priority);
    }
    for (const [k, r] of want) {
      if (!this.installed.has(k)) this.ofproto.addFlow({ match: r.match, priority: r.priority }, this.actions);
    }
    this.installed = want;
  }

  /** Forgets the rules without deleting them (the tables were flushed); the next run() adds them back. */
  flushed(): void { this.installed.clear(); this.sig = null; }

  /** Removes every rule (in_band_destroy). */
  destroy(): void {
    this.remotes = [];
    this.run(null);
  }
}

function setMac(m: Match, off: number, mac: Uint8Array): void {
  m.flow.set(mac, off);
  m.wc.fill(0xff, off, off + 6);
}
