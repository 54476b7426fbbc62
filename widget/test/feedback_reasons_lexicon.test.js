// The build reads the reasons from lexicon/feedback_reasons.yml (scripts/feedback_reasons.mjs).
import { describe, expect, it } from "vitest";
import { FEEDBACK_REASONS } from "lexicon:feedback_reasons";
import { parseFeedbackReasons } from "../scripts/feedback_reasons.mjs";

describe("the feedback reasons from the lexicon", () => {
  it("are the six keys the assistant allows, in order, with their labels", () => {
    expect(FEEDBACK_REASONS.map((reason) => reason.key)).toEqual([
      "wrong_topic",
      "not_answered",
      "hard_to_understand",
      "out_of_date",
      "could_be_harmful",
      "other",
    ]);
    expect(FEEDBACK_REASONS[1].label).toBe("Didn't answer my question");
  });

  it("read plain and quoted labels, skipping comments", () => {
    const text = "# who reads this\nreasons:\n  a: Plain\n  b: 'It''s quoted'\n  c: \"Double: yes\"\n";
    expect(parseFeedbackReasons(text)).toEqual([
      ["a", "Plain"],
      ["b", "It's quoted"],
      ["c", "Double: yes"],
    ]);
  });

  it("refuse what they would misread rather than guess", () => {
    expect(() => parseFeedbackReasons("reasons:\n  a: >-\n    folded\n")).toThrow(/line 2/);
    expect(() => parseFeedbackReasons("reasons:\n  a: Label # note\n")).toThrow(/line 2/);
    expect(() => parseFeedbackReasons("other:\n  a: Label\n")).toThrow(/line 1/);
    expect(() => parseFeedbackReasons("reasons:\n")).toThrow(/no reasons/);
  });
});
