import { InputError } from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import type { EvalMetrics } from './evaluation.js';
import type { StepRecord } from './trainer.js';

/** Where progress goes: `process.stderr` by default; tests pass a fake with `write` and `isTTY`. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  /** Default `process.stderr` (where there is a `process`). */
  readonly stream?: ProgressStream;
  /** Not on a terminal: a line every this many steps (and at the last step); default ⌈maxSteps / 20⌉. */
  readonly every?: number;
  /** Milliseconds since some origin; default `performance.now`. Tests pass a fake clock. */
  readonly now?: () => number;
}

/**
 * Reports training progress: on a terminal one line rewritten in place (step/total, loss, learning rate,
 * tokens/s, ETA); elsewhere (logs, CI) a plain line every `every` steps. Evaluations get lines of their own.
 */
export class ProgressReporter {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly every: number;
  private readonly now: () => number;
  private readonly started: number;
  private readonly firstStep: number;
  private lineOpen = false;

  /** `firstStep`: steps already done (a resume), which this run's speed and ETA do not count. */
  constructor(
    private readonly maxSteps: number,
    firstStep: number,
    options: ProgressOptions = {},
  ) {
    checkOptions(options, ['stream', 'every', 'now'], 'progress');
    const stream = options.stream ?? (globalThis as { process?: { stderr?: ProgressStream } }).process?.stderr;
    if (!stream || typeof stream.write !== 'function') throw new InputError('progress needs a stream with write() (no process.stderr here)');
    const every = options.every ?? Math.max(1, Math.ceil(maxSteps / 20));
    if (!Number.isInteger(every) || every < 1) throw new InputError(`progress every must be an integer ≥ 1, got ${every}`);
    this.stream = stream;
    this.tty = stream.isTTY === true;
    this.every = every;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
    this.firstStep = firstStep;
  }

  /** After optimiser step `record.step`, `tokens` input tokens since this run started. */
  step(record: StepRecord, tokens: number): void {
    const seconds = (this.now() - this.started) / 1000;
    const done = record.step - this.firstStep;
    const parts = [
      `step ${record.step}/${this.maxSteps}`,
      `loss ${record.loss.toFixed(4)}`,
      `lr ${record.learningRate.toExponential(2)}`,
      seconds > 0 ? `${Math.round(tokens / seconds)} tokens/s` : '– tokens/s',
      `ETA ${seconds > 0 && done > 0 ? formatDuration(((this.maxSteps - record.step) * seconds) / done) : '–'}`,
    ];
    const line = parts.join(' | ');
    if (this.tty) {
      this.stream.write(`\r${line}\x1b[K`); // \x1b[K clears what a longer previous line left
      this.lineOpen = true;
      if (record.step >= this.maxSteps) this.end();
    } else if (record.step % this.every === 0 || record.step >= this.maxSteps) {
      this.stream.write(`${line}\n`);
    }
  }

  /** An evaluation's metrics, on a line of its own. */
  evaluation(step: number, metrics: EvalMetrics): void {
    this.end();
    const values = Object.entries(metrics).map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
    this.stream.write(`eval at step ${step}: ${values.join(' | ')}\n`);
  }

  /** A plain line (e.g. why training stopped). */
  message(text: string): void {
    this.end();
    this.stream.write(`${text}\n`);
  }

  /** Ends the terminal line being rewritten, so later output starts on a fresh line. */
  end(): void {
    if (this.lineOpen) this.stream.write('\n');
    this.lineOpen = false;
  }
}

/** 75 s → "1m 15s", 3,725 s → "1h 02m 05s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(r)}s`;
  if (m > 0) return `${m}m ${pad(r)}s`;
  return `${r}s`;
}
