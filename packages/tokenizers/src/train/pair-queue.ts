/**
 * A candidate merge in the trainer's queue. `words` are the indices of the words in which the pair
 * was seen when the entry was pushed; HF merges only in those, and so do we (see bpe-core.ts).
 */
export interface PairEntry {
  count: number;
  left: number;
  right: number;
  words: number[];
}

/** HF's order: the highest count first; among equal counts, the smallest (left, right) id pair. */
function before(a: PairEntry, b: PairEntry): boolean {
  if (a.count !== b.count) return a.count > b.count;
  if (a.left !== b.left) return a.left < b.left;
  return a.right < b.right;
}

/** A binary max-heap of pair entries. */
export class PairQueue {
  private readonly heap: PairEntry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(entry: PairEntry): void {
    const heap = this.heap;
    let index = heap.length;
    heap.push(entry);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, heap[parent])) break;
      heap[index] = heap[parent];
      index = parent;
    }
    heap[index] = entry;
  }

  pop(): PairEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let index = 0;
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[index] = heap[child];
      index = child;
    }
    heap[index] = last;
    return top;
  }
}
