// Unit tests of the rendering code run in jsdom (no browser, no server).
import { viteFeedbackReasons } from "./scripts/feedback_reasons.mjs";

export default {
  plugins: [viteFeedbackReasons], // "lexicon:feedback_reasons", as the build makes it
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.js"],
    restoreMocks: true,
  },
};
