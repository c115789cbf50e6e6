// Runs the `ovs-ofctl ofp-print` cases of OVS's tests/ofp-print.at (and, as
// a bonus figure, ofp-errors.at) through our ofpToString in-process, parsing
// the Autotest file at test time.  Passes when every case of ofp-print.at
// matches byte for byte; prints the names of the cases that do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ofpToString } from '../src/openflow/ofp-print.js';
import { vlogSetConsoleWriter } from '../src/lib/vlog.js';

const SRC = '/tmp/ovs-src/openvswitch/tests';

/** One AT_CHECK of ovs-ofctl ofp-print. */
interface Case { name: string; args: string[]; stdout: string; stderr: string | null; script?: string; grep?: string }

/** Reads an m4-quoted argument starting at s[i] === '['; returns the text
 * (quotes removed, nesting kept) and the index after the closing ']'. */
function m4Arg(s: string, i: number): [string, number] {
  let depth = 0;
  let out = '';
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '[') { if (depth++ > 0) out += c; continue; }
    if (c === ']') { if (--depth === 0) return [out, i + 1]; out += c; continue; }
    out += c;
  }
  return [out, i];
}

/** Splits AT_CHECK's argument list. */
function checkArgs(s: string, i: number): [string[], number] {
  const args: string[] = [];
  // s[i] is '(' of AT_CHECK(
  i++;
  for (;;) {
    while (/\s/.test(s[i]!)) i++;
    if (s[i] === '[') {
      const [a, j] = m4Arg(s, i);
      args.push(a);
      i = j;
    } else {
      let a = '';
      while (s[i] !== ',' && s[i] !== ')') a += s[i++];
      args.push(a.trim());
    }
    while (/\s/.test(s[i]!)) i++;
    if (s[i] === ',') { i++; continue; }
    return [args, i + 1];
  }
}

function undnl(text: string): string {
  // m4 drops "dnl" through the end of its line wherever it appears, and
  // quadrigraphs stand for characters that m4 would otherwise interpret.
  return text.replace(/\bdnl\b[^\n]*\n/g, '')
    .replace(/@<:@/g, '[').replace(/@:>@/g, ']').replace(/@\{:@/g, '(').replace(/@:\}@/g, ')')
    .replace(/@S\|@/g, '$').replace(/@%:@/g, '#').replace(/@&t@/g, '');
}

/** The text of an expected-output argument: Autotest expands it once more,
 * which removes one more level of m4 quotes ([[x]] -> [x], [x] -> x). */
function unquote(text: string): string {
  let out = '';
  let depth = 0;
  for (const c of text) {
    if (c === '[') { if (depth++ > 0) out += c; continue; }
    if (c === ']') { if (--depth > 0) out += c; continue; }
    out += c;
  }
  return out;
}

/** Splits a shell command line (quotes, backslash-newline) into words. */
function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (c === '\\' && cmd[i + 1] === '\n') { i++; continue; }
    if (c === '"') {
      cur ??= '';
      for (i++; i < cmd.length && cmd[i] !== '"'; i++) {
        if (cmd[i] === '\\' && cmd[i + 1] === '\n') { i++; continue; }
        if (cmd[i] === '\\' && '"\\$`'.includes(cmd[i + 1]!)) { cur += cmd[++i]; continue; }
        cur += cmd[i];
      }
      continue;
    }
    if (c === "'") {
      cur ??= '';
      for (i++; i < cmd.length && cmd[i] !== "'"; i++) cur += cmd[i];
      continue;
    }
    if (/\s/.test(c)) { if (cur !== null) { words.push(cur); cur = null; } continue; }
    cur = (cur ?? '') + c;
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** Extracts every ofp-print check from an .at file. */
export function parseAt(text: string): Case[] {
  const cases: Case[] = [];
  const setupRe = /AT_SETUP\(\[([^\]]*)\]\)/g;
  const setups: { name: string; start: number }[] = [];
  for (let m; (m = setupRe.exec(text));) setups.push({ name: m[1]!, start: m.index });
  setups.forEach((su, k) => {
    const end = k + 1 < setups.length ? setups[k + 1]!.start : text.length;
    const body = text.slice(su.start, end);
    let n = 0;
    let pos = 0;
    for (;;) {
      const at = body.indexOf('AT_CHECK(', pos);
      if (at < 0) break;
      const [args, next] = checkArgs(body, at + 8);
      pos = next;
      const cmd = undnl(args[0] ?? '');
      if (!/^ovs-ofctl\b.*\bofp-print\b/s.test(cmd)) continue;
      n++;
      const words = shellWords(cmd);
      const k2 = words.indexOf('ofp-print');
      const c: Case = {
        name: n > 1 ? `${su.name} #${n}` : su.name,
        args: words.slice(k2 + 1, words.includes('|') ? words.indexOf('|') : undefined),
        stdout: undnl(unquote(args[2] ?? '')),
        stderr: args[3] !== undefined ? undnl(unquote(args[3])) : null,
      };
      const pipe = words.indexOf('|');
      if (pipe >= 0 && words[pipe + 1] === 'grep' && words[pipe + 2] === '-q') c.grep = words[pipe + 3];
      if (c.args[0] === '-' ) {
        // Input and expected output are made by the shell code before the check.
        const kw = body.indexOf('AT_KEYWORDS');
        const from = body.indexOf('\n', kw) + 1;
        c.script = body.slice(from, at);
      }
      cases.push(c);
    }
  });
  return cases;
}

