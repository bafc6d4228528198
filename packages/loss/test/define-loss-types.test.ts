import { describe, expect, it } from 'vitest';
import { sub, square } from '@lossgraph/autograd';
import { defineLoss } from '@lossgraph/loss';

describe('defineLoss without options of its own', () => {
  it('accepts the common options in its constructor type and applies the weight', () => {
    const Squared = defineLoss('Squared', (pred, label) => square(sub(pred, label)));
    const loss = new Squared({ weight: 0.5 });
    // mean over the non-batch axis of (1-0)^2 and (3-1)^2, times 0.5
    expect(Array.from(loss.forward([[1, 3]], [[0, 1]]).dataSync())).toEqual([1.25]);
  });
});
