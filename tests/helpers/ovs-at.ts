/* ovs-at: reads test vectors out of OVS's autotest files (tests/*.at).
 *
 * Unit tests of the OpenFlow layer compare against the expectations OVS
 * itself checks: atBlocks() finds one AT_SETUP by title and returns its
 * AT_DATA files and AT_CHECK expected outputs as lines, with autotest
 * quadrigraphs (@<:@ for "[", @:>@ for "]") decoded.  When the OVS source
 * tree is absent, OVS_TESTS_DIR is null and such tests skip.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Directory of OVS's tests/*.at files, or null if not installed. */
export const OVS_TESTS_DIR: string | null = (() => {
  const d = process.env.OVS_SRC_TESTS ?? '/tmp/ovs-src/openvswitch/tests';
  return existsSync(join(d, 'ovs-ofctl.at')) ? d : null;
})();

/** One AT_DATA or AT_CHECK block with a "[dnl" body. */
export interface AtBlock { kind: 'data' | 'check'; head: string; body: string[] }

function unquad(s: string): string {
  return s.replace(/@<:@/g, '[').replace(/@:>@/g, ']').replace(/@S\|@/g, '$').replace(/@%:@/g, '#');
}

/** The blocks of test 'title' in file 'name' (e.g. "ovs-ofctl.at"). */
export function atBlocks(name: string, title: string): AtBlock[] {
  if (!OVS_TESTS_DIR) return [];
  const lines = readFileSync(join(OVS_TESTS_DIR, name), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`AT_SETUP([${title}])`));
  if (start < 0) throw new Error(`no test "${title}" in ${name}`);
  const out: AtBlock[] = [];
  for (let i = start + 1; i < lines.length && !lines[i]!.startsWith('AT_CLEANUP'); i++) {
    const l = lines[i]!;
    const kind = l.includes('AT_DATA(') ? 'data' : l.includes('AT_CHECK(') ? 'check' : null;
    if (!kind) continue;
    let head = l;
    while (!head.trimEnd().endsWith('[dnl') && i + 1 < lines.length && !lines[i]!.includes('AT_CLEANUP')) {
      if (/\]\)\s*$/.test(lines[i]!) && !lines[i]!.includes('[dnl')) break;
      i++;
      head += '\n' + lines[i]!;
    }
    if (!head.trimEnd().endsWith('[dnl')) continue;
    const body: string[] = [];
    let pending = '';
    for (i++; i < lines.length && !lines[i]!.startsWith(']'); i++) {
      const t = lines[i]!;
      if (t.startsWith('dnl')) continue; // m4 comment line
      // "text dnl" at the end of a line joins it with the next line.
      const m = /^(.*?)\bdnl\s*$/.exec(t);
      if (m) { pending += m[1]!; continue; }
      body.push(unquad(pending + t));
      pending = '';
    }
    out.push({ kind, head, body });
  }
  return out;
}

/** One case of a "# expected output" + input-line test (parse-actions style). */
export interface AtCase { expected: string[]; input: string; stderr: string[] }

/**
 * The cases of a test whose AT_DATA holds "# " expected-output lines, "& "
 * expected-stderr lines and then one input line, as OVS's parse-actions and
 * parse-ofpXX-match tests do.
 */
export function atCases(name: string, title: string): AtCase[] {
  const data = atBlocks(name, title).find((b) => b.kind === 'data');
  if (!data) return [];
  const out: AtCase[] = [];
  let exp: string[] = [], err: string[] = [];
  for (const l of data.body) {
    if (l.startsWith('# ')) exp.push(l.slice(2));
    else if (l.startsWith('&')) err.push(l.slice(2));
    else if (l.trim() === '') continue;
    else { out.push({ expected: exp, input: l, stderr: err }); exp = []; err = []; }
  }
  return out;
}

/** The raw text of test 'title' in file 'name', from AT_SETUP to AT_CLEANUP. */
export function atSection(name: string, title: string): string {
  if (!OVS_TESTS_DIR) return '';
  const text = readFileSync(join(OVS_TESTS_DIR, name), 'utf8');
  const start = text.indexOf(`AT_SETUP([${title}])`);
  if (start < 0) throw new Error(`no test "${title}" in ${name}`);
  return text.slice(start, text.indexOf('AT_CLEANUP', start));
}
