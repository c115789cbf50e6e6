/* addr-text: text forms of addresses, integers and flag sets, as OVS writes
 * and reads them (lib/packets.c, util.c, flow.c helpers).
 *
 * Ethernet "xx:xx:xx:xx:xx:xx[/mask]", IPv4 "a.b.c.d[/prefix|/mask]", IPv6
 * (glibc inet_ntop layout), big integers as "0x..." hex without leading zero
 * bytes (ds_put_hex), parse_int_string's decimal/hex/octal parsing into a
 * fixed-width big-endian byte array, and "flag|flag" / "+flag-flag" sets.
 * meta-flow-format.ts, match-format.ts and the action text use these.
 */

/** Formats 6 bytes as xx:xx:xx:xx:xx:xx. */
export function formatEth(b: Uint8Array, o = 0): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + b[o + i]!.toString(16).padStart(2, '0');
  return s;
}

/** Parses xx:xx:xx:xx:xx:xx (1-2 hex digits per byte, like %hhx); undefined if bad. */
export function parseEth(s: string): Uint8Array | undefined {
  const m = /^([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})$/.exec(s);
  if (!m) return undefined;
  return Uint8Array.from(m.slice(1).map((x) => parseInt(x, 16)));
}

/** Formats an Ethernet address with its mask when the mask is not exact. */
export function formatEthMasked(v: Uint8Array, m: Uint8Array | null): string {
  let s = formatEth(v);
  if (m && !m.every((b) => b === 0xff)) s += '/' + formatEth(m);
  return s;
}

export function formatIp(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** Parses a dotted quad; undefined if bad. */
export function parseIp(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return undefined;
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** True if 'm' is a CIDR netmask (ones then zeros). */
export function ipIsCidr(m: number): boolean {
  const x = (~m) >>> 0;
  return (x & (x + 1)) === 0;
}

export function ipCountCidrBits(m: number): number {
  let n = 0;
  while (n < 32 && (m & (0x80000000 >>> n)) !== 0) n++;
  return n;
}

export function prefixMask32(n: number): number {
  return n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
}

/** Formats an IPv4 address with "/len" or "/mask" unless the mask is exact. */
export function formatIpMasked(v: number, m: number): string {
  let s = formatIp(v);
  if (m >>> 0 !== 0xffffffff) s += '/' + (ipIsCidr(m) ? String(ipCountCidrBits(m)) : formatIp(m));
  return s;
}

/** Parses "ip", "ip/len" or "ip/mask" (ip_parse_masked); result or error text. */
export function parseIpMasked(s: string): { ip: number; mask: number } | string {
  const slash = s.indexOf('/');
  if (slash < 0) {
    const ip = parseIp(s);
    return ip === undefined ? `${s}: invalid IP address` : { ip, mask: 0xffffffff };
  }
  const ip = parseIp(s.slice(0, slash));
  const rest = s.slice(slash + 1);
  if (ip === undefined) return `${s}: invalid IP address`;
  const mask = parseIp(rest);
  if (mask !== undefined) return { ip, mask };
  if (/^[-+]?\d+$/.test(rest)) {
    const n = Number(rest);
    if (n < 0 || n > 32) return `${s}: IPv4 network prefix bits not between 0 and 32, inclusive`;
    return { ip, mask: prefixMask32(n) };
  }
  return `${s}: invalid IP address`;
}

/** Formats 16 bytes as glibc's inet_ntop does. */
export function formatIpv6(b: Uint8Array, o = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!);
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) { curBase = i; curLen = 1; } else curLen++;
    } else if (curBase >= 0) {
      if (bestBase < 0 || curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
      curBase = -1;
    }
  }
  if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) { bestBase = curBase; bestLen = curLen; }
  if (bestBase >= 0 && bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i) s += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += `${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`;
      break;
    }
    s += w[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}

/** Parses an IPv6 address as inet_pton does; undefined if bad. */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const out = new Uint8Array(16);
  let head = s, tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    head = s.slice(0, dbl); tail = s.slice(dbl + 2);
    if (tail.includes('::')) return undefined;
  }
  const parseGroups = (t: string): number[] | undefined => {
    if (t === '') return [];
    const parts = t.split(':');
    const words: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIp(p);
        if (v4 === undefined) return undefined;
        words.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        words.push(parseInt(p, 16));
      }
    }
    return words;
  };
  const hw = parseGroups(head), tw = parseGroups(tail);
  if (!hw || !tw) return undefined;
  if (dbl >= 0 ? hw.length + tw.length > 7 : hw.length !== 8) return undefined;
  const words = [...hw, ...new Array(8 - hw.length - tw.length).fill(0), ...tw];
  words.forEach((x, i) => { out[2 * i] = x >> 8; out[2 * i + 1] = x & 0xff; });
  return out;
}

