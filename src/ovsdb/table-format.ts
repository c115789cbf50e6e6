/* table-format: tables of cells printed as OVS's tools print them (OVS's
 * lib/table.c): "table" (aligned columns under dashed headings), "list"
 * ("heading : value" lines), "html", "csv" and "json".
 *
 * A cell holds either text or a JSON value with an optional OVSDB column
 * type; typed JSON is shown in the --data format ("string" as ovs-vsctl
 * writes values, "bare" without quotes and brackets, or "json").  Column
 * widths count bytes, as C's printf does.  ovsdb-client uses this module, and
 * so can ovs-vsctl's list/find --format.
 */
import { type Json, jsonToString } from '../lib/json.js';
import { type Datum, datumFromJson, datumToBare, datumToJson, datumToString } from './datum.js';
import type { Type } from './types.js';
import { uuidIsPrefix } from './uuid.js';

export type TableFormat = 'table' | 'list' | 'html' | 'csv' | 'json';
export type CellFormat = 'string' | 'bare' | 'json';

/** How to print (OVS's struct table_style). */
export interface TableStyle {
  format: TableFormat;
  cellFormat: CellFormat;
  headings: boolean;
  /** Widest a "table" column may be (0 or less: no limit). */
  maxColumnWidth: number;
  /** JSSF_PRETTY for JSON output (which OVS's tools always sort). */
  pretty: boolean;
}

/** OVS's TABLE_STYLE_DEFAULT. */
export function defaultTableStyle(): TableStyle {
  return { format: 'list', cellFormat: 'string', headings: true, maxColumnWidth: -1, pretty: false };
}

/** One cell: text, a datum of 'type' (ovs-vsctl's cells), or JSON (shown
 * per the style when 'type' is known; ovsdb-client's cells). */
export interface Cell {
  text?: string;
  datum?: Datum;
  json?: Json;
  type?: Type;
}

/** Parses a --format argument; returns an error text for an unknown one. */
export function parseTableFormat(s: string): TableFormat | { error: string } {
  return (['table', 'list', 'html', 'csv', 'json'] as const).find((f) => f === s)
    ?? { error: `unknown output format "${s}"` };
}

/** Parses a --data argument; returns an error text for an unknown one. */
export function parseCellFormat(s: string): CellFormat | { error: string } {
  return (['string', 'bare', 'json'] as const).find((f) => f === s)
    ?? { error: `unknown data format "${s}"` };
}

/** Help text for the table options (OVS's table_usage()). */
export function tableUsage(): string {
  return `
Output formatting options:
  -f, --format=FORMAT         set output formatting to FORMAT
                              ("table", "html", "csv", or "json")
  -d, --data=FORMAT           set table cell output formatting to
                              FORMAT ("string", "bare", or "json")
  --no-headings               omit table heading row
  --pretty                    pretty-print JSON in output
  --bare                      equivalent to "--format=list --data=bare --no-headings"
`;
}

/** True before the first table of the process is printed (OVS separates
 * tables after the first with a blank line). */
let firstTable = true;

/** Forgets that a table was printed (OVS's table_format_reset()). */
export function tableFormatReset(): void { firstTable = true; }

function cellText(cell: Cell, style: TableStyle): string {
  if (cell.text !== undefined) return cell.text;
  if (cell.datum && cell.type) {
    const d = cell.datum, t = cell.type;
    return style.cellFormat === 'json' ? jsonToString(datumToJson(d, t), { sort: true })
      : style.cellFormat === 'bare' ? datumToBare(d, t) : datumToString(d, t);
  }
  if (cell.json === undefined) {
    cell.text = '';
  } else if (style.cellFormat === 'json' || !cell.type) {
    cell.text = jsonToString(cell.json, { sort: true });
  } else {
    try {
      const d = datumFromJson(cell.type, cell.json, null);
      cell.text = style.cellFormat === 'string' ? datumToString(d, cell.type) : datumToBare(d, cell.type);
    } catch {
      cell.text = jsonToString(cell.json, { sort: true });
    }
  }
  return cell.text;
}

function byteLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s);
  }
  return n;
}

/** printf("%-*.*s", w, w, s) in bytes. */
function padTruncate(s: string, w: number): string {
  const n = byteLength(s);
  if (n === s.length) {
    return s.length > w ? s.slice(0, w) : s + ' '.repeat(w - s.length);
  }
  const b = Buffer.from(s);
  if (b.length > w) return b.subarray(0, w).toString('latin1') === '' ? '' : b.subarray(0, w).toString();
  return s + ' '.repeat(w - b.length);
}

function wallTimestamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} `
    + `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

/** A table being built: add columns, then rows of cells (OVS's struct table). */
export class Table {
  readonly headings: string[] = [];
  readonly rows: Cell[][] = [];
  caption: string | null = null;
  timestamp = false;

  addColumn(heading: string): void { this.headings.push(heading); }

  /** Starts a new row; its cells are added with addCell(). */
  addRow(): void { this.rows.push([]); }

  /** Adds the next cell of the current row and returns it for filling in. */
  addCell(cell: Cell = {}): Cell {
    this.rows[this.rows.length - 1]!.push(cell);
    return cell;
  }

