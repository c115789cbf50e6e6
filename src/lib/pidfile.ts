/* pidfile: OVS-compatible pidfiles.
 *
 * A pidfile holds "<pid>\n" and stays write-locked (fcntl) by the daemon for
 * its whole life: that lock, not the file's existence, is what says the
 * daemon is alive.  OVS's tools (ovs-appctl, ovs-ctl) check it the same way,
 * so the real tools and ours read each other's pidfiles.
 */
import { openSync, closeSync, writeSync, readFileSync, renameSync, unlinkSync, ftruncateSync } from 'node:fs';
import { ovsNative } from './native.js';
import { strerror } from './program.js';

/** Result of readPidfile(): a live pid, or the errno text explaining why not. */
export type PidfileResult = { pid: number } | { error: string };

/** Reads 'path' as OVS's read_pidfile() does: the pid counts only if a process
 * holds the file's lock and that process is the one named in the file. */
export function readPidfile(path: string): PidfileResult {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (e) {
    return { error: strerror((e as NodeJS.ErrnoException).code) };
  }
  try {
    const holder = ovsNative().fcntlGetLock(fd);
    if (holder < 0) return { error: strerror(-holder) };
    if (holder === 0) return { error: strerror('ESRCH') };
    const pid = parseInt(readFileSync(fd, 'utf8'), 10);
    if (pid !== holder) return { error: strerror('ESRCH') };
    return { pid };
  } finally {
    closeSync(fd);
  }
}

/** Creates 'path' for this process and keeps it locked; returns the fd (never
 * close it: closing any fd on the file drops the lock).  Throws with a
 * one-line message if another live process holds it. */
export function createPidfile(path: string, overwrite: boolean): number {
  const old = readPidfile(path);
  if ('pid' in old && old.pid !== process.pid && !overwrite) {
    throw new Error(`${path}: already running as pid ${old.pid}, aborting`);
  }
  const tmp = `${path}.tmp${process.pid}`;
  let fd: number;
  try {
    fd = openSync(tmp, 'w', 0o644);
  } catch (e) {
    throw new Error(`${path}.tmp: create failed (${strerror((e as NodeJS.ErrnoException).code)})`);
  }
  const err = ovsNative().fcntlLock(fd);
  if (err) {
    closeSync(fd);
    throw new Error(`${tmp}: fcntl(F_SETLK) failed (${strerror(err)})`);
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* ignore */ }
    throw new Error(`failed to rename "${tmp}" to "${path}" (${strerror((e as NodeJS.ErrnoException).code)})`);
  }
  return fd;
}

/** Removes our pidfile at exit (only if it still names this process). */
export function removePidfile(path: string): void {
  try {
    if (parseInt(readFileSync(path, 'utf8'), 10) === process.pid) unlinkSync(path);
  } catch { /* already gone */ }
}
