/* netdev-vport: virtual ports that have no device of their own (OVS
 * lib/netdev-vport.c).  For now the "patch" type only: a patch port joins two
 * bridges, and the datapath (dpif-netdev / ofproto-dpif, next) resolves it to
 * its peer and never sends or receives on it, so its I/O hooks report
 * EOPNOTSUPP.  Configuration checks and messages are OVS's.  Tunnel vports
 * (vxlan, geneve, gre) will join this file.
 */
import { Netdev, NetdevRxq, type NetdevClass, type NetdevStats, emptyStats } from './netdev-provider.js';

const EOPNOTSUPP = 95;

/** A vport's state. */
export class NetdevVport extends Netdev {
  /** Peer interface name of a patch port, or null until configured. */
  peer: string | null = null;
  /** Random locally administered address, as OVS gives vports. */
  mac = 0;
  /** Counters kept by the datapath that forwards through the patch. */
  stats: NetdevStats = emptyStats();
  flags = 0;
}

function cast(n: Netdev): NetdevVport { return n as NetdevVport; }

function randomMac(): number {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  b[0] = (b[0]! & 0xfe) | 0x02; // unicast, locally administered
  let m = 0;
  for (const x of b) m = m * 256 + x;
  return m;
}

/** The peer of patch port 'netdev', or null. */
export function netdevVportPatchPeer(netdev: Netdev): string | null {
  return netdev instanceof NetdevVport ? netdev.peer : null;
}

/** The "patch" class. */
export const netdevPatchClass: NetdevClass = {
  type: 'patch',
  alloc: (name) => new NetdevVport(name, netdevPatchClass),
  construct(netdev) {
    cast(netdev).mac = randomMac();
    return 0;
  },
  destruct() { /* nothing held */ },
  getConfig(netdev) {
    const peer = cast(netdev).peer;
    const args: Record<string, string> = {};
    if (peer) args.peer = peer;
    return args;
  },
  setConfig(netdev, args) {
    const peer = args.peer;
    if (!peer) return `${netdev.name}: patch type requires valid 'peer' argument`;
    if (Object.keys(args).length > 1) return `${netdev.name}: patch type takes only a 'peer' argument`;
    if (peer === netdev.name) return `${netdev.name}: patch peer must not be self`;
    const d = cast(netdev);
    if (d.peer !== peer) { d.peer = peer; d.changed(); }
    return null;
  },
  send: () => EOPNOTSUPP,
  setEtherAddr(netdev, mac) {
    cast(netdev).mac = mac;
    return 0;
  },
  getEtherAddr: (netdev) => cast(netdev).mac,
  getStats: (netdev) => ({ ...cast(netdev).stats }),
  updateFlags(netdev, off, on) {
    const d = cast(netdev);
    const old = d.flags;
    d.flags = (old & ~off) | on;
    return old;
  },
  rxqAlloc: (netdev, queueId) => new NetdevRxq(netdev, queueId),
  rxqConstruct: () => EOPNOTSUPP,
  rxqDestruct() { /* never constructed */ },
  rxqRecv: () => -EOPNOTSUPP,
  rxqWait() { /* never ready */ },
};
