/* vlog-pattern: log line patterns as OVS's `-vPATTERN:destination:pattern`
 * sets them (OVS's format_log_message in lib/vlog.c).
 *
 * Escapes: %A program, %B syslog priority, %c module, %d / %D time (local /
 * UTC, optional {strftime format} where "###" is milliseconds), %E host
 * name, %m message, %N sequence number, %n newline, %p level, %P pid, %r ms
 * since start, %t / %T thread ("main"), %% percent.  A '-' left-justifies,
 * a leading '0' pads with zeros and digits give the field width.
 * vlog.ts calls formatLogLine() for destinations whose pattern was changed.
 */
import { hostname } from 'node:os';
import { getProgramName } from './program.js';

/** The fields of one message. */
export interface LogFields {
  module: string;
  level: string;
  levelNum: number;
  message: string;
  seqno: number;
  time: Date;
}

const startTime = Date.now();

function two(n: number): string { return n < 10 ? '0' + n : String(n); }

function strftime(fmt: string, t: Date, utc: boolean): string {
  const Y = utc ? t.getUTCFullYear() : t.getFullYear();
  const mo = (utc ? t.getUTCMonth() : t.getMonth()) + 1;
  const d = utc ? t.getUTCDate() : t.getDate();
  const H = utc ? t.getUTCHours() : t.getHours();
  const M = utc ? t.getUTCMinutes() : t.getMinutes();
  const S = utc ? t.getUTCSeconds() : t.getSeconds();
  const ms = t.getMilliseconds();
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c === '#' && fmt.startsWith('###', i)) {
      out += String(ms).padStart(3, '0');
      i += 2;
      continue;
    }
    if (c !== '%' || i + 1 >= fmt.length) { out += c; continue; }
    const e = fmt[++i]!;
    switch (e) {
      case 'Y': out += Y; break;
      case 'y': out += two(Y % 100); break;
      case 'm': out += two(mo); break;
      case 'd': out += two(d); break;
      case 'e': out += String(d).padStart(2, ' '); break;
      case 'H': out += two(H); break;
      case 'M': out += two(M); break;
      case 'S': out += two(S); break;
      case 's': out += Math.floor(t.getTime() / 1000); break;
      case 'F': out += `${Y}-${two(mo)}-${two(d)}`; break;
      case 'T': out += `${two(H)}:${two(M)}:${two(S)}`; break;
      case 'Z': out += utc ? 'UTC' : ''; break;
      case '%': out += '%'; break;
      default: out += '%' + e;
    }
  }
  return out;
}

const SYSLOG_PRIORITY = [0, 2, 3, 4, 6, 7]; // OFF, EMER, ERR, WARN, INFO, DBG

/** Renders one log line (without the newline) from 'pattern'. */
export function formatLogLine(pattern: string, f: LogFields): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== '%') { out += c; continue; }
    i++;
    let left = false, zero = false, width = 0;
    if (pattern[i] === '-') { left = true; i++; }
    if (pattern[i] === '0') { zero = true; i++; }
    while (i < pattern.length && pattern[i]! >= '0' && pattern[i]! <= '9') width = width * 10 + Number(pattern[i++]);
    const e = pattern[i] ?? '';
    let arg: string | null = null;
    if (pattern[i + 1] === '{') {
      const close = pattern.indexOf('}', i + 2);
      if (close >= 0) { arg = pattern.slice(i + 2, close); }
    }
    let v: string;
    switch (e) {
      case 'A': v = getProgramName(); break;
      case 'B': v = String(8 + SYSLOG_PRIORITY[f.levelNum]!); break;
      case 'c': v = f.module; break;
      case 'd': v = strftime(arg ?? '%Y-%m-%d %H:%M:%S.###', f.time, false); break;
      case 'D': v = strftime(arg ?? '%Y-%m-%d %H:%M:%S.###', f.time, true); break;
      case 'E': v = hostname(); break;
      case 'm': v = f.message; break;
      case 'N': v = String(f.seqno); break;
      case 'n': v = '\n'; break;
      case 'p': v = f.level; break;
      case 'P': v = String(process.pid); break;
      case 'r': v = String(f.time.getTime() - startTime); break;
      case 't': v = 'main'; break;
      case 'T': v = ''; break;
      case '%': v = '%'; break;
      default: v = '???';
    }
    if ((e === 'd' || e === 'D') && arg !== null) i += arg.length + 2;
    if (v.length < width) v = left ? v.padEnd(width, ' ') : v.padStart(width, zero ? '0' : ' ');
    out += v;
  }
  return out;
}
