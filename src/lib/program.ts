/* program: the identity of the running program and OVS-style fatal errors.
 *
 * Every tool and daemon calls setProgramName() first.  ovsFatal()/ovsError()
 * print "program: message (strerror)" like OVS's util.c; strerror() turns a
 * Node errno code into the C library's text ("No such file or directory").
 */
import { getSystemErrorMap } from 'node:util';
import { constants as osConstants } from 'node:os';

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
  process.stdout.write(versionString() + '\n' + (extra ?? ''));
  process.exit(0);
}

/** glibc's strerror() texts, which OVS prints; libuv's differ ("File already
 * exists" for EEXIST) and are only the fallback for codes not listed here. */
const GLIBC_ERRORS: Record<string, string> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', ESRCH: 'No such process',
  EINTR: 'Interrupted system call', EIO: 'Input/output error', ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long', EBADF: 'Bad file descriptor', EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory', EACCES: 'Permission denied', EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy', EEXIST: 'File exists', EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device', ENOTDIR: 'Not a directory', EISDIR: 'Is a directory', EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system', EMFILE: 'Too many open files', ENOTTY: 'Inappropriate ioctl for device',
  ETXTBSY: 'Text file busy', EFBIG: 'File too large', ENOSPC: 'No space left on device', ESPIPE: 'Illegal seek',
  EROFS: 'Read-only file system', EPIPE: 'Broken pipe', EDOM: 'Numerical argument out of domain',
  ERANGE: 'Numerical result out of range', EDEADLK: 'Resource deadlock avoided', ENAMETOOLONG: 'File name too long',
  ENOLCK: 'No locks available', ENOSYS: 'Function not implemented', ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links', ENODATA: 'No data available', EPROTO: 'Protocol error',
  EOVERFLOW: 'Value too large for defined data type', EILSEQ: 'Invalid or incomplete multibyte or wide character',
  ENOTSOCK: 'Socket operation on non-socket', EMSGSIZE: 'Message too long', EPROTONOSUPPORT: 'Protocol not supported',
  EOPNOTSUPP: 'Operation not supported', ENOTSUP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol', EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address', ENETDOWN: 'Network is down', ENETUNREACH: 'Network is unreachable',
  ECONNABORTED: 'Software caused connection abort', ECONNRESET: 'Connection reset by peer',
  ENOBUFS: 'No buffer space available', EISCONN: 'Transport endpoint is already connected',
  ENOTCONN: 'Transport endpoint is not connected', ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused', EHOSTUNREACH: 'No route to host', EALREADY: 'Operation already in progress',
  EINPROGRESS: 'Operation now in progress', ECANCELED: 'Operation canceled',
};

let errorMap: Map<number, [string, string]> | null = null;

/** The C library's message for an errno name ('ENOENT') or number. */
export function strerror(code: string | number | undefined): string {
  if (code === undefined) return 'Unknown error';
  let num: number | undefined;
  if (typeof code === 'number') num = code;
  else num = (osConstants.errno as Record<string, number>)[code];
  if (num === undefined) return String(code);
  errorMap ??= getSystemErrorMap();
  const entry = errorMap.get(-Math.abs(num));
  if (!entry) return `Unknown error ${num}`;
  const glibc = GLIBC_ERRORS[entry[0]];
  if (glibc) return glibc;
  const msg = entry[1];
  return msg.charAt(0).toUpperCase() + msg.slice(1);
}

/** The errno text for a caught Node error, or its message. */
export function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code)) return strerror(err.code);
  return err instanceof Error ? err.message : String(e);
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
