import { compareSides, type CompareResult } from '../compare/compare.ts';
import { loadSide, SideError, type Side } from '../compare/load-side.ts';
import { compareJson } from '../report/compare-json.ts';
import { compareMarkdown } from '../report/compare-markdown.ts';
import { writeFileAtomic } from '../shared/safe-output.ts';
import { visible } from '../shared/sanitize.ts';
import { writeChunks } from '../shared/write-chunks.ts';
import { parseCommandArgs, refuseEmptyInputs } from './args.ts';
import { EXIT, UserError } from './errors.ts';
import { outputArg } from './output-arg.ts';
import { startProgress } from './progress.ts';
import { problemText } from './summary-command.ts';
import { parseWindowArg } from './window-arg.ts';

export const COMPARE_HELP = `Usage: dlperf-top compare BASELINE CANDIDATE [options]

Did the candidate sweep get slower (or faster) than the baseline, by more than the noise of its
repeats? Per configuration (framework, model, precision, nodes × GPUs, batch size): both medians,
the change, its confidence interval (bootstrap of the ratio of medians over the repeats, fixed
seed: the same inputs always give the same interval) and a verdict:
  regression | improvement   the change is beyond --threshold and the interval excludes no change
  unchanged                  the change is within --threshold
  inconclusive               too few repeats (fewer than 2 on a side, and the change is not 5 ×
                             the threshold or more) or too noisy (beyond the threshold, but the
                             interval includes no change)
  missing                    the configuration has no figure on one side
The candidate's findings (InfiniBand fallback, stragglers, outliers, ...) follow each verdict.

BASELINE, CANDIDATE   anything 'summary' reads (a log, a directory, a .tgz/.tar archive), or an
                      earlier 'dlperf-top summary --format json' output (a file ending in .json)

Options:
  --format md|json|html    output format (default md; json per spec compare-json.md)
  -o, --output FILE        write the report to FILE instead of stdout
  --threshold X            smallest change that matters: a fraction (0.02) or a percentage (2%)
                           (default 2%)
  --confidence X           confidence of the interval, e.g. 0.95 or 95% (default 0.95)
  --fail-on V[,V]          also fail (exit ${EXIT.failOn}) when a configuration is inconclusive, missing
                           or improvement
  --window [FMT=]START:END measuring window, as for 'summary' (applies to both sides' logs)
  --parser FMT             force a format, as for 'summary'
  -q, --quiet              no progress bar, no input problems on stderr

Exit codes: 0 no regression; ${EXIT.regression} some configuration regressed; ${EXIT.failOn} --fail-on matched;
            ${EXIT.usage} bad arguments; ${EXIT.noRuns} a side has no recognised run; ${EXIT.inputErrors} an input could not
            be read (the rest is compared)
`;

const FAIL_ON = ['inconclusive', 'missing', 'improvement'] as const;

/** A fraction, or a percentage with `%`; within (0, max). */
export function ratioOption(name: string, value: string | undefined, def: number, max: number): number {
  if (value === undefined) return def;
  const m = /^\s*([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)\s*(%?)\s*$/i.exec(value);
  const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n >= max) {
    throw new UserError(`--${name} '${visible(value)}': expected a fraction between 0 and 1 (e.g. ${name === 'threshold' ? '0.02' : '0.95'}) or a percentage (e.g. ${name === 'threshold' ? '2%' : '95%'})`);
  }
  return n;
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream; isTTY: boolean };

export async function compareCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      threshold: { type: 'string' },
      confidence: { type: 'string' },
      'fail-on': { type: 'string', multiple: true },
      window: { type: 'string', multiple: true },
      parser: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    'compare',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(COMPARE_HELP);
    return EXIT.ok;
  }
  if (parsed.positionals.length !== 2) throw new UserError(`compare needs exactly two inputs, BASELINE and CANDIDATE (got ${parsed.positionals.length})`, "see 'dlperf-top compare --help'");
  refuseEmptyInputs(parsed.positionals, 'input', 'compare');
  const [baseIn, candIn] = parsed.positionals as [string, string];
  if (baseIn === '-' && candIn === '-') throw new UserError('stdin (-) can be only one side of a comparison');
  const format = v.format ?? 'md';
  if (!['md', 'markdown', 'json', 'html'].includes(format)) throw new UserError(`--format '${visible(format)}': expected md, json or html`);
  const threshold = ratioOption('threshold', v.threshold, 0.02, 1);
  const confidence = ratioOption('confidence', v.confidence, 0.95, 1);
  const failOn = new Set((v['fail-on'] ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean));
  for (const k of failOn) if (!(FAIL_ON as readonly string[]).includes(k)) throw new UserError(`--fail-on '${visible(k)}': expected ${FAIL_ON.join(', ')} (a regression always fails)`);
  const quiet = v.quiet === true;
  // Checked before either side is read: a directory, a missing parent or an input (the archive
  // being compared) is refused at once, never overwritten after the work.
  const output = outputArg('-o', v.output, [baseIn, candIn]);

  const load = async (input: string, label: string): Promise<Side> => {
    const progress = quiet ? null : startProgress([input], io.stderr, label);
    try {
      return await loadSide(input, {
        ...(v.window ? { windows: v.window.map(parseWindowArg) } : {}),
        ...(v.parser ? { format: v.parser } : {}),
        ...(format === 'html' ? { history: true } : {}),
        stdin: io.stdin,
        onFile: (p) => progress?.file(p),
        onProblem: (p) => {
          if (!quiet) progress?.log(`dlperf-top: ${label}: ${visible(problemText(p))}\n`);
        },
      });
    } catch (e) {
      if (e instanceof SideError) throw new UserError(visible(e.message));
      throw e;
    } finally {
      progress?.stop();
    }
  };
  const baseline = await load(baseIn, 'baseline');
  const candidate = await load(candIn, 'candidate');
  const result: CompareResult = compareSides(baseline, candidate, { threshold, confidence });
  const text = format === 'json' ? compareJson(result) : format === 'html' ? await (await import('../report/compare-html.ts')).compareHtml(result) : compareMarkdown(result);
  if (output) {
    try {
      await writeFileAtomic(output, text);
    } catch (e) {
      throw new UserError(`cannot write ${visible(output)}: ${visible((e as Error).message)}; nothing was written there (the temporary file was removed)`, undefined, EXIT.internal);
    }
  } else await writeChunks(io.stdout, [text]);

  for (const [side, name] of [[baseline, 'baseline'], [candidate, 'candidate']] as const) {
    if (side.groups.length === 0) {
      io.stderr.write(`dlperf-top: no run recognised in the ${name} (${visible(side.inputs.join(', '))})\n`);
      return EXIT.noRuns;
    }
  }
  const regressions = result.groups.filter((g) => g.verdict === 'regression');
  if (regressions.length) {
    if (!quiet) io.stderr.write(`dlperf-top: ${regressions.length} configuration(s) regressed\n`);
    return EXIT.regression;
  }
  const hits = result.groups.filter((g) => failOn.has(g.verdict));
  if (hits.length) {
    io.stderr.write(`dlperf-top: --fail-on matched ${hits.length} configuration(s): ${[...new Set(hits.map((g) => g.verdict))].join(', ')}\n`);
    return EXIT.failOn;
  }
  const INPUT_ERRORS = new Set(['unreadable', 'corrupt_archive', 'truncated_archive']);
  if ([...baseline.problems, ...candidate.problems].some((p) => INPUT_ERRORS.has(p.kind))) return EXIT.inputErrors;
  return EXIT.ok;
}
