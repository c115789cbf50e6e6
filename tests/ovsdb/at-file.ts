/* at-file: reads the test cases of OVS's tests/ovsdb-*.at files (Autotest,
 * i.e. m4 macros around shell commands) well enough to rerun the checks that
 * call test-ovsdb: OVSDB_CHECK_POSITIVE[_CPY], OVSDB_CHECK_NEGATIVE[_CPY],
 * OVSDB_CHECK_EXECUTION[_RO] and OVSDB_CHECK_TRIGGER.  It emulates just
 * enough m4 (argument collection, quote removal, dnl, quadrigraphs) and shell
 * (quoting, line continuation, `function` substitution for the schema helper
 * functions the files define) to recover the argv and the expected output.
 */

/** One check to run. */
export interface AtCase {
  file: string;
  title: string;
  kind: 'positive' | 'negative' | 'execution' | 'trigger';
  argv: string[];
  /** Expected stdout (positive), stderr substring (negative) or uuid-filtered stdout. */
  expected: string;
}

/** Collects the arguments of the macro call whose '(' is at 'start'; returns args and end index. */
function collectArgs(s: string, start: number): { args: string[]; end: number } {
  const args: string[] = [];
  let cur = '';
  let depth = 0;
  let paren = 0;
  let i = start + 1;
  const skipWs = (): void => { while (i < s.length && /\s/.test(s[i]!)) i++; };
  skipWs();
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (depth > 0) {
      if (c === '[') depth++;
      else if (c === ']') depth--;
      cur += c;
    } else if (c === '[') {
      depth++; cur += c;
    } else if (c === '(') {
      paren++; cur += c;
    } else if (c === ')') {
      if (paren === 0) { args.push(cur); return { args, end: i + 1 }; }
      paren--; cur += c;
    } else if (c === ',' && paren === 0) {
      args.push(cur); cur = '';
      i++; skipWs(); i--;
    } else {
      cur += c;
    }
  }
  throw new Error('unterminated macro call');
}

/** Removes one level of m4 quotes. */
export function unquote(s: string): string {
  let out = '';
  let depth = 0;
  for (const c of s) {
    if (c === '[') { if (depth++ > 0) out += c; } else if (c === ']') { if (--depth > 0) out += c; } else out += c;
  }
  return out;
}

function quadrigraphs(s: string): string {
  return s.replace(/@<:@/g, '[').replace(/@:>@/g, ']').replace(/@S\|@/g, '$')
    .replace(/@%:@/g, '#').replace(/@&t@/g, '');
}

/** Splits a list at top-level commas (m4_foreach). */
function splitList(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of s) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (c === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += c;
  }
  if (cur.trim()) out.push(cur);
  return out.map((e) => e.replace(/^\s+/, ''));
}

/** Shell word splitting with quotes, escapes, line continuations and `func` substitution. */
export function shellWords(s: string, funcs: Map<string, string>): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  let i = 0;
  const subst = (cmd: string): string => {
    const out = funcs.get(cmd.trim());
    if (out === undefined) throw new Error(`unknown shell function ${cmd}`);
    return out.replace(/\n+$/, '');
  };
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (cur !== null) { words.push(cur); cur = null; }
      i++;
    } else if (c === '\\') {
      if (s[i + 1] === '\n') i += 2;
      else { cur = (cur ?? '') + (s[i + 1] ?? ''); i += 2; }
    } else if (c === "'") {
      const j = s.indexOf("'", i + 1);
      cur = (cur ?? '') + s.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      i++;
      cur = cur ?? '';
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && '"\\$`\n'.includes(s[i + 1] ?? '')) {
          if (s[i + 1] !== '\n') cur += s[i + 1];
          i += 2;
        } else if (s[i] === '`') {
          const j = s.indexOf('`', i + 1);
          cur += subst(s.slice(i + 1, j));
          i = j + 1;
        } else {
          cur += s[i++];
        }
      }
      i++;
    } else if (c === '`') {
      const j = s.indexOf('`', i + 1);
      cur = (cur ?? '') + subst(s.slice(i + 1, j));
      i = j + 1;
    } else if (c === ';') {
      if (cur !== null) { words.push(cur); cur = null; }
      words.push(';');
      i++;
    } else {
      cur = (cur ?? '') + c;
      i++;
    }
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** The shell functions "name () { cat <<'EOF' ... EOF }" defined in an .at file. */
export function shellFunctions(text: string): Map<string, string> {
  const m = new Map<string, string>();
  const re = /^(\w+) \(\) \{\s*\n\s*cat <<\s*'EOF'\n([\s\S]*?)\nEOF\n\}/gm;
  for (let r = re.exec(text); r; r = re.exec(text)) m.set(r[1]!, r[2]! + '\n');
  return m;
}

