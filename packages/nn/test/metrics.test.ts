import { describe, expect, it } from 'vitest';
import { tensor } from '@lossgraph/tensor';
import { softmax, variable } from '@lossgraph/autograd';
import { Accuracy, accuracy } from '@lossgraph/nn';

const logits = [[2, 1, 0], [0, 3, 1], [5, 4, 6], [0, 0.5, 0.4]];
const labels = [0, 1, 1, 2];   // argmax: 0, 1, 2, 1 -> 2 correct of 4

describe('accuracy', () => {
  it('takes the argmax of logits or of probabilities', () => {
    expect(accuracy(logits, labels)).toBe(0.5);
    expect(accuracy(softmax(logits), labels)).toBe(0.5);
    expect(accuracy(variable(logits), tensor(labels, undefined, 'int32'))).toBe(0.5);
  });

  it('reads predictions with the labels shape as class indices (MXNet rule)', () => {
    expect(accuracy([0, 1, 2, 1], labels)).toBe(0.5);
    expect(accuracy([0, 1, 1, 2], labels)).toBe(1);
  });

  it('honours the class axis and checks sizes', () => {
    expect(accuracy([[2, 0, 5, 0], [1, 3, 4, 0.5], [0, 1, 6, 0.4]], labels, { axis: 0 })).toBe(0.5);
    expect(() => accuracy(logits, [0, 1])).toThrow(/4 predictions .* label has shape \[2\] \(2 labels\)/);
    expect(() => accuracy(logits, labels, { axis: 2 })).toThrow(/axis/);
  });
});

describe('Accuracy (running)', () => {
  it('accumulates over batches and resets', () => {
    const metric = new Accuracy();
    expect(Number.isNaN(metric.get())).toBe(true);
    metric.update(logits, labels).update([[1, 0]], [0]);
    expect(metric.numInst).toBe(5);
    expect(metric.sumMetric).toBe(3);
    expect(metric.get()).toBe(0.6);
    metric.reset();
    expect(metric.numInst).toBe(0);
    metric.update([[0, 1]], [1]);
    expect(metric.get()).toBe(1);
  });
});
