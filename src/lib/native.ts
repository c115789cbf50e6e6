/* native: loads the ovs_native addon (native/ovs_native.c, built by npm install).
 *
 * The addon holds the system calls Node.js lacks (fcntl locks now; raw packet
 * sockets and tap devices for the datapath).  Every function returns 0 or a
 * positive errno instead of throwing; see the C file for the list.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './dirs.js';

export interface OvsNative {
  /** Write-locks the whole file open on 'fd'; 0 or an errno (EAGAIN/EACCES if held). */
  fcntlLock(fd: number, wait?: boolean): number;
  /** The pid holding a conflicting lock on 'fd', 0 if none, or -errno. */
  fcntlGetLock(fd: number): number;
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
