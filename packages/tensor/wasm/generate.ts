/**
 * The files `pnpm build:wasm` (scripts/build-wasm.mjs) generates from the primitives table
 * (src/primitives.ts), as text: the C header of op codes that kernels.c includes, and the
 * TypeScript map of the same codes that the cpu backend's WebAssembly callers read. The script
 * writes them; wasm-kernels.test.ts regenerates them in memory and compares them with the committed
 * files, so a table edited without a rebuild fails a test.
 *
 * The table is passed in rather than imported, so that the script can load this module and the
 * table each on its own (both are transpiled one file at a time).
 */
import { createHash } from 'node:crypto';
import type { PrimitiveSpec, SimdCodes } from '../src/primitives.js';

/** The generated C header, relative to packages/tensor. */
export const OP_CODES_HEADER = 'wasm/ops.generated.h';
/** The generated TypeScript op-code map, relative to packages/tensor. */
export const OP_CODES_MODULE = 'src/backends/cpu/wasm-op-codes.generated.ts';
/**
 * What the WebAssembly module is compiled from, relative to packages/tensor, in the order hashed
 * into KERNEL_SOURCES_SHA256.
 */
export const KERNEL_SOURCES = [OP_CODES_HEADER, 'wasm/kernels.c'] as const;

/**
 * The characters of the module's text form: printable ASCII without quotes, backquote and backslash,
 * so the string needs no escapes in any quoting a bundler picks. The runtime's decoder
 * (decodeKernelText in src/backends/cpu/wasm-module.ts) spells the same set; a test round-trips them.
 */
const TEXT_ALPHABET = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => !'"\'\\`'.includes(c)).join('');

/**
 * The WebAssembly module as a string of one character per byte, two for the rarer ones: bytes below
 * 89 are the alphabet's first 89 characters, higher ones one of its last two characters (89-177,
 * 178-255) and a character for the rest. Base64 cuts the bytes into 6-bit groups, so a byte sequence
 * that repeats gets one of three spellings and gzip finds few repeats (35151 bytes: 15.0 KB gzip as
 * base64, 10.1 KB this way, 9.8 KB the raw binary); here a repeat stays a repeat.
 *
 * @param bytes - the module
 * @returns its text form, for wasm-kernels.generated.ts
 * @example
 * ```ts
 * encodeKernelText(Uint8Array.of(0, 97, 115, 109));   // ' }*}<}6' (the module's magic number)
 * ```
 */
export function encodeKernelText(bytes: Uint8Array): string {
  const singles = TEXT_ALPHABET.length - 2;
  let text = '';
  for (const byte of bytes) {
    text += byte < singles ? TEXT_ALPHABET[byte] : TEXT_ALPHABET[singles + Math.floor(byte / singles) - 1]! + TEXT_ALPHABET[byte % singles];
  }
  return text;
}

/**
 * SHA-256 (hex) of {@link KERNEL_SOURCES}: each file's path, a NUL, its text with LF line endings
 * (so a CRLF checkout hashes the same) and a NUL, in order.
 *
 * @param readText - reads a file given its path relative to packages/tensor
 * @returns the digest
 * @example
 * ```ts
 * kernelSourcesSha256((path) => readFileSync(join(tensorDir, path), 'utf8'));
 * ```
 */
export function kernelSourcesSha256(readText: (path: string) => string): string {
  const hash = createHash('sha256');
  for (const path of KERNEL_SOURCES) hash.update(`${path}\0${readText(path).replace(/\r\n/g, '\n')}\0`);
  return hash.digest('hex');
}

type Table = Readonly<Record<string, PrimitiveSpec>>;

/** One entry point of kernels.c that takes an op code, and the names its codes go by on each side. */
interface Kernel {
  /** Its field in {@link SimdCodes}. */
  readonly kernel: keyof SimdCodes;
  /** The header's X-macro lists of its ops, each with the family it takes (fused_f32 has one per operand count). */
  readonly lists: readonly (readonly [macro: string, family: PrimitiveSpec['family']])[];
  /** The prefix of its enumerators in the header (F_EXP). */
  readonly prefix: string;
  /** Its constant in the TypeScript map, that constant's type, and what its doc says. */
  readonly constant: string;
  readonly type: string;
  readonly about: string;
}

