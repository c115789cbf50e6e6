/* ofctl-offline: ovs-ofctl's small offline helpers about the wire format:
 * print-error (an error's type/code in each version), encode-error-reply
 * (the error reply a switch would send to a request) and encode-hello. */
import type { OfctlOptions } from './ovs-ofctl.js';
import { fatal } from './ovs-ofctl.js';
import { isOfpErrName, ofperrTriplet, encodeErrorMsg } from '../openflow/ofp-errors.js';
import { encodeHello } from '../openflow/ofp-hello.js';
import { ovsHexDump } from '../lib/hex-dump.js';
import { allocXid } from '../openflow/ofp-msgs.js';
import { ofpToString } from '../openflow/ofp-print.js';

/** print-error NAME. */
export function printError(args: string[]): void {
  const name = args[0]!;
  if (!isOfpErrName(name)) fatal(`unknown error "${name}"`);
  for (let v = 1; v <= 6; v++) {
    const t = ofperrTriplet(name, v);
    if (!t) continue;
    process.stdout.write(`OpenFlow 1.${v - 1}: vendor ${t.vendor ? '0x' + t.vendor.toString(16) : '0'}, type ${t.type}, code ${t.code}\n`);
  }
}

function hexArg(s: string, what: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && ' .\t\r\n'.includes(s[i]!)) i++;
    const p = s.substr(i, 2);
    if (!/^[0-9a-fA-F]{2}$/.test(p)) break;
    out.push(parseInt(p, 16));
    i += 2;
  }
  if (i < s.length) fatal(what);
  return Uint8Array.from(out);
}

/** encode-error-reply NAME REQUEST-HEX. */
export function encodeErrorReply(args: string[]): void {
  const name = args[0]!;
  if (!isOfpErrName(name)) fatal(`unknown error "${name}"`);
  const req = hexArg(args[1]!, 'Trailing garbage in hex data');
  if (req.length < 8) fatal('Request too short');
  const len = (req[2]! << 8) | req[3]!;
  if (req.length !== len) fatal('Request size inconsistent');
  const xid = ((req[4]! << 24) | (req[5]! << 16) | (req[6]! << 8) | req[7]!) >>> 0;
  const reply = encodeErrorMsg(name, req[0]!, xid, req.subarray(0, Math.min(len, 64)));
  process.stdout.write(ovsHexDump(reply));
}

/** encode-hello BITMAP. */
export function encodeHelloCmd(args: string[], opts: OfctlOptions): void {
  const bitmap = Number.parseInt(args[0]!, args[0]!.toLowerCase().startsWith('0x') ? 16 : 10) >>> 0;
  const hello = encodeHello(bitmap, allocXid());
  process.stdout.write(ovsHexDump(hello));
  process.stdout.write(ofpToString(hello, opts.more.length));
}

async function stdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

/** OVS logs each ofp10_match that normalization changes while
 * parse-ofp10-match runs; the command functions do not, so the lines are
 * logged here from the same input. */
async function logOfp10Normalization(input: string): Promise<void> {
  const [{ decodeOfp10Match }, { normalizeMatchLogged }, { parseHex: hex }, { OfpError }] = await Promise.all([
    import('../openflow/ofp-match10.js'), import('../openflow/ofp-match-codec.js'), import('../lib/hex-dump.js'),
    import('../openflow/ofp-errors.js'),
  ]);
  for (const raw of input.split('\n')) {
    const line = raw.includes('#') ? raw.slice(0, raw.indexOf('#')) : raw;
    if (!line.trim()) continue;
    const bytes = hex(line.replace(/x/g, '0'));
    if (!bytes || bytes.length !== 40) return;
    const m = decodeOfp10Match(bytes);
    if (m instanceof OfpError) continue;
    normalizeMatchLogged(m);
  }
}

/** Runs one of the flow-language test commands (parse-nx-match, parse-oxm,
 * parse-ofp10/11-match, parse-actions, parse-instructions) over stdin. */
