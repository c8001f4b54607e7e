/**
 * Open-addressing hash table from a pair of token ids to (merge rank, merged id). BPE looks pairs up
 * in its innermost loop; a Map keyed by `a * V + b` would hash a heap number (V² > 2³¹) each time.
 */
export class PairTable {
  private readonly slots: Int32Array; // [a, b, rank, newId] per slot; a = -1 when empty
  private readonly mask: number;
  size = 0;

  constructor(capacity: number) {
    let slotCount = 16;
    while (slotCount < capacity * 2) slotCount *= 2;
    this.slots = new Int32Array(slotCount * 4).fill(-1);
    this.mask = slotCount - 1;
  }

  private static hash(a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) + b) | 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
    return h ^ (h >>> 13);
  }

  /** Adds a pair; a repeated pair overwrites the earlier entry (HF collects merges into a HashMap). */
  set(a: number, b: number, rank: number, newId: number): void {
    let slot = PairTable.hash(a, b) & this.mask;
    const slots = this.slots;
    for (;;) {
      const at = slot * 4;
      if (slots[at] === -1) {
        slots[at] = a;
        slots[at + 1] = b;
        slots[at + 2] = rank;
        slots[at + 3] = newId;
        this.size++;
        return;
      }
      if (slots[at] === a && slots[at + 1] === b) {
        slots[at + 2] = rank;
        slots[at + 3] = newId;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Slot index of the pair, or -1. Read the result with `rankAt` / `newIdAt`. */
  find(a: number, b: number): number {
    let slot = PairTable.hash(a, b) & this.mask;
    const slots = this.slots;
    for (;;) {
      const at = slot * 4;
      const key = slots[at];
      if (key === -1) return -1;
      if (key === a && slots[at + 1] === b) return at;
      slot = (slot + 1) & this.mask;
    }
  }

  rankAt(found: number): number {
    return this.slots[found + 2];
  }

  newIdAt(found: number): number {
    return this.slots[found + 3];
  }
}
