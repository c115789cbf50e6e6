/* odp-actions-parse: datapath actions from their text form ("drop", "1,2",
 * "push_vlan(vid=1,pcp=0),2", "recirc(0x1)"), the inverse of
 * formatOdpActions() in odp-actions.ts for the actions ovs-dpctl's
 * add-flow/mod-flow accept so far. */
import type { OdpAction } from './odp-actions.js';

const VLAN_CFI = 0x1000;

/** Parses the action text ("drop", "1,2", "push_vlan(vid=1,pcp=0),2"); the
 * actions or a one-line error message. */
export function parseOdpActions(text: string, portNumbers?: Map<string, number>): OdpAction[] | string {
  const t = text.trim();
  if (t === 'drop' || t === '') return [];
  const out: OdpAction[] = [];
  const items: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')') depth--;
    else if (t[i] === ',' && depth === 0) { items.push(t.slice(start, i)); start = i + 1; }
  }
  items.push(t.slice(start));
  for (const raw of items) {
    const item = raw.trim();
    if (/^\d+$/.test(item)) {
      const port = Number(item);
      if (port > 0xffffffff) return `bad port number "${item}"`;
      out.push({ type: 'output', port });
    } else if (portNumbers?.has(item)) {
      out.push({ type: 'output', port: portNumbers.get(item)! });
    } else if (item === 'pop_vlan') {
      out.push({ type: 'pop_vlan' });
    } else if (item.startsWith('push_vlan(') && item.endsWith(')')) {
      let tpid = 0x8100, vid = -1, pcp = 0, cfi = 1;
      for (const kv of item.slice(10, -1).split(',')) {
        const [k, v = ''] = kv.split('=');
        const n = /^(0x[0-9a-fA-F]+|\d+)$/.test(v) ? Number(v) : NaN;
        if (Number.isNaN(n)) return `push_vlan: bad value "${kv}"`;
        if (k === 'tpid') tpid = n;
        else if (k === 'vid') vid = n;
        else if (k === 'pcp') pcp = n;
        else if (k === 'cfi') cfi = n;
        else return `push_vlan: unknown field "${k}"`;
      }
      if (vid < 0 || vid > 0xfff || pcp > 7 || tpid > 0xffff || cfi > 1) return `push_vlan: bad arguments in "${item}"`;
      out.push({ type: 'push_vlan', tpid, tci: (pcp << 13) | (cfi ? VLAN_CFI : 0) | vid });
    } else if (/^recirc\((0x[0-9a-fA-F]+|\d+)\)$/.test(item)) {
      out.push({ type: 'recirc', id: Number(item.slice(7, -1)) });
    } else {
      return `unknown or unsupported action "${item}"`;
    }
  }
  return out;
}
