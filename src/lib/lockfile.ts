/* lockfile: Open vSwitch's lock files (lib/lockfile.c).
 *
 * To lock "dir/name", OVS takes an exclusive fcntl() lock on
 * "dir/.name.~lock~" (after following symlinks, so a symlinked file and its
 * target share one lock).  Node.js cannot take fcntl() locks, so this module
 * does the two things it can:
 *   - it refuses a lock that any other process holds in the kernel, found in
 *     /proc/locks by the lock file's device and inode (this is how we see the
 *     real ovsdb-server or ovsdb-tool holding a database);
 *   - it marks its own holding by writing its pid into the lock file while it
 *     holds it; another ovs-ts process treats the lock as held if that pid is
 *     alive and still has the lock file open (checked in /proc/PID/fd).
 * The second mark is invisible to the real OVS tools: they can still lock a
 * file that an ovs-ts process holds.  Within one process a second lock of the
 * same file fails with EDEADLK, as in OVS.
 */
import { constants, openSync, closeSync, fstatSync, statSync, readlinkSync, readFileSync, readdirSync, readSync, writeSync, ftruncateSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { vlogModule } from './vlog.js';
import { strerror } from './strerror.js';

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

function devMajorMinor(dev: bigint): [number, number] {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return [major, minor];
}

/** Returns the pid of another process holding a kernel lock on the file with
 * device 'dev' and inode 'ino' (per /proc/locks), or 0. */
function kernelLockHolder(dev: bigint, ino: bigint): number {
  let text: string;
  try {
    text = readFileSync('/proc/locks', 'latin1');
  } catch {
    return 0;
  }
  const [major, minor] = devMajorMinor(dev);
  const want = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
  if (!text.includes(want)) return 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === '->') continue; // a waiter, not a holder
    // "N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END"
    if (f[5] !== want) continue;
    const pid = parseInt(f[4] ?? '', 10);
    if (pid === process.pid) continue;
    return pid > 0 ? pid : -1;
  }
  return 0;
}

function processHasOpen(pid: number, path: string, dev: bigint, ino: bigint): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (e) {
    // Not allowed to look: assume it holds the lock if it is alive at all.
    return (e as NodeJS.ErrnoException).code === 'EACCES';
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target !== path && !target.startsWith(path + ' ')) continue;
      const s = statSync(`/proc/${pid}/fd/${fd}`, { bigint: true });
      if (s.dev === dev && s.ino === ino) return true;
    } catch { /* fd closed meanwhile */ }
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Returns the pid of another ovs-ts process that marked the lock file open
 * as 'fd' as held, or 0. */
function markedHolder(fd: number, path: string, dev: bigint, ino: bigint): number {
  const buf = Buffer.alloc(32);
  let n = 0;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } catch {
    return 0;
  }
  const pid = parseInt(buf.toString('latin1', 0, n), 10);
  if (!(pid > 0) || pid === process.pid) return 0;
  return isAlive(pid) && processHasOpen(pid, path, dev, ino) ? pid : 0;
}

/** Result of lock(): the lock, or the errno name of the failure. */
export type LockResult = { lock: Lockfile; error?: undefined } | { lock?: undefined; error: string };

/** Locks 'file' as OVS's lockfile_lock() does.  On failure logs a warning as
 * OVS does and returns the errno name (EAGAIN if another process holds it,
 * EDEADLK if this process already does). */
export function lockfileLock(file: string): LockResult {
  const lockName = lockfileName(file);
  const absName = resolve(lockName);
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
    pid = kernelLockHolder(s.dev, s.ino);
    if (!pid) pid = markedHolder(fd, absName, s.dev, s.ino);
    if (pid) {
      error = 'EAGAIN';
      closeSync(fd);
    } else {
      try {
        ftruncateSync(fd, 0);
        writeSync(fd, `${process.pid}\n`, 0);
      } catch { /* the mark is advisory; the lock still stands in-process */ }
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