function runCase(c: Case): { ok: boolean; got: string; want: string } {
  let stdin: string | null = null;
  let want = c.stdout;
  if (c.script !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'ofp-print-at-'));
    try {
      execFileSync('bash', ['-c', c.script], { cwd: dir, stdio: 'ignore' });
      stdin = readFileSync(join(dir, 'in'), 'latin1');
      if (want === 'expout') want = readFileSync(join(dir, 'expout'), 'latin1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  let log = '';
  vlogSetConsoleWriter((line) => { log += line.replace(/^[^|]*\|[^|]*\|/, ''); });
  let got: string;
  try {
    let hex = c.args[0] === '-' ? stdin! : c.args[0] ?? '';
    const nl = hex.indexOf('\n');
    if (c.args[0] === '-' && nl >= 0) hex = hex.slice(0, nl);
    const bytes: number[] = [];
    let i = 0;
    for (;;) {
      while (i < hex.length && ' .\t\r\n'.includes(hex[i]!)) i++;
      const p = hex.substr(i, 2);
      if (!/^[0-9a-fA-F]{2}$/.test(p)) break;
      bytes.push(parseInt(p, 16));
      i += 2;
    }
    const verbosity = c.args.length > 1 ? parseInt(c.args[1]!, 10) : 2;
    got = ofpToString(Uint8Array.from(bytes), verbosity);
  } catch (e) {
    got = `EXCEPTION: ${(e as Error).stack}`;
  }
  let ok = c.grep !== undefined ? got.includes(c.grep) : got === want;
  if (ok && c.stderr !== null && c.stderr !== 'ignore' && c.stderr !== 'stderr' && c.stderr !== '') ok = log === c.stderr;
  return { ok, got, want };
}

function runFile(file: string): { pass: number; total: number; failed: string[] } {
  const cases = parseAt(readFileSync(file, 'utf8'));
  const failed: string[] = [];
  let pass = 0;
  for (const c of cases) {
    const r = runCase(c);
    if (r.ok) pass++;
    else {
      failed.push(c.name);
      if (process.env.OFP_PRINT_AT_DIFF) {
        console.log(`--- ${c.name}\n+++ want\n${r.want}+++ got\n${r.got}`);
      }
    }
  }
  return { pass, total: cases.length, failed };
}

const present = existsSync(join(SRC, 'ofp-print.at'));

test('ofp-print.at: every case prints as ovs-ofctl does', { skip: !present && 'OVS source not unpacked' }, () => {
  const r = runFile(join(SRC, 'ofp-print.at'));
  console.log(`ofp-print.at: ${r.pass}/${r.total} passed`);
  if (r.failed.length) console.log('failing:\n  ' + r.failed.join('\n  '));
  assert.ok(r.total > 200, `parsed only ${r.total} cases`);
  assert.deepEqual(r.failed, [], `${r.pass}/${r.total} pass`);
});

test('ofp-errors.at: ofp-print cases (reported)', { skip: !existsSync(join(SRC, 'ofp-errors.at')) && 'absent' }, () => {
  const r = runFile(join(SRC, 'ofp-errors.at'));
  console.log(`ofp-errors.at: ${r.pass}/${r.total} passed`);
  if (r.failed.length) console.log('failing:\n  ' + r.failed.join('\n  '));
  assert.ok(r.total > 10);
});
