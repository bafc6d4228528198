'use strict';
// Where `require('@lossgraph/nn')` lands (the package's "require" export condition): the package is ES
// modules only, and Node's own error for that (ERR_PACKAGE_PATH_NOT_EXPORTED) does not say so.
const error = new Error(
  "@lossgraph/nn is an ES module (ESM-only) package and cannot be loaded with require(). " +
  "Use `import { ... } from '@lossgraph/nn'` in an ES module, or `await import('@lossgraph/nn')` from CommonJS.",
);
error.code = 'ERR_REQUIRE_ESM';
throw error;
