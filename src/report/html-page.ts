/**
 * The shell of a self-contained HTML report: inline CSS, inline SVG, no script, nothing fetched
 * (it must open from a mail attachment on an air-gapped cluster). `esc` is the one way text gets
 * into the page: control characters made visible (visible()), then HTML-escaped.
 */
import { visible } from '../shared/sanitize.ts';
import { VERSION } from '../shared/version.ts';

export function esc(s: string | number | null | undefined): string {
  return visible(String(s ?? '')).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escaped text with the Markdown of a findings line (`**bold**`, `` `code` ``) as HTML. */
export function inlineMarkdown(s: string): string {
  return esc(s)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

export function table(header: string[], rows: (string | number)[][], opts: { numeric?: number[]; rowClass?: (i: number) => string; raw?: number[] } = {}): string {
  const num = new Set(opts.numeric ?? []);
  const raw = new Set(opts.raw ?? []);
  const th = header.map((h, i) => `<th${num.has(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const body = rows
    .map((r, ri) => `<tr${opts.rowClass ? ` class="${opts.rowClass(ri)}"` : ''}>${r.map((v, i) => `<td${num.has(i) ? ' class="num"' : ''}>${raw.has(i) ? v : esc(v)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

export function figure(svg: string, attrs: Record<string, string>, caption?: string): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` data-${k}="${esc(v)}"`)
    .join('');
  const cap = caption ? `<figcaption>${caption.split('\n').map(esc).join('<br>')}</figcaption>` : '';
  return `<figure class="chart"${a}>${svg}${cap}</figure>`;
}

const CSS = `
:root { --fg:#1f2328; --muted:#57606a; --line:#d0d7de; --bg:#ffffff; --soft:#f6f8fa; --bad:#cf222e; --good:#1a7f37; --warn:#9a6700; --info:#0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--soft); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 48px; background: var(--bg); min-height: 100vh; box-shadow: 0 0 0 1px var(--line); }
header { border-bottom: 2px solid var(--fg); padding-bottom: 12px; margin-bottom: 8px; }
h1 { font-size: 24px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; }
.meta { color: var(--muted); margin: 0; font-size: 13px; }
.meta code { font-size: 12px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 1px 4px; border-radius: 4px; word-break: break-all; }
ul.findings { padding-left: 0; list-style: none; margin: 0; }
ul.findings li { border-left: 3px solid var(--warn); background: #fff8c5; padding: 6px 10px; margin: 6px 0; border-radius: 0 6px 6px 0; }
ul.findings li.more { background: var(--soft); border-color: var(--line); }
ul.findings li.more ul { margin-top: 6px; }
summary { cursor: pointer; color: var(--info); }
ul.findings li.problem { border-color: var(--bad); background: #ffebe9; }
p.ok { border-left: 3px solid var(--good); background: #dafbe1; padding: 6px 10px; border-radius: 0 6px 6px 0; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 5px 10px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfcfd; }
tr.flagged td { background: #fff8c5; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 16px; }
figure.chart { margin: 0; padding: 10px; border: 1px solid var(--line); border-radius: 6px; background: #fff; overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.v-regression { background: var(--bad); } .v-improvement { background: var(--good); } .v-unchanged { background: #6e7781; }
.v-inconclusive { background: var(--warn); } .v-missing { background: #8250df; }
.banner { font-size: 16px; margin: 14px 0; padding: 10px 14px; border-radius: 6px; border: 1px solid var(--line); background: var(--soft); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { body { background: #fff; } main { box-shadow: none; max-width: none; } figure.chart { break-inside: avoid; } }
`;

export function page(title: string, meta: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dlperf-top ${esc(VERSION)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header><h1>${esc(title)}</h1><p class="meta">${meta}</p></header>
${body}
<footer>Generated by dlperf-top ${esc(VERSION)} on ${esc(new Date().toISOString().replace('T', ' ').slice(0, 16))} UTC. Self-contained: no script, nothing fetched.</footer>
</main>
</body>
</html>
`;
}
