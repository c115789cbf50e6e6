/* ofp-meter-parse: meter-mod text as ovs-ofctl's add-meter, mod-meter,
 * del-meter(s) and dump-meter(s) read it
 * ("meter=1,kbps,burst,band=type=drop,rate=1000,burst_size=100").
 *
 * Produces the MeterMod of ofp-meter.ts; meters always need OpenFlow 1.3 or
 * later.  Tokens are split as OVS's strtok_r loop splits them: a name ends
 * at any of "=, \t\r\n", its value at any of ", \t\r\n".
 */
import { strToU32, strToU8 } from './ofp-parse.js';
import { Proto } from './ofp-protocol.js';
import {
  OFPM13_ALL, OFPM13_CONTROLLER, OFPM13_SLOWPATH, OFPM13_MAX, OFPMF13_KBPS, OFPMF13_PKTPS, OFPMF13_BURST,
  OFPMF13_STATS, OFPMBT13_DROP, OFPMBT13_DSCP_REMARK, OFPMC13_ADD, OFPMC13_MODIFY, type MeterBand, type MeterMod,
} from './ofp-meter.js';

/** A parsed meter-mod and the protocols that can carry it. */
export interface ParsedMeterMod { mm: MeterMod; usable: number }

const F_METER = 1, F_FLAGS = 2, F_BANDS = 4;
const FLAG_WORDS: Record<string, number> = {
  kbps: OFPMF13_KBPS, pktps: OFPMF13_PKTPS, burst: OFPMF13_BURST, stats: OFPMF13_STATS,
};

/** strtok_r over one string. */
class Tokens {
  private pos = 0;
  constructor(private readonly s: string) {}
  next(delims: string): string | null {
    const s = this.s;
    while (this.pos < s.length && delims.includes(s[this.pos]!)) this.pos++;
    if (this.pos >= s.length) return null;
    const start = this.pos;
    while (this.pos < s.length && !delims.includes(s[this.pos]!)) this.pos++;
    const tok = s.slice(start, this.pos);
    if (this.pos < s.length) this.pos++;
    return tok;
  }
}

const NAME_DELIMS = '=, \t\r\n', VALUE_DELIMS = ', \t\r\n';

function parseBands(bandStr: string, flags: number): MeterBand[] | string {
  const bands: MeterBand[] = [];
  let band: MeterBand | null = null;
  const t = new Tokens(bandStr);
  for (let name = t.next(NAME_DELIMS); name !== null; name = t.next(NAME_DELIMS)) {
    const value = t.next(VALUE_DELIMS);
    if (value === null) return `field ${name} missing value`;
    if (name === 'type') {
      band = { type: 0, rate: 0, burstSize: 0, precLevel: 0 };
      bands.push(band);
      if (value === 'drop') band.type = OFPMBT13_DROP;
      else if (value === 'dscp_remark') band.type = OFPMBT13_DSCP_REMARK;
      else return `field ${name} unknown value ${value}`;
    } else if (!band || !band.type) {
      return "band must start with the 'type' keyword";
    } else if (name === 'rate') {
      const v = strToU32(value);
      if (typeof v === 'string') return v;
      band.rate = v;
    } else if (name === 'burst_size') {
      const v = strToU32(value);
      if (typeof v === 'string') return v;
      band.burstSize = v;
    } else if (name === 'prec_level') {
      const v = strToU8(value, name);
      if (typeof v === 'string') return v;
      band.precLevel = v;
    } else {
      return `unknown keyword ${name}`;
    }
  }
  if (!bands.length) return 'meter must have bands';
  for (const b of bands) {
    if (!b.type) return "band must have 'type'";
    if (b.type === OFPMBT13_DSCP_REMARK) {
      if (!b.precLevel) return "'dscp_remark' band must have 'prec_level'";
    } else if (b.precLevel) {
      return "Only 'dscp_remark' band may have 'prec_level'";
    }
    if (!b.rate) return "band must have 'rate'";
    if (flags & OFPMF13_BURST) {
      if (!b.burstSize) return "band must have 'burst_size' when 'burst' flag is set";
    } else if (b.burstSize) {
      return "band may have 'burst_size' only when 'burst' flag is set";
    }
  }
  return bands;
}

/** Parses a meter-mod for 'command' (OFPMC13_*, or -1 for a meter request
 * that names only the meter). */
export function parseMeterModStr(text: string, command: number): ParsedMeterMod | string {
  const fields = command === OFPMC13_ADD || command === OFPMC13_MODIFY ? F_METER | F_FLAGS | F_BANDS : F_METER;
  const mm: MeterMod = { command, meter: { meterId: 0, flags: 0, bands: [] } };
  let string = text;
  let bandStr: string | null = null;
  if (fields & F_BANDS) {
    const bi = string.indexOf('band');
    if (bi < 0) return 'must specify bands';
    const eq = string.indexOf('=', bi + 1);
    if (eq < 0) return 'must specify bands';
    bandStr = string.slice(eq + 1);
    string = string.slice(0, bi);
  }
  const t = new Tokens(string);
  for (let name = t.next(NAME_DELIMS); name !== null; name = t.next(NAME_DELIMS)) {
    if (fields & F_FLAGS && Object.prototype.hasOwnProperty.call(FLAG_WORDS, name)) {
      mm.meter.flags |= FLAG_WORDS[name]!;
      continue;
    }
    const value = t.next(VALUE_DELIMS);
    if (value === null) return `field ${name} missing value`;
    if (name !== 'meter') return `unknown keyword ${name}`;
    if (value === 'all') mm.meter.meterId = OFPM13_ALL;
    else if (value === 'controller') mm.meter.meterId = OFPM13_CONTROLLER;
    else if (value === 'slowpath') mm.meter.meterId = OFPM13_SLOWPATH;
    else {
      const id = strToU32(value);
      if (typeof id === 'string') return id;
      if (id > OFPM13_MAX || !id) return `invalid value for ${name}`;
      mm.meter.meterId = id;
    }
  }
  if (fields & F_METER && !mm.meter.meterId) return "must specify 'meter'";
  if (fields & F_FLAGS && !mm.meter.flags) return "meter must specify either 'kbps' or 'pktps'";
  if (bandStr !== null) {
    const bands = parseBands(bandStr, mm.meter.flags);
    if (typeof bands === 'string') return bands;
    mm.meter.bands = bands;
  }
  return { mm, usable: Proto.OF13_UP };
}