export function ipv6IsCidr(m: Uint8Array): boolean {
  let i = 0;
  while (i < 16 && m[i] === 0xff) i++;
  if (i === 16) return true;
  const x = (~m[i]!) & 0xff;
  if ((x & (x + 1)) !== 0) return false;
  for (i++; i < 16; i++) if (m[i] !== 0) return false;
  return true;
}

export function ipv6CountCidrBits(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 16; i++) {
    if (m[i] === 0xff) { n += 8; continue; }
    for (let b = m[i]!; b & 0x80; b = (b << 1) & 0xff) n++;
    break;
  }
  return n;
}

export function ipv6PrefixMask(n: number): Uint8Array {
  const m = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, n - 8 * i));
    m[i] = bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
  }
  return m;
}

/** Formats an IPv6 address with "/len" or "/mask" unless the mask is exact (or null). */
export function formatIpv6Masked(v: Uint8Array, m: Uint8Array | null): string {
  let s = formatIpv6(v);
  if (m && !m.every((b) => b === 0xff)) s += '/' + (ipv6IsCidr(m) ? String(ipv6CountCidrBits(m)) : formatIpv6(m));
  return s;
}

/** Parses "ipv6", "ipv6/len" or "ipv6/mask" (ipv6_parse_masked); result or error text. */
export function parseIpv6Masked(s: string): { ip: Uint8Array; mask: Uint8Array } | string {
  const t = s.replace(/^\s+/, '');
  const slash = t.indexOf('/');
  const ip = parseIpv6(slash < 0 ? t : t.slice(0, slash));
  if (!ip) return `${s}: invalid IPv6 address`;
  if (slash < 0) return { ip, mask: new Uint8Array(16).fill(0xff) };
  const rest = t.slice(slash + 1);
  if (/^[-+]?\d+$/.test(rest)) {
    const n = Number(rest);
    if (n < 0 || n > 128) return `${s}: IPv6 network prefix bits not between 0 and 128, inclusive`;
    return { ip, mask: ipv6PrefixMask(n) };
  }
  const mask = parseIpv6(rest);
  if (!mask) return /^[0-9a-fA-F:.]+$/.test(rest) ? `${s}: Invalid IPv6 mask` : `${s}: invalid IPv6 address`;
  return { ip, mask };
}

/** Hex text of a big-endian byte string without leading zero bytes ("0x1f", "0"). */
export function formatHexBytes(b: Uint8Array, o = 0, n = b.length - o): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const v = b[o + i]!;
    if (s) s += v.toString(16).padStart(2, '0');
    else if (v) s = '0x' + v.toString(16);
  }
  return s || '0';
}

/** Result of parseIntString: the value bytes and where parsing stopped. */
export interface IntParse { value: Uint8Array; tail: number; err?: 'range' | 'syntax' }

/**
 * Parses an integer at s[pos..] into 'width' big-endian bytes like OVS's
 * parse_int_string: "0x" hex of any length (white space between hex digits
 * allowed), else strtoull base 0 (decimal, 0x hex, 0 octal).
 */
export function parseIntString(s: string, width: number, pos = 0): IntParse {
  const value = new Uint8Array(width);
  if (s.startsWith('0x', pos) || s.startsWith('0X', pos)) {
    let i = pos + 2;
    const digits: number[] = [];
    for (;;) {
      while (i < s.length && ' \t\r\n'.includes(s[i]!)) i++;
      const c = s[i];
      if (c === undefined || !/[0-9a-fA-F]/.test(c)) break;
      const h = parseInt(c, 16);
      if (h !== 0 || digits.length) {
        if (Math.ceil((digits.length + 1) / 2) > width) return { value, tail: i, err: 'range' };
        digits.push(h);
      }
      i++;
    }
    let idx = width;
    for (let j = digits.length - 1; j >= 0; j -= 2) {
      idx--;
      value[idx] = digits[j]! + (j > 0 ? digits[j - 1]! << 4 : 0);
    }
    return { value, tail: i };
  }
  const r = strtoull(s, pos);
  if (r.end === pos) return { value, tail: pos, err: 'syntax' };
  if (r.overflow) return { value, tail: r.end, err: 'range' };
  let x = r.value;
  for (let i = width - 1; i >= 0; i--) { value[i] = Number(x & 0xffn); x >>= 8n; }
  if (x) return { value, tail: r.end, err: 'range' };
  return { value, tail: r.end };
}

/** C strtoull(s, &end, 0) starting at 'pos' (leading space and sign accepted). */
export function strtoull(s: string, pos = 0, base0 = 0): { value: bigint; end: number; overflow: boolean } {
  let i = pos;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') { neg = s[i] === '-'; i++; }
  let base = base0;
  if ((base === 0 || base === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    i += 2; base = 16;
  } else if (base === 0) base = s[i] === '0' ? 8 : 10;
  const start = i;
  let v = 0n;
  const B = BigInt(base);
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 36);
    if (Number.isNaN(d) || d >= base) break;
    v = v * B + BigInt(d);
  }
  if (i === start) {
    // "0x" with no hex digits parses as "0"; otherwise no conversion.
    return { value: 0n, end: pos, overflow: false };
  }
  const overflow = v > 0xffffffffffffffffn;
  if (neg) v = (-v) & 0xffffffffffffffffn;
  return { value: overflow ? 0xffffffffffffffffn : v, end: i, overflow };
}

