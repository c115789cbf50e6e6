/* odp-actions: datapath actions — their type, text form and parser (the
 * action half of OVS lib/odp-util.c: format_odp_actions / odp_actions_from_string).
 *
 *   actions:2                      output to datapath port 2
 *   actions:push_vlan(vid=10,pcp=0),2,pop_vlan,3
 *   actions:drop                   (an empty list prints as "drop")
 *
 * Only the actions dpif-netdev executes so far are here: output, push_vlan,
 * pop_vlan, recirc and userspace-less drop.  dpif-netdev.ts applies them;
 * ofproto-dpif-xlate (next) produces them.
 */

/** One datapath action. */
export type OdpAction =
  | { kind: 'output'; port: number }
  | { kind: 'push_vlan'; tpid: number; tci: number }
  | { kind: 'pop_vlan' }
  | { kind: 'recirc'; id: number };

const VLAN_CFI = 0x1000;

function formatTci(tci: number): string {
  // As format_vlan_tci with a full mask and verbose off.
  let s = '';
  const vid = tci & 0xfff, pcp = tci >>> 13;
  s += `vid=${vid},`;
  s += `pcp=${pcp},`;
  if (!(tci & VLAN_CFI)) s += 'cfi=0,';
  return s.replace(/,$/, '');
}

/** Prints actions as OVS does ("drop" for none); 'portNames' maps numbers to names. */
export function formatOdpActions(actions: readonly OdpAction[], portNames?: Map<number, string>): string {
  if (actions.length === 0) return 'drop';
  return actions.map((a) => {
    switch (a.kind) {
      case 'output': return portNames?.get(a.port) ?? String(a.port);
      case 'push_vlan': return `push_vlan(${a.tpid !== 0x8100 ? `tpid=0x${a.tpid.toString(16).padStart(4, '0')},` : ''}${formatTci(a.tci)})`;
      case 'pop_vlan': return 'pop_vlan';
      case 'recirc': return `recirc(0x${a.id.toString(16)})`;
    }
  }).join(',');
}

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
      out.push({ kind: 'output', port });
    } else if (portNumbers?.has(item)) {
      out.push({ kind: 'output', port: portNumbers.get(item)! });
    } else if (item === 'pop_vlan') {
      out.push({ kind: 'pop_vlan' });
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
      out.push({ kind: 'push_vlan', tpid, tci: (pcp << 13) | (cfi ? VLAN_CFI : 0) | vid });
    } else if (/^recirc\((0x[0-9a-fA-F]+|\d+)\)$/.test(item)) {
      out.push({ kind: 'recirc', id: Number(item.slice(7, -1)) });
    } else {
      return `unknown or unsupported action "${item}"`;
    }
  }
  return out;
}
