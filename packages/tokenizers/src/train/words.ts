import { sequencesOf, type TrainingCorpus } from './corpus.js';
import type { ReportProgress } from './progress.js';

const REPORT_EVERY = 4096;

/** Counts the pre-tokenized pieces of every sequence of the corpus. */
export async function countPieces(
  corpus: TrainingCorpus,
  addPieces: (sequence: string, counts: Map<string, number>) => void,
  progress: ReportProgress | undefined,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let sequences = 0;
  for await (const sequence of sequencesOf(corpus)) {
    addPieces(sequence, counts);
    if (progress && ++sequences % REPORT_EVERY === 0) progress('read', sequences, undefined);
  }
  progress?.('read', sequences, sequences);
  return counts;
}
