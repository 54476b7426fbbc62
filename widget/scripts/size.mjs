// Prints the built widget's size, raw and gzipped (what a visitor downloads).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const file = "dist/ms-assistant-widget.js";
let bytes;
try {
  bytes = readFileSync(file);
} catch {
  console.error(`${file} not found: run \`npm run build\` first.`);
  process.exit(1);
}
const gzipped = gzipSync(bytes, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`${file}: ${kib(bytes.length)} minified, ${kib(gzipped)} gzipped (${gzipped} bytes)`);
