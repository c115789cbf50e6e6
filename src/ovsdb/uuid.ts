/* uuid: UUIDs as OVSDB uses them (lib/uuid.c in OVS).
 *
 * A UUID is kept as its canonical 36-character lowercase string
 * ("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx").  Comparing canonical strings
 * orders UUIDs exactly as OVS's uuid_compare_3way() (four 32-bit words,
 * most significant first), so atoms and datums can sort them as strings.
 * New UUIDs are random version-4 UUIDs, like OVS's uuid_generate().
 */
import { openSync, readSync } from 'node:fs';

/* Random bytes come from /dev/urandom, as OVS seeds its UUIDs: node:crypto
 * would cost about 6 ms of every tool's start-up, and most tool runs never
 * make a UUID.  Web Crypto (loaded on first use) is the fallback. */
let urandom = -2;

function randomFill(buf: Uint8Array): void {
  if (urandom === -2) {
    try { urandom = openSync('/dev/urandom', 'r'); } catch { urandom = -1; }
  }
  let off = 0;
  while (urandom >= 0 && off < buf.length) {
    const n = readSync(urandom, buf, off, buf.length - off, null);
    if (n <= 0) break;
    off += n;
  }
  if (off < buf.length) globalThis.crypto.getRandomValues(buf.subarray(off));
}

/** The all-zeros UUID. */
export const UUID_ZERO = '00000000-0000-0000-0000-000000000000';

/** Length of the textual form. */
export const UUID_LEN = 36;

/* UUIDs are made in batches: random bytes for 256 of them at a time, their
 * text written into a byte buffer, then each one read out as its own flat
 * string.  (crypto.randomUUID() returns a rope of small strings, about 500
 * bytes per UUID until something flattens it; rows keep their UUIDs.) */
const BATCH = 256;
const rnd = new Uint8Array(16 * BATCH);
const txt = Buffer.alloc(UUID_LEN * BATCH) as Buffer & { latin1Slice(start: number, end: number): string };
let next = BATCH;
const HEX = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)));

function refill(): void {
  randomFill(rnd);
  for (let u = 0; u < BATCH; u++) {
    const r = u * 16;
    rnd[r + 6] = (rnd[r + 6]! & 0x0f) | 0x40; // version 4
    rnd[r + 8] = (rnd[r + 8]! & 0x3f) | 0x80; // RFC 4122 variant
    let o = u * UUID_LEN;
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) txt[o++] = 45;
      const b = rnd[r + i]!;
      txt[o++] = HEX[b >> 4]!;
      txt[o++] = HEX[b & 15]!;
    }
  }
  next = 0;
}

/** Returns a new random (version 4) UUID. */
export function uuidGenerate(): string {
  if (next === BATCH) refill();
  const o = next++ * UUID_LEN;
  return txt.latin1Slice(o, o + UUID_LEN);
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** True if 's' begins with a UUID (OVS's uuid_from_string_prefix()). */
export function uuidIsPrefix(s: string): boolean {
  if (s.length < UUID_LEN) return false;
  for (let i = 0; i < UUID_LEN; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isHex(c)) {
      return false;
    }
  }
  return true;
}

/** Parses 's' as a UUID; returns the canonical (lowercase) form or null. */
export function uuidFromString(s: string): string | null {
  if (s.length !== UUID_LEN || !uuidIsPrefix(s)) return null;
  return s.toLowerCase();
}

/** True if 's' is a UUID in any letter case. */
export function uuidIsValid(s: string): boolean {
  return s.length === UUID_LEN && uuidIsPrefix(s);
}

/** True if 'u' (canonical) is the all-zeros UUID. */
export function uuidIsZero(u: string): boolean {
  return u === UUID_ZERO;
}

/** OVS's row name for a UUID in JSON "named-uuid" output: row<uuid with '_'>. */
export function uuidRowName(u: string): string {
  return 'row' + u.replace(/-/g, '_');
}
