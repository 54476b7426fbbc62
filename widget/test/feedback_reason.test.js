// The optional question after a thumbs-down (issue 13): a reason, a capped comment, Send or
// Skip, sent as its own /feedback_reason message on the rated answer's evidence.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_STRINGS, resolveConfig } from "../src/config.js";
import { FEEDBACK_COMMENT_MAX_CHARS, renderBotMessage } from "../src/render.js";
import { ChatWidget } from "../src/widget.js";
import { fakeIo } from "./fake-socket.js";
import { evidenceAnswer } from "./fixtures.js";

const strings = DEFAULT_STRINGS;
const LABELS = [
  "Wrong topic",
  "Didn't answer my question",
  "Hard to understand",
  "Out of date",
  "Could be harmful",
  "Something else",
];

function answer(overrides = {}) {
  const context = { strings, onQuickReply: vi.fn(), onFeedback: vi.fn(), onFeedbackReason: vi.fn(), ...overrides };
  const item = renderBotMessage(document, evidenceAnswer, context);
  document.body.append(item); // focus only moves inside a document
  const [up, down] = item.querySelectorAll(".feedback button");
  return { item, up, down, context };
}

function typeComment(form, text) {
  const comment = form.querySelector("textarea");
  comment.value = text;
  comment.dispatchEvent(new Event("input", { bubbles: true }));
  return comment;
}

afterEach(() => document.body.replaceChildren());

describe("the reason form under an answer", () => {
  it("appears only after a thumbs-down, under that answer's feedback row", () => {
    const { item, down } = answer();
    expect(item.querySelector("form")).toBeNull();
    down.click();
    const form = item.querySelector("form.feedback-reason");
    expect(form).not.toBeNull();
    expect(form.previousElementSibling.classList.contains("feedback")).toBe(true);
  });

  it("does not appear after a thumbs-up", () => {
    const { item, up, down } = answer();
    up.click();
    down.click(); // one rating per answer: ignored
    expect(item.querySelector("form")).toBeNull();
  });

  it("offers the six reasons from the lexicon as labelled radio buttons, and a comment", () => {
    const { item, down } = answer();
    down.click();
    const form = item.querySelector("form");
    expect(form.querySelector("fieldset legend").textContent).toBe(strings.feedbackReasonQuestion);
    const options = [...form.querySelectorAll("label.feedback-reason-option")];
    expect(options.map((label) => label.textContent)).toEqual(LABELS);
    for (const option of options) expect(option.querySelector("input[type=radio]")).not.toBeNull();
    const comment = form.querySelector("textarea");
    const commentLabel = form.querySelector(`label[for="${comment.id}"]`);
    expect(commentLabel.textContent).toBe(strings.feedbackCommentLabel);
    const described = comment.getAttribute("aria-describedby").split(" ");
    expect(described.map((id) => form.querySelector(`#${id}`).textContent)).toEqual([
      strings.feedbackCommentHint,
      "0 of 300 characters",
    ]);
    expect(form.querySelector("button[type=submit]").textContent).toBe(strings.feedbackReasonSend);
  });

  it("caps the comment at 300 characters and counts them visibly", () => {
    expect(FEEDBACK_COMMENT_MAX_CHARS).toBe(300);
    const { item, down, context } = answer();
    down.click();
    const form = item.querySelector("form");
    const comment = typeComment(form, "x".repeat(450)); // pasted past maxlength
    expect(comment.maxLength).toBe(300);
    expect(comment.value).toHaveLength(300);
    expect(form.querySelector(".feedback-counter").textContent).toBe("300 of 300 characters");
    form.querySelector("input[value=other]").click();
    form.querySelector("button[type=submit]").click();
    expect(context.onFeedbackReason.mock.calls[0][1]).toHaveLength(300);
  });

  it("sends the chosen reason and comment, then thanks in the form's place", () => {
    const { item, down, context } = answer();
    down.click();
    const form = item.querySelector("form");
    form.querySelector("input[value=out_of_date]").click();
    typeComment(form, "  The trial has reported since.  ");
    form.querySelector("button[type=submit]").click();
    expect(context.onFeedbackReason).toHaveBeenCalledWith(
      "out_of_date",
      "The trial has reported since.",
      evidenceAnswer.custom.evidence_ids,
    );
    expect(item.querySelector("form")).toBeNull();
    const status = item.querySelector(".feedback-reason-status");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.textContent).toBe(strings.feedbackReasonThanks);
    expect(document.activeElement).toBe(status); // keyboard focus is not lost
  });

  it("counts a comment without a chosen reason as something else", () => {
    const { item, down, context } = answer();
    down.click();
    typeComment(item.querySelector("form"), "Too long");
    item.querySelector("form button[type=submit]").click();
    expect(context.onFeedbackReason).toHaveBeenCalledWith("other", "Too long", evidenceAnswer.custom.evidence_ids);
  });

  it("sends nothing when nothing was chosen, and says why", () => {
    const { item, down, context } = answer();
    down.click();
    item.querySelector("form button[type=submit]").click();
    expect(context.onFeedbackReason).not.toHaveBeenCalled();
    expect(item.querySelector("form [role=alert]").textContent).toBe(strings.feedbackReasonMissing);
    expect(document.activeElement).toBe(item.querySelector("form input[type=radio]"));
  });

  it("can be skipped: the form goes, nothing is sent, focus returns to the thumbs-down", () => {
    const { item, down, context } = answer();
    down.click();
    item.querySelector(".feedback-reason-skip").click();
    expect(item.querySelector("form")).toBeNull();
    expect(context.onFeedbackReason).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(down);
  });
});

