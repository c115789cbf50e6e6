/* ofctl-flow-cmds: ovs-ofctl's offline test commands for the flow language.
 *
 * parse-nx-match, parse-oxm, parse-ofp10-match, parse-ofp11-match,
 * parse-actions and parse-instructions read test lines (hex or NXM text),
 * push them through the decoders and encoders of this layer and print
 * what ovs-ofctl prints; OVS's own test suite (ovs-ofctl.at,
 * ofp-actions.at) drives them.  Each function takes the whole stdin text
 * and returns the whole stdout text; the CLI (src/cli/ovs-ofctl.ts) wires
 * them to commands.
 */
import { Match } from './match.js';
import { formatMatch } from './match-format.js';
import {
  nxMatchFromStringRaw, nxPullMatch, nxPutMatch, nxMatchToString, oxmPullMatch, oxmPutMatch, oxmMatchToString,
} from './nx-match.js';
import { decodeOfp10Match, encodeOfp10Match, normalizeMatch } from './ofp-match10.js';
import { decodeOfp11Match, encodeOfp11Match } from './ofp-match11.js';
import {
  decodeActions, decodeInstructions, encodeActions, encodeInstructions, formatActions, checkActions,
} from './ofp-actions-all.js';
import { Proto } from './meta-flow.js';
import { WireBuf } from './wire-buf.js';
import { OfpError } from './ofp-errors.js';

/** Error for an invalid command line or input (ovs-ofctl exits with it). */
export class OfctlFatal extends Error {}

const VERSIONS: Record<string, number> = {
  OpenFlow10: 1, OpenFlow11: 2, OpenFlow12: 3, OpenFlow13: 4, OpenFlow14: 5, OpenFlow15: 6,
};
const VERSION_PROTOS: Record<number, number> = {
  1: Proto.OF10_ANY, 2: Proto.OF11_STD, 3: Proto.OF12_OXM, 4: Proto.OF13_OXM, 5: Proto.OF14_OXM, 6: Proto.OF15_OXM,
};

/** OpenFlow version number of a name like "OpenFlow13" (ofputil_version_from_string), or 0. */
export function versionFromString(s: string): number { return VERSIONS[s] ?? 0; }

/** ds_get_test_line: '#' lines are echoed, inline comments dropped, blank lines echoed as empty. */
function* testLines(input: string, out: string[]): Generator<string> {
  const lines = input.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const raw of lines) {
    if (raw.startsWith('#')) { out.push(raw); continue; }
    const line = raw.includes('#') ? raw.slice(0, raw.indexOf('#')) : raw;
    if (line.trim() === '') { out.push(''); continue; }
    yield line;
  }
}

/** ds_get_preprocessed_line: comments and blank lines are skipped silently. */
function* preprocessedLines(input: string): Generator<string> {
  for (const raw of input.split('\n')) {
    const line = raw.includes('#') ? raw.slice(0, raw.indexOf('#')) : raw;
    if (line.trim() !== '') yield line;
  }
}

function pad8(b: Uint8Array): Uint8Array {
  const out = new Uint8Array((b.length + 7) & ~7);
  out.set(b);
  return out;
}

/** "ovs-ofctl [--strict] parse-nx-match" (oxm=0) or "parse-oxm VERSION". */
export function parseNxmCommand(input: string, opts: { oxmVersion?: number; strict?: boolean } = {}): string {
  const out: string[] = [];
  const oxm = opts.oxmVersion ?? 0;
  for (const line of testLines(input, out)) {
    const raw = nxMatchFromStringRaw(line);
    if (typeof raw === 'string') throw new OfctlFatal(raw);
    let match: Match, cookie = 0n, cookieMask = 0n;
    if (oxm) {
      const b = new WireBuf();
      b.u16(1).u16(raw.length + 4).bytes(raw).padTo(8);
      const r = oxmPullMatch(b.finish(), 0, { loose: !opts.strict });
      if (r instanceof OfpError) { out.push(`nx_pull_match() returned error ${r.error}`); continue; }
      match = r.match;
    } else {
      const r = nxPullMatch(pad8(raw), 0, raw.length, { allowCookie: true, loose: !opts.strict });
      if (r instanceof OfpError) { out.push(`nx_pull_match() returned error ${r.error}`); continue; }
      ({ match, cookie, cookieMask } = r);
    }
    const b = new WireBuf();
    if (oxm) {
      const n = oxmPutMatch(b, match, oxm);
      out.push(oxmMatchToString(b.view(), 0, n));
    } else {
      const n = nxPutMatch(b, match, cookie, cookieMask);
      out.push(nxMatchToString(b.view(), 0, n));
    }
  }
  return out.map((l) => l + '\n').join('');
}