const KERNELS: readonly Kernel[] = [
  {
    kernel: 'fused',
    lists: [['FUSED_UNARY_OPS', 'unary'], ['FUSED_BINARY_OPS', 'binary'], ['FUSED_TERNARY_OPS', 'where']],
    prefix: 'F_',
    constant: 'FUSED_OP_CODES',
    type: 'Readonly<Record<FusableOp, number>>',
    about: 'The instruction code of each fusable op in fused_f32',
  },
  {
    kernel: 'unary', lists: [['SIMD_UNARY_OPS', 'unary']], prefix: 'UOP_',
    constant: 'SIMD_UNARY_OP_CODES', type: "OpCodeMap<UnaryOp, SimdOp<'unary'>>", about: 'The op codes of unary_f32',
  },
  {
    kernel: 'binary', lists: [['SIMD_BINARY_OPS', 'binary']], prefix: 'OP_',
    constant: 'SIMD_BINARY_OP_CODES', type: "OpCodeMap<BinaryOp, SimdOp<'binary'>>", about: 'The op codes of binary_f32',
  },
  {
    kernel: 'reduceRows', lists: [['REDUCE_ROWS_OPS', 'reduce']], prefix: 'ROP_',
    constant: 'REDUCE_ROWS_OP_CODES', type: "OpCodeMap<ReduceOp, SimdOp<'reduceRows'>>", about: 'The op codes of reduce_rows_f32',
  },
];

/** `notEqual` as C writes it: `NOT_EQUAL`. */
function cName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The [name, code] pairs of `kernel` for primitives of `family` (all families when omitted), by code. */
function entries(table: Table, kernel: keyof SimdCodes, family?: PrimitiveSpec['family']): [string, number][] {
  const out: [string, number][] = [];
  for (const [name, spec] of Object.entries(table)) {
    const code = spec.simd?.[kernel];
    if (code !== undefined && (family === undefined || spec.family === family)) out.push([name, code]);
  }
  return out.sort((a, b) => a[1] - b[1]);
}

/**
 * The C header: for each kernel an X-macro list `X(NAME, code)` of its ops, and their enumerators.
 * kernels.c expands each list into the cases of that kernel's switch, each case naming the op's
 * own expression macro, so an op listed here without its expression there does not compile.
 *
 * @param table - the primitives table
 * @returns the header text
 * @example
 * ```ts
 * opCodesHeader(PRIMITIVES).includes('X(SIGMOID, 7)');   // true
 * ```
 */
export function opCodesHeader(table: Table): string {
  const lines = [
    '/* Generated by scripts/build-wasm.mjs from packages/tensor/src/primitives.ts; do not edit. */',
    '/*',
    ' * The op codes of the entry points of kernels.c. Each list is an X-macro: LIST(X) expands to',
    ' * X(NAME, code) for every op of the list, from which kernels.c builds its switch cases.',
    ' */',
    '#ifndef LOSSGRAPH_OPS_GENERATED_H',
    '#define LOSSGRAPH_OPS_GENERATED_H',
  ];
  for (const { kernel, lists, prefix, about } of KERNELS) {
    lines.push('', `/* ${about}. */`);
    for (const [macro, family] of lists) {
      lines.push(`#define ${macro}(X) \\`, ...entries(table, kernel, family).map(([name, code]) => `  X(${cName(name)}, ${code}) \\`), '');
    }
    lines.push(`enum { ${entries(table, kernel).map(([name, code]) => `${prefix}${cName(name)} = ${code}`).join(', ')} };`);
  }
  lines.push('', '#endif', '');
  return lines.join('\n');
}

/**
 * The TypeScript op-code map: one constant per kernel, typed so that an op the table gives a code
 * but the map lacks is a compile error.
 *
 * @param table - the primitives table
 * @returns the module text
 * @example
 * ```ts
 * opCodesModule(PRIMITIVES).includes('  sigmoid: 7,');   // true
 * ```
 */
export function opCodesModule(table: Table): string {
  const lines = [
    '// Generated by scripts/build-wasm.mjs from packages/tensor/src/primitives.ts; do not edit.',
    '// The op codes of the entry points of wasm/kernels.c (wasm/ops.generated.h holds them for C).',
    '',
    "import type { BinaryOp, FusableOp, OpCodeMap, ReduceOp, SimdOp, UnaryOp } from '../../primitives.js';",
  ];
  for (const { kernel, constant, type, about } of KERNELS) {
    lines.push('', '/**', ` * ${about}.`, ' *', ' * @internal', ' */');
    lines.push(`export const ${constant}: ${type} = {`, ...entries(table, kernel).map(([name, code]) => `  ${name}: ${code},`), '};');
  }
  return `${lines.join('\n')}\n`;
}
