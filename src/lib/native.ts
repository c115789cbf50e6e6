/* native: loads the ovs_native addon (native/ovs_native.c, built by npm install).
 *
 * The addon holds the system calls Node.js lacks: fcntl locks, and for the
 * datapath raw packet sockets, tap devices, interface ioctls and fd readiness
 * on the event loop.  Functions return 0, a count or an fd, or an errno value
 * (sign as documented per function) instead of throwing; see the C file.
 * datapath/netdev-linux-io.ts wraps the packet part in typed helpers.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './dirs.js';

export interface OvsNative {
  /** Write-locks the whole file open on 'fd'; 0 or an errno (EAGAIN/EACCES if held). */
  fcntlLock(fd: number, wait?: boolean): number;
  /** The pid holding a conflicting lock on 'fd', 0 if none, or -errno. */
  fcntlGetLock(fd: number): number;

  /** AF_PACKET socket bound to 'ifindex', non-blocking; flags 1 vnet hdr,
   * 2 auxdata, 4 promiscuous, 8 ignore outgoing; 'bufSize' > 0 sets socket
   * buffer sizes.  Returns the fd or -errno. */
  packetSocketOpen(ifindex: number, flags: number, bufSize?: number): number;
  /** recvmmsg into buf at offsets[i] (room 'capacity'); sizes[i] gets the full
   * packet size; aux (2 per packet) gets tp_status and tpid<<16|tci.  n or -errno. */
  recvBatch(fd: number, buf: Uint8Array, offsets: Uint32Array, capacity: number,
            sizes: Int32Array, aux: Uint32Array | null, max: number): number;
  /** sendmmsg of 'count' packets buf[offsets[i]..+sizes[i]]; n sent or -errno. */
  sendBatch(fd: number, buf: Uint8Array, offsets: Uint32Array, sizes: Int32Array, count: number): number;
  /** read(2) loop for tap fds, as recvBatch without aux. */
  readBatch(fd: number, buf: Uint8Array, offsets: Uint32Array, capacity: number,
            sizes: Int32Array, max: number): number;
  /** write(2) loop for tap fds, as sendBatch. */
  writeBatch(fd: number, buf: Uint8Array, offsets: Uint32Array, sizes: Int32Array, count: number): number;
  /** Opens /dev/net/tun and attaches it to 'name' with TUNSETIFF 'ifrFlags'; fd or -errno. */
  tapOpen(name: string, ifrFlags: number): number;
  /** ioctl(fd, request, arg) with an integer argument; 0 or errno. */
  fdIoctlInt(fd: number, request: number, arg: number): number;
  /** ioctl on a control socket with struct ifreq {name, union = data[0..24]}; 0 or errno. */
  ifreqIoctl(name: string, request: number, data: Uint8Array): number;
  /** SIOCETHTOOL on 'name' with ifr_data pointing at 'data'; 0 or errno. */
  ethtoolIoctl(name: string, data: Uint8Array): number;
  /** Watches 'fd' on this thread's event loop (events: 1 readable, 2 writable);
   * 'callback' gets the ready events or -errno.  Throws on a bad fd. */
  pollStart(fd: number, events: number, callback: (events: number) => void): object;
  /** Changes the watched events (0 pauses); 0 or errno. */
  pollUpdate(poller: object, events: number): number;
  /** Stops and releases the watcher. */
  pollStop(poller: object): number;
}

let addon: OvsNative | null = null;

/** The addon; throws with a one-line explanation if it was not built. */
export function ovsNative(): OvsNative {
  if (!addon) {
    const path = join(packageRoot(), 'native', 'build', 'Release', 'ovs_native.node');
    try {
      addon = createRequire(import.meta.url)(path) as OvsNative;
    } catch (e) {
      throw new Error(`cannot load native addon ${path} (run npm install): ${(e as Error).message}`);
    }
  }
  return addon;
}
