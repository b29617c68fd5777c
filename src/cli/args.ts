import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `--interval -1` → `--interval=-1`: parseArgs calls a value that starts with a dash "ambiguous";
 * joining a negative number to its option lets the option's own range check say what is wrong.
 */
export function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  const takesValue = (a: string): boolean => {
    if (a.startsWith('--')) return options[a.slice(2)]?.type === 'string';
    if (/^-[A-Za-z]$/.test(a)) return Object.values(options).some((o) => o.short === a[1] && o.type === 'string');
    return false;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (next !== undefined && /^-(?:\d|\.\d|inf)/i.test(next) && takesValue(a)) {
      out.push(a.startsWith('--') ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** parseArgs with positionals, turning a bad command line into a UserError that points at --help. */
export function parseCommandArgs<const O extends Options>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new UserError((e as Error).message, `see 'dlperf-top ${command} --help'`);
  }
}

/** Snapshot periods (s) for --headless: a timer cannot hold more than ~24 days, and < 50 ms is a flood. */
/**
 * An empty word (an unset variable: `summary "$LOGS"`) resolves to the working directory: every
 * file under it would be read (the tool's own output files included) under an input named ''.
 * Refused as a usage error wherever inputs are paths.
 */
export function refuseEmptyInputs(inputs: readonly string[], what: string, command: 'live' | 'summary' | 'replay' | 'compare'): void {
  if (inputs.some((p) => p.trim() === '')) throw new UserError(`an empty ${what} ('') names no file, directory or host`, command === 'live' ? 'to watch the current directory, say so: dlperf-top live .' : 'to mean the current directory, write . (a dot)');
}

export const INTERVAL_RANGE: NumberRange = { min: 0.05, max: 86_400, unit: 's' };

export interface NumberRange {
  /** Smallest accepted value (inclusive unless the rule is 'positive' and min is 0). */
  min?: number;
  /** Largest accepted value (inclusive). */
  max?: number;
  unit?: string;
}

/**
 * A numeric option: undefined when absent, else a finite number within its documented range
 * (named error otherwise). `1e308` seconds is refused, not turned into a 1 ms timer by overflow.
 */
export function numberOption(name: string, value: string | undefined, rule: 'positive' | 'non-negative', range: NumberRange = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const unit = range.unit ? ` ${range.unit}` : '';
  const bounds = range.min !== undefined && range.max !== undefined ? ` between ${range.min} and ${range.max}${unit}` : range.max !== undefined ? ` up to ${range.max}${unit}` : range.min !== undefined ? ` of at least ${range.min}${unit}` : '';
  const expected = `expected a ${rule} number${bounds}`;
  if (value.trim() === '' || !Number.isFinite(n) || (rule === 'positive' ? n <= 0 : n < 0)) throw new UserError(`--${name} '${value}': ${expected}`);
  if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) throw new UserError(`--${name} '${value}': out of range, ${expected}`);
  return n;
}
