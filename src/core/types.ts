/**
 * The small types every stage of the pipeline shares:
 * sources → LineEvent → formats (ParsedRecord) → metrics (RunState) → session → views/reporters.
 * Nothing here does IO.
 */

/** One line of one log, as a source delivers it. */
export interface LineEvent {
  /** Node the line comes from: a host name for SSH sources, `local` or a node label for files. */
  readonly node: string;
  /** Path of the file: archive member path, path relative to a directory argument, or host:path. */
  readonly file: string;
  /** Byte offset of the first byte of the line in the file. */
  readonly offset: number;
  /** 1-based line number in the file. */
  readonly lineNo: number;
  /** The line without its terminator (may still hold escape sequences: strip before drawing). */
  readonly text: string;
  /** When the line was seen, in ms (wall clock for live, log time for replay, 0 for summary). */
  readonly time: number;
}

/** A problem with an input, reported with enough context for the user to find it. */
export interface InputProblem {
  /** Input argument or archive path. */
  readonly input: string;
  /** Member path inside an archive, or file path inside a directory. */
  readonly file?: string;
  /** 1-based line number, when the problem is at a line. */
  readonly line?: number;
  /** Byte offset, when known. */
  readonly offset?: number;
  /** Short machine-readable kind. */
  readonly kind:
    | 'unreadable'
    | 'corrupt_archive'
    | 'truncated_archive'
    | 'unsafe_path'
    | 'binary'
    | 'empty'
    | 'unrecognized'
    | 'too_short'
    | 'line_too_long'
    | 'partial_line'
    | 'skipped'
    | 'nul_bytes'
    | 'duplicate_member';
  /** Human sentence. */
  readonly message: string;
}

/** Mixed precision is reported as `amp` whatever the log calls it (fp16, amp, mixed). */
export type Precision = 'fp32' | 'tf32' | 'amp' | 'bf16' | string;

/** What identifies a run configuration. Every field may be unknown (null). */
export interface RunIdentity {
  framework: string | null;
  model: string | null;
  precision: Precision | null;
  num_nodes: number | null;
  gpu_num_per_node: number | null;
  batch_size_per_device: number | null;
  /** Repeat index from the file name (`_3.log`), when present. */
  repeat: number | null;
  // GPT-style layouts
  data_parallel_size?: number | null;
  tensor_model_parallel_size?: number | null;
  pipeline_model_parallel_size?: number | null;
  micro_batch_size?: number | null;
  global_batch_size?: number | null;
  seq_length?: number | null;
  num_layers?: number | null;
  hidden_size?: number | null;
  num_attention_heads?: number | null;
}

export type IdentityKey = Exclude<keyof RunIdentity, never>;

/** A finding attached to a run or a group (kinds per spec/summary-json.md). */
export interface Flag {
  kind: string;
  confidence?: 'suspected' | 'confirmed';
  /** The log line (escape sequences stripped, truncated) that proves the finding. */
  evidence: string;
  /** 1-based line number in `file`, when the evidence is a line. */
  line?: number;
  file?: string;
  node?: string;
  /** Log or wall time of the evidence (ms), when known. */
  time?: number;
  /** Extra human detail. */
  detail?: string;
}
