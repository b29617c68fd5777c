import { Box, Text } from 'ink';
import { visible, visibleLog } from '../../shared/sanitize.ts';
import type { RunView, SessionSnapshot } from '../../session/types.ts';
import { fmtDuration, fmtPct, fmtRate, fmtStep, fmtTimes } from '../format.ts';
import { elapsedMs, ibAlert, transportLabel, transportMatters } from '../selectors.ts';
import { useTheme, type Tone } from '../theme.ts';
import { coverage, coverageText } from '../selectors.ts';

const PHASE_TONE: Record<RunView['phase'], Tone> = { warmup: 'warn', measuring: 'ok', done: 'info', stalled: 'bad', failed: 'bad' };

/**
 * `resnet50 · oneflow · amp · 2 nodes × 8 GPUs · batch 128/GPU`. `reportingNodes`: while some
 * named source is missing, how many of the run's nodes report (the log's node count is what the
 * job was launched with, not what is watched: `2 nodes (1 reporting) × 8 GPUs`).
 */
export function identityText(r: RunView, reportingNodes?: number): string {
  const parts = [r.model ?? 'model ?', r.framework ?? r.format ?? 'framework ?'];
  if (r.precision) parts.push(r.precision);
  const short = reportingNodes !== undefined && r.num_nodes !== null && reportingNodes < r.num_nodes ? ` (${reportingNodes} reporting)` : '';
  parts.push(`${r.num_nodes ?? '?'} node${r.num_nodes === 1 ? '' : 's'}${short} × ${r.gpu_num_per_node ?? '?'} GPU${r.gpu_num_per_node === 1 ? '' : 's'}`);
  if (r.batch_size_per_device !== null) parts.push(`batch ${r.batch_size_per_device}/GPU`);
  else if (r.global_batch_size) parts.push(`global batch ${r.global_batch_size}`);
  if (r.tensor_model_parallel_size || r.pipeline_model_parallel_size) parts.push(`tp${r.tensor_model_parallel_size ?? 1} pp${r.pipeline_model_parallel_size ?? 1}`);
  if (r.repeat !== null) parts.push(`repeat ${r.repeat}`);
  return visible(parts.join(' · '));
}

export function Header({ snapshot, run, paused, width }: { snapshot: SessionSnapshot; run: RunView | undefined; paused: boolean; width: number }) {
  const t = useTheme();
  const cov = coverage(snapshot);
  const covText = coverageText(cov);
  const covLine = covText ? (
    <Text color={t.color('warn')} wrap="truncate-end">
      {visible(covText)}
    </Text>
  ) : null;
  const badge = paused ? (
    <Text color={t.color('warn')} bold inverse={t.styled}>
      {' PAUSED '}
    </Text>
  ) : null;
  if (!run) {
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate-end">
          {badge}
          {paused ? ' ' : ''}
          <Text bold>dlperf-top</Text> · {fmtDuration(elapsedMs(snapshot))} · waiting for log lines…
        </Text>
        {covLine}
      </Box>
    );
  }
  const alert = ibAlert(run);
  const unit = run.throughput_unit ?? 'samples/s';
  const hasRate = run.throughput_instant !== null || run.throughput_rolling_median !== null;
  const tLabel = transportLabel(run.transport);
  // The second line in three widths: the words shorten before any figure goes (80 columns keep
  // final, speedup, efficiency and transport), rather than the line being cut at the edge.
  const forms = [
    {
      rate: hasRate ? `throughput ${fmtRate(run.throughput_instant)} ${unit} (median ${fmtRate(run.throughput_rolling_median)})` : `step ${fmtStep(run.step_time_s)}`,
      final: `final ${fmtRate(run.throughput)} ${unit}`,
      speedup: 'speedup ',
      eff: 'efficiency ',
      transport: `transport: ${tLabel}`,
    },
    {
      rate: hasRate ? `${fmtRate(run.throughput_instant)} ${unit} (median ${fmtRate(run.throughput_rolling_median)})` : `step ${fmtStep(run.step_time_s)}`,
      final: `final ${fmtRate(run.throughput)}`,
      speedup: 'speedup ',
      eff: 'eff ',
      transport: run.transport === 'not_visible' ? 'transport not visible' : tLabel,
    },
    {
      rate: hasRate ? `${fmtRate(run.throughput_instant)}/s` : `step ${fmtStep(run.step_time_s)}`,
      final: `final ${fmtRate(run.throughput)}`,
      speedup: 'speedup ',
      eff: 'eff ',
      transport: run.transport === 'not_visible' ? 'no transport' : tLabel,
    },
  ];
  const parts = (f: (typeof forms)[number]) => ({
    rate: f.rate,
    final: run.throughput !== null ? ` · ${f.final}` : '',
    speedup: run.speedup !== null ? ` · ${f.speedup}${fmtTimes(run.speedup)}` : '',
    eff: run.scaling_efficiency !== null ? ` · ${f.eff}${fmtPct(run.scaling_efficiency, false)}` : '',
    transport: transportMatters(run) ? ` · ${f.transport}` : '',
  });
  const fits = (f: (typeof forms)[number]) => Object.values(parts(f)).join('').length <= width;
  const line = parts(forms.find(fits) ?? forms[forms.length - 1]!);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        {badge}
        {paused ? ' ' : ''}
        <Text color={t.color(PHASE_TONE[run.phase])} bold>
          {run.phase}
        </Text>{' '}
        {fmtDuration(elapsedMs(snapshot))} │ <Text bold>{identityText(run, covText ? run.nodes.length : undefined)}</Text>
      </Text>
      <Text wrap="truncate-end">
        {line.rate}
        {line.final ? <Text bold>{line.final}</Text> : null}
        {line.speedup}
        {line.eff}
        {line.transport ? ' · ' : ''}
        {line.transport ? <Text color={t.color(run.transport === 'socket' ? 'bad' : run.transport === 'suspected_socket' ? 'warn' : 'accent')}>{line.transport.slice(3)}</Text> : null}
      </Text>
      {covLine}
      {alert ? (
        <Text color={t.color('bad')} bold wrap="truncate-end">
          !! InfiniBand fallback: NCCL on sockets — {visible(alert.node ?? '?')}: {visibleLog(alert.evidence)}
        </Text>
      ) : null}
    </Box>
  );
}
