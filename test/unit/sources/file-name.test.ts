import { describe, expect, it } from 'vitest';
import { fileNameText, joinName, pathText } from '../../../src/sources/file-name.ts';

describe('file names as bytes', () => {
  it('UTF-8 names are themselves; bad bytes become \\xNN, good characters around them stay', () => {
    expect(fileNameText(Buffer.from('résumé_1n8g.log'))).toBe('résumé_1n8g.log');
    expect(fileNameText(Buffer.from([0x61, 0xff, 0xfe, 0x62]))).toBe('a\\xff\\xfeb');
    // Latin-1 "é" (0xe9) alone is not UTF-8; a real "é" after it is.
    expect(fileNameText(Buffer.concat([Buffer.from([0xe9]), Buffer.from('é')]))).toBe('\\xe9é');
    // A cut multi-byte character, and a name that holds U+FFFD itself (valid UTF-8).
    expect(fileNameText(Buffer.from([0xe2, 0x82]))).toBe('\\xe2\\x82');
    expect(fileNameText(Buffer.from('a\ufffdb'))).toBe('a\ufffdb');
  });

  it('joinName keeps strings for UTF-8 names and exact bytes otherwise', () => {
    expect(joinName('/d', Buffer.from('x.log'))).toBe('/d/x.log');
    expect(joinName('/d/', Buffer.from('x.log'))).toBe('/d/x.log');
    const p = joinName('/d', Buffer.from([0xff]));
    expect(Buffer.isBuffer(p)).toBe(true);
    expect([...(p as Buffer)]).toEqual([...Buffer.from('/d/'), 0xff]);
    expect(joinName(p, Buffer.from('a.tgz'))).toEqual(Buffer.concat([p as Buffer, Buffer.from('/a.tgz')]));
    expect(pathText(joinName(p, Buffer.from('a.TGZ'))).toLowerCase().endsWith('.tgz')).toBe(true);
  });
});