const MACROS = /^(OVSDB_CHECK_POSITIVE_CPY|OVSDB_CHECK_POSITIVE|OVSDB_CHECK_NEGATIVE_CPY|OVSDB_CHECK_NEGATIVE|OVSDB_CHECK_EXECUTION_RO|OVSDB_CHECK_EXECUTION|OVSDB_CHECK_TRIGGER)\(/gm;

/** Extracts the test-ovsdb checks from the text of an .at file. */
export function parseAtFile(file: string, raw: string, shared?: Map<string, string>): AtCase[] {
  const funcs = new Map([...(shared ?? []), ...shellFunctions(raw)]);
  // dnl discards the rest of the line, newline included.
  const text = raw.replace(/(?<!\w)dnl\b[^\n]*\n/g, '');
  const cases: AtCase[] = [];
  for (let m = MACROS.exec(text); m; m = MACROS.exec(text)) {
    const macro = m[1]!;
    // Skip the macro definitions themselves.
    if (text.slice(Math.max(0, m.index - 12), m.index).includes('m4_define([')) continue;
    const { args, end } = collectArgs(text, m.index + macro.length);
    MACROS.lastIndex = end;
    const title = quadrigraphs(unquote(args[0] ?? ''));
    const two = (s: string | undefined): string => quadrigraphs(unquote(unquote(s ?? '')));
    try {
      if (macro.startsWith('OVSDB_CHECK_POSITIVE') || macro.startsWith('OVSDB_CHECK_NEGATIVE')) {
        const argv = shellWords(two(args[1]), funcs);
        const negative = macro.startsWith('OVSDB_CHECK_NEGATIVE');
        cases.push({ file, title, kind: negative ? 'negative' : 'positive', argv,
                     expected: negative ? two(args[2]) : two(args[2]) + '\n' });
      } else if (macro.startsWith('OVSDB_CHECK_EXECUTION')) {
        const schema = shellWords(`"\`${unquote(args[1] ?? '').trim()}\`"`, funcs)[0]!;
        const txns = splitList(unquote(args[2] ?? '')).map((t) => quadrigraphs(unquote(unquote(t))));
        const cmd = macro.endsWith('_RO') ? 'execute-readonly' : 'execute';
        cases.push({ file, title, kind: 'execution', argv: [cmd, schema, ...txns], expected: two(args[3]) });
      } else {
        const argv = ['trigger', ...shellWords(two(args[1]), funcs)];
        cases.push({ file, title, kind: 'trigger', argv, expected: two(args[2]) });
      }
    } catch (e) {
      cases.push({ file, title: `${title} (unparsable: ${(e as Error).message})`, kind: 'positive', argv: [], expected: '' });
    }
  }
  return cases;
}

/** OVS's tests/uuidfilt.py: UUIDs become <0>, <1>, ... in order of appearance; sets of them get sorted. */
export function uuidfilt(text: string): string {
  const uuids = new Map<string, number>();
  const re = /[0-9a-fA-F]{8}(?<!ffffffff)-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
  const setRe = /(\["set",\[(,?\["uuid","<\d+>"\])+\]\])/g;
  return text.split(/(?<=\n)/).map((line) => {
    line = line.replace(re, (u) => {
      let n = uuids.get(u);
      if (n === undefined) { n = uuids.size; uuids.set(u, n); }
      return `<${n}>`;
    });
    return line.replace(setRe, (s) => {
      const ns = [...s.matchAll(/\d+/g)].map((x) => Number(x[0])).sort((a, b) => a - b);
      return '["set",[' + ns.map((x) => `["uuid","<${x}>"]`).join(',') + ']]';
    });
  }).join('');
}
