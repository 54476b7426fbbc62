// The thumbs-down reasons, read at build time from lexicon/feedback_reasons.yml (the file the
// assistant and the curators' report read too), so the widget never keeps its own copy.
// Served to the code as the module "lexicon:feedback_reasons": by esbuild for the bundle
// (scripts/build.mjs) and by Vite for the unit tests (vitest.config.js).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const MODULE_ID = "lexicon:feedback_reasons";
// a path, not new URL(): under jsdom (the tests) URL is jsdom's, which node:url refuses
export const REASONS_FILE = join(dirname(fileURLToPath(import.meta.url)), "../../lexicon/feedback_reasons.yml");

const REASON_LINE = /^ {2}([a-z][a-z0-9_]*):[ \t]+(.+?)[ \t]*$/;

function label(raw, where) {
  if (raw.startsWith("'") && raw.endsWith("'") && raw.length > 1) return raw.slice(1, -1).replaceAll("''", "'");
  if (raw.startsWith('"') && raw.endsWith('"') && raw.length > 1) return JSON.parse(raw);
  if (/^['"|>&*!%@`{[]/.test(raw) || / #/.test(raw)) {
    throw new Error(`${where}: write the label as plain text or in quotes`);
  }
  return raw;
}

/**
 * [[key, label], ...] in the file's order. The file is one flat mapping under `reasons:`; no
 * YAML library is bundled for that, so anything else is refused rather than misread.
 */
export function parseFeedbackReasons(text, name = "feedback_reasons.yml") {
  const reasons = [];
  let inReasons = false;
  text.split(/\r?\n/).forEach((line, index) => {
    const where = `${name} line ${index + 1}`;
    if (!line.trim() || line.trimStart().startsWith("#")) return;
    if (line === "reasons:") {
      inReasons = true;
      return;
    }
    const match = REASON_LINE.exec(line);
    if (!inReasons || !match) throw new Error(`${where}: expected "  key: label" under "reasons:"`);
    reasons.push([match[1], label(match[2], where)]);
  });
  if (reasons.length === 0) throw new Error(`${name}: no reasons`);
  return reasons;
}

export function feedbackReasonsSource(path = REASONS_FILE) {
  const reasons = parseFeedbackReasons(readFileSync(path, "utf8"));
  return `export const FEEDBACK_REASONS = ${JSON.stringify(reasons.map(([key, text]) => ({ key, label: text })))};\n`;
}

/** esbuild: resolves MODULE_ID to the reasons. */
export const esbuildFeedbackReasons = {
  name: "feedback-reasons",
  setup(build) {
    build.onResolve({ filter: /^lexicon:feedback_reasons$/ }, () => ({ path: REASONS_FILE, namespace: "feedback-reasons" }));
    build.onLoad({ filter: /.*/, namespace: "feedback-reasons" }, (args) => ({
      contents: feedbackReasonsSource(args.path),
      loader: "js",
      watchFiles: [args.path],
    }));
  },
};

/** Vite (vitest): the same module. */
export const viteFeedbackReasons = {
  name: "feedback-reasons",
  resolveId: (id) => (id === MODULE_ID ? `\0${MODULE_ID}` : null),
  load: (id) => (id === `\0${MODULE_ID}` ? feedbackReasonsSource() : null),
};
