/* program: the identity of the running program and OVS-style fatal errors.
 *
 * Every tool and daemon calls setProgramName() first.  ovsFatal()/ovsError()
 * print "program: message (strerror)" like OVS's util.c; strerror() turns a
 * Node errno code into the C library's text ("No such file or directory").
 */
import { getSystemErrorMap } from 'node:util';
import { constants as osConstants } from 'node:os';
import { writeSync } from 'node:fs';
import { strerror as glibcStrerror } from './strerror.js';

export const OVS_VERSION = '3.1.0';
export const OVS_PACKAGE = 'Open vSwitch';

let programName = 'ovs-ts';

export function setProgramName(name: string): void { programName = name; }
export function getProgramName(): string { return programName; }

/** "prog (Open vSwitch) 3.1.0", as `--version` and the unixctl `version` print it. */
export function versionString(name = programName): string {
  return `${name} (${OVS_PACKAGE}) ${OVS_VERSION}`;
}

/** Prints the version line (and OpenFlow versions when given) and exits 0. */
export function printVersionAndExit(extra?: string): never {
  writeStdout(versionString() + '\n' + (extra ?? ''));
  process.exit(0);
}

/** Writes 's' to standard output at once, without process.stdout: creating
 * that stream loads Node's stream and net modules (about 2 ms of a tool's
 * start).  A reader that went away (EPIPE) ends the output quietly. */
export function writeStdout(s: string): void {
  const b = Buffer.from(s);
  let off = 0;
  while (off < b.length) {
    try {
      off += writeSync(1, b, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') return;
      throw e;
    }
  }
}

let errorMap: Map<number, [string, string]> | null = null;

/** The C library's message for an errno name ('ENOENT') or number (glibc's
 * texts from strerror.ts; libuv's wording only for codes missing there). */
export function strerror(code: string | number | undefined): string {
  if (code === undefined) return 'Unknown error';
  let num: number | undefined;
  if (typeof code === 'number') num = code;
  else num = (osConstants.errno as Record<string, number>)[code];
  if (num === undefined) return String(code);
  errorMap ??= getSystemErrorMap();
  const entry = errorMap.get(-Math.abs(num));
  if (!entry) return `Unknown error ${num}`;
  const glibc = glibcStrerror(entry[0]);
  if (!glibc.startsWith('Unknown error')) return glibc;
  const msg = entry[1];
  return msg.charAt(0).toUpperCase() + msg.slice(1);
}

/** The errno text for a caught Node error, or its message. */
export function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code)) return strerror(err.code);
  // One line: OpenSSL's messages end with a newline.
  return (err instanceof Error ? err.message : String(e)).replace(/\s+$/, '').replace(/\n/g, ' ');
}

/** Prints "program: message[ (error)]" on stderr. */
export function ovsError(err: unknown, message: string): void {
  const suffix = err ? ` (${typeof err === 'string' || typeof err === 'number' ? strerror(err) : errorText(err)})` : '';
  process.stderr.write(`${programName}: ${message}${suffix}\n`);
}

/** Like ovsError(), then exits with status 1. */
export function ovsFatal(err: unknown, message: string): never {
  ovsError(err, message);
  process.exit(1);
}
