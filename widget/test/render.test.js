import { describe, expect, it, vi } from "vitest";
import { DEFAULT_STRINGS } from "../src/config.js";
import {
  handoffActiveAfter,
  renderBotMessage,
  renderHistory,
  renderQuickReplies,
  renderLastReviewed,
  renderSources,
  renderUserMessage,
  spokenText,
} from "../src/render.js";
import { deferral, evidenceAnswer, relatedTopics, urgent } from "./fixtures.js";

const strings = DEFAULT_STRINGS;

function context(overrides = {}) {
  return { strings, onQuickReply: vi.fn(), onFeedback: vi.fn(), ...overrides };
}

describe("last reviewed", () => {
  it("shows the month and year the answer's evidence was last reviewed", () => {
    const line = renderLastReviewed(document, "2026-11-21", strings);
    expect(line.textContent).toBe("Last reviewed: November 2026");
  });

  it("is left out when the date is missing or not a date", () => {
    expect(renderLastReviewed(document, undefined, strings)).toBeNull();
    expect(renderLastReviewed(document, "2026-13-01", strings)).toBeNull();
    expect(renderLastReviewed(document, "<b>soon</b>", strings)).toBeNull();
  });

  it("appears under the sources of an evidence answer", () => {
    const message = { ...evidenceAnswer, custom: { ...evidenceAnswer.custom, last_reviewed: "2026-01-05" } };
    const item = renderBotMessage(document, message, context());
    expect(item.querySelector(".last-reviewed").textContent).toBe("Last reviewed: January 2026");
  });
});

describe("sources list", () => {
  it("is a disclosure listing each source's title, publisher and year", () => {
    const details = renderSources(document, evidenceAnswer.custom.sources, strings);
    expect(details.nodeName).toBe("DETAILS");
    expect(details.open).toBe(false);
    expect(details.querySelector("summary").textContent).toBe("Sources (2)");
    const items = details.querySelectorAll("li");
    expect(items).toHaveLength(2);
    expect(items[0].textContent).toContain("a meta-analysis");
    expect(items[0].textContent).toContain("Neurology, 2017");
    expect(items[1].textContent).toContain("Stem Cell Therapy for MS");
    expect(items[1].textContent).toContain("National Multiple Sclerosis Society (US)");
  });

  it("links a source with an address in a new tab, and one without as plain text", () => {
    const details = renderSources(document, evidenceAnswer.custom.sources, strings);
    const links = details.querySelectorAll("a");
    expect(links).toHaveLength(1);
    expect(links[0].getAttribute("href")).toBe("https://doi.org/10.1212/WNL.0000000000003987");
    expect(links[0].getAttribute("target")).toBe("_blank");
    expect(links[0].getAttribute("rel")).toBe("noopener noreferrer");
    expect(links[0].textContent).toContain(strings.opensInNewTab);
  });

  it("does not link unsafe addresses and shows markup in titles as text", () => {
    const details = renderSources(
      document,
      [
        { title: "<img src=x onerror=alert(1)>", publisher: "P", url: "javascript:alert(1)" },
        { title: "Data", url: "data:text/html,hi" },
      ],
      strings,
    );
    expect(details.querySelector("a")).toBeNull();
    expect(details.querySelector("img")).toBeNull();
    expect(details.textContent).toContain("<img src=x onerror=alert(1)>");
  });

  it("lists a claim the answer checked apart from its sources, and does not count it", () => {
    const sources = [
      ...evidenceAnswer.custom.sources.map((source) => ({ ...source, role: "supports" })),
      { title: "Stem Cell Therapy for Multiple Sclerosis", publisher: "VA", role: "checked_claim" },
    ];
    const details = renderSources(document, sources, strings);
    expect(details.querySelector("summary").textContent).toBe("Sources (2)");
    const lists = details.querySelectorAll("ol");
    expect(lists).toHaveLength(2);
    expect(lists[0].querySelectorAll("li")).toHaveLength(2);
    expect(lists[1].textContent).toContain("Stem Cell Therapy for Multiple Sclerosis");
    expect(details.querySelector(".checked-claims-label").textContent).toBe(
      strings.checkedClaimsLabel,
    );
  });

  it("is left out when there are no sources", () => {
    expect(renderSources(document, [], strings)).toBeNull();
    expect(renderSources(document, undefined, strings)).toBeNull();
  });
});