  private cell(y: number, x: number): Cell {
    const row = this.rows[y]!;
    let c = row[x];
    if (!c) { c = {}; row[x] = c; }
    return c;
  }

  /** The table formatted per 'style' (what table_print() writes). */
  format(style: TableStyle): string {
    switch (style.format) {
      case 'table': return this.formatTable(style);
      case 'list': return this.formatList(style);
      case 'html': return this.formatHtml(style);
      case 'csv': return this.formatCsv(style);
      case 'json': return this.formatJson(style);
    }
  }

  /** Writes format(style) to stdout. */
  print(style: TableStyle): void {
    process.stdout.write(this.format(style));
  }

  private preamble(out: string[]): void {
    if (firstTable) firstTable = false;
    else out.push('\n');
    if (this.timestamp) out.push(wallTimestamp() + '\n');
    if (this.caption !== null) out.push(this.caption + '\n');
  }

  private formatTable(style: TableStyle): string {
    const out: string[] = [];
    this.preamble(out);
    const n = this.headings.length;
    const widths: number[] = [];
    for (let x = 0; x < n; x++) {
      let w = 0;
      for (let y = 0; y < this.rows.length; y++) {
        const len = byteLength(cellText(this.cell(y, x), style));
        if (len > w) w = len;
      }
      if (style.maxColumnWidth > 0 && w > style.maxColumnWidth) w = style.maxColumnWidth;
      if (style.headings) w = Math.max(w, byteLength(this.headings[x]!));
      widths.push(w);
    }
    const line = (parts: string[]) => out.push(parts.join(' ').replace(/ +$/, '') + '\n');
    if (style.headings) {
      line(this.headings.map((h, x) => h + ' '.repeat(Math.max(0, widths[x]! - byteLength(h)))));
      line(widths.map((w) => '-'.repeat(w)));
    }
    for (let y = 0; y < this.rows.length; y++) {
      const parts: string[] = [];
      for (let x = 0; x < n; x++) parts.push(padTruncate(cellText(this.cell(y, x), style), widths[x]!));
      line(parts);
    }
    return out.join('');
  }

  private formatList(style: TableStyle): string {
    const out: string[] = [];
    this.preamble(out);
    for (let y = 0; y < this.rows.length; y++) {
      if (y > 0) out.push('\n');
      for (let x = 0; x < this.headings.length; x++) {
        const text = cellText(this.cell(y, x), style);
        if (style.headings) out.push(this.headings[x]!.padEnd(20) + ': ');
        out.push(text + '\n');
      }
    }
    return out.join('');
  }

  private formatHtml(style: TableStyle): string {
    const out: string[] = [];
    if (this.timestamp) out.push(wallTimestamp() + '\n');
    out.push('<table border=1>\n');
    if (this.caption !== null) out.push(htmlCell('caption', this.caption));
    if (style.headings) {
      out.push('  <tr>\n');
      for (const h of this.headings) out.push(htmlCell('th', h));
      out.push('  </tr>\n');
    }
    for (let y = 0; y < this.rows.length; y++) {
      out.push('  <tr>\n');
      for (let x = 0; x < this.headings.length; x++) {
        const content = cellText(this.cell(y, x), style);
        if (this.headings[x] === '_uuid') {
          out.push(`    <td><a name="${escapeHtml(content)}">${escapeHtml(content.slice(0, 8))}</a></td>\n`);
        } else {
          out.push(htmlCell('td', content));
        }
      }
      out.push('  </tr>\n');
    }
    out.push('</table>\n');
    return out.join('');
  }

  private formatCsv(style: TableStyle): string {
    const out: string[] = [];
    this.preamble(out);
    if (style.headings) out.push(this.headings.map(csvCell).join(',') + '\n');
    for (let y = 0; y < this.rows.length; y++) {
      const parts: string[] = [];
      for (let x = 0; x < this.headings.length; x++) parts.push(csvCell(cellText(this.cell(y, x), style)));
      out.push(parts.join(',') + '\n');
    }
    return out.join('');
  }

  private formatJson(style: TableStyle): string {
    const json: { [k: string]: Json } = {};
    if (this.caption !== null) json['caption'] = this.caption;
    if (this.timestamp) json['time'] = wallTimestamp();
    json['headings'] = this.headings.slice();
    json['data'] = this.rows.map((row, y) => this.headings.map((_h, x) => {
      const c = row[x] ?? this.cell(y, x);
      return c.text !== undefined ? c.text : c.datum && c.type ? datumToJson(c.datum, c.type)
        : c.json !== undefined ? c.json : null;
    }));
    return jsonToString(json, { sort: true, pretty: style.pretty }) + '\n';
  }
}

function escapeHtml(s: string): string {
  return /[&<>"]/.test(s)
    ? s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'))
    : s;
}

function htmlCell(element: string, content: string): string {
  let body = '';
  for (let p = 0; p < content.length;) {
    if (uuidIsPrefix(content.slice(p, p + 36))) {
      body += `<a href="#${content.slice(p, p + 36)}">${content.slice(p, p + 8)}</a>`;
      p += 36;
    } else {
      body += escapeHtml(content[p]!);
      p++;
    }
  }
  return `    <${element}>${body}</${element}>\n`;
}

function csvCell(s: string): string {
  return /[\n",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
