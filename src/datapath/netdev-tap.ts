/* netdev-tap: tap devices, types "internal" and "tap" (OVS lib/netdev-linux.c,
 * netdev_internal_class and netdev_tap_class).
 *
 * An internal port is the bridge's own interface on the host (br0): the
 * datapath creates a tap device of that name and is the other end of it.
 * What the host sends on the interface we read from the tap fd, what we write
 * the host receives — so the kernel's counters are swapped relative to ours
 * (NetdevLinux.isTap).  "tap" is the same for a tap that is a port.  Packets
 * move in batches of read(2)/write(2) per crossing into the addon.  With
 * userspace TSO (netdev-linux.ts) the tap is opened with IFF_VNET_HDR and
 * told (TUNSETOFFLOAD) that we accept partial checksums and TSO packets.
 * All attribute hooks are netdev-linux's.
 */
import { vlogModule } from '../lib/vlog.js';
import { strerror } from '../lib/program.js';
import { type NetdevClass, NetdevOl } from './netdev-provider.js';
import { NetdevLinux, linuxCast, linuxClose, linuxCommonHooks, netdevLinuxUserspaceTso } from './netdev-linux.js';
import { openTap, readTapBatch, writeTapBatch, setTapOffload, TunOffload, getIfindex } from './netdev-linux-io.js';

const log = vlogModule('netdev_linux');

/** A tap-backed device. */
export class NetdevTap extends NetdevLinux {
  override readonly isTap = true;
}

function makeTapClass(type: string): NetdevClass {
  const cls: NetdevClass = {
    type,
    alloc: (name) => new NetdevTap(name, cls),
    construct(netdev) {
      const d = linuxCast(netdev);
      d.vnetHdr = netdevLinuxUserspaceTso();
      const fd = openTap(d.name, d.vnetHdr);
      if (fd < 0) {
        log.warn(`opening "/dev/net/tun" failed for ${d.name}: ${strerror(-fd)}`);
        return -fd;
      }
      d.fd = fd;
      if (d.vnetHdr) {
        const e = setTapOffload(fd, TunOffload.CSUM | TunOffload.TSO4 | TunOffload.TSO6 | TunOffload.TSO_ECN);
        if (e) {
          log.warn(`${d.name}: enabling tap offloading failed: ${strerror(e)}`);
        } else {
          d.olFlags = NetdevOl.TX_L4_CSUM | NetdevOl.TX_TCP_TSO;
        }
      }
      if (getIfindex(d.name) < 0) {
        linuxClose(d);
        return 19;
      }
      return 0;
    },
    destruct(netdev) {
      linuxClose(linuxCast(netdev));
    },
    ...linuxCommonHooks(readTapBatch, writeTapBatch),
  };
  return cls;
}

/** The "internal" class: the bridge's local port, a tap created by us. */
export const netdevInternalClass = makeTapClass('internal');

/** The "tap" class. */
export const netdevTapClass = makeTapClass('tap');