/** ofpbuf_put_hex over a whole line; OfctlFatal on trailing garbage. */
function hexLine(s: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && ' .\t\r\n'.includes(s[i]!)) i++;
    if (i >= s.length) break;
    const h = s.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new OfctlFatal('Trailing garbage in hex data');
    out.push(parseInt(h, 16));
    i += 2;
  }
  return Uint8Array.from(out);
}

function differences(prefix: string, a: Uint8Array, b: Uint8Array): string[] {
  const h = (x: number): string => x.toString(16).padStart(2, '0');
  const out: string[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) out.push(`${prefix}${String(i).padStart(2)}: ${h(a[i]!)} -> ${h(b[i]!)}`);
  }
  for (let i = a.length; i < b.length; i++) out.push(`${prefix}${String(i).padStart(2)}: (none) -> ${h(b[i]!)}`);
  for (let i = b.length; i < a.length; i++) out.push(`${prefix}${String(i).padStart(2)}: ${h(a[i]!)} -> (none)`);
  return out;
}

/** "ovs-ofctl parse-ofp10-match": 'x' digits are random in the input and zero in the expectation. */
export function parseOfp10MatchCommand(input: string): string {
  const out: string[] = [];
  for (const line of preprocessedLines(input)) {
    const expout = hexLine(line.replace(/x/g, '0'));
    if (expout.length !== 40) throw new OfctlFatal(`Input is ${expout.length} bytes, expected 40`);
    const bytes = hexLine(line.replace(/x/g, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]!));
    const m = decodeOfp10Match(bytes) as Match;
    out.push(formatMatch(m));
    const b = new WireBuf();
    encodeOfp10Match(b, m);
    const enc = b.finish();
    out.push(...differences('', expout, enc));
    normalizeMatch(m);
    const b2 = new WireBuf();
    encodeOfp10Match(b2, m);
    out.push(...differences('normal: ', enc, b2.finish()));
    out.push('');
  }
  return out.map((l) => l + '\n').join('');
}

/** "ovs-ofctl parse-ofp11-match". */
export function parseOfp11MatchCommand(input: string): string {
  const out: string[] = [];
  for (const line of preprocessedLines(input)) {
    const bytes = hexLine(line);
    if (bytes.length !== 88) throw new OfctlFatal(`Input is ${bytes.length} bytes, expected 88`);
    const m = decodeOfp11Match(bytes);
    if (m instanceof OfpError) { out.push(`bad ofp11_match: ${m.error}`, ''); continue; }
    out.push(formatMatch(m));
    const b = new WireBuf();
    encodeOfp11Match(b, m);
    out.push(...differences('', bytes, b.finish()), '');
  }
  return out.map((l) => l + '\n').join('');
}

/** "ovs-ofctl parse-actions VERSION" (instructions=false) or "parse-instructions VERSION". */
export function parseActionsCommand(input: string, versionName: string, instructions: boolean): string {
  const version = versionFromString(versionName);
  if (!version) throw new OfctlFatal(`${versionName}: not a valid OpenFlow version`);
  const out: string[] = [];
  for (const line of preprocessedLines(input)) {
    let hex = line, tableId: string | null = null;
    if (hex.includes(',')) { tableId = hex.slice(0, hex.indexOf(',')); hex = hex.slice(hex.indexOf(',') + 1); }
    const bytes = hexLine(hex);
    let acts = instructions ? decodeInstructions(bytes, 0, bytes.length, version)
      : decodeActions(bytes, 0, bytes.length, version);
    if (!(acts instanceof OfpError) && instructions) {
      const r = checkActions(acts, new Match(), { maxPorts: 0xff00, tableId: tableId ? parseInt(tableId, 10) || 0 : 0, nTables: 255 });
      if (r.error) acts = new OfpError(r.error);
      else if (VERSION_PROTOS[version]! & ~r.usable) acts = new OfpError('OFPBAC_MATCH_INCONSISTENT');
    }
    if (acts instanceof OfpError) {
      out.push(`bad ${versionName} ${instructions ? 'instructions' : 'actions'}: ${acts.error}`, '');
      continue;
    }
    out.push(`actions=${formatActions(acts)}`);
    const w = new WireBuf();
    if (instructions) encodeInstructions(w, acts, version); else encodeActions(w, acts, version);
    out.push(...differences('', bytes, w.finish()), '');
  }
  return out.map((l) => l + '\n').join('');
}
