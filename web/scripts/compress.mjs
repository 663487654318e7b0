// After `vite build`: writes `file.br` and `file.gz` beside every compressible file in dist, which the server sends
// to clients that accept them (Features/Web/PrecompressedFiles.cs), and fails the build when the scripts outgrow their
// budget. Compressing once here at the highest levels costs seconds per build instead of CPU on every request.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

// Text formats; images and fonts (png, jpg, webp, woff2) are compressed already and would only grow. The server's
// list (PrecompressedFiles.Compressible) is the same.
const COMPRESSIBLE = new Set(['.js', '.css', '.html', '.svg', '.json', '.webmanifest', '.txt']);
// Below this a response fits in a packet or two either way, and the copies would only be more files to keep.
const MIN_BYTES = 1024;
// A copy that saves less is not worth a second representation of the file to keep and to cache.
const MIN_SAVING = 0.1;
// The brotli size of every script in dist/assets together (the full hls.js, loaded on demand, included), about 20 %
// above the 320 KB measured when the budget was set (December 2026). Raise it knowingly, saying why in the commit.
const SCRIPT_BUDGET_BYTES = 384 * 1024;

/** @param {string} dir @returns {string[]} every file below dir */
function filesIn(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesIn(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** @param {number} bytes */
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

let scriptsBrotli = 0;
/** @type {string[][]} */
const rows = [];
for (const file of filesIn(DIST)) {
  if (!COMPRESSIBLE.has(extname(file))) continue;
  const plain = readFileSync(file);
  const copies = {
    '.br': brotliCompressSync(plain, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: plain.length,
      },
    }),
    '.gz': gzipSync(plain, { level: 9 }),
  };
  /** @type {Record<string, number>} what a client that accepts the encoding downloads */
  const sent = {};
  for (const [suffix, copy] of Object.entries(copies)) {
    const worth = plain.length >= MIN_BYTES && copy.length <= plain.length * (1 - MIN_SAVING);
    // A copy left by an earlier run would be served although it no longer matches the file.
    if (worth) writeFileSync(file + suffix, copy);
    else rmSync(file + suffix, { force: true });
    sent[suffix] = worth ? copy.length : plain.length;
  }
  const name = relative(DIST, file);
  if (/^assets\/[^/]+\.js$/.test(name)) scriptsBrotli += sent['.br'] ?? 0;
  rows.push([name, kb(plain.length), kb(sent['.gz'] ?? 0), kb(sent['.br'] ?? 0)]);
}

const table = [['file', 'plain', 'gzip', 'brotli'], ...rows];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
for (const row of table) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));

const budget = `scripts in dist/assets: ${kb(scriptsBrotli)} brotli, budget ${kb(SCRIPT_BUDGET_BYTES)}`;
if (scriptsBrotli > SCRIPT_BUDGET_BYTES) {
  console.error(
    `Bundle over budget — ${budget}.\n` +
      'Find what grew (a new dependency, a static import of something that was loaded on demand) or, if it is worth ' +
      'its weight, raise SCRIPT_BUDGET_BYTES in web/scripts/compress.mjs.',
  );
  process.exit(1);
}
console.log(budget);
