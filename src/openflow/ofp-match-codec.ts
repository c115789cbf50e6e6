/* ofp-match-codec: the message layer's seam onto the match codecs of the
 * flow-language side (ofp-match10.ts, ofp-match11.ts, nx-match.ts,
 * match-format.ts): pull/put a match in whichever form a message carries
 * (OF1.0 fixed, OF1.1 standard or OXM, NXM) and format it.  Errors come back
 * as thrown OfpError so message decoders stay linear. */
import { OfpError } from './ofp-errors.js';
import type { OfpReader, OfpWriter } from './ofp-buffer.js';
import { Match } from './match.js';
import { decodeOfp10Match, encodeOfp10Match, normalizeMatch, matchNeedsNormalization, OFP10_MATCH_LEN } from './ofp-match10.js';
import { pullOfp11Match as pull11, putOfp11Match as put11 } from './ofp-match11.js';
import { nxPullMatch, nxPullRaw, nxPutMatch, oxmDecodeMatch, oxmPutRaw, nxMatchToString } from './nx-match.js';
import { formatMatch, OFP_DEFAULT_PRIORITY } from './match-format.js';
import type { PortNames } from './ofp-port-map.js';
import { vlogModule, Level, RateLimit } from '../lib/vlog.js';

const log = vlogModule('ofp_match');

/** The rate limit OVS's ofp-match.c shares among its logs: one message a
 * minute after a burst of five. */
export const OFP_MATCH_RL = new RateLimit(1, 5);

/** Normalizes 'm' (OVS's ofputil_normalize_match) and logs the change, rate
 * limited as OVS does; true if it changed anything. */
export function normalizeMatchLogged(m: Match): boolean {
  if (!matchNeedsNormalization(m)) return false;
  const wantLog = log.isEnabled(Level.INFO);
  const pre = wantLog ? formatMatch(m, undefined, OFP_DEFAULT_PRIORITY) : '';
  normalizeMatch(m);
  if (wantLog && !OFP_MATCH_RL.shouldDrop(log, Level.INFO)) {
    log.info('normalization changed ofp_match, details:');
    log.info(` pre: ${pre}`);
    log.info(`post: ${formatMatch(m, undefined, OFP_DEFAULT_PRIORITY)}`);
  }
  return true;
}

export { Match, OFP_DEFAULT_PRIORITY };

function check<T>(r: T | OfpError): T {
  if (r instanceof OfpError) throw r;
  return r;
}

/** Pulls a 40-byte OF1.0 match; 'normalize' wildcards fields the match's
 * protocols cannot have (flow-mods do this, stats and notifications not). */
export function pullOfp10Match(r: OfpReader, normalize = false): Match {
  r.need(OFP10_MATCH_LEN);
  const m = check(decodeOfp10Match(r.data, r.pos));
  r.pos += OFP10_MATCH_LEN;
  if (normalize) normalizeMatchLogged(m);
  return m;
}

/** Pulls an OF1.1+ ofp_match (standard or OXM, padded). */
export function pullOfp11Match(r: OfpReader): Match {
  const res = check(pullOfp11MatchAt(r));
  return res;
}

function pullOfp11MatchAt(r: OfpReader): Match | OfpError {
  const end = r.end;
  const view = end === r.data.length ? r.data : r.data.subarray(0, end);
  const res = pull11(view, r.pos);
  if (res instanceof OfpError) return res;
  r.pos += res.consumed;
  return res.match;
}

/** Pulls an NXM match of 'matchLen' bytes (padded to 8), with cookie. */
export function pullNxMatch(r: OfpReader, matchLen: number, allowCookie = false): { match: Match; cookie: bigint; cookieMask: bigint } {
  const view = r.end === r.data.length ? r.data : r.data.subarray(0, r.end);
  const res = check(nxPullMatch(view, r.pos, matchLen, { allowCookie }));
  r.pos += res.consumed;
  return res;
}

/** Decodes bare OXM entries (packet-in style); 'loose' skips unknown
 * fields, 'pipelineOnly' rejects non-pipeline fields (packet-out). */
export function decodeOxmEntries(d: Uint8Array, pos: number, len: number, loose = false, pipelineOnly = false): Match {
  if (!pipelineOnly) return check(oxmDecodeMatch(d, pos, len, loose));
  return check(nxPullRaw(d, pos, len, { loose, pipelineFieldsOnly: true })).match;
}

/* The match encoders write at the writer's current end and compute lengths
 * from where they started, so they write straight into the message. */

/** Appends a 40-byte OF1.0 match. */
export function putOfp10Match(w: OfpWriter, m: Match): void { encodeOfp10Match(w, m); }
/** Appends an OF1.1 standard match or OXM ofp_match for 'version'. */
export function putOfp11Match(w: OfpWriter, m: Match, version: number): void { put11(w, m, version); }
/** Appends an NXM match (padded); returns the unpadded match length. */
export function putNxMatch(w: OfpWriter, m: Match, cookie = 0n, cookieMask = 0n): number {
  return nxPutMatch(w, m, cookie, cookieMask);
}
/** Appends bare OXM entries (no header, no padding). */
export function putOxmEntries(w: OfpWriter, m: Match, version: number): number {
  const start = w.len;
  oxmPutRaw(w, m, version);
  return w.len - start;
}

/** A match as ovs-ofctl prints it, with priority when not the default. */
export function matchToString(m: Match, priority = OFP_DEFAULT_PRIORITY, ports?: PortNames): string {
  return formatMatch(m, ports, priority);
}

/** NXM bytes in their raw text form (verbose flow-mod printing). */
export function nxMatchText(d: Uint8Array, pos: number, len: number): string {
  return nxMatchToString(d, pos, len);
}
