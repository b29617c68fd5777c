/**
 * Writes a text given in pieces (summary's streamed JSON) to a stream, in batches of about
 * `batch` characters, waiting for 'drain' whenever the stream asks for it: a large report never
 * sits in memory whole, neither here nor in the stream's buffer. A stream that fails (a full disk)
 * rejects with its error; one that closes early (a guarded stdout whose reader went away: it
 * drops writes and keeps draining) ends the writing quietly.
 */
export async function writeChunks(out: NodeJS.WritableStream, pieces: Iterable<string> | AsyncIterable<string>, batch = 64 * 1024): Promise<void> {
  let failure: Error | null = null;
  let closed = false;
  const onError = (e: Error) => {
    failure ??= e;
  };
  const onClose = () => {
    closed = true;
  };
  out.on('error', onError);
  out.on('close', onClose);
  try {
    let parts: string[] = [];
    let size = 0;
    const flush = async () => {
      const text = parts.join('');
      parts = [];
      size = 0;
      if (out.write(text)) return;
      await new Promise<void>((res) => {
        const done = () => {
          out.removeListener('drain', done);
          out.removeListener('error', done);
          out.removeListener('close', done);
          res();
        };
        out.on('drain', done);
        out.on('error', done);
        out.on('close', done);
      });
    };
    // Pieces made on summary's worker arrive as they are made (pipeline/summary-thread.ts).
    const add = async (p: string): Promise<boolean> => {
      if (failure) throw failure;
      if (closed) return false;
      parts.push(p);
      size += p.length;
      if (size >= batch) await flush();
      return true;
    };
    if (Symbol.asyncIterator in pieces) {
      for await (const p of pieces) if (!(await add(p))) return;
    } else {
      for (const p of pieces) {
        if (failure) throw failure;
        if (closed) return;
        parts.push(p);
        size += p.length;
        if (size >= batch) await flush();
      }
    }
    if (failure) throw failure;
    if (size && !closed) await flush();
    if (failure) throw failure;
  } finally {
    out.removeListener('error', onError);
    out.removeListener('close', onClose);
  }
}
