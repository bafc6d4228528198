import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

const EDGE_ITEMS = 3;
const THRESHOLD = 1000;

/** How every float of one tensor is written, chosen once so the columns agree (as PyTorch does). */
type FloatStyle = 'integer' | 'fixed' | 'scientific';

function chooseStyle(values: readonly number[]): FloatStyle {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.every((v) => Number.isInteger(v) && Math.abs(v) < 1e8)) return 'integer';
  const magnitudes = finite.map(Math.abs).filter((v) => v !== 0);
  if (magnitudes.length === 0) return 'fixed';
  const largest = Math.max(...magnitudes);
  const smallest = Math.min(...magnitudes);
  return largest / smallest > 1000 || largest >= 1e8 || smallest < 1e-4 ? 'scientific' : 'fixed';
}

function formatNumber(value: number, dtype: DType, style: FloatStyle, precision: number): string {
  if (dtype === 'int32') return String(value);
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  switch (style) {
    case 'integer': return `${Object.is(value, -0) ? '-0' : value}.`;
    case 'fixed': return value.toFixed(precision);
    // Two exponent digits, as PyTorch and NumPy print them: 1.0000e-05.
    case 'scientific': return value.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
  }
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
  // First pass: the visible numbers set the style and the column width.
  const shown: number[] = [];
  const visit = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      shown.push(data[offset]!);
      return;
    }
    for (const i of visible(shape[axis]!)) if (i >= 0) visit(axis + 1, offset + i * strides[axis]!);
  };
  visit(0, 0);
  const style = chooseStyle(shown);
  const width = Math.max(1, ...shown.map((v) => formatNumber(v, dtype, style, precision).length));
  const render = (axis: number, offset: number, indent: string): string => {
    if (axis === shape.length) return formatNumber(data[offset]!, dtype, style, precision).padStart(width);
    const parts = visible(shape[axis]!).map((i) => (i < 0 ? '...' : render(axis + 1, offset + i * strides[axis]!, indent + ' ')));
    if (axis === shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(shape.length - axis - 1) + indent + ' ';
    return `[${parts.join(sep)}]`;
  };
  // Rows after the first line up under the first, one column past `tensor(`.
  const body = shape.length === 0 ? formatNumber(data[0]!, dtype, style, precision) : render(0, 0, ' '.repeat('tensor('.length));
  const extras = [`shape=[${shape.join(', ')}]`, `dtype=${dtype}`];
  if (backendName !== 'cpu') extras.push(`backend=${backendName}`);
  return `tensor(${body}, ${extras.join(', ')})`;
}
