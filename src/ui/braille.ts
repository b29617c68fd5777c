/**
 * A tiny braille canvas (U+2800 block: 2×4 dots per terminal cell) for throughput charts.
 * blessed-contrib is not used: its widgets draw on a blessed screen and cannot render inside Ink.
 * Pure: no IO; each dot carries a small integer layer so the view can colour cells by series.
 */

/** Dot bits of a braille cell, indexed [dy][dx] (dx 0..1, dy 0..3). */
const BITS: readonly (readonly [number, number])[] = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];

export const BRAILLE_BLANK = '\u2800';

export interface CellSegment {
  text: string;
  /** Layer that drew last in these cells (0: empty). */
  layer: number;
}

export class BrailleCanvas {
  private readonly bits: Uint8Array;
  private readonly layers: Uint8Array;

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    const n = Math.max(0, cols) * Math.max(0, rows);
    this.bits = new Uint8Array(n);
    this.layers = new Uint8Array(n);
  }

  /** Dots across and down. */
  get width(): number {
    return this.cols * 2;
  }

  get height(): number {
    return this.rows * 4;
  }

  /** Set the dot at (x, y), y = 0 at the top; out-of-range dots are ignored. */
  set(x: number, y: number, layer = 1): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = Math.floor(y / 4) * this.cols + Math.floor(x / 2);
    this.bits[i]! |= BITS[y % 4]![x % 2]!;
    this.layers[i] = layer;
  }

  /** A straight line of dots (Bresenham), both ends included. */
  line(x0: number, y0: number, x1: number, y1: number, layer = 1): void {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (let guard = 0; guard <= dx - dy + 1; guard++) {
      this.set(x0, y0, layer);
      if (x0 === x1 && y0 === y1) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** The character and layer of one cell. */
  cell(col: number, row: number): { ch: string; layer: number } {
    const i = row * this.cols + col;
    return { ch: String.fromCharCode(0x2800 + (this.bits[i] ?? 0)), layer: this.bits[i] ? (this.layers[i] ?? 0) : 0 };
  }

  /** One text row, runs of cells with the same layer merged. */
  segments(row: number): CellSegment[] {
    const out: CellSegment[] = [];
    for (let c = 0; c < this.cols; c++) {
      const { ch, layer } = this.cell(c, row);
      const last = out[out.length - 1];
      if (last && last.layer === layer) last.text += ch;
      else out.push({ text: ch, layer });
    }
    return out;
  }

  /** The whole canvas as plain text rows. */
  toLines(): string[] {
    const lines: string[] = [];
    for (let r = 0; r < this.rows; r++) lines.push(this.segments(r).map((s) => s.text).join(''));
    return lines;
  }
}

export interface Range {
  min: number;
  max: number;
}

/** Map (x, y) data points to dots and join them with lines. Points must be in x order. */
export function plot(canvas: BrailleCanvas, points: readonly { x: number; y: number; layer: number }[], xr: Range, yr: Range): void {
  const W = canvas.width - 1;
  const H = canvas.height - 1;
  const px = (x: number) => (xr.max === xr.min ? 0 : ((x - xr.min) / (xr.max - xr.min)) * W);
  const py = (y: number) => (yr.max === yr.min ? H / 2 : H - ((y - yr.min) / (yr.max - yr.min)) * H);
  let prev: { x: number; y: number } | null = null;
  for (const p of points) {
    const cur = { x: px(p.x), y: py(p.y) };
    if (prev) canvas.line(prev.x, prev.y, cur.x, cur.y, p.layer);
    else canvas.set(cur.x, cur.y, p.layer);
    prev = cur;
  }
}

/** The value range of a series with a little headroom, never empty. */
export function paddedRange(values: readonly number[], pad = 0.05): Range {
  if (values.length === 0) return { min: 0, max: 1 };
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    const d = Math.abs(min) * 0.05 || 1;
    return { min: min - d, max: max + d };
  }
  const d = (max - min) * pad;
  return { min: Math.max(min >= 0 ? 0 : -Infinity, min - d), max: max + d };
}
