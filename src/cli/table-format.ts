/* table-format: tables of OVSDB data printed as OVS's tools print them
 * (lib/table.c): the output of `ovs-vsctl list/find` and `ovsdb-client
 * dump/transact`-style listings.
 *
 * An OutTable has headings and rows of cells; a cell holds either a datum
 * with its type (formatted per --data: string, bare or json) or fixed text.
 * tableFormat() renders it per --format: "table" (aligned columns), "list"
 * (one "heading : value" line per cell), "html", "csv" or "json".  Successive
 * tables in one run are separated by a blank line, as in OVS.  Widths count
 * bytes of UTF-8, like the C code.
 */
import { type Json, jsonToString } from '../lib/json.js';
import { type Datum, datumToBare, datumToJson, datumToString } from '../ovsdb/datum.js';
import type { Type } from '../ovsdb/types.js';
import { uuidIsPrefix, UUID_LEN } from '../ovsdb/uuid.js';

export type TableFormat = 'table' | 'list' | 'html' | 'csv' | 'json';
export type CellFormat = 'string' | 'bare' | 'json';

/** How tables are printed (--format, --data, --no-headings, --pretty, --max-column-width). */
export interface TableStyle {
  format: TableFormat;
  cellFormat: CellFormat;
  headings: boolean;
  pretty: boolean;
  maxColumnWidth: number;
}

/** OVS's TABLE_STYLE_DEFAULT: list format, string cells, with headings. */
export function defaultTableStyle(): TableStyle {
  return { format: 'list', cellFormat: 'string', headings: true, pretty: false, maxColumnWidth: 0 };
}

/** One cell: a datum of 'type', or fixed 'text'. */
export interface Cell {
  datum?: Datum;
  type?: Type;
  text?: string;
}

/** A table to print. */
export class OutTable {
  readonly headings: string[] = [];
  readonly rows: Cell[][] = [];
  caption: string | null = null;

  addColumn(heading: string): void { this.headings.push(heading); }
  /** Starts a new row and returns it; push one cell per column. */
  addRow(): Cell[] { const r: Cell[] = []; this.rows.push(r); return r; }
}

/** Parses a --format argument; returns null if unknown. */
export function parseTableFormat(s: string): TableFormat | null {
  return s === 'table' || s === 'list' || s === 'html' || s === 'csv' || s === 'json' ? s : null;
}

/** Parses a --data argument; returns null if unknown. */
export function parseCellFormat(s: string): CellFormat | null {
  return s === 'string' || s === 'bare' || s === 'json' ? s : null;
}

function cellText(cell: Cell, style: TableStyle): string {
  if (cell.text !== undefined) return cell.text;
  if (!cell.datum || !cell.type) return '';
  switch (style.cellFormat) {
    case 'json': return jsonToString(datumToJson(cell.datum, cell.type), { sort: true });
    case 'bare': return datumToBare(cell.datum, cell.type);
    default: return datumToString(cell.datum, cell.type);
  }
}

let firstTable = true;

/** Forgets that a table was printed (the next one gets no leading blank line). */
export function tableFormatReset(): void { firstTable = true; }

function byteLen(s: string): number {
  // Fast path for ASCII, the common case.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s);
  return s.length;
}

/** 's' padded with spaces (and cut, if 'cut') to 'width' bytes, like printf("%-*.*s"). */
function pad(s: string, width: number, cut: boolean): string {
  let n = byteLen(s);
  if (cut && n > width) {
    s = Buffer.from(s).subarray(0, width).toString('utf8');
    n = width;
  }
  return n < width ? s + ' '.repeat(width - n) : s;
}

function finishLine(line: string): string {
  return line.replace(/ +$/, '') + '\n';
}

function formatTable(t: OutTable, style: TableStyle, texts: string[][]): string {
  let s = '';
  if (t.caption) s += t.caption + '\n';
  const widths = t.headings.map((h, x) => {
    let w = 0;
    for (const row of texts) w = Math.max(w, byteLen(row[x]!));
    if (style.maxColumnWidth > 0 && w > style.maxColumnWidth) w = style.maxColumnWidth;
    if (style.headings) w = Math.max(w, byteLen(h));
    return w;
  });
  if (style.headings) {
    s += finishLine(t.headings.map((h, x) => pad(h, widths[x]!, false)).join(' '));
    s += finishLine(widths.map((w) => '-'.repeat(w)).join(' '));
  }
  for (const row of texts) s += finishLine(row.map((c, x) => pad(c, widths[x]!, true)).join(' '));
  return s;
}

