import type { PairTable } from './pair-table.js';

/**
 * The merge loop of byte-pair encoding, on a word held in scratch arrays: `ids[k]` with original
 * range `[starts[k], ends[k])`. Merges always apply lowest rank first, leftmost first among equal
 * ranks — HF's order. Short words use a direct scan (pair ranks cached, O(n²) worst case on a few
 * symbols); long ones use HF's heap algorithm, O(n log n), so a 100k-character word stays fast.
 */
export class MergeScratch {
  ids = new Int32Array(64);
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  ranks = new Int32Array(64);
  newIds = new Int32Array(64);
  // heap algorithm only
  prev = new Int32Array(0);
  next = new Int32Array(0);
  heapRank = new Int32Array(0);
  heapPos = new Int32Array(0);
  heapNewId = new Int32Array(0);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  push(id: number, start: number, end: number): void {
    const n = this.length;
    if (n === this.ids.length) this.grow(n * 2);
    this.ids[n] = id;
    this.starts[n] = start;
    this.ends[n] = end;
    this.length = n + 1;
  }

  /** Sets the end of the last symbol (used to fuse consecutive unknown characters). */
  extendLast(end: number): void {
    this.ends[this.length - 1] = end;
  }

  private grow(size: number): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.ids = grow(this.ids);
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    this.ranks = new Int32Array(size);
    this.newIds = new Int32Array(size);
  }

  /** The symbols as `[id, start, end]` triples. */
  toTriples(): Int32Array {
    const n = this.length;
    const out = new Int32Array(n * 3);
    for (let k = 0; k < n; k++) {
      out[3 * k] = this.ids[k];
      out[3 * k + 1] = this.starts[k];
      out[3 * k + 2] = this.ends[k];
    }
    return out;
  }
}

const NO_MERGE = 0x7fffffff;
/** Words with more symbols than this use the heap; both paths give identical merges. */
export const DEFAULT_HEAP_THRESHOLD = 48;

export function mergeWord(word: MergeScratch, table: PairTable, heapThreshold = DEFAULT_HEAP_THRESHOLD): void {
  if (word.length < 2) return;
  if (word.length <= heapThreshold) mergeByScan(word, table);
  else mergeByHeap(word, table);
}

function mergeByScan(word: MergeScratch, table: PairTable): void {
  const { ids, starts, ends, ranks, newIds } = word;
  let n = word.length;
  for (let k = 0; k < n - 1; k++) {
    const found = table.find(ids[k], ids[k + 1]);
    ranks[k] = found < 0 ? NO_MERGE : table.rankAt(found);
    newIds[k] = found < 0 ? -1 : table.newIdAt(found);
  }
  for (;;) {
    let best = NO_MERGE;
    let at = -1;
    for (let k = 0; k < n - 1; k++) {
      if (ranks[k] < best) {
        best = ranks[k];
        at = k;
      }
    }
    if (at < 0) break;
    ids[at] = newIds[at];
    if (ends[at + 1] > ends[at]) ends[at] = ends[at + 1];
    for (let k = at + 1; k < n - 1; k++) {
      ids[k] = ids[k + 1];
      starts[k] = starts[k + 1];
      ends[k] = ends[k + 1];
      ranks[k] = ranks[k + 1];
      newIds[k] = newIds[k + 1];
    }
    n--;
    for (let k = at - 1; k <= at; k++) {
      if (k < 0 || k >= n - 1) continue;
      const found = table.find(ids[k], ids[k + 1]);
      ranks[k] = found < 0 ? NO_MERGE : table.rankAt(found);
      newIds[k] = found < 0 ? -1 : table.newIdAt(found);
    }
  }
  word.length = n;
}

/** HF `Word::merge_all`: a min-heap of candidate merges keyed by (rank, position), stale entries skipped. */
function mergeByHeap(word: MergeScratch, table: PairTable): void {
  const n = word.length;
  const { ids, starts, ends } = word;
  if (word.prev.length < n) {
    word.prev = new Int32Array(n);
    word.next = new Int32Array(n);
  }
  const capacity = 3 * n;
  if (word.heapRank.length < capacity) {
    word.heapRank = new Int32Array(capacity);
    word.heapPos = new Int32Array(capacity);
    word.heapNewId = new Int32Array(capacity);
  }
  const { prev, next, heapRank, heapPos, heapNewId } = word;
  const alive = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    prev[k] = k - 1;
    next[k] = k + 1 < n ? k + 1 : -1;
    alive[k] = 1;
  }
  let size = 0;
  const less = (x: number, y: number) =>
    heapRank[x] < heapRank[y] || (heapRank[x] === heapRank[y] && heapPos[x] < heapPos[y]);
  const swap = (x: number, y: number) => {
    let t = heapRank[x]; heapRank[x] = heapRank[y]; heapRank[y] = t;
    t = heapPos[x]; heapPos[x] = heapPos[y]; heapPos[y] = t;
    t = heapNewId[x]; heapNewId[x] = heapNewId[y]; heapNewId[y] = t;
  };
  const pushMerge = (pos: number) => {
    const right = next[pos];
    if (right < 0) return;
    const found = table.find(ids[pos], ids[right]);
    if (found < 0) return;
    let at = size++;
    heapRank[at] = table.rankAt(found);
    heapPos[at] = pos;
    heapNewId[at] = table.newIdAt(found);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!less(at, parent)) break;
      swap(at, parent);
      at = parent;
    }
  };
  const popMerge = () => {
    size--;
    if (size > 0) {
      swap(0, size);
      let at = 0;
      for (;;) {
        const l = 2 * at + 1;
        const r = l + 1;
        let smallest = at;
        if (l < size && less(l, smallest)) smallest = l;
        if (r < size && less(r, smallest)) smallest = r;
        if (smallest === at) break;
        swap(at, smallest);
        at = smallest;
      }
    }
  };
  for (let k = 0; k < n - 1; k++) pushMerge(k);
  while (size > 0) {
    const pos = heapPos[0];
    const newId = heapNewId[0];
    // The popped entry now sits at index `size` until the next push.
    popMerge();
    if (!alive[pos]) continue;
    const right = next[pos];
    if (right < 0) continue;
    const found = table.find(ids[pos], ids[right]);
    if (found < 0 || table.newIdAt(found) !== newId) continue; // stale entry
    ids[pos] = newId;
    if (ends[right] > ends[pos]) ends[pos] = ends[right];
    alive[right] = 0;
    next[pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = pos;
    if (prev[pos] >= 0) pushMerge(prev[pos]);
    pushMerge(pos);
  }
  let m = 0;
  for (let k = 0; k < n; k++) {
    if (!alive[k]) continue;
    ids[m] = ids[k];
    starts[m] = starts[k];
    ends[m] = ends[k];
    m++;
  }
  word.length = m;
}
