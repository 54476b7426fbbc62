// Bundles src/ into one minified file: dist/ms-assistant-widget.js.
import { build } from "esbuild";
import { esbuildFeedbackReasons } from "./feedback_reasons.mjs";

await build({
  entryPoints: ["src/index.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  outfile: "dist/ms-assistant-widget.js",
  legalComments: "eof", // keeps the dependencies' licence notices
  sourcemap: false,
  logLevel: "info",
  plugins: [esbuildFeedbackReasons], // the thumbs-down reasons from lexicon/feedback_reasons.yml
});
