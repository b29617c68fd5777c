import type { InputProblem } from '../core/types.ts';
import type { Aggregate } from '../metrics/aggregate.ts';
import { summarizeToText } from '../pipeline/summary-thread.ts';
import { numberOption, parseCommandArgs, refuseEmptyInputs } from './args.ts';
import { EXIT, UserError } from './errors.ts';
import { METHOD_HELP, parseMethodArg } from './method-arg.ts';
import { checkChart } from './report-format.ts';
import { startProgress } from './progress.ts';
import { parseWindowArg } from './window-arg.ts';
import { oneOf } from './choices.ts';
import { outputArg } from './output-arg.ts';
import { openAtomic } from '../shared/safe-output.ts';
import { writeChunks } from '../shared/write-chunks.ts';
import { failOnOption, parserOption } from './known-sets.ts';
import { visible } from '../shared/sanitize.ts';

export const SUMMARY_HELP = `Usage: dlperf-top summary INPUT... [options]

Summarise benchmark logs the way DLPerf's scripts do (median of repeats, speedup, scaling
efficiency), and say what those scripts never tell: runs too short to measure, names that
disagree with the log, outlier repeats, InfiniBand fallback, crashes.

INPUT   log files, directories (walked recursively), .tgz/.tar.gz/.tar archives (streamed,
        never extracted), or - for stdin

Options:
  --format md|csv|json|html|svg
                            output format (default md); html: one self-contained page with the
                            tables and charts; svg: one chart (see --chart)
  --chart speedup|efficiency|throughput
                            the chart --format svg draws (default speedup)
  -o, --output FILE         write the report to FILE instead of stdout
  --window [FMT=]START:END  measuring window, in the format's unit (iterations, or counted lines
                            for dllogger-pytorch and tf2-timehistory); END empty = to the end.
                            Repeatable; FMT limits it to one format (see 'dlperf-top formats')
${METHOD_HELP}
  --aggregate median|mean|olympic
                            how repeats become one figure (default median; olympic = MLPerf's
                            mean without the best and the worst)
  --parser FMT              force a format instead of detecting it
  --fail-on KIND[,KIND]     exit ${EXIT.failOn} when any run or group carries one of these flags
                            (too_short, name_mismatch, outlier, ib_fallback, crashed, oom,
                            nccl_error, nan_loss, incomplete, ...)
  --outlier-rel X           smallest relative distance from the group median that can be an
                            outlier (default 0.03)
  --outlier-mad K           robust standard deviations (1.4826 × MAD) beyond which a repeat is an
                            outlier (default 3.5)
  -q, --quiet               do not print input problems (nor the progress bar) on stderr

Exit codes: 0 ok; ${EXIT.usage} bad arguments; ${EXIT.noRuns} no run recognised; ${EXIT.failOn} --fail-on matched;
            ${EXIT.inputErrors} an input could not be read (the rest is still reported)
`;

/** `input: member:line: message`, without repeating what the message already names. */
export function problemText(p: InputProblem): string {
  const where = p.file && p.file !== p.input && !p.input.endsWith(p.file) ? `${p.input}: ${p.file}` : (p.file ?? p.input);
  const at = `${where}${p.line ? `:${p.line}` : ''}`;
  let msg = p.message;
  for (const prefix of [`${p.file}:${p.line}: `, `${p.file}: `, `${p.input}: `]) if (msg.startsWith(prefix)) msg = msg.slice(prefix.length);
  return visible(`${at}: ${msg}`);
}

const AGGREGATES: readonly Aggregate[] = ['median', 'mean', 'olympic'];

export async function summaryCommand(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream; isTTY: boolean }): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      window: { type: 'string', multiple: true },
      method: { type: 'string' },
      aggregate: { type: 'string' },
      parser: { type: 'string' },
      'fail-on': { type: 'string', multiple: true },
      'outlier-rel': { type: 'string' },
      'outlier-mad': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      chart: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'summary',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(SUMMARY_HELP);
    return EXIT.ok;
  }
  const inputs = parsed.positionals;
  if (inputs.length === 0) throw new UserError('summary needs at least one input (a log, a directory, an archive, or - for stdin)', "see 'dlperf-top summary --help'");
  refuseEmptyInputs(inputs, 'input', 'summary');
  const format = oneOf('--format', v.format ?? 'md', ['md', 'markdown', 'csv', 'json', 'html', 'svg']);
  // Checked before anything is read (the report uses it at the end: summary-outcome.ts).
  checkChart(v.chart, format);
  const agg: Aggregate = oneOf('--aggregate', v.aggregate ?? 'median', AGGREGATES);
  const failOn = failOnOption(v['fail-on']);
  const parser = parserOption(v.parser);
  const output = outputArg('-o', v.output, inputs);
  const outlierRel = numberOption('outlier-rel', v['outlier-rel'], 'non-negative', { max: 10 }) ?? 0.03;
  const outlierMad = numberOption('outlier-mad', v['outlier-mad'], 'positive', { max: 1000 }) ?? 3.5;
  const quiet = v.quiet === true;
  const progress = quiet ? null : startProgress(inputs, io.stderr);
  // Parsed on a worker thread while this one reads, where that pays (pipeline/summary-thread.ts);
  // the text and the verdict are made where the result is, by the same functions (summary-outcome.ts).
  const done = await summarizeToText(inputs, { format, chart: v.chart, failOn: [...failOn] }, {
    ...(format === 'html' ? { history: true } : {}),
    onFile: (p) => progress?.file(p),
    ...(v.window ? { windows: v.window.map(parseWindowArg) } : {}),
    ...parseMethodArg(v.method),
    ...(parser ? { format: parser } : {}),
    aggregate: agg,
    outlier: { minRelative: outlierRel, madK: outlierMad },
    stdin: io.stdin,
    onProblem: (p) => {
      if (!quiet) progress!.log(`dlperf-top: ${problemText(p)}\n`);
    },
  }).finally(() => progress?.stop());
  try {
    if (output) {
      const out = openAtomic(output);
      try {
        await writeChunks(out.stream, done.text);
        await out.commit();
      } catch (e) {
        await out.abort();
        throw new UserError(`cannot write ${visible(output)}: ${visible((e as Error).message)}; nothing was written there (the temporary file was removed)`, undefined, EXIT.internal);
      }
    } else await writeChunks(io.stdout, done.text);
  } finally {
    await done.close();
  }
  const verdict = await done.verdict();
  if (verdict.message) io.stderr.write(verdict.message);
  return verdict.code;
}