export async function flowLanguageTest(cmd: string, args: string[], opts: OfctlOptions): Promise<void> {
  const m = await import('../openflow/ofctl-flow-cmds.js');
  const input = await stdinText();
  let out: string;
  try {
    switch (cmd) {
      case 'parse-oxm': {
        const v = m.versionFromString(args[0]!);
        if (v < 3) fatal(`${args[0]}: not a valid version for OXM`);
        out = m.parseNxmCommand(input, { oxmVersion: v, strict: opts.strict });
        break;
      }
      case 'parse-ofp10-match':
        await logOfp10Normalization(input);
        out = m.parseOfp10MatchCommand(input);
        break;
      case 'parse-ofp11-match': out = m.parseOfp11MatchCommand(input); break;
      case 'parse-actions': out = m.parseActionsCommand(input, args[0]!, false); break;
      case 'parse-instructions': out = m.parseActionsCommand(input, args[0]!, true); break;
      default: out = m.parseNxmCommand(input, { strict: opts.strict }); break;
    }
  } catch (e) {
    if (e instanceof m.OfctlFatal) fatal(e.message);
    throw e;
  }
  if (opts.more.length > 0 && (cmd === 'parse-oxm' || cmd === 'parse-nx-match' || cmd === 'parse-nxm')) {
    out = await withMatchHexDumps(out, cmd === 'parse-oxm');
  }
  process.stdout.write(out);
}

/** With -m, parse-nx-match and parse-oxm follow each re-encoded match with a
 * dump of its wire form (NXM padded to 8; OXM with its ofp11 match header). */
async function withMatchHexDumps(out: string, oxm: boolean): Promise<string> {
  const { nxMatchFromStringRaw } = await import('../openflow/nx-match.js');
  const lines = out.split('\n');
  const res: string[] = [];
  for (const line of lines) {
    res.push(line);
    if (line === '' || line.startsWith('#') || line.startsWith('nx_pull_match() returned error')) continue;
    const raw = nxMatchFromStringRaw(line);
    if (typeof raw === 'string') continue;
    const hdr = oxm ? 4 : 0;
    const wire = new Uint8Array((raw.length + hdr + 7) & ~7);
    if (oxm) { wire[1] = 1; wire[2] = (raw.length + 4) >> 8; wire[3] = (raw.length + 4) & 0xff; }
    wire.set(raw, hdr);
    const dump = ovsHexDump(wire);
    if (dump) res.push(dump.replace(/\n$/, ''));
  }
  return res.join('\n');
}

/** check-vlan VLAN_TCI MASK: the match through text, NXM, OXM, OF1.0 and
 * OF1.1 and back, printing the vlan_tci/mask that survives each. */
