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
      case 'parse-ofp10-match': out = m.parseOfp10MatchCommand(input); break;
      case 'parse-ofp11-match': out = m.parseOfp11MatchCommand(input); break;
      case 'parse-actions': out = m.parseActionsCommand(input, args[0]!, false); break;
      case 'parse-instructions': out = m.parseActionsCommand(input, args[0]!, true); break;
      default: out = m.parseNxmCommand(input, { strict: opts.strict }); break;
    }
  } catch (e) {
    if (e instanceof m.OfctlFatal) fatal(e.message);
    throw e;
  }
  process.stdout.write(out);
}
