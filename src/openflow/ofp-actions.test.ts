import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atCases, OVS_TESTS_DIR } from '../../tests/helpers/ovs-at.js';
import {
  decodeActions, decodeInstructions, encodeActions, encodeInstructions, formatActions, parseActions,
  parseInstructions, checkActions,
} from './ofp-actions.js';
import './ofp-actions-all.js';
import { Match } from './match.js';
import { WireBuf } from './wire-buf.js';
import { OfpError } from './ofp-errors.js';
import { Proto } from './meta-flow.js';

const VERSIONS: Record<string, number> = { OpenFlow10: 1, OpenFlow11: 2, OpenFlow12: 3, OpenFlow13: 4, OpenFlow14: 5, OpenFlow15: 6 };
const PROTOS: Record<number, number> = { 1: Proto.OF10_ANY, 2: Proto.OF11_STD, 3: Proto.OF12_OXM, 4: Proto.OF13_OXM, 5: Proto.OF14_OXM, 6: Proto.OF15_OXM };

function hexBytes(s: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && ' .\t\r\n'.includes(s[i]!)) i++;
    if (i >= s.length) break;
    out.push(parseInt(s.slice(i, i + 2), 16));
    i += 2;
  }
  return Uint8Array.from(out);
}
function differences(a: Uint8Array, b: Uint8Array): string[] {
  const out: string[] = [];
  const h = (x: number): string => x.toString(16).padStart(2, '0');
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) out.push(`${String(i).padStart(2)}: ${h(a[i]!)} -> ${h(b[i]!)}`);
  for (let i = a.length; i < b.length; i++) out.push(`${String(i).padStart(2)}: (none) -> ${h(b[i]!)}`);
  for (let i = b.length; i < a.length; i++) out.push(`${String(i).padStart(2)}: ${h(a[i]!)} -> (none)`);
  return out;
}

/** What "ovs-ofctl parse-actions|parse-instructions VERSION" prints for one line. */
function parseHexActions(line: string, versionName: string, instructions: boolean): string[] {
  const version = VERSIONS[versionName]!;
  let hex = line, tableId: string | null = null;
  if (hex.includes(',')) { tableId = hex.slice(0, hex.indexOf(',')); hex = hex.slice(hex.indexOf(',') + 1); }
  const bytes = hexBytes(hex);
  let acts = instructions ? decodeInstructions(bytes, 0, bytes.length, version) : decodeActions(bytes, 0, bytes.length, version);
  if (!(acts instanceof OfpError) && instructions) {
    const r = checkActions(acts, new Match(), { maxPorts: 0xff00, tableId: tableId ? parseInt(tableId, 10) || 0 : 0, nTables: 255 });
    if (r.error) acts = new OfpError(r.error);
    else if (PROTOS[version]! & ~r.usable) acts = new OfpError('OFPBAC_MATCH_INCONSISTENT');
  }
  if (acts instanceof OfpError) return [`bad ${versionName} ${instructions ? 'instructions' : 'actions'}: ${acts.error}`];
  const out = [`actions=${formatActions(acts)}`];
  const w = new WireBuf();
  if (instructions) encodeInstructions(w, acts, version); else encodeActions(w, acts, version);
  out.push(...differences(bytes, w.finish()));
  return out;
}

const TITLES: Array<[string, string, boolean]> = [
  ['OpenFlow 1.0 action translation', 'OpenFlow10', false],
  ['OpenFlow 1.0 "instruction" translations', 'OpenFlow10', true],
  ['OpenFlow 1.1 action translation', 'OpenFlow11', false],
  ['OpenFlow 1.1 instruction translation', 'OpenFlow11', true],
  ['OpenFlow 1.2 action translation', 'OpenFlow12', false],
  ['OpenFlow 1.3 action translation', 'OpenFlow13', false],
  ['OpenFlow 1.5 action translation', 'OpenFlow15', false],
];

for (const [title, version, inst] of TITLES) {
  test(`ofp-actions.at: ${title}`, { skip: !OVS_TESTS_DIR }, () => {
    const fails: string[] = [];
    let pass = 0;
    const cases = atCases('ofp-actions.at', title);
    assert.ok(cases.length > 0);
    for (const c of cases) {
      const got = parseHexActions(c.input, version, inst);
      if (got.join('\n') === c.expected.join('\n')) pass++;
      else fails.push(`${c.input}\n   want: ${c.expected.join(' | ')}\n    got: ${got.join(' | ')}`);
    }
    assert.deepEqual(fails, [], `${pass} passed`);
  });
}