export async function checkVlan(args: string[]): Promise<void> {
  const [{ Match }, { FL }, { formatMatch }, nx, m10, m11, { WireBuf }, fp, { OfpError }] = await Promise.all([
    import('../openflow/match.js'), import('../openflow/flow.js'), import('../openflow/match-format.js'),
    import('../openflow/nx-match.js'), import('../openflow/ofp-match10.js'), import('../openflow/ofp-match11.js'),
    import('../openflow/wire-buf.js'), import('../openflow/ofp-flow-parse.js'), import('../openflow/ofp-errors.js'),
  ]);
  const TCI = FL.VLANS + 2;
  const h16 = (n: number): string => n.toString(16).padStart(4, '0');
  const get16 = (d: Uint8Array, o: number): number => (d[o]! << 8) | d[o + 1]!;
  const tci = (mm: InstanceType<typeof Match>): string => `${h16(get16(mm.flow, TCI))}/${h16(get16(mm.wc, TCI))}`;
  const strtoul16 = (s: string): number => (parseInt(s.trim().match(/^(0x)?[0-9a-f]*/i)![0].replace(/^0x/i, '') || '0', 16) & 0xffff);
  const match = new Match();
  const v = strtoul16(args[0]!), mk = strtoul16(args[1]!);
  match.flow[TCI] = v >> 8; match.flow[TCI + 1] = v & 0xff;
  match.wc[TCI] = mk >> 8; match.wc[TCI + 1] = mk & 0xff;
  const out: string[] = [];
  const s = formatMatch(match);
  const r = fp.parseFlowModStr(s, -1);
  if (typeof r === 'string') { process.stdout.write(`${s} -> `); fatal(r); }
  out.push(`${s} -> ${tci(r.fm.match)}\n`);

  let b = new WireBuf();
  let n = nx.nxPutMatch(b, match);
  let bytes = b.finish();
  const nxmS = nx.nxMatchToString(bytes, 0, n);
  const pn = nx.nxPullMatch(bytes, 0, n);
  out.push(`NXM: ${nxmS} -> ${pn instanceof OfpError ? pn.error : tci(pn.match)}\n`);

  b = new WireBuf();
  n = nx.oxmPutMatch(b, match, 3);
  bytes = b.finish();
  const oxmS = nx.oxmMatchToString(bytes, 0, n);
  const po = nx.oxmPullMatch(bytes, 0);
  if (po instanceof OfpError) out.push(`OXM: ${oxmS} -> ${po.error}\n`);
  else {
    const vid = get16(po.match.flow, TCI) & 0x1fff, vm = get16(po.match.wc, TCI) & 0x1fff;
    const pcpMask = (get16(po.match.wc, TCI) >> 13) & 7;
    const pcp = vid && pcpMask ? String((get16(po.match.flow, TCI) >> 13) & 7).padStart(2, '0') : '--';
    out.push(`OXM: ${oxmS} -> ${h16(vid)}/${h16(vm)},${pcp}\n`);
  }

  const raw = (name: string, d: Uint8Array, vlanOff: number, wOff: number, vlanBit: number, pcpBit: number,
    back: InstanceType<typeof Match> | InstanceType<typeof OfpError>): string => {
    const w = ((d[wOff]! << 24) | (d[wOff + 1]! << 16) | (d[wOff + 2]! << 8) | d[wOff + 3]!) >>> 0;
    const res = back instanceof OfpError ? back.error : tci(back);
    return `${name}: ${h16(get16(d, vlanOff))}/${w & vlanBit ? 1 : 0},${d[vlanOff + 2]!.toString(16).padStart(2, '0')}/${w & pcpBit ? 1 : 0} -> ${res}\n`;
  };
  b = new WireBuf();
  m10.encodeOfp10Match(b, match);
  bytes = b.finish();
  out.push(raw('OF1.0', bytes, 18, 0, 1 << 1, 1 << 20, m10.decodeOfp10Match(bytes)));
  b = new WireBuf();
  m11.encodeOfp11Match(b, match);
  bytes = b.finish();
  out.push(raw('OF1.1', bytes, 36, 8, 1 << 1, 1 << 2, m11.decodeOfp11Match(bytes)));
  process.stdout.write(out.join(''));
}

/** ofp-parse FILE: prints each OpenFlow message of a binary file ('-': stdin). */
export async function ofpParse(args: string[], opts: OfctlOptions): Promise<void> {
  const name = args[0]!;
  let data: Uint8Array;
  if (name === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    data = new Uint8Array(Buffer.concat(chunks));
  } else {
    const { readFileSync } = await import('node:fs');
    try {
      data = new Uint8Array(readFileSync(name));
    } catch (e) {
      const { strerror } = await import('../lib/program.js');
      fatal(`${name}: open (${strerror((e as NodeJS.ErrnoException).code)})`);
    }
  }
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 8) fatal(`${name}: unexpected end of file mid-message`);
    const length = (data[pos + 2]! << 8) | data[pos + 3]!;
    if (length < 8) fatal(`${name}: ${length}-byte message is too short for OpenFlow`);
    if (data.length - pos < length) fatal(`${name}: unexpected end of file mid-message`);
    process.stdout.write(ofpToString(data.subarray(pos, pos + length), opts.more.length + 2));
    pos += length;
  }
}