function formatList(t: OutTable, style: TableStyle, texts: string[][]): string {
  let s = '';
  if (t.caption) s += t.caption + '\n';
  texts.forEach((row, y) => {
    if (y > 0) s += '\n';
    row.forEach((c, x) => {
      if (style.headings) s += pad(t.headings[x]!, 20, false) + ': ';
      s += c + '\n';
    });
  });
  return s;
}

function escapeHtml(s: string): string {
  return /[&<>"]/.test(s)
    ? s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'))
    : s;
}

function htmlCell(element: string, content: string): string {
  let s = `    <${element}>`;
  let p = 0;
  while (p < content.length) {
    if (uuidIsPrefix(content.slice(p, p + UUID_LEN))) {
      const u = content.slice(p, p + UUID_LEN);
      s += `<a href="#${u}">${u.slice(0, 8)}</a>`;
      p += UUID_LEN;
    } else {
      s += escapeHtml(content[p]!);
      p++;
    }
  }
  return s + `</${element}>\n`;
}

function formatHtml(t: OutTable, style: TableStyle, texts: string[][]): string {
  let s = '<table border=1>\n';
  if (t.caption) s += htmlCell('caption', t.caption);
  if (style.headings) {
    s += '  <tr>\n';
    for (const h of t.headings) s += htmlCell('th', h);
    s += '  </tr>\n';
  }
  for (const row of texts) {
    s += '  <tr>\n';
    row.forEach((c, x) => {
      if (t.headings[x] === '_uuid') {
        s += `    <td><a name="${escapeHtml(c)}">${escapeHtml(c.slice(0, 8))}</a></td>\n`;
      } else {
        s += htmlCell('td', c);
      }
    });
    s += '  </tr>\n';
  }
  return s + '</table>\n';
}

function csvCell(s: string): string {
  return /[\n",]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function formatCsv(t: OutTable, style: TableStyle, texts: string[][]): string {
  let s = '';
  if (t.caption) s += t.caption + '\n';
  if (style.headings) s += t.headings.map(csvCell).join(',') + '\n';
  for (const row of texts) s += row.map(csvCell).join(',') + '\n';
  return s;
}

function formatJson(t: OutTable, style: TableStyle): string {
  const o: { [k: string]: Json } = {};
  if (t.caption) o['caption'] = t.caption;
  o['headings'] = t.headings;
  o['data'] = t.rows.map((row) => row.map((c): Json =>
    c.text !== undefined ? c.text : c.datum && c.type ? datumToJson(c.datum, c.type) : null));
  return jsonToString(o, { sort: true, pretty: style.pretty }) + '\n';
}

/** Renders 't' in 'style' (OVS's table_format). */
export function tableFormat(t: OutTable, style: TableStyle): string {
  if (style.format === 'json') return formatJson(t, style);
  const texts = t.rows.map((row) => t.headings.map((_, x) => cellText(row[x] ?? {}, style)));
  if (style.format === 'html') return formatHtml(t, style, texts);
  const sep = firstTable ? '' : '\n';
  firstTable = false;
  switch (style.format) {
    case 'table': return sep + formatTable(t, style, texts);
    case 'csv': return sep + formatCsv(t, style, texts);
    default: return sep + formatList(t, style, texts);
  }
}

/** The "Output formatting options" part of --help. */
export function tableUsage(): string {
  return '\nOutput formatting options:\n' +
    '  -f, --format=FORMAT         set output formatting to FORMAT\n' +
    '                              ("table", "html", "csv", or "json")\n' +
    '  -d, --data=FORMAT           set table cell output formatting to\n' +
    '                              FORMAT ("string", "bare", or "json")\n' +
    '  --no-headings               omit table heading row\n' +
    '  --pretty                    pretty-print JSON in output\n' +
    '  --bare                      equivalent to "--format=list --data=bare --no-headings"\n';
}
