/* hex-dump: the byte dumps and escaped strings that OVS tools print.
 *
 * hexDump() gives the classic "offset  hex bytes |ascii|" block used by
 * ovs-ofctl for undecodable messages and packet data; printable() escapes
 * bytes as OVS's ds_put_printable does (octal escapes for the unprintable).
 */

const HEX = '0123456789abcdef';

/** Two lowercase hex digits for a byte. */
export function hex2(b: number): string {
  return HEX[(b >> 4) & 15]! + HEX[b & 15]!;
}

/** Dumps 'data' 16 bytes a line starting at offset 'ofs'; with 'ascii' a
 * printable column follows, otherwise trailing spaces are trimmed. */
export function hexDump(data: Uint8Array, ofs = 0, ascii = true, skipZeroLines = false): string {
  const perLine = 16;
  let out = '';
  let size = data.length;
  let p = 0;
  while (size > 0) {
    const start = ofs % perLine;
    let end = perLine;
    if (end - start > size) end = start + size;
    const n = end - start;
    let zero = skipZeroLines;
    if (zero) for (let i = 0; i < n; i++) if (data[p + i]) { zero = false; break; }
    if (!zero) {
      let line = (ofs - start).toString(16).padStart(8, '0') + '  ';
      let i = 0;
      for (; i < start; i++) line += '   ';
      for (; i < end; i++) line += hex2(data[p + i - start]!) + (i === perLine / 2 - 1 ? '-' : ' ');
      if (ascii) {
        for (; i < perLine; i++) line += '   ';
        line += '|';
        for (i = 0; i < start; i++) line += ' ';
        for (; i < end; i++) {
          const c = data[p + i - start]!;
          line += c >= 32 && c < 127 ? String.fromCharCode(c) : '.';
        }
        for (; i < perLine; i++) line += ' ';
        line += '|';
      } else {
        line = line.replace(/ +$/, '');
      }
      out += line + '\n';
    }
    ofs += n;
    p += n;
    size -= n;
  }
  return out;
}

/** Escapes bytes as OVS's ds_put_printable: octal for controls, '\\' and '"'. */
export function printable(data: Uint8Array): string {
  let s = '';
  for (const c of data) {
    if (c < 0x20 || c > 0x7e || c === 0x5c || c === 0x22) s += '\\' + c.toString(8).padStart(3, '0');
    else s += String.fromCharCode(c);
  }
  return s;
}

/** OVS's ds_put_hex: "0x" and the bytes without leading zero bytes, or "0". */
export function hexBytes(data: Uint8Array): string {
  let s = '';
  for (const b of data) {
    if (s) s += hex2(b);
    else if (b) s = '0x' + b.toString(16);
  }
  return s || '0';
}

/** Parses hex digits with optional whitespace (as ovs-ofctl ofp-print takes
 * them); returns null on an odd count or a non-hex character. */
export function parseHex(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 || /[^0-9a-fA-F]/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** The other dump OVS has (ovs_hex_dump, used by ovs-ofctl's encode-*
 * commands): the separator comes before each byte, "-" before byte 8. */
export function ovsHexDump(data: Uint8Array, ofs = 0, ascii = false): string {
  let out = '';
  let size = data.length;
  let p = 0;
  while (size > 0) {
    const start = ofs % 16;
    let end = 16;
    if (end - start > size) end = start + size;
    const n = end - start;
    let line = (ofs - start).toString(16).padStart(8, '0') + ' ';
    let i = 0;
    for (; i < start; i++) line += '   ';
    for (; i < end; i++) line += (i === 8 ? '-' : ' ') + hex2(data[p + i - start]!);
    if (ascii) {
      line += ' ';
      for (; i < 16; i++) line += '   ';
      line += '|';
      for (i = 0; i < start; i++) line += ' ';
      for (; i < end; i++) {
        const c = data[p + i - start]!;
        line += c >= 32 && c < 127 ? String.fromCharCode(c) : '.';
      }
      for (; i < 16; i++) line += ' ';
      line += '|';
    }
    out += line + '\n';
    ofs += n;
    p += n;
    size -= n;
  }
  return out;
}