describe("bot messages", () => {
  it("renders an evidence answer with its sources and feedback buttons", () => {
    const item = renderBotMessage(document, evidenceAnswer, context());
    expect(item.classList.contains("message-evidence")).toBe(true);
    expect(item.querySelector(".markdown strong").textContent).toBe("main");
    expect(item.querySelector("details.sources")).not.toBeNull();
    const buttons = item.querySelectorAll(".feedback button");
    expect([...buttons].map((b) => b.getAttribute("aria-label"))).toEqual([
      strings.feedbackUpLabel,
      strings.feedbackDownLabel,
    ]);
  });

  it("sends one rating per answer, with the answer's evidence ids", () => {
    const onFeedback = vi.fn();
    const item = renderBotMessage(document, evidenceAnswer, context({ onFeedback }));
    const [up, down] = item.querySelectorAll(".feedback button");
    down.click();
    up.click();
    down.click();
    expect(onFeedback).toHaveBeenCalledTimes(1);
    expect(onFeedback).toHaveBeenCalledWith("down", evidenceAnswer.custom.evidence_ids);
    expect(down.getAttribute("aria-pressed")).toBe("true");
    expect(up.getAttribute("aria-pressed")).toBe("false");
    expect(up.getAttribute("aria-disabled")).toBe("true");
    expect(item.querySelector(".feedback [role=status]").textContent).toBe(strings.feedbackThanks);
  });

  it("styles the specialist deferral apart, with its label", () => {
    const item = renderBotMessage(document, deferral, context());
    expect(item.classList.contains("message-deferral")).toBe(true);
    expect(item.querySelector(".callout-label").textContent).toBe(strings.deferralLabel);
    expect(item.querySelector(".callout-label svg").getAttribute("aria-hidden")).toBe("true");
    expect(item.querySelector("[role=alert]")).toBeNull();
    expect(item.querySelector("details")).toBeNull();
  });

  it("renders urgent help as an alert", () => {
    const item = renderBotMessage(document, urgent, context());
    expect(item.classList.contains("message-urgent")).toBe(true);
    const alert = item.querySelector("[role=alert]");
    expect(alert).not.toBeNull();
    expect(alert.textContent).toContain(strings.urgentLabel);
    expect(alert.querySelector("strong").textContent).toContain("emergency");
  });

  it("renders a plain message without any of the special parts", () => {
    const item = renderBotMessage(document, { text: "Hello" }, context());
    expect(item.className).toBe("message message-bot");
    expect(item.querySelector(".feedback, details, .quick-replies, [role=alert]")).toBeNull();
  });

  it("ignores a custom payload of another type", () => {
    const item = renderBotMessage(document, { text: "x", custom: { type: "something_new" } }, context());
    expect(item.className).toBe("message message-bot");
  });
});

describe("quick replies", () => {
  it("renders one button per reply; a click passes its payload and title", () => {
    const onQuickReply = vi.fn();
    const item = renderBotMessage(document, relatedTopics, context({ onQuickReply }));
    const group = item.querySelector(".quick-replies");
    expect(group.getAttribute("role")).toBe("group");
    const buttons = group.querySelectorAll("button");
    expect([...buttons].map((b) => b.textContent)).toEqual(["Tell me more", "Cost"]);
    expect([...buttons].every((b) => b.type === "button")).toBe(true);
    buttons[1].click();
    expect(onQuickReply).toHaveBeenCalledWith({ title: "Cost", payload: "/ask_cost_insurance" });
  });

  it("shows titles as text and skips replies without a payload", () => {
    const group = renderQuickReplies(
      document,
      [{ title: "<b>x</b>", payload: "/a" }, { title: "no payload" }, null],
      strings,
      vi.fn(),
    );
    const buttons = group.querySelectorAll("button");
    expect(buttons).toHaveLength(1);
    expect(buttons[0].textContent).toBe("<b>x</b>");
    expect(group.querySelector("b")).toBeNull();
  });

  it("renders nothing for no replies", () => {
    expect(renderQuickReplies(document, [], strings, vi.fn())).toBeNull();
  });
});

