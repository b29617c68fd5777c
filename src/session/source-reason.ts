/**
 * The short reason a source row shows ("connection refused, retry in 4 s", "cannot resolve
 * host", "host key changed: SHA256:… (known_hosts line 3); refusing"), derived from the message
 * the source reported. Sources word their messages for stderr and the problems view (long, with
 * the path, the fix, the fingerprint); a row has room for a few words, so the classes below pick
 * the words and keep the facts that matter (fingerprint, known_hosts line, retry delay). A
 * message that fits no class is shown as it is (never dropped): the full text is always in the
 * problems view. Pure: tested with the sources' real messages (test/integration/ssh).
 */

/** `; reconnecting in 4.0 s` / `; retrying in 60 s` → ` retry in 4 s` (rounded, never "0 s"). */
function retryOf(message: string): string {
  const m = /(?:reconnecting|retrying) in ([\d.]+) s/.exec(message);
  if (!m) return '';
  const s = Number(m[1]);
  const shown = s < 1 ? s.toFixed(1).replace(/\.0$/, '') : String(Math.round(s));
  return `, retry in ${shown} s`;
}

const FINGERPRINT = /SHA256:[A-Za-z0-9+/=]+/;

interface ReasonClass {
  readonly test: RegExp;
  readonly words: (message: string) => string;
}

const CLASSES: readonly ReasonClass[] = [
  {
    test: /REMOTE HOST IDENTIFICATION HAS CHANGED/,
    words: (m) => {
      const fp = FINGERPRINT.exec(m)?.[0] ?? 'SHA256:?';
      const line = /\(line (\d+)\)/.exec(m)?.[1];
      return `host key changed: ${fp}${line ? ` (known_hosts line ${line})` : ''}; refusing`;
    },
  },
  { test: /is REVOKED/, words: (m) => `host key revoked: ${FINGERPRINT.exec(m)?.[0] ?? 'SHA256:?'}; refusing` },
  {
    test: /is not in .*key fingerprint is/,
    words: (m) => `host key not in known_hosts: ${FINGERPRINT.exec(m)?.[0] ?? 'SHA256:?'}; refusing (--accept-new adds it)`,
  },
  { test: /ENOTFOUND|EAI_AGAIN|EAI_NONAME|getaddrinfo/, words: (m) => `cannot resolve host${retryOf(m)}` },
  { test: /ECONNREFUSED/, words: (m) => `connection refused${retryOf(m)}` },
  { test: /EHOSTUNREACH|ENETUNREACH/, words: (m) => `host unreachable${retryOf(m)}` },
  { test: /ETIMEDOUT|Timed out while waiting for handshake/, words: (m) => `connection timed out${retryOf(m)}` },
  { test: /no way to authenticate/, words: (m) => `no key to authenticate with (no agent, no identity file)${retryOf(m)}` },
  { test: /authentication as .* failed/, words: (m) => `authentication failed (key refused)${retryOf(m)}` },
  {
    test: /no SFTP subsystem|SFTP subsystem|SFTP did not start/i,
    words: (m) => {
      const head = /SFTP did not start/.test(m) ? 'SFTP did not start' : 'server has no SFTP subsystem';
      if (/refused exec/.test(m)) return `${head}, exec refused too${retryOf(m)}`;
      if (/commands cannot run there/.test(m)) return `${head}, and its shell lacks tail/head/wc${retryOf(m)}`;
      return /reading over exec/.test(m) ? `${head}; reading over exec` : head;
    },
  },
  { test: /no file matches/, words: () => 'glob matched nothing yet' },
  { test: /no such file|waiting for the file to appear|ENOENT/i, words: () => 'no such file (waiting for it to appear)' },
  { test: /is a directory|EISDIR|not a regular file/i, words: (m) => (/not a regular file/.test(m) ? (/not a regular file \([^)]*\)/.exec(m)?.[0] ?? 'not a regular file') : 'is a directory') },
  { test: /permission denied|EACCES|EPERM/i, words: () => 'permission denied' },
  { test: /too many open files|EMFILE|ENFILE/i, words: () => 'too many open files (EMFILE)' },
  { test: /connection lost|connection closed|ECONNRESET/, words: (m) => `connection lost${retryOf(m)}` },
  { test: /no new (?:log )?bytes for (\d+) s/, words: (m) => `no new lines for ${/for (\d+) s/.exec(m)![1]} s` },
];

/** Short reason for a source message; `null` for messages that are not a reason (connected, following). */
export function reasonOf(message: string | undefined): string | null {
  if (message === undefined || message === '') return null;
  for (const c of CLASSES) if (c.test.test(message)) return c.words(message);
  if (/^(?:connected to|reconnected to|following|now following|connecting to|stopped$)/.test(message)) return null;
  // Unclassified: the message itself, first clause only (the row is narrow; the problems view has it whole).
  const first = message.split(/; |\. /)[0]!;
  return first.length > 120 ? `${first.slice(0, 119)}…` : first;
}

/** Whether a problem means "not there yet" (kept waiting, retried) rather than an error. */
export function isWaitingReason(reason: string | null): boolean {
  return reason === 'glob matched nothing yet' || reason === 'no such file (waiting for it to appear)';
}
