import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

const EDGE_ITEMS = 3;
const THRESHOLD = 1000;

function formatNumber(value: number, dtype: DType, precision: number): string {
  if (dtype === 'int32') return String(value);
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e8) return `${value}.`;
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e8)) return value.toExponential(precision);
  return value.toFixed(precision);
}

/**
 * Formats tensor values like PyTorch: nested brackets, aligned columns, and `...` in place of
 * the middle of any axis longer than 6 when the tensor has more than 1000 elements.
 */
export function formatTensor(shape: Shape, dtype: DType, data: TypedArray, backendName: string): string {
  const summarise = data.length > THRESHOLD;
  const precision = 4;
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  const visible = (n: number): number[] =>
    summarise && n > 2 * EDGE_ITEMS
      ? [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), -1, ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i)]
      : Array.from({ length: n }, (_, i) => i);
  // First pass: the widest visible number sets the column width.
  let width = 1;
  const visit = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      width = Math.max(width, formatNumber(data[offset]!, dtype, precision).length);
      return;
    }
    for (const i of visible(shape[axis]!)) if (i >= 0) visit(axis + 1, offset + i * strides[axis]!);
  };
  visit(0, 0);
  const render = (axis: number, offset: number, indent: string): string => {
    if (axis === shape.length) return formatNumber(data[offset]!, dtype, precision).padStart(width);
    const parts = visible(shape[axis]!).map((i) => (i < 0 ? '...' : render(axis + 1, offset + i * strides[axis]!, indent + ' ')));
    if (axis === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(shape.length - axis - 1) + indent + ' ';
    return `[${parts.join(sep)}]`;
  };
  const body = shape.length === 0 ? formatNumber(data[0]!, dtype, precision) : render(0, 0, 'tensor('.length === 7 ? '       ' : '');
  const extras = [`shape=[${shape.join(', ')}]`, `dtype=${dtype}`];
  if (backendName !== 'cpu') extras.push(`backend=${backendName}`);
  return `tensor(${body}, ${extras.join(', ')})`;
}