describe("user messages", () => {
  it("are plain text, never markup", () => {
    const item = renderUserMessage(document, { text: "<img src=x onerror=alert(1)> **hi**" }, strings);
    expect(item.querySelector("img, strong")).toBeNull();
    expect(item.querySelector(".user-text").textContent).toBe("<img src=x onerror=alert(1)> **hi**");
  });

  it("show that a queued message is waiting to be sent", () => {
    const item = renderUserMessage(document, { text: "hi", pending: true }, strings);
    expect(item.classList.contains("message-pending")).toBe(true);
    expect(item.textContent).toContain(strings.queuedStatus);
  });
});

describe("history", () => {
  const history = [
    { sender: "user", text: "Side effects", timestamp: 1 },
    { sender: "bot", ...evidenceAnswer, timestamp: 2 },
    { sender: "bot", ...relatedTopics, timestamp: 3 },
    { sender: "bot", ...deferral, timestamp: 4 },
    { sender: "user", text: "<script>alert(1)</script>", timestamp: 5 },
    { sender: "bot", timestamp: 6 },
    { sender: "user", text: "", timestamp: 7 },
    null,
  ];

  it("renders the conversation in order, each message as it was shown live", () => {
    const list = document.createElement("ol");
    list.append(renderHistory(document, history, context()));
    const items = [...list.children];
    expect(items.map((item) => item.className)).toEqual([
      "message message-user",
      "message message-bot message-evidence",
      "message message-bot",
      "message message-bot message-deferral",
      "message message-user",
    ]);
    expect(items[0].textContent).toContain("Side effects");
    expect(items[1].querySelector("details.sources li a").getAttribute("target")).toBe("_blank");
    expect(items[2].querySelectorAll(".quick-replies button")).toHaveLength(2);
    expect(items[4].querySelector("script")).toBeNull();
    expect(items[4].textContent).toContain("<script>alert(1)</script>");
  });

  it("copes with a missing message list", () => {
    expect(renderHistory(document, undefined, context()).childNodes).toHaveLength(0);
  });
});

describe("spoken text", () => {
  it("reads an answer without markdown or its sources", () => {
    const text = spokenText(document, evidenceAnswer);
    expect(text).toBe("Infections are the main risk.\nfever\ntiredness");
  });

  it("keeps a sources-like line of a message that is not an evidence answer", () => {
    expect(spokenText(document, { text: "Sources: none" })).toBe("Sources: none");
    expect(spokenText(document, { custom: { type: "x" } })).toBe("");
  });
});

describe("staff handoff messages", () => {
  it("shows who from the staff wrote, instead of the assistant", () => {
    const item = renderBotMessage(
      document,
      { text: "Hello, I'm Sam from the MS nurse team.", custom: { type: "staff_message", staff_name: "Sam" } },
      context(),
    );
    expect(item.classList.contains("message-staff")).toBe(true);
    expect(item.querySelector(".callout-label").textContent).toBe("Sam, member of staff");
    expect(item.textContent).not.toContain(strings.assistant);
    const anonymous = renderBotMessage(document, { text: "Hi", custom: { type: "staff_message" } }, context());
    expect(anonymous.querySelector(".callout-label").textContent).toBe(strings.staffLabelNoName);
  });

  it("leaves the staff inbox's external events out of the history", () => {
    const list = document.createElement("ol");
    list.append(
      renderHistory(
        document,
        [
          { sender: "user", text: "EXTERNAL: EXTERNAL_staff_reply" },
          { sender: "bot", text: "Hi", custom: { type: "staff_message", staff_name: "Sam" } },
        ],
        context(),
      ),
    );
    expect([...list.children].map((item) => item.className)).toEqual(["message message-bot message-staff"]);
  });

  it("knows when staff are handling the conversation", () => {
    const queued = { text: "In the queue", custom: { type: "handoff_status", state: "queued" } };
    const staff = { text: "Hi", custom: { type: "staff_message" } };
    const ended = { text: "Back to the assistant", custom: { type: "handoff_status", state: "ended" } };
    expect(handoffActiveAfter([queued])).toBe(true);
    expect(handoffActiveAfter([queued, staff, ended])).toBe(false);
    expect(handoffActiveAfter([{ sender: "bot", ...staff }])).toBe(true);
    expect(handoffActiveAfter([{ text: "plain" }], true)).toBe(true);
    expect(handoffActiveAfter([ended], true)).toBe(false);
  });
});
