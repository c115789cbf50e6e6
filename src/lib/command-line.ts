/* command-line: getopt_long as OVS's tools use it.
 *
 * Long options match on unique prefixes, "--opt=value" and "--opt value" both
 * work for required arguments, optional arguments only as "--opt=value",
 * clustered short options ("-vh"), and "--" ends the options.  Errors read like
 * GNU getopt's and are returned, not printed, so callers can exit as the real
 * tool does.
 */

/* Also here: ovs_cmdl_print_options(), the option listing of --option. */

export type ArgKind = 'none' | 'required' | 'optional';

export interface OptionSpec {
  /** Long name without dashes, e.g. "pidfile". */
  name: string;
  /** Single-letter short option, if any. */
  short?: string;
  arg: ArgKind;
}

export interface ParsedOption {
  name: string;
  value: string | undefined;
}

export interface ParseResult {
  options: ParsedOption[];
  args: string[];
  error?: string;
}

/** Parses 'argv' (without node and script).  With 'stopAtNonOption' (getopt's
 * leading '+'), the first non-option argument ends option processing;
 * otherwise options and arguments may be mixed (GNU permutation). */
export function parseCommandLine(argv: string[], specs: OptionSpec[], stopAtNonOption = false): ParseResult {
  const options: ParsedOption[] = [];
  const args: string[] = [];
  const fail = (error: string): ParseResult => ({ options, args, error });

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { args.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const exact = specs.find((s) => s.name === name);
      const candidates = exact ? [exact] : specs.filter((s) => s.name.startsWith(name));
      if (candidates.length === 0) return fail(`unrecognized option '--${name}'`);
      if (candidates.length > 1 && !sameOption(candidates)) {
        return fail(`option '--${name}' is ambiguous; possibilities:${candidates.map((c) => ` '--${c.name}'`).join('')}`);
      }
      const spec = candidates[0]!;
      let value: string | undefined;
      if (eq >= 0) {
        if (spec.arg === 'none') return fail(`option '--${spec.name}' doesn't allow an argument`);
        value = a.slice(eq + 1);
      } else if (spec.arg === 'required') {
        if (i + 1 >= argv.length) return fail(`option '--${spec.name}' requires an argument`);
        value = argv[++i];
      }
      options.push({ name: spec.name, value });
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const spec = specs.find((s) => s.short === c);
        if (!spec) return fail(`invalid option -- '${c}'`);
        if (spec.arg === 'none') { options.push({ name: spec.name, value: undefined }); continue; }
        if (j + 1 < a.length) { options.push({ name: spec.name, value: a.slice(j + 1) }); break; }
        if (spec.arg === 'optional') { options.push({ name: spec.name, value: undefined }); break; }
        if (i + 1 >= argv.length) return fail(`option requires an argument -- '${c}'`);
        options.push({ name: spec.name, value: argv[++i] });
        break;
      }
    } else {
      if (stopAtNonOption) { args.push(...argv.slice(i)); break; }
      args.push(a);
    }
  }
  return { options, args };
}

/** True if the prefix matches are spellings of one option (glibc takes the
 * first then: same argument kind and the same short letter). */
function sameOption(candidates: OptionSpec[]): boolean {
  const first = candidates[0]!;
  return first.short !== undefined && candidates.every((c) => c.arg === first.arg && c.short === first.short);
}

/** The listing OVS's ovs_cmdl_print_options() prints for --option: each long
 * option, and its short form (followed by a space) if it has one. */
export function printOptionsText(specs: readonly OptionSpec[]): string {
  let s = '';
  for (const o of specs) {
    const arg = o.arg === 'required' ? 'ARG' : o.arg === 'optional' ? '[ARG]' : '';
    s += `--${o.name}${arg ? '=' : ''}${arg}\n`;
    if (o.short) s += `-${o.short} ${arg}\n`;
  }
  return s;
}
