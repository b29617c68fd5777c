/**
 * Recipe templates: text with `{name}` placeholders.
 *
 * - A placeholder is `{` + a name (`[A-Za-z_][A-Za-z0-9_]*`) + `}`. Anything else in braces is
 *   literal text, so bash's `${VAR}`, `${VAR:-x}`, brace expansion `{a,b}` and awk's
 *   `'{print $1}'` pass through untouched. `{{` is a literal `{` (write `{{name}` to get `{name}`).
 * - In a command template (shell text), a placeholder must stand outside quotes: its value is
 *   quoted for you (quote.ts), and quoting it again would put the quote characters into the value.
 * - A placeholder whose value is a list (`[--use_fp16]`, `[]`) expands to that many quoted words
 *   and must therefore be a whole word of the command.
 *
 * Values are `static` (known when planning: quoted into the text) or `dynamic` (known only on the
 * node, e.g. the node rank inside a Slurm step: a shell variable reference we generate ourselves).
 * Pure: no IO.
 */
import { shQuote, shQuoteWords } from './quote.ts';

export type Piece = { kind: 'text'; text: string } | { kind: 'ph'; name: string; index: number; inQuotes: boolean; standalone: boolean };

export type TemplateValue =
  | { kind: 'static'; value: string | readonly string[] }
  /** `shell` is the expansion to insert (e.g. `${DLPERF_NODE_RANK}`), `display` how a plan shows it. */
  | { kind: 'dynamic'; shell: string; display: string };

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const WORD_BREAK_BEFORE = /[\s;|&(]/;
const WORD_BREAK_AFTER = /[\s;|&)]/;

/**
 * Split a template into text and placeholders. With `shell: true` the quote state of the shell
 * text is tracked (single quotes, double quotes, `$'…'`, backslash escapes) so placeholders inside
 * quotes can be reported.
 */
export function parseTemplate(template: string, opts: { shell?: boolean } = {}): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let quote: null | "'" | '"' | "$'" = null;
  let comment = false;
  const flush = () => {
    if (text !== '') pieces.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '{') {
      if (template[i + 1] === '{') {
        text += '{';
        i++;
        continue;
      }
      const prev = i > 0 ? template[i - 1] : '';
      const m = NAME.exec(template.slice(i + 1));
      if (prev !== '$' && m && template[i + 1 + m[0].length] === '}') {
        const end = i + 1 + m[0].length; // index of '}'
        const before = i === 0 ? '' : template[i - 1]!;
        const after = end + 1 >= template.length ? '' : template[end + 1]!;
        const standalone = (before === '' || WORD_BREAK_BEFORE.test(before)) && (after === '' || WORD_BREAK_AFTER.test(after));
        flush();
        pieces.push({ kind: 'ph', name: m[0], index: i, inQuotes: opts.shell === true && quote !== null, standalone });
        i = end;
        continue;
      }
      text += c;
      continue;
    }
    text += c;
    if (!opts.shell) continue;
    if (comment) {
      if (c === '\n') comment = false;
    } else if (quote === "'") {
      if (c === "'") quote = null;
    } else if (quote === "$'") {
      if (c === '\\' && i + 1 < template.length) text += template[++i]!;
      else if (c === "'") quote = null;
    } else if (quote === '"') {
      if (c === '\\' && i + 1 < template.length) text += template[++i]!;
      else if (c === '"') quote = null;
    } else if (c === '\\' && i + 1 < template.length) {
      text += template[++i]!;
    } else if (c === '#' && (i === 0 || /\s/.test(template[i - 1]!))) {
      comment = true; // to the end of the line: quote characters in a comment mean nothing
    } else if (c === "'") {
      quote = template[i - 1] === '$' ? "$'" : "'";
    } else if (c === '"') {
      quote = '"';
    }
  }
  flush();
  if (opts.shell && quote !== null) throw new TemplateError(`unclosed ${quote === '"' ? 'double' : 'single'} quote`);
  return pieces;
}

/** The distinct placeholder names of a parsed template, in order of first use. */
export function placeholderNames(pieces: readonly Piece[]): string[] {
  return [...new Set(pieces.filter((p): p is Extract<Piece, { kind: 'ph' }> => p.kind === 'ph').map((p) => p.name))];
}

function valueOf(values: ReadonlyMap<string, TemplateValue>, name: string): TemplateValue {
  const v = values.get(name);
  if (!v) throw new TemplateError(`no value for {${name}}`);
  return v;
}

/** How a rendering writes each kind of piece: literal text, dynamic values, string values, list values. */
interface RenderStyle {
  text(text: string): string;
  dynamic(v: Extract<TemplateValue, { kind: 'dynamic' }>): string;
  scalar(value: string): string;
  list(words: readonly string[], name: string): string;
}

function render(pieces: readonly Piece[], values: ReadonlyMap<string, TemplateValue>, style: RenderStyle): string {
  let out = '';
  for (const p of pieces) {
    if (p.kind === 'text') {
      out += style.text(p.text);
      continue;
    }
    const v = valueOf(values, p.name);
    if (v.kind === 'dynamic') out += style.dynamic(v);
    else if (typeof v.value === 'string') out += style.scalar(v.value);
    else out += style.list(v.value, p.name);
  }
  return out;
}

const asIs = (text: string): string => text;

/** Shell text: literal text as written, static values quoted, list values as quoted words, dynamic values as `"${VAR}"`. */
export function renderShell(pieces: readonly Piece[], values: ReadonlyMap<string, TemplateValue>): string {
  return render(pieces, values, {
    text: asIs,
    dynamic: (v) => `"${v.shell}"`,
    scalar: shQuote,
    list: shQuoteWords,
  });
}

/** One shell word whose value is the template with its placeholders filled (literal text quoted too). */
export function renderWord(pieces: readonly Piece[], values: ReadonlyMap<string, TemplateValue>): string {
  if (pieces.length === 0) return "''";
  return render(pieces, values, {
    text: shQuote,
    dynamic: (v) => `"${v.shell}"`,
    scalar: (value) => (value === '' ? "''" : shQuote(value)),
    list: (_words, name) => {
      throw new TemplateError(`{${name}} is a list and cannot be part of a single value`);
    },
  });
}

/** Plain text (log names, env values as shown in a plan): values inserted as they are; dynamic ones as their display form. */
export function renderPlain(pieces: readonly Piece[], values: ReadonlyMap<string, TemplateValue>): string {
  return render(pieces, values, {
    text: asIs,
    dynamic: (v) => v.display,
    scalar: asIs,
    list: (words) => words.join(' '),
  });
}

/** Whether any placeholder of the template has a dynamic value. */
export function hasDynamic(pieces: readonly Piece[], values: ReadonlyMap<string, TemplateValue>): boolean {
  return pieces.some((p) => p.kind === 'ph' && values.get(p.name)?.kind === 'dynamic');
}
