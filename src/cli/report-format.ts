import type { SummaryResult } from '../pipeline/summarize.ts';
import { visible } from '../shared/sanitize.ts';
import { EXIT, UserError } from './errors.ts';

const CHARTS = ['speedup', 'efficiency', 'throughput'] as const;
type Chart = (typeof CHARTS)[number];

/** `--chart`: only with --format svg, one of the chart names. */
export function checkChart(chart: string | undefined, format: string): Chart {
  if (chart === undefined) return 'speedup';
  if (format !== 'svg') throw new UserError(`--chart is for --format svg (got --format ${visible(format)})`);
  if (!(CHARTS as readonly string[]).includes(chart)) throw new UserError(`--chart '${visible(chart)}': expected ${CHARTS.join(', ')}`);
  return chart as Chart;
}

/** The HTML page or the SVG chart (loaded on use: Vega is only needed here). */
export async function reportText(result: SummaryResult, format: 'html' | 'svg', chart: Chart): Promise<string> {
  const html = await import('../report/html.ts');
  if (format === 'html') return html.summaryHtml(result);
  try {
    return await html.summarySvg(result, chart);
  } catch (e) {
    throw new UserError(`--format svg: ${(e as Error).message}`, undefined, EXIT.noRuns);
  }
}
