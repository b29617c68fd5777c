import { describe, expect, it } from 'vitest';
import { fmtAge, fmtAxis, fmtDuration, fmtOffset, fmtPct, fmtRate, fmtSpeed, fmtStep, fmtTimes, padEnd, padStart, shortenSource, truncate } from '../../../src/ui/format.ts';

describe('format helpers', () => {
  it('formats rates with precision that fits a 9-column cell', () => {
    expect(fmtRate(3988.891)).toBe('3988.9');
    expect(fmtRate(40960)).toBe('40960');
    expect(fmtRate(1_234_567)).toBe('1.23M');
    expect(fmtRate(2.5)).toBe('2.50');
    expect(fmtRate(null)).toBe('—');
    expect(fmtRate(Number.NaN)).toBe('—');
  });

  it('formats axis labels compactly', () => {
    expect(fmtAxis(3988.9)).toBe('3.99k');
    expect(fmtAxis(40960)).toBe('41.0k');
    expect(fmtAxis(812)).toBe('812');
    expect(fmtAxis(0.5)).toBe('0.50');
    expect(fmtAxis(2_500_000)).toBe('2.50M');
  });

  it('formats signed percentages', () => {
    expect(fmtPct(-0.123)).toBe('-12.3 %');
    expect(fmtPct(0.065)).toBe('+6.5 %');
    expect(fmtPct(0)).toBe('0.0 %');
    expect(fmtPct(-0.0001)).toBe('0.0 %');
    expect(fmtPct(0.888, false)).toBe('88.8 %');
    expect(fmtPct(null)).toBe('—');
  });

  it('formats durations, offsets and ages', () => {
    expect(fmtDuration(7_000)).toBe('0:07');
    expect(fmtDuration(723_000)).toBe('12:03');
    expect(fmtDuration(3_723_000)).toBe('1:02:03');
    expect(fmtDuration(-5_000)).toBe('-0:05');
    expect(fmtOffset(1_042_000, 1_000_000)).toBe('+0:42');
    expect(fmtOffset(990_000, 1_000_000)).toBe('-0:10');
    expect(fmtAge(0.4)).toBe('0s');
    expect(fmtAge(42)).toBe('42s');
    expect(fmtAge(200)).toBe('3m');
    expect(fmtAge(7300)).toBe('2h');
    expect(fmtAge(200_000)).toBe('2d');
    expect(fmtAge(null)).toBe('—');
  });

  it('formats step times, speeds and multipliers', () => {
    expect(fmtStep(0.1234)).toBe('0.123s');
    expect(fmtStep(1.5)).toBe('1.50s');
    expect(fmtStep(12)).toBe('12.0s');
    expect(fmtSpeed(60)).toBe('60×');
    expect(fmtSpeed('max')).toBe('max');
    expect(fmtTimes(14.2)).toBe('14.20×');
  });

  it('truncates and pads to exact widths', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('abc', 0)).toBe('');
    expect(padEnd('ab', 4)).toBe('ab  ');
    expect(padStart('ab', 4)).toBe('  ab');
    expect(padEnd('abcdef', 4)).toBe('abc…');
  });

  it('shortens sources: host prefix first, then directories, keeping the file name', () => {
    expect(shortenSource('node1:/logs/oneflow.log', 30)).toBe('/logs/oneflow.log');
    expect(shortenSource('node1:/very/long/path/to/oneflow.log', 16)).toBe('…/oneflow.log');
    expect(shortenSource('/a/averyveryverylongname.log', 10)).toBe('…gname.log');
    expect(shortenSource('logs/rank0.log', 20)).toBe('logs/rank0.log');
  });
});
