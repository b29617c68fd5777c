import { checkOutputPath, OutputPathError } from '../shared/safe-output.ts';
import { visible } from '../shared/sanitize.ts';
import { UserError } from './errors.ts';

/** An output path option checked before any work starts (src/shared/safe-output.ts): a usage error otherwise. */
export function outputArg(flag: string, value: string | undefined, inputs: readonly string[] = []): string | undefined {
  if (value === undefined) return undefined;
  try {
    return checkOutputPath(value, { flag, inputs: inputs.filter((i) => i !== '-') });
  } catch (e) {
    if (e instanceof OutputPathError) throw new UserError(visible(e.message), 'nothing was started');
    throw e;
  }
}