/** Bit names for a flag set; returns undefined for unnamed bits. */
export type BitName = (bit: number) => string | undefined;

/** "name|name|0x.." for 'flags' (format_flags); "0" when none. */
export function formatFlags(name: BitName, flags: number, del = '|'): string {
  if (!flags) return '0';
  const parts: string[] = [];
  let bad = 0;
  for (let f = flags >>> 0; f; ) {
    const bit = (f & -f) >>> 0;
    const n = name(bit);
    if (n) parts.push(n); else bad = (bad | bit) >>> 0;
    f = (f & ~bit) >>> 0;
  }
  if (bad) parts.push('0x' + bad.toString(16));
  return parts.join(del);
}

/** format_flags_masked: "+a-b" form, or plain flags when the mask is full. */
export function formatFlagsMasked(name: BitName, flags: number, mask: number, maxMask: number): string {
  if (mask >>> 0 === maxMask >>> 0) return formatFlags(name, flags, '|');
  if (!mask) return '0/0';
  let s = '';
  for (let m = mask >>> 0; m; ) {
    const bit = (m & -m) >>> 0;
    s += (flags & bit ? '+' : '-') + (name(bit) ?? '[Unknown]');
    m = (m & ~bit) >>> 0;
  }
  return s;
}

/** C sscanf("%i") at s[pos..]: returns value and end, or undefined. */
function scanI(s: string, pos: number): { v: number; end: number } | undefined {
  const r = strtoull(s, pos);
  if (r.end === pos) return undefined;
  return { v: Number(r.value & 0xffffffffn), end: r.end };
}

/**
 * parse_flags: "a|b|0x4", "+a-b", or "0x12/0xff".  Returns flags and mask
 * (mask all ones when not given) or an error text naming 'fieldName'.
 */
export function parseFlags(s: string, name: BitName, fieldName: string, allowed: number,
  allowMask: boolean): { flags: number; mask: number } | string {
  const unknown = `${s}: unknown ${fieldName} flag(s)`;
  if (allowMask) {
    const a = scanI(s, 0);
    if (a && s[a.end] === '/') {
      const b = scanI(s, a.end + 1);
      if (b) {
        if ((a.v & ~allowed) || (b.v & ~allowed)) return unknown;
        return { flags: a.v >>> 0, mask: b.v >>> 0 };
      }
    }
  }
  if (allowMask && (s[0] === '+' || s[0] === '-')) {
    let flags = 0, mask = 0, i = 0;
    while (i < s.length) {
      const c = s[i];
      if (c !== '+' && c !== '-') return `${s.slice(i)}: ${fieldName} must be preceded by '+' (for SET) or '-' (NOT SET)`;
      i++;
      let found = 0, len = 0;
      for (let bit = 1; bit !== 0 && bit <= 0x80000000; bit = bit === 0x80000000 ? 0 : bit * 2) {
        const n = name(bit);
        if (!n) continue;
        const next = s[i + n.length];
        if (s.startsWith(n, i) && (next === undefined || next === '+' || next === '-')) { found = bit; len = n.length; break; }
      }
      if (!found) return `${s.slice(i)}: unknown ${fieldName} flag(s)`;
      if (mask & found) return `${s.slice(i)}: Each ${fieldName} flag can be specified only once`;
      if (!(found & allowed)) return `${s.slice(i)}: unknown ${fieldName} flag(s)`;
      if (c === '+') flags |= found;
      mask |= found;
      i += len;
    }
    return { flags: flags >>> 0, mask: mask >>> 0 };
  }
  let result = 0, i = 0;
  while (i < s.length) {
    const num = scanI(s, i);
    if (num) {
      if (num.v & ~allowed) return unknown;
      result |= num.v;
      i = num.end + (s[num.end] === '|' ? 1 : 0);
      continue;
    }
    let found = 0, len = 0;
    for (let bit = 1; bit !== 0 && bit <= 0x80000000; bit = bit === 0x80000000 ? 0 : bit * 2) {
      const n = name(bit);
      if (!n) continue;
      const next = s[i + n.length];
      if (s.startsWith(n, i) && (next === undefined || next === '|')) { found = bit; len = n.length; break; }
    }
    if (!found || !(found & allowed)) return unknown;
    result |= found;
    i += len + (s[i + len] === '|' ? 1 : 0);
  }
  return { flags: result >>> 0, mask: 0xffffffff };
}
