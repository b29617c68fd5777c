import type { InputProblem } from '../core/types.ts';
import type { Aggregate } from '../metrics/aggregate.ts';
import type { SummaryResult } from '../pipeline/summarize.ts';
import { summarizeInputs } from '../pipeline/summary-thread.ts';
import { summaryCsv } from '../report/csv.ts';
import { summaryJsonChunks } from '../report/json.ts';
import { summaryMarkdown } from '../report/markdown.ts';
import { numberOption, parseCommandArgs } from './args.ts';
import { EXIT, UserError } from './errors.ts';
import { METHOD_HELP, parseMethodArg } from './method-arg.ts';
import { checkChart, reportText } from './report-format.ts';
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

const INPUT_ERRORS = new Set<InputProblem['kind']>(['unreadable', 'corrupt_archive', 'truncated_archive']);

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
  const format = oneOf('--format', v.format ?? 'md', ['md', 'markdown', 'csv', 'json', 'html', 'svg']);
  const chart = checkChart(v.chart, format);
  const agg: Aggregate = oneOf('--aggregate', v.aggregate ?? 'median', AGGREGATES);
  const failOn = failOnOption(v['fail-on']);
  const parser = parserOption(v.parser);
  const output = outputArg('-o', v.output, inputs);
  const outlierRel = numberOption('outlier-rel', v['outlier-rel'], 'non-negative', { max: 10 }) ?? 0.03;
  const outlierMad = numberOption('outlier-mad', v['outlier-mad'], 'positive', { max: 1000 }) ?? 3.5;
  const quiet = v.quiet === true;
  const progress = quiet ? null : startProgress(inputs, io.stderr);
  // Parsed on a worker thread while this one reads, where that pays (pipeline/summary-thread.ts).
  const result: SummaryResult = await summarizeInputs(inputs, {
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
  // JSON is written as it is made (one run at a time): 100k runs are a 190 MB document.
  const text = format === 'json' ? summaryJsonChunks(result) : [format === 'csv' ? summaryCsv(result) : format === 'html' || format === 'svg' ? await reportText(result, format, chart) : summaryMarkdown(result)];
  if (output) {
    const out = openAtomic(output);
    try {
      await writeChunks(out.stream, text);
      await out.commit();
    } catch (e) {
      await out.abort();
      throw new UserError(`cannot write ${visible(output)}: ${visible((e as Error).message)}; nothing was written there (the temporary file was removed)`, undefined, EXIT.internal);
    }
  } else await writeChunks(io.stdout, text);

  // A run whose log was recognised but whose number cannot be given (status error, e.g. a clock jump) is
  // still a recognised run: the report says why, and --fail-on gates on its flag.
  const recognised = result.runs.filter((r) => r.status !== 'unrecognized' && (r.status !== 'error' || r.format !== null));
  if (recognised.length === 0) {
    io.stderr.write(`dlperf-top: no run recognised in ${visible(inputs.join(', '))} (${result.files} file(s) read)\n`);
    return EXIT.noRuns;
  }
  if (failOn.size) {
    const hits = [...result.runs.flatMap((r) => r.flags.map((f) => ({ where: r.source, f }))), ...result.groups.flatMap((g) => g.flags.map((f) => ({ where: `${g.model} ${g.num_nodes}n${g.gpu_num_per_node}g`, f })))].filter((h) => failOn.has(h.f.kind));
    if (hits.length) {
      io.stderr.write(`dlperf-top: --fail-on matched ${hits.length} finding(s): ${[...new Set(hits.map((h) => `${h.f.kind} (${visible(h.where ?? '')})`))].slice(0, 10).join(', ')}\n`);
      return EXIT.failOn;
    }
  }
  if (result.problems.some((p) => INPUT_ERRORS.has(p.kind))) return EXIT.inputErrors;
  return EXIT.ok;
}
