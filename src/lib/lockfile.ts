/* lockfile: Open vSwitch's lock files (lib/lockfile.c).
 *
 * To lock "dir/name", OVS takes an exclusive fcntl() lock on
 * "dir/.name.~lock~" (after following symlinks, so a symlinked file and its
 * target share one lock).  We do the same through the native addon
 * (lib/native.ts), so the real OVS tools and ours see each other's locks.
 * fcntl() locks belong to the process, so a second lock of the same file
 * within one process is caught here and fails with EDEADLK, as in OVS.
 */
import { ovsNative } from './native.js';
import { constants, openSync, closeSync, fstatSync, statSync, readlinkSync, ftruncateSync } from 'node:fs';
import { dirname } from 'node:path';
import { vlogModule } from './vlog.js';
import { strerror } from './program.js';

const log = vlogModule('lockfile');

/** A held lock; release it with unlock(). */
export interface Lockfile {
  readonly name: string;
  fd: number;
  readonly key: string;
}

/** Locks held by this process, by "dev:ino" of the lock file. */
const held = new Map<string, Lockfile>();

/** OVS's follow_symlinks(): the name 'filename' finally refers to, resolving
 * up to 10 levels of symbolic links (the last component only). */
export function followSymlinks(filename: string): string {
  let name = filename;
  for (let i = 0; i < 10; i++) {
    let target: string;
    try {
      target = readlinkSync(name);
    } catch {
      return name;
    }
    name = target.startsWith('/') ? target : resolveRelative(dirname(name), target);
  }
  return name;
}

function resolveRelative(dir: string, target: string): string {
  if (dir === '.') return target;
  return dir.endsWith('/') ? dir + target : `${dir}/${target}`;
}

/** The lock file name OVS uses for 'filename': "dir/.name.~lock~". */
export function lockfileName(filename: string): string {
  const name = followSymlinks(filename);
  const slash = name.lastIndexOf('/');
  return slash >= 0 ? `${name.slice(0, slash)}/.${name.slice(slash + 1)}.~lock~` : `.${name}.~lock~`;
}

/** Result of lock(): the lock, or the errno name of the failure. */
export type LockResult = { lock: Lockfile; error?: undefined } | { lock?: undefined; error: string };

/** Locks 'file' as OVS's lockfile_lock() does.  On failure logs a warning as
 * OVS does and returns the errno name (EAGAIN if another process holds it,
 * EDEADLK if this process already does). */
export function lockfileLock(file: string): LockResult {
  const lockName = lockfileName(file);
  let pid = 0;
  let error: string | undefined;
  try {
    const s = statSync(lockName, { bigint: true });
    if (held.has(`${s.dev}:${s.ino}`)) {
      pid = process.pid;
      error = 'EDEADLK';
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      log.warn(`${lockName}: failed to stat lock file: ${strerror(code)}`);
      return { error: code ?? 'EIO' };
    }
  }
  let fd = -1;
  if (!error) {
    try {
      fd = openSync(lockName, constants.O_RDWR | constants.O_CREAT, 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      log.warn(`${lockName}: failed to open lock file: ${strerror(code)}`);
      return { error: code };
    }
    const s = fstatSync(fd, { bigint: true });
    const err = ovsNative().fcntlLock(fd);
    if (err) {
      const holder = ovsNative().fcntlGetLock(fd);
      pid = holder > 0 ? holder : 0;
      error = err === 11 || err === 13 ? 'EAGAIN' : 'EIO';
      closeSync(fd);
    } else {
      const lock: Lockfile = { name: lockName, fd, key: `${s.dev}:${s.ino}` };
      held.set(lock.key, lock);
      return { lock };
    }
  }
  if (pid === process.pid) {
    log.warn(`${lockName}: cannot lock file because this process has already locked it`);
  } else if (pid > 0) {
    log.warn(`${lockName}: cannot lock file because it is already locked by pid ${pid}`);
  } else {
    log.warn(`${lockName}: failed to lock file: ${strerror(error)}`);
  }
  return { error: error! };
}

/** Releases 'lock' (no-op for null). */
export function lockfileUnlock(lock: Lockfile | null | undefined): void {
  if (!lock || lock.fd < 0) return;
  held.delete(lock.key);
  try { ftruncateSync(lock.fd, 0); } catch { /* ignore */ }
  try { closeSync(lock.fd); } catch { /* ignore */ }
  lock.fd = -1;
}
