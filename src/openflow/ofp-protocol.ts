/* ofp-protocol: OpenFlow "protocols" as OVS counts them (OF1.0 with or
 * without NXM and the table-id extension, OF1.1, OXM for 1.2-1.5): their
 * names, the conversions to and from wire versions, and the choice a tool
 * makes among the protocols a flow can be expressed in. */
import { Proto } from './meta-flow.js';

export { Proto };

const SINGLE_NAMES: Record<number, string> = {
  [Proto.OF10_NXM]: 'NXM-table_id', [Proto.OF10_NXM_TID]: 'NXM+table_id',
  [Proto.OF10_STD]: 'OpenFlow10-table_id', [Proto.OF10_STD_TID]: 'OpenFlow10+table_id',
  [Proto.OF11_STD]: 'OpenFlow11', [Proto.OF12_OXM]: 'OXM-OpenFlow12', [Proto.OF13_OXM]: 'OXM-OpenFlow13',
  [Proto.OF14_OXM]: 'OXM-OpenFlow14', [Proto.OF15_OXM]: 'OXM-OpenFlow15',
};
const ABBREVS: [number, string][] = [
  [Proto.ANY, 'any'], [Proto.OF10_STD_ANY, 'OpenFlow10'], [Proto.OF10_NXM_ANY, 'NXM'], [Proto.ANY_OXM, 'OXM'],
];

/** Name of a single protocol or an abbreviation, or null. */
export function protocolToString(p: number): string | null {
  if (SINGLE_NAMES[p]) return SINGLE_NAMES[p]!;
  for (const [v, n] of ABBREVS) if (v === p) return n;
  return null;
}

/** A set of protocols as "OXM,OpenFlow10+table_id,...". */
export function protocolsToString(ps: number): string {
  if (!ps) return 'none';
  const parts: string[] = [];
  while (ps) {
    const ab = ABBREVS.find(([v]) => (ps & v) === v);
    if (ab) { parts.push(ab[1]); ps &= ~ab[0]; continue; }
    const bit = ps & -ps;
    parts.push(SINGLE_NAMES[bit]!);
    ps &= ~bit;
  }
  return parts.join(',');
}

/** Parses "OpenFlow10,NXM" style protocol lists; error text on failure. */
export function protocolsFromString(s: string): number | string {
  let ps = 0;
  for (const word of s.split(',')) {
    if (!word) continue;
    let p = 0;
    for (const [bit, name] of Object.entries(SINGLE_NAMES)) if (name.toLowerCase() === word.toLowerCase()) p = Number(bit);
    if (!p) for (const [v, n] of ABBREVS) if (n.toLowerCase() === word.toLowerCase()) p = v;
    if (!p) return `${word}: unknown flow protocol`;
    ps |= p;
  }
  return ps || `${s}: no flow protocol specified`;
}

/** Protocols usable with wire version 'v'. */
export function protocolsFromVersion(v: number): number {
  switch (v) {
    case 1: return Proto.OF10_ANY;
    case 2: return Proto.OF11_STD;
    case 3: return Proto.OF12_OXM;
    case 4: return Proto.OF13_OXM;
    case 5: return Proto.OF14_OXM;
    case 6: return Proto.OF15_OXM;
    default: return 0;
  }
}

/** The basic protocol of version 'v' (OF1.0: without extensions). */
export function protocolFromVersion(v: number): number {
  const ps = protocolsFromVersion(v);
  return ps & -ps;
}

/** Wire version of a single protocol. */
export function protocolToVersion(p: number): number {
  if (p & Proto.OF10_ANY) return 1;
  if (p === Proto.OF11_STD) return 2;
  if (p === Proto.OF12_OXM) return 3;
  if (p === Proto.OF13_OXM) return 4;
  if (p === Proto.OF14_OXM) return 5;
  return 6;
}

/** Protocols usable with any version in 'bitmap' (bit N = version N). */
export function protocolsFromVersionBitmap(bitmap: number): number {
  let ps = 0;
  for (let v = 1; v <= 6; v++) if (bitmap & (1 << v)) ps |= protocolsFromVersion(v);
  return ps;
}

/** Version bitmap covering 'ps'. */
export function protocolsToVersionBitmap(ps: number): number {
  let bm = 0;
  for (let bit = 1; bit <= Proto.OF15_OXM; bit <<= 1) if (ps & bit) bm |= 1 << protocolToVersion(bit);
  return bm;
}

/** Turns the table-id extension on or off for an OF1.0 protocol. */
export function protocolSetTid(p: number, enable: boolean): number {
  if (p & Proto.OF10_STD_ANY) return enable ? Proto.OF10_STD_TID : Proto.OF10_STD;
  if (p & Proto.OF10_NXM_ANY) return enable ? Proto.OF10_NXM_TID : Proto.OF10_NXM;
  return p;
}

/** Is the flow_mod_table_id extension (or a later version) in use? */
export function protocolHasTid(p: number): boolean {
  return (p & Proto.TID) !== 0;
}
