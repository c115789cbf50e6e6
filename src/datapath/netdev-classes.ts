/* netdev-classes: registers the built-in network device types with the
 * netdev front (OVS netdev_initialize() in lib/netdev.c): "system"
 * (netdev-linux.ts), "internal" and "tap" (netdev-tap.ts), "patch"
 * (netdev-vport.ts) and the tunnel types (netdev-vport.ts).  Test programs add the dummies with
 * netdevDummyRegister() (netdev-dummy.ts), which may override the first three.
 */
import { netdevRegisterProvider, netdevTypeIsRegistered } from './netdev.js';
import { netdevLinuxClass } from './netdev-linux.js';
import { netdevInternalClass, netdevTapClass } from './netdev-tap.js';
import { netdevPatchClass, netdevTunnelClasses } from './netdev-vport.js';

/** Registers the built-in types that are not registered yet (idempotent). */
export function netdevInitialize(): void {
  for (const cls of [netdevLinuxClass, netdevInternalClass, netdevTapClass, netdevPatchClass, ...netdevTunnelClasses]) {
    if (!netdevTypeIsRegistered(cls.type)) netdevRegisterProvider(cls);
  }
}
