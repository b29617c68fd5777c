/** The command line's known sets, derived from the registries so additions are accepted at once. */
import { formats } from '../formats/registry.ts';
import { knownFlagKinds } from '../signals/flag-kinds.ts';
import { listOf, oneOf } from './choices.ts';

/** `--parser FMT`: an id from the format registry (`dlperf-top formats`). */
export function parserOption(value: string | undefined): string | undefined {
  return value === undefined ? undefined : oneOf('--parser', value, formats.map((f) => f.id));
}

/** `--fail-on KIND[,KIND]` (repeatable): every kind from the flag-kind registry. */
export function failOnOption(values: readonly string[] | undefined): Set<string> {
  return new Set(listOf('--fail-on', values ?? [], knownFlagKinds()));
}
