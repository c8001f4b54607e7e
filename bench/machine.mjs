/** What the rest of the machine is doing, so a timing taken on a busy box can say so. Linux only. */
import { readFileSync } from 'node:fs';

/** Busy CPU seconds of the whole machine since boot (/proc/stat; undefined where there is none). */
export function machineBusySeconds() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0); // idle + iowait
    return (fields.reduce((a, b) => a + b, 0) - idle) / 100; // USER_HZ = 100
  } catch {
    return undefined;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the machine has been nearly idle (< `threshold` cores busy) over a 2 s window, for at most
 * `maxSeconds`. Resolves to the seconds waited, or undefined when it gave up or cannot tell.
 */
export async function waitForIdle(maxSeconds, threshold = 0.25) {
  const start = performance.now();
  while ((performance.now() - start) / 1000 < maxSeconds) {
    const before = machineBusySeconds();
    if (before === undefined) return undefined;
    await sleep(2000);
    if (machineBusySeconds() - before < 2 * threshold) return (performance.now() - start) / 1000;
  }
  return undefined;
}
