import { describe, expect, it } from 'vitest';
import { BRAILLE_BLANK, BrailleCanvas, paddedRange, plot } from '../../../src/ui/braille.ts';

describe('BrailleCanvas', () => {
  it('starts blank: U+2800 in every cell', () => {
    const c = new BrailleCanvas(3, 2);
    expect(c.width).toBe(6);
    expect(c.height).toBe(8);
    expect(c.toLines()).toEqual([BRAILLE_BLANK.repeat(3), BRAILLE_BLANK.repeat(3)]);
  });

  it('maps each of the 8 dots of a cell to its braille bit', () => {
    const dots: [number, number, number][] = [
      [0, 0, 0x01],
      [0, 1, 0x02],
      [0, 2, 0x04],
      [1, 0, 0x08],
      [1, 1, 0x10],
      [1, 2, 0x20],
      [0, 3, 0x40],
      [1, 3, 0x80],
    ];
    for (const [x, y, bit] of dots) {
      const c = new BrailleCanvas(1, 1);
      c.set(x, y);
      expect(c.toLines()[0]!.codePointAt(0)).toBe(0x2800 + bit);
    }
    const full = new BrailleCanvas(1, 1);
    for (const [x, y] of dots) full.set(x, y);
    expect(full.toLines()).toEqual(['⣿']);
  });

  it('addresses cells by dot position and ignores dots outside', () => {
    const c = new BrailleCanvas(2, 2);
    c.set(3, 7); // last cell, bottom-right dot
    c.set(-1, 0);
    c.set(4, 0);
    c.set(0, 8);
    expect(c.toLines()).toEqual(['⠀⠀', '⠀⢀']);
  });

  it('draws lines between both ends (horizontal, vertical, diagonal)', () => {
    const h = new BrailleCanvas(2, 1);
    h.line(0, 3, 3, 3);
    expect(h.toLines()).toEqual(['⣀⣀']);
    const v = new BrailleCanvas(1, 2);
    v.line(0, 0, 0, 7);
    expect(v.toLines()).toEqual(['⡇', '⡇']);
    const d = new BrailleCanvas(2, 1);
    d.line(0, 3, 3, 0);
    expect(d.toLines()).toEqual(['⡠⠊']);
  });

  it('keeps the layer of the last dot per cell and merges runs of a layer', () => {
    const c = new BrailleCanvas(4, 1);
    c.set(0, 0, 1);
    c.set(2, 0, 2);
    c.set(4, 0, 2);
    expect(c.cell(1, 0).layer).toBe(2);
    expect(c.cell(3, 0).layer).toBe(0);
    expect(c.segments(0).map((s) => [s.text.length, s.layer])).toEqual([
      [1, 1],
      [2, 2],
      [1, 0],
    ]);
  });
});

describe('plot and paddedRange', () => {
  it('scales points to the canvas: min at the bottom-left, max at the top-right', () => {
    const c = new BrailleCanvas(2, 1);
    plot(c, [{ x: 0, y: 0, layer: 1 }, { x: 10, y: 100, layer: 1 }], { min: 0, max: 10 }, { min: 0, max: 100 });
    expect(c.toLines()).toEqual(['⡠⠊']);
  });

  it('draws a single point, and a flat series in the middle', () => {
    const c = new BrailleCanvas(1, 1);
    plot(c, [{ x: 5, y: 5, layer: 1 }], { min: 5, max: 5 }, { min: 5, max: 5 });
    expect(c.toLines()[0]).not.toBe(BRAILLE_BLANK);
  });

  it('pads a range, never below zero for positive data, never empty', () => {
    expect(paddedRange([100, 200])).toEqual({ min: 95, max: 205 });
    expect(paddedRange([1, 100]).min).toBe(0);
    const flat = paddedRange([50, 50]);
    expect(flat.min).toBeLessThan(50);
    expect(flat.max).toBeGreaterThan(50);
    expect(paddedRange([])).toEqual({ min: 0, max: 1 });
  });
});
