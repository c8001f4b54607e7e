/**
 * Hugging Face's question-answering span selection on hand-made logits: the logits are logs of small
 * weights, so every probability and score below is a fraction worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { type AnswerWindow, selectAnswers, windowSpans } from '../src/answer-spans.js';

const ln = Math.log;
const defaults = { topK: 1, maxAnswerLen: 15, handleImpossibleAnswer: false, alignToWords: true };

/**
 * [CLS] q [SEP] ab cd ef [SEP] over the context "ab cd ef". Allowed: [CLS] and the three context tokens.
 * Start weights 1 | 2 1 1 → p = 0.2 | 0.4 0.2 0.2; end weights 2 | 1 1 6 → p = 0.2 | 0.1 0.1 0.6.
 * The question and [SEP] logits are 50: a pipeline that forgot to mask them would put all mass there.
 */
function window(): AnswerWindow {
  return {
    startLogits: [ln(1), 50, 50, ln(2), ln(1), ln(1), 50],
    endLogits: [ln(2), 50, 50, ln(1), ln(1), ln(6), 50],
    allowed: [true, false, false, true, true, true, false],
    clsIndex: 0,
    offsets: [[0, 0], [0, 1], [0, 0], [0, 2], [3, 5], [6, 8], [0, 0]],
    wordIds: [null, 0, null, 0, 1, 2, null],
    sequenceIds: [null, 0, null, 1, 1, 1, null],
  };
}
const context = 'ab cd ef';

describe('windowSpans', () => {
  it('scores p_start · p_end over start ≤ end < start + maxAnswerLen, [CLS] excluded', () => {
    const { spans, nullScore } = windowSpans(window(), 100, 15);
    expect(nullScore).toBeCloseTo(0.2 * 0.2, 12);
    const want: [number, number, number][] = [
      [3, 5, 0.4 * 0.6], [4, 5, 0.2 * 0.6], [5, 5, 0.2 * 0.6], [3, 3, 0.4 * 0.1], [3, 4, 0.4 * 0.1], [4, 4, 0.2 * 0.1],
    ];
    expect(spans.map((s) => [s.start, s.end])).toEqual(want.map(([s, e]) => [s, e]));
    spans.forEach((s, i) => expect(s.score).toBeCloseTo(want[i]![2], 12));
  });

  it('maxAnswerLen caps the span length in tokens; count caps the list', () => {
    const { spans } = windowSpans(window(), 2, 2);
    expect(spans.map((s) => [s.start, s.end])).toEqual([[4, 5], [5, 5]]);
  });
});

describe('selectAnswers', () => {
  it('returns the best span as a slice of the context', () => {
    expect(selectAnswers(context, [window()], defaults)).toEqual([{ score: expect.closeTo(0.24, 12), start: 0, end: 8, answer: 'ab cd ef' }]);
  });

  it('topK lists the answers best first; maxAnswerLen drops long ones', () => {
    const got = selectAnswers(context, [window()], { ...defaults, topK: 3, maxAnswerLen: 1, alignToWords: false });
    expect(got.map((a) => [a.answer, a.start, a.end])).toEqual([['ef', 6, 8], ['ab', 0, 2], ['cd', 3, 5]]);
    got.forEach((a, i) => expect(a.score).toBeCloseTo([0.12, 0.04, 0.02][i]!, 12));
  });

  it('handleImpossibleAnswer: the [CLS] product competes as the answer ""', () => {
    const w = window();
    // [CLS] start weight 1 → 7: p_start = 7/11 at [CLS], 2/11 1/11 1/11 on ab cd ef; end as before.
    const clsHeavy = { ...w, startLogits: [ln(7), ...w.startLogits.slice(1)] } as AnswerWindow;
    const got = selectAnswers(context, [clsHeavy], { ...defaults, topK: 2, handleImpossibleAnswer: true });
    expect(got.map((a) => [a.answer, a.start, a.end])).toEqual([['', 0, 0], ['ab cd ef', 0, 8]]);
    expect(got[0]!.score).toBeCloseTo((7 / 11) * 0.2, 12);
    expect(got[1]!.score).toBeCloseTo((2 / 11) * 0.6, 12);
    // Without the flag the null answer never appears.
    expect(selectAnswers(context, [clsHeavy], defaults)[0]!.answer).toBe('ab cd ef');
  });

  it('aligns spans to whole words and adds up spans that give the same text', () => {
    // "zoe lives": zo ##e | lives; every span inside "zoe" widens to "zoe".
    const w: AnswerWindow = {
      startLogits: [ln(1), 0, ln(1), ln(1), ln(3)],
      endLogits: [ln(1), 0, ln(2), ln(1), ln(1)],
      allowed: [true, false, true, true, true],
      clsIndex: 0,
      offsets: [[0, 0], [0, 0], [0, 2], [2, 3], [4, 9]],
      wordIds: [null, null, 0, 0, 1],
      sequenceIds: [null, null, 1, 1, 1],
    };
    // p_start = 1/6 | 1/6 1/6 3/6; p_end = 1/5 | 2/5 1/5 1/5.
    const got = selectAnswers('zoe lives', [w], { ...defaults, topK: 3 });
    expect(got.map((a) => [a.answer, a.start, a.end])).toEqual([['zoe', 0, 3], ['lives', 4, 9], ['zoe lives', 0, 9]]);
    // zoe: (zo,zo) 2/30 + (zo,##e) 1/30 + (##e,##e) 1/30; lives: 3/30; "zoe lives": (zo,lives) + (##e,lives) = 2/30.
    got.forEach((a, i) => expect(a.score).toBeCloseTo([4 / 30, 3 / 30, 2 / 30][i]!, 12));
    const raw = selectAnswers('zoe lives', [w], { ...defaults, topK: 3, alignToWords: false });
    // lives 3/30, zo 2/30, then the 1/30 ties in (start, end) order: (zo, ##e) first.
    expect(raw.map((a) => [a.answer, a.start, a.end])).toEqual([['lives', 4, 9], ['zo', 0, 2], ['zoe', 0, 3]]);
  });

  it('over several windows: same answers add up, the null answer takes the smallest [CLS] product', () => {
    const a = window(); // null 0.04; best "ab cd ef" 0.24
    // A second window over the same words: start weights 3 | 1 1 5 (p 0.3 | 0.1 0.1 0.5); end as in a.
    const b = { ...a, startLogits: [ln(3), 50, 50, ln(1), ln(1), ln(5), 50] } as AnswerWindow;
    const got = selectAnswers(context, [a, b], { ...defaults, topK: 2, handleImpossibleAnswer: true });
    // ef: 0.12 (a) + 0.5·0.6 = 0.30 (b) = 0.42; "ab cd ef": 0.24 (a) + 0.1·0.6 (b) = 0.30; null min(0.04, 0.06) = 0.04.
    expect(got.map((x) => x.answer)).toEqual(['ef', 'ab cd ef']);
    expect(got[0]!.score).toBeCloseTo(0.42, 12);
    expect(got[1]!.score).toBeCloseTo(0.3, 12);
    const withNull = selectAnswers(context, [a, b], { ...defaults, topK: 20, handleImpossibleAnswer: true });
    expect(withNull.find((x) => x.answer === '')!.score).toBeCloseTo(0.04, 12);
  });
});
