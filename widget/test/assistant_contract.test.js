// What the widget takes from the assistant at build time (src/assistant.json, written by
// `python -m messages.widget_export`; tests/messages/ checks it is current).
import { describe, expect, it } from "vitest";
import ASSISTANT from "../src/assistant.json";
import { DEFAULTS, DEFAULT_STRINGS } from "../src/config.js";
import { CUSTOM, renderHistory, renderSources } from "../src/render.js";

const strings = DEFAULT_STRINGS;

describe("the message contract from the assistant", () => {
  it("names every custom payload type the widget styles", () => {
    const types = Object.values(ASSISTANT.payload_types);
    expect(Object.values(CUSTOM)).toHaveLength(6);
    for (const name of Object.values(CUSTOM)) expect(types).toContain(name);
    expect(CUSTOM.evidence).toBe(ASSISTANT.payload_types.EVIDENCE_ANSWER);
    expect(CUSTOM.staff).toBe(ASSISTANT.payload_types.STAFF_MESSAGE);
  });

  it("lists a checked claim apart by the assistant's role name", () => {
    const sources = renderSources(
      document,
      [
        { title: "Meta", role: ASSISTANT.source_roles.SUPPORTS },
        { title: "Old page", role: ASSISTANT.source_roles.CHECKED_CLAIM },
      ],
      strings,
    );
    expect(sources.querySelector("summary").textContent).toBe("Sources (1)");
    expect(sources.querySelector(".checked-claims-label")).not.toBeNull();
  });

  it("leaves out user messages with the external-event prefix only", () => {
    const prefix = ASSISTANT.external_text_prefix;
    const context = { strings, onQuickReply: () => {}, onFeedback: () => {} };
    const fragment = renderHistory(
      document,
      [
        { sender: "user", text: `${prefix}handoff_ended` },
        { sender: "user", text: "EXTERNAL: typed by a person" },
      ],
      context,
    );
    expect([...fragment.children].map((item) => item.textContent)).toEqual([
      `${strings.you} EXTERNAL: typed by a person`,
    ]);
  });

  it("greets with the assistant's own greeting and its buttons", () => {
    expect(ASSISTANT.greeting.text).toMatch(/^Hello, I'm an automated assistant/);
    expect(DEFAULT_STRINGS.greeting).toBe(ASSISTANT.greeting.text);
    expect(DEFAULTS.greetingReplies).toEqual(ASSISTANT.greeting.replies);
    expect(DEFAULTS.greetingReplies.map((reply) => reply.payload)).toContain("/ask_what_is_hsct");
  });
});
