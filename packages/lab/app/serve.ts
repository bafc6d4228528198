/** `pnpm lab`: builds the lab and serves it on 127.0.0.1 (a free port, or `--port N`), printing the URL. */
import { readFileSync } from 'node:fs';
import { serveFiles } from '@lossgraph/chromium';
import { LAB_PAGE, writeLab } from './site.js';

const flag = process.argv.indexOf('--port');
const port = flag >= 0 ? Number(process.argv[flag + 1]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`lab: --port expects an integer from 0 to 65535, got ${process.argv[flag + 1]}`);
await writeLab();
const server = await serveFiles({ 'index.html': readFileSync(LAB_PAGE, 'utf8') }, { port });
console.log(`lossgraph lab: ${server.url}  (Ctrl-C stops it)`);
