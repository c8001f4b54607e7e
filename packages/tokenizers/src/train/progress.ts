import type { TrainProgress } from './options.js';

export type ReportProgress = (phase: TrainProgress['phase'], done: number, total: number | undefined) => void;

/**
 * Combines the user's callback and the console logger into one function the trainers call. The
 * trainers call it every few hundred steps, so neither sink costs anything measurable.
 */
export function progressReporter(
  onProgress: ((progress: TrainProgress) => void) | undefined,
  showProgress: boolean,
): ReportProgress | undefined {
  if (!onProgress && !showProgress) return undefined;
  let lastPhase = '';
  let lastTenth = -1;
  return (phase, done, total) => {
    onProgress?.({ phase, done, total });
    if (!showProgress) return;
    // Log each phase's start, every 10% of it, and its end; never once per step.
    const tenth = total ? Math.floor((10 * done) / total) : -1;
    if (phase !== lastPhase || tenth !== lastTenth) {
      lastPhase = phase;
      lastTenth = tenth;
      const of = total === undefined ? '' : ` / ${total} (${Math.floor((100 * done) / Math.max(total, 1))}%)`;
      console.info(`[tokenizers] ${phase}: ${done}${of}`);
    }
  };
}
