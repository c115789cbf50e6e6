/* getopt-long: command-line option parsing as glibc's getopt_long() does it,
 * the way every Open vSwitch program parses its options.
 *
 * Behaviour that matters for compatible tools: options and operands may be
 * mixed (operands are collected, "--" ends options), long options may be
 * abbreviated to any unambiguous prefix, "--opt=value" or "--opt value" for
 * required arguments but only "--opt=value" for optional ones, short options
 * cluster ("-mm") and take attached or following arguments.  Error texts are
 * glibc's, without the program name (callers add "program: ").
 * Also here: OVS's ovs_cmdl_print_options() text (the --option listing).
 */

/** One long option (and optionally its one-letter short form). */
export interface LongOption {
  name: string;
  arg: 'none' | 'required' | 'optional';
  /** Short option letter, if any. */
  short?: string;
}

/** One parsed option occurrence. */
export interface ParsedOption {
  /** The long name of the option. */
  name: string;
  /** Its argument, if it took one. */
  value?: string;
}

/** The result of getoptLong(): options in order, then the operands. */
export interface GetoptResult {
  options: ParsedOption[];
  operands: string[];
}

/** Thrown for a usage error; 'message' is glibc's text. */
export class GetoptError extends Error {}

/** Parses 'argv' (without the program name) against 'options'. */
export function getoptLong(argv: readonly string[], options: readonly LongOption[]): GetoptResult {
  const result: GetoptResult = { options: [], operands: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      result.operands.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const value = eq >= 0 ? a.slice(eq + 1) : undefined;
      const opt = findLong(name, options);
      if (opt.arg === 'none') {
        if (value !== undefined) throw new GetoptError(`option '--${opt.name}' doesn't allow an argument`);
        result.options.push({ name: opt.name });
      } else if (opt.arg === 'optional') {
        result.options.push(value !== undefined ? { name: opt.name, value } : { name: opt.name });
      } else if (value !== undefined) {
        result.options.push({ name: opt.name, value });
      } else if (i + 1 < argv.length) {
        result.options.push({ name: opt.name, value: argv[++i]! });
      } else {
        throw new GetoptError(`option '--${opt.name}' requires an argument`);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const opt = options.find((o) => o.short === c);
        if (!opt) throw new GetoptError(`invalid option -- '${c}'`);
        if (opt.arg === 'none') {
          result.options.push({ name: opt.name });
          continue;
        }
        const rest = a.slice(j + 1);
        if (rest.length > 0) {
          result.options.push({ name: opt.name, value: rest });
        } else if (opt.arg === 'optional') {
          result.options.push({ name: opt.name });
        } else if (i + 1 < argv.length) {
          result.options.push({ name: opt.name, value: argv[++i]! });
        } else {
          throw new GetoptError(`option requires an argument -- '${c}'`);
        }
        break;
      }
      continue;
    }
    result.operands.push(a);
  }
  return result;
}

function findLong(name: string, options: readonly LongOption[]): LongOption {
  const exact = options.find((o) => o.name === name);
  if (exact) return exact;
  const matches = options.filter((o) => o.name.startsWith(name));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new GetoptError(`unrecognized option '--${name}'`);
  // glibc accepts several matches that all mean the same thing.
  const first = matches[0]!;
  if (matches.every((m) => m.arg === first.arg && m.short === first.short && m.short !== undefined)) return first;
  throw new GetoptError(`option '--${name}' is ambiguous; possibilities:${matches.map((m) => ` '--${m.name}'`).join('')}`);
}

/** The text OVS's ovs_cmdl_print_options() prints for --option. */
export function printOptionsText(options: readonly LongOption[]): string {
  let s = '';
  for (const o of options) {
    const arg = o.arg === 'required' ? 'ARG' : o.arg === 'optional' ? '[ARG]' : '';
    s += `--${o.name}${arg ? '=' : ''}${arg}\n`;
    if (o.short) s += `-${o.short} ${arg}\n`;
  }
  return s;
}
