import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** @default 80×24 when the stream does not say (pipes, test streams). */
const read = (s: NodeJS.WriteStream): TerminalSize => ({ columns: s.columns || 80, rows: s.rows || 24 });

/** The terminal size, updated on `resize`. */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => read(stdout));
  useEffect(() => {
    const on = () => setSize((prev) => {
      const next = read(stdout);
      return next.columns === prev.columns && next.rows === prev.rows ? prev : next;
    });
    stdout.on('resize', on);
    on();
    return () => {
      stdout.off('resize', on);
    };
  }, [stdout]);
  return size;
}