test('actions text round trips', () => {
  const cases = [
    'output:1,mod_vlan_vid:10,resubmit(,2)',
    'drop',
    'CONTROLLER:65535',
    'set_field:10.0.0.1->ip_dst,load:0x5->NXM_NX_REG0[0..7]',
    'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
    'note:01.02.03',
    'push:NXM_NX_REG1[],pop:NXM_NX_REG2[0..15]',
    'clone(output:2,dec_ttl)',
    'controller(reason=no_match,max_len=128,id=3,userdata=01.02,pause)',
    'fin_timeout(idle_timeout=10,hard_timeout=20)',
    'sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3)',
    'enqueue:1:2',
    'set_tunnel:0x5,set_tunnel64:0x100000000',
    'resubmit:3,resubmit(1,2,ct)',
    'conjunction(5,1/2)',
  ];
  for (const s of cases) {
    const r = parseActions(s);
    assert.ok(typeof r !== 'string', `${s}: ${r as string}`);
    assert.equal(formatActions(r.ofpacts), s);
  }
  const i = parseInstructions('meter:1,output:3,write_actions(output:4),goto_table:5');
  assert.ok(typeof i !== 'string');
  assert.equal(formatActions(i.ofpacts), 'meter:1,output:3,write_actions(output:4),goto_table:5');
});

/** The bad_action 'ACTIONS' 'ERROR' lines of the "action parsing errors" test. */
function badActionCases(): Array<[string, string]> {
  const text = readFileSync(join(OVS_TESTS_DIR!, 'ofp-actions.at'), 'utf8');
  const start = text.indexOf('AT_SETUP([action parsing errors])');
  const body = text.slice(start, text.indexOf('AT_CLEANUP', start)).replace(/\\\n\s*/g, ' ');
  // A shell word: '...' (with '\'' escapes) or "..." (with \` and \" escapes).
  const word = String.raw`((?:'[^']*'|\\.|"(?:[^"\\]|\\.)*")+)`;
  const re = new RegExp(String.raw`^bad_action ${word}\s+${word}`, 'gm');
  // Shell unquoting of a word made of '...', "..." and \x pieces, then m4's [[ ]].
  const unq = (w: string): string => {
    let out = '';
    for (const m of w.matchAll(/'([^']*)'|\\(.)|"((?:[^"\\]|\\.)*)"/g)) {
      out += m[1] ?? m[2] ?? m[3]!.replace(/\\(.)/g, '$1');
    }
    return out.replace(/\[\[/g, '[').replace(/\]\]/g, ']');
  };
  const out: Array<[string, string]> = [];
  for (const m of body.matchAll(re)) {
    const a = unq(m[1]!);
    if (a.includes('$')) continue; // built by the shell; covered below
    out.push([a, unq(m[2]!)]);
  }
  return out;
}

test('action parsing errors from ofp-actions.at', { skip: !OVS_TESTS_DIR }, () => {
  const fails: string[] = [];
  let pass = 0;
  const cases = badActionCases();
  assert.ok(cases.length > 20, `${cases.length} cases`);
  for (const [acts, exp] of cases) {
    const r = parseInstructions(acts);
    const got = typeof r === 'string' ? r : 'OK';
    if (got === exp) pass++; else fails.push(`${acts}\n want: ${exp}\n  got: ${got}`);
  }
  assert.deepEqual(fails, [], `${pass} passed`);
});

test('nesting depth and size limits', () => {
  assert.equal(parseInstructions('write_actions('.repeat(100)), 'Action nested too deeply');
});

test('learn builds the flow to install from a packet', async () => {
  const { learnExecute } = await import('./ofp-actions-nx.js');
  const { formatMatch } = await import('./match-format.js');
  const { newFlow, FL, put16 } = await import('./flow.js');
  const r = parseActions('learn(table=2,hard_timeout=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_NX_REG1[]->NXM_NX_REG2[],output:NXM_OF_IN_PORT[])');
  assert.ok(typeof r !== 'string');
  const learn = r.ofpacts[0]!;
  assert.equal(learn.type, 'LEARN');
  const flow = newFlow();
  flow.set([0, 1, 2, 3, 4, 5], FL.DL_SRC);
  put16(flow, FL.VLANS + 2, 0x1064);
  put16(flow, FL.IN_PORT + 2, 7);
  flow.set([0, 0, 0, 9], FL.REGS + 4);
  const lf = learnExecute(learn as Parameters<typeof learnExecute>[0], flow);
  assert.equal(lf.tableId, 2);
  assert.equal(lf.hardTimeout, 10);
  assert.equal(formatMatch(lf.match), 'vlan_tci=0x0064/0x0fff,dl_dst=00:01:02:03:04:05');
  assert.equal(formatActions(lf.ofpacts), 'load:0x9->NXM_NX_REG2[],output:7');
});