/** parse-key-value ARG...: each argument's key[=value] pairs, one line per argument. */
export async function parseKeyValueCmd(args: string[]): Promise<void> {
  const { parseKeyValue } = await import('../openflow/ofp-parse.js');
  let out = '';
  for (const s of args) {
    const cur = { s, pos: 0 };
    const parts: string[] = [];
    for (let kv = parseKeyValue(cur); kv; kv = parseKeyValue(cur)) parts.push(kv.value ? `${kv.key}=${kv.value}` : kv.key);
    out += parts.join(', ') + '\n';
  }
  process.stdout.write(out);
}

/** parse-packet: the flow fields of the Ethernet frame on stdin. */
export async function parsePacket(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const data = new Uint8Array(Buffer.concat(chunks)).subarray(0, 65535);
  const { packetToString } = await import('../openflow/ofp-packet.js');
  process.stdout.write(packetToString(data, 0));
}

/** parse-pcap FILE...: the flow of every packet in each capture file. */
export async function parsePcapCmd(args: string[]): Promise<number> {
  const [{ readPcapFile }, { flowExtract }, { flowFormat }, { FL }, { strerror }] = await Promise.all([
    import('../lib/pcap-file.js'), import('../openflow/flow-extract.js'), import('../ofproto/ofproto-dpif-trace.js'),
    import('../openflow/flow.js'), import('../lib/program.js'),
  ]);
  let status = 0;
  for (const name of args) {
    let recs;
    const log = (await import('../lib/vlog.js')).vlogModule('pcap');
    try {
      const { statSync } = await import('node:fs');
      if (statSync(name).size < 24) {
        log.warn('failed to read pcap header: End of file');
        process.stderr.write(`ovs-ofctl: ${name}: open failed (End of file)\n`);
        status = 1;
        continue;
      }
      recs = readPcapFile(name);
    } catch (e) {
      const err = strerror((e as NodeJS.ErrnoException).code);
      log.warn(`${name}: failed to open pcap file for reading (${err})`);
      process.stderr.write(`ovs-ofctl: ${name}: open failed (${err})\n`);
      status = (e as NodeJS.ErrnoException).errno ? Math.abs((e as NodeJS.ErrnoException).errno!) & 0xff : 1;
      continue;
    }
    if (typeof recs === 'string') {
      process.stderr.write(`ovs-ofctl: ${name}: read failed (${recs})\n`);
      status = 1;
      continue;
    }
    let out = '';
    for (const r of recs) {
      const { flow } = flowExtract(r.bytes, 0);
      flow[FL.IN_PORT] = 0; flow[FL.IN_PORT + 1] = 0; flow[FL.IN_PORT + 2] = 0xff; flow[FL.IN_PORT + 3] = 0xff;
      out += flowFormat(flow) + '\n';
    }
    process.stdout.write(out);
  }
  return status;
}

/** parse-group GROUP: the usable protocols, the chosen version and the group-mod. */
export async function parseGroupCmd(args: string[], opts: OfctlOptions): Promise<number> {
  const [{ parseGroupModStr }, { encodeGroupMod, OFPGC11_ADD }, p] = await Promise.all([
    import('../openflow/ofp-group-parse.js'), import('../openflow/ofp-group.js'), import('../openflow/ofp-protocol.js'),
  ]);
  const r = parseGroupModStr(args[0]!, OFPGC11_ADD);
  if (typeof r === 'string') fatal(r);
  process.stdout.write(`usable protocols: ${p.protocolsToString(r.usable)}\n`);
  if (!(r.usable & opts.allowedProtocols)) fatal('no usable protocol');
  let protocol = 0;
  for (let i = 0; i < 32; i++) {
    protocol = 1 << i;
    if (protocol & r.usable & opts.allowedProtocols) break;
  }
  const version = p.protocolToVersion(protocol);
  process.stdout.write(`chosen version: OpenFlow1${version - 1}\n`);
  process.stdout.write(ofpToString(encodeGroupMod(r.gm, version, allocXid()), opts.more.length));
  return 0;
}
