import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atBlocks, atSection, OVS_TESTS_DIR } from '../../tests/helpers/ovs-at.js';
import {
  parseNxmCommand, parseOfp10MatchCommand, parseOfp11MatchCommand, parseActionsCommand, versionFromString,
} from './ofctl-flow-cmds.js';

const text = (lines: string[]): string => lines.map((l) => l + '\n').join('');

/** expout/input.txt of the "# expected" style tests, as their sed commands make them. */
function split(data: string[]): { input: string; expout: string } {
  const input = data.filter((l) => !/^[#&]/.test(l));
  const exp: string[] = [];
  for (const l of data) {
    if (l.startsWith('# ')) exp.push(l.slice(2));
    else if (l === '') exp.push('');
  }
  return { input: text(input), expout: text(exp) };
}

function diffText(want: string, got: string): string[] {
  const w = want.split('\n'), g = got.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(w.length, g.length) && out.length < 10; i++) {
    if (w[i] !== g[i]) out.push(`line ${i + 1}\n want: ${w[i]}\n  got: ${g[i]}`);
  }
  return out;
}

const NXM_TESTS: Array<[string, number]> = [
  ['ovs-ofctl parse-nx-match', 0], ['ovs-ofctl parse-nx-match loose', 0], ['ovs-ofctl parse-oxm (OpenFlow 1.2)', 0],
  ['ovs-ofctl parse-oxm (OpenFlow 1.3)', 0], ['ovs-ofctl parse-oxm (OpenFlow 1.5)', 0], ['ovs-ofctl parse-oxm loose', 0],
];

for (const [title] of NXM_TESTS) {
  test(`ovs-ofctl.at: ${title}`, { skip: !OVS_TESTS_DIR }, () => {
    const blocks = atBlocks('ovs-ofctl.at', title);
    const data = blocks.find((b) => b.kind === 'data')!;
    let n = 0;
    for (const check of blocks.filter((b) => b.kind === 'check')) {
      const m = /ovs-ofctl (.*?)parse-(nx-match|oxm)\s*(OpenFlow1\d)?/.exec(check.head);
      if (!m) continue;
      const strict = m[1]!.includes('--strict');
      const version = m[3] ? versionFromString(m[3]) : 0;
      const got = parseNxmCommand(text(data.body), { oxmVersion: version, strict });
      const want = text(check.body.map((l) => l.trimEnd()));
      assert.deepEqual(diffText(want, got), []);
      n++;
    }
    assert.ok(n > 0);
  });
}

test('ovs-ofctl.at: parse-ofp10-match and parse-ofp11-match', { skip: !OVS_TESTS_DIR }, () => {
  for (const [title, run] of [['ovs-ofctl parse-ofp10-match', parseOfp10MatchCommand],
    ['ovs-ofctl parse-ofp11-match', parseOfp11MatchCommand]] as const) {
    const data = atBlocks('ovs-ofctl.at', title).find((b) => b.kind === 'data')!;
    const { input, expout } = split(data.body);
    assert.deepEqual(diffText(expout, run(input)), [], title);
  }
});

test('ofp-actions.at: parse-actions and parse-instructions in every version', { skip: !OVS_TESTS_DIR }, () => {
  const titles = ['OpenFlow 1.0 action translation', 'OpenFlow 1.0 "instruction" translations',
    'OpenFlow 1.1 action translation', 'OpenFlow 1.1 instruction translation', 'OpenFlow 1.2 action translation',
    'OpenFlow 1.3 action translation', 'OpenFlow 1.5 action translation', 'reg_load <-> set_field translation corner case',
    'enqueue action for OF1.1+', 'mod_nw_ttl action for OF1.0', 'mod_nw_ecn action translation'];
  let n = 0;
  for (const title of titles) {
    const blocks = atBlocks('ofp-actions.at', title);
    const data = blocks.find((b) => b.kind === 'data');
    if (!data) continue;
    const { input, expout } = split(data.body);
    for (const m of atSection('ofp-actions.at', title).matchAll(/parse-(actions|instructions) (OpenFlow1\d)/g)) {
      const got = parseActionsCommand(input, m[2]!, m[1] === 'instructions');
      assert.deepEqual(diffText(expout, got), [], title);
      n++;
    }
  }
  assert.ok(n >= 7, `${n} command runs`);
});
