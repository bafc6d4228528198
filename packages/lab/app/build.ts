/** `pnpm lab:build`: writes packages/lab/dist/index.html, the lab as one file (it opens from file://). */
import { relative } from 'node:path';
import { REPOSITORY_ROOT } from '@lossgraph/chromium';
import { writeLab } from './site.js';

const { file, bytes } = await writeLab();
console.log(`lab: wrote ${relative(REPOSITORY_ROOT, file)} (${(bytes / 1024).toFixed(0)} KiB); open it from file:// or run pnpm lab`);