describe("the reason in the chat", () => {
  let widget;
  let io;
  const $ = (selector) => widget.shadow.querySelector(selector);
  const socket = () => io.sockets.at(-1);

  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
    io = fakeIo();
    widget = new ChatWidget(resolveConfig({}, {}), window, { connect: io });
    widget.mount();
    $(".launcher").click();
    socket().serverAccepts("session-1", []);
    socket().receive("bot_uttered", evidenceAnswer);
  });

  afterEach(() => widget.destroy());

  it("keeps the thumbs-down message as it was, then sends the reason as its own message", () => {
    $(".feedback-down").click();
    expect(socket().sent().at(-1)).toEqual({
      message: '/give_feedback{"feedback_value":"down"}',
      session_id: "session-1",
      metadata: { display: strings.feedbackDownDisplay, feedback_on: evidenceAnswer.custom.evidence_ids },
    });
    $("form.feedback-reason input[value=wrong_topic]").click();
    typeComment($("form.feedback-reason"), "I asked about cost");
    $("form.feedback-reason button[type=submit]").click();
    expect(socket().sent().at(-1)).toEqual({
      message: '/feedback_reason{"feedback_reason":"wrong_topic"}',
      session_id: "session-1",
      metadata: {
        display: "Reason: Wrong topic. I asked about cost",
        feedback_on: evidenceAnswer.custom.evidence_ids,
        feedback_comment: "I asked about cost",
      },
    });
    expect([...widget.shadow.querySelectorAll(".message-user")].at(-1).textContent).toContain(
      "Reason: Wrong topic. I asked about cost",
    );
  });

  it("sends no comment key when there is no comment", () => {
    $(".feedback-down").click();
    $("form.feedback-reason input[value=could_be_harmful]").click();
    $("form.feedback-reason button[type=submit]").click();
    expect(socket().sent().at(-1).metadata).toEqual({
      display: "Reason: Could be harmful",
      feedback_on: evidenceAnswer.custom.evidence_ids,
    });
  });

  it("is optional: the person can just keep chatting", () => {
    $(".feedback-down").click();
    const before = socket().sent().length;
    const input = $("textarea.input");
    input.value = "what does it cost";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(socket().sent()).toHaveLength(before + 1);
    expect(socket().sent().at(-1).message).toBe("what does it cost");
    expect($("form.feedback-reason")).not.toBeNull(); // still there, for later or never
  });
});
