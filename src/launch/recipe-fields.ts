/**
 * Checks of single recipe fields (strings, whole numbers, lists, parameter values), shared by the
 * parts of recipe validation. Each check reports through the caller's `fail(field, message)`,
 * which names the file and the field and throws. Pure: no IO.
 */
import type { ParamValue } from './recipe-types.ts';

/** Report a field's error (throws RecipeError naming the file and the field). */
export type Fail = (field: string, msg: string) => never;

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
// eslint-disable-next-line no-control-regex
export const CONTROL_NO_NL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names that end up in file names and case ids. */
export const LABEL = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`);

export interface FieldChecks {
  str(v: unknown, field: string, opts?: { multiline?: boolean; pattern?: RegExp; what?: string }): string;
  posInt(v: unknown, field: string, max?: number): number;
  intList(v: unknown, field: string, max: number): number[];
  strList(v: unknown, field: string, pattern: RegExp, what: string): string[];
  paramValue(v: unknown, field: string): ParamValue;
  paramMap(v: unknown, field: string): Record<string, ParamValue>;
}

/** The field checks, reporting through `fail`. */
export function fieldChecks(fail: Fail): FieldChecks {
  const str = (v: unknown, field: string, opts: { multiline?: boolean; pattern?: RegExp; what?: string } = {}): string => {
    const what = opts.what ?? 'a non-empty string';
    if (typeof v !== 'string' || v.trim() === '') return fail(field, `expected ${what}, got ${typeName(v)}`);
    if ((opts.multiline ? CONTROL_NO_NL : CONTROL).test(v)) return fail(field, 'must not contain control characters');
    if (opts.pattern && !opts.pattern.test(v)) return fail(field, `"${v}" is not ${what}`);
    return v;
  };
  const posInt = (v: unknown, field: string, max = 1_000_000): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) return fail(field, `expected a whole number from 1 to ${max}, got ${typeName(v)}`);
    return v;
  };
  const intList = (v: unknown, field: string, max: number): number[] => {
    if (typeof v === 'number') return [posInt(v, field, max)];
    if (!Array.isArray(v) || v.length === 0) return fail(field, `expected a whole number or a non-empty list of them, got ${typeName(v)}`);
    return v.map((x, i) => posInt(x, `${field}[${i}]`, max));
  };
  const strList = (v: unknown, field: string, pattern: RegExp, what: string): string[] => {
    if (typeof v === 'string') return [str(v, field, { pattern, what })];
    if (!Array.isArray(v) || v.length === 0) return fail(field, `expected ${what} or a non-empty list of them, got ${typeName(v)}`);
    return v.map((x, i) => str(x, `${field}[${i}]`, { pattern, what }));
  };
  const paramValue = (v: unknown, field: string): ParamValue => {
    if (typeof v === 'string') {
      if (CONTROL_NO_NL.test(v)) fail(field, 'must not contain control characters');
      return v;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(field, 'must be a finite number');
      return String(v);
    }
    if (typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) {
      return v.map((w, i) => {
        if (typeof w === 'number' && Number.isFinite(w)) return String(w);
        if (typeof w !== 'string') return fail(`${field}[${i}]`, `expected a string (one command-line word), got ${typeName(w)}`);
        if (CONTROL_NO_NL.test(w)) fail(`${field}[${i}]`, 'must not contain control characters');
        return w;
      });
    }
    return fail(field, `expected a string, a number, a boolean or a list of words, got ${typeName(v)}`);
  };
  const paramMap = (v: unknown, field: string): Record<string, ParamValue> => {
    if (v === undefined || v === null) return {};
    if (!isObj(v)) return fail(field, `expected a mapping of name: value, got ${typeName(v)}`);
    const out: Record<string, ParamValue> = {};
    for (const [k, x] of Object.entries(v)) {
      if (!IDENT.test(k)) fail(`${field}.${k}`, 'a parameter name must be letters, digits and _ (not starting with a digit)');
      out[k] = paramValue(x, `${field}.${k}`);
    }
    return out;
  };
  return { str, posInt, intList, strList, paramValue, paramMap };
}
