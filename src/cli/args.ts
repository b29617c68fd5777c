import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with positionals, turning a bad command line into a UserError that points at --help. */
export function parseCommandArgs<const O extends Options>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new UserError((e as Error).message, `see 'dlperf-top ${command} --help'`);
  }
}

/** A numeric option: undefined when absent, else a finite number within bounds (named error otherwise). */
export function numberOption(name: string, value: string | undefined, rule: 'positive' | 'non-negative'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (rule === 'positive' ? n <= 0 : n < 0)) throw new UserError(`--${name} '${value}': expected a ${rule} number`);
  return n;
}
