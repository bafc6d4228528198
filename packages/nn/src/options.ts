/**
 * Schemas shared by the layers and optimisers. Parsing goes through @lossgraph/tensor's
 * `parseOptions` and `parseArgument`, the library's one translator of zod's issues into errors.
 */
import * as z from 'zod/mini';

/**
 * An integer seed for the random generators.
 * @example `seedSchema.parse(42)`
 */
export const seedSchema = z.number().check(z.int('expected an integer seed'));

/**
 * One of the tensor dtypes that parameters may hold.
 * @example
 * ```ts
 * floatDTypeSchema.parse('float64')
 * ```
 */
export const floatDTypeSchema = z.enum(['float32', 'float64']);
