/**
 * A copy of a string that does not keep its parent alive. V8 makes `s.slice()` of a long string a
 * view into it: a progress line sliced from the byte path's 32 KiB decoded window (or an evidence
 * text cut from such a line) pins the whole window for as long as a finished file keeps the line as
 * evidence; 16,000 files of an archive pinned 16,000 windows. Strings under 13 characters are
 * never views (V8's SlicedString minimum), so they are returned as they are.
 */
export function ownText(s: string): string {
  // A JSON round trip makes a flat string of its own, the exact same text (lone surrogates
  // included). `(' ' + s).slice(1)` did too, but as a 32-byte view into a flattened copy, one
  // more object per text: 100k reports held 200k of them (bench tiny: about 8 MB).
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * `ownText` that copies each distinct text once: a file's last progress line is its last-line
 * text, its window's closing line and its straggler window's evidence at once (four copies of one
 * line per file otherwise). For one release; let it go with it.
 */
export function textOwner(own: (s: string) => string = ownText): (s: string) => string {
  let from = '';
  let to = '';
  const seen = new Map<string, string>();
  return (s: string) => {
    if (s.length < 13) return s;
    if (s === from) return to;
    let t = seen.get(s);
    if (t === undefined) seen.set(s, (t = own(s)));
    [from, to] = [s, t];
    return t;
  };
}
