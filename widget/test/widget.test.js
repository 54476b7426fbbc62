import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resolveConfig } from "../src/config.js";
import { ChatWidget } from "../src/widget.js";
import { fakeIo } from "./fake-socket.js";
import { deferral, evidenceAnswer, relatedTopics, urgent } from "./fixtures.js";

let widget;
let io;

function mount(windowConfig = {}) {
  io = fakeIo();
  widget = new ChatWidget(resolveConfig({}, windowConfig), window, { connect: io });
  widget.mount();
  return widget.shadow;
}

const $ = (selector) => widget.shadow.querySelector(selector);
const $$ = (selector) => [...widget.shadow.querySelectorAll(selector)];
const socket = () => io.sockets.at(-1);

function openAndConnect(history = []) {
  $(".launcher").click();
  socket().serverAccepts("session-1", history);
}

function type(text) {
  const input = $("textarea");
  input.value = text;
  input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  vi.useFakeTimers();
});

afterEach(() => {
  widget.destroy();
  vi.useRealTimers();
  delete window.speechSynthesis;
  delete window.SpeechSynthesisUtterance;
  delete window.webkitSpeechRecognition;
});

describe("embedding", () => {
  it("lives in a Shadow DOM with a lang attribute, and only once per page", () => {
    mount({ lang: "en-GB" });
    const host = document.getElementById("ms-assistant-widget");
    expect(host.shadowRoot).toBe(widget.shadow);
    expect(host.getAttribute("lang")).toBe("en-GB");
    expect($(".root").getAttribute("lang")).toBe("en-GB");
    expect(new ChatWidget(resolveConfig(), window).mount()).toBeNull();
    expect(document.querySelectorAll("#ms-assistant-widget")).toHaveLength(1);
  });

  it("uses the configured title and strings, and an accessible primary colour", () => {
    mount({ title: "Ask the clinic", primaryColor: "#ffcc00", strings: { launcherText: "Chat now" } });
    expect($(".title").textContent).toBe("Ask the clinic");
    expect($(".launcher .launcher-text").textContent).toBe("Chat now");
    const host = document.getElementById("ms-assistant-widget");
    expect(host.style.getPropertyValue("--msa-primary")).not.toBe("#ffcc00");
  });

  it("has no inline event-handler attributes", () => {
    mount();
    openAndConnect();
    socket().receive("bot_uttered", evidenceAnswer);
    for (const node of widget.shadow.querySelectorAll("*")) {
      expect([...node.attributes].filter((a) => a.name.startsWith("on"))).toEqual([]);
    }
  });
});

describe("opening and closing", () => {
  it("opens from the launcher, focuses the input, and connects only then", () => {
    mount();
    expect($(".launcher").textContent).toBe("Ask a question about stem cell therapy for MS");
    expect(io.sockets).toHaveLength(0);
    expect($(".panel").hidden).toBe(true);
    $(".launcher").click();
    expect($(".panel").hidden).toBe(false);
    expect($(".launcher").getAttribute("aria-expanded")).toBe("true");
    expect($(".launcher").textContent).toBe("Close chat");
    expect(widget.shadow.activeElement).toBe($("textarea"));
    expect(io.sockets).toHaveLength(1);
  });

  it("closes with Escape and returns focus to the launcher", () => {
    mount();
    openAndConnect();
    $("textarea").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect($(".panel").hidden).toBe(true);
    expect(widget.shadow.activeElement).toBe($(".launcher"));
    expect($(".launcher").getAttribute("aria-expanded")).toBe("false");
  });

  it("labels the dialog and every control", () => {
    mount();
    const panel = $(".panel");
    expect(panel.getAttribute("role")).toBe("dialog");
    expect(widget.shadow.getElementById(panel.getAttribute("aria-labelledby")).textContent).toBeTruthy();
    for (const button of $$("button")) {
      expect(button.getAttribute("aria-label") || button.textContent.trim()).toBeTruthy();
    }
    expect($("label[for=msa-input]").textContent).toBe("Your question");
  });
});

describe("the conversation", () => {
  it("shows the local greeting, then the history", () => {
    mount();
    openAndConnect([
      { sender: "user", text: "Cost" },
      { sender: "bot", ...evidenceAnswer },
    ]);
    const messages = $$(".log > .message");
    expect(messages).toHaveLength(3);
    expect(messages[0].textContent).toContain("automated assistant");
    expect(messages[0].querySelectorAll(".quick-reply").length).toBeGreaterThan(0);
    expect(messages[1].textContent).toContain("Cost");
    expect(messages[2].querySelector("details.sources")).not.toBeNull();
  });

  it("stops waiting when the history after a reconnect already holds the reply", () => {
    mount();
    openAndConnect();
    type("hello");
    expect($(".typing")).not.toBeNull();
    socket().serverDrops();
    socket().serverAccepts("session-1", [{ sender: "user", text: "hello" }, { sender: "bot", text: "Hi" }]);
    expect($(".typing")).toBeNull();
  });

  it("replaces (not repeats) what is shown when the history comes again after a reconnect", () => {
    mount();
    openAndConnect([{ sender: "user", text: "Cost" }]);
    socket().serverDrops();
    socket().serverAccepts("session-1", [{ sender: "user", text: "Cost" }, { sender: "bot", text: "Answer" }]);
    expect($$(".log > .message")).toHaveLength(3);
  });

  it("sends with Enter, shows a typing indicator until the first reply, and announces it", () => {
    mount();
    openAndConnect();
    type("what are the side effects of hsct");
    expect(socket().sent()).toEqual([
      { message: "what are the side effects of hsct", session_id: "session-1", metadata: {} },
    ]);
    expect($("textarea").value).toBe("");
    expect($$(".message-user").at(-1).textContent).toContain("what are the side effects of hsct");
    expect($(".typing")).not.toBeNull();
    socket().receive("bot_uttered", evidenceAnswer);
    expect($(".typing")).toBeNull();
    const live = widget.liveRegion;
    expect(live.getAttribute("aria-live")).toBe("polite");
    expect(live.textContent).toContain("Infections are the main risk.");
    expect(live.textContent).not.toContain("Sources");
    socket().receive("bot_uttered", relatedTopics);
    socket().receive("bot_uttered", deferral);
    expect($$(".message-deferral")).toHaveLength(1);
  });

  it("does not send an empty message", () => {
    mount();
    openAndConnect();
    type("   ");
    expect(socket().sent()).toEqual([]);
  });

  it("gives up the typing indicator after the timeout and says the reply is slow", () => {
    mount({ typingTimeoutMs: 5000 });
    openAndConnect();
    type("hello");
    vi.advanceTimersByTime(5001);
    expect($(".typing")).toBeNull();
    expect($(".notice").textContent).toBe(widget.strings.slowReply);
    socket().receive("bot_uttered", { text: "late" });
    expect($(".notice")).toBeNull();
  });

  it("sends a quick reply's payload, shown as its title", () => {
    mount();
    openAndConnect();
    socket().receive("bot_uttered", relatedTopics);
    $$(".quick-reply").find((b) => b.textContent === "Cost").click();
    expect(socket().sent().at(-1)).toEqual({
      message: "/ask_cost_insurance",
      session_id: "session-1",
      metadata: { display: "Cost" },
    });
    expect($$(".message-user").at(-1).textContent).toContain("Cost");
  });

  it("sends thumbs up / down as feedback on the answer's evidence", () => {
    mount();
    openAndConnect();
    socket().receive("bot_uttered", evidenceAnswer);
    $(".feedback-up").click();
    expect(socket().sent().at(-1)).toEqual({
      message: '/give_feedback{"feedback_value":"up"}',
      session_id: "session-1",
      metadata: { display: widget.strings.feedbackUpDisplay, feedback_on: evidenceAnswer.custom.evidence_ids },
    });
  });

  it("has a Talk to a person control that asks for a human", () => {
    mount();
    openAndConnect();
    $(".talk-to-person").click();
    expect(socket().sent().at(-1)).toEqual({
      message: "/request_human",
      session_id: "session-1",
      metadata: { display: "Talk to a person" },
    });
  });

  it("announces urgent help through its alert role, not twice", () => {
    mount();
    openAndConnect();
    socket().receive("bot_uttered", urgent);
    expect($("[role=alert]").textContent).toContain("emergency");
    expect(widget.liveRegion.textContent).not.toContain("emergency");
  });

  it("shows no typing indicator while staff handle the conversation, and again after", () => {
    mount();
    openAndConnect([{ sender: "bot", text: "Queued", custom: { type: "handoff_status", state: "queued" } }]);
    type("are you there?");
    expect(socket().sent()).toHaveLength(1);
    expect($(".typing")).toBeNull();
    socket().receive("bot_uttered", { text: "Yes, I'm here", custom: { type: "staff_message", staff_name: "Sam" } });
    expect(widget.liveRegion.textContent).toContain("Sam, member of staff: Yes, I'm here");
    socket().receive("bot_uttered", { text: "Ended", custom: { type: "handoff_status", state: "ended" } });
    type("what is hsct");
    expect($(".typing")).not.toBeNull();
  });

  it("hides 'Talk to a person' while staff handle the conversation", () => {
    mount();
    openAndConnect([{ sender: "bot", text: "Queued", custom: { type: "handoff_status", state: "queued" } }]);
    expect($(".talk-to-person").hidden).toBe(true);
    socket().receive("bot_uttered", { text: "Ended", custom: { type: "handoff_status", state: "ended" } });
    expect($(".talk-to-person").hidden).toBe(false);
  });

  it("sends /greet on a new conversation in intent greeting mode", () => {
    mount({ greetingMode: "intent" });
    openAndConnect([]);
    expect(socket().sent()).toEqual([
      { message: "/greet", session_id: "session-1", metadata: { display: "Hello" } },
    ]);
    expect($$(".log > .message")).toHaveLength(1); // no local greeting
  });

  it("does not greet again when the conversation already exists", () => {
    mount({ greetingMode: "intent" });
    openAndConnect([{ sender: "bot", text: "Hello again" }]);
    expect(socket().sent()).toEqual([]);
  });
});

describe("offline", () => {
  it("shows an announced offline state and keeps a message typed meanwhile until reconnected", () => {
    mount();
    openAndConnect();
    socket().serverDrops();
    const status = $(".connection");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.textContent).toContain("Offline");
    type("are you there?");
    expect(socket().sent()).toEqual([]);
    const pending = $$(".message-user").at(-1);
    expect(pending.classList.contains("message-pending")).toBe(true);
    expect(pending.textContent).toContain(widget.strings.queuedStatus);
    expect(status.textContent).toContain("will be sent");
    expect($(".typing")).toBeNull(); // nobody is answering a message not yet sent

    socket().serverAccepts("session-1", []);
    expect(socket().sent().map((m) => m.message)).toEqual(["are you there?"]);
    expect(status.textContent).toBe("");
    const shown = $$(".message-user").at(-1);
    expect(shown.textContent).toContain("are you there?");
    expect(shown.classList.contains("message-pending")).toBe(false);
    expect($(".typing")).not.toBeNull();
    expect(widget.liveRegion.textContent).toContain(widget.strings.backOnline);
  });
});

describe("voice", () => {
  it("hides the microphone where the browser cannot dictate", () => {
    mount();
    expect($(".mic").hidden).toBe(true);
  });

  it("dictates into the input where it can", () => {
    const instances = [];
    window.webkitSpeechRecognition = class {
      constructor() {
        instances.push(this);
      }
      start() {}
      stop() {
        this.onend();
      }
    };
    mount();
    openAndConnect();
    const mic = $(".mic");
    expect(mic.hidden).toBe(false);
    mic.click();
    expect(mic.getAttribute("aria-pressed")).toBe("true");
    const recognition = instances[0];
    expect(recognition.lang).toBe("en");
    const result = [{ transcript: "is hsct safe" }];
    result.isFinal = true;
    recognition.onresult({ results: [result] });
    expect($("textarea").value).toBe("is hsct safe");
    mic.click();
    expect(mic.getAttribute("aria-pressed")).toBe("false");
    expect(socket().sent()).toEqual([]); // the person checks it and sends it
  });

  it("hides the microphone after the recogniser says it cannot work", () => {
    window.webkitSpeechRecognition = class {
      start() {
        this.onerror({ error: "network" });
        this.onend();
      }
      stop() {}
    };
    mount();
    openAndConnect();
    $(".mic").click();
    expect($(".mic").hidden).toBe(true);
    expect($(".dictation-status").textContent).toBe(widget.strings.micUnavailable);
  });

  it("reads new answers aloud when asked, remembering the choice", () => {
    const spoken = [];
    window.speechSynthesis = { speak: (u) => spoken.push(u), cancel: vi.fn() };
    window.SpeechSynthesisUtterance = class {
      constructor(text) {
        this.text = text;
      }
    };
    mount();
    openAndConnect([{ sender: "bot", text: "old answer" }]);
    const toggle = $(".read-aloud");
    expect(toggle.hidden).toBe(false);
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    socket().receive("bot_uttered", { text: "not read" });
    toggle.click();
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    expect(localStorage.getItem("ms-assistant-widget:read-aloud")).toBe("on");
    socket().receive("bot_uttered", evidenceAnswer);
    expect(spoken.map((u) => u.text)).toEqual(["Infections are the main risk.\nfever\ntiredness"]);
    widget.destroy();

    mount();
    expect($(".read-aloud").getAttribute("aria-pressed")).toBe("true");
  });

  it("hides the read-aloud toggle without speech synthesis", () => {
    mount();
    expect($(".read-aloud").hidden).toBe(true);
  });
});

describe("several tabs", () => {
  it("shows a question asked in another tab, without sending it again", () => {
    mount();
    openAndConnect();
    const before = socket().emitted.filter((e) => e.event === "user_uttered").length;
    socket().receive("user_echo", { text: "<b>from the other tab</b>" });
    const shown = $$(".message-user .user-text").map((node) => node.textContent);
    expect(shown.at(-1)).toBe("<b>from the other tab</b>");
    expect($$(".message-user b")).toHaveLength(0);
    expect(socket().emitted.filter((e) => e.event === "user_uttered")).toHaveLength(before);
  });
});

describe("a session the server replaces", () => {
  it("shows only the new session's history when the confirmed id differs", () => {
    mount();
    openAndConnect([{ sender: "user", text: "old question" }, { sender: "bot", text: "old answer" }]);
    type("one more");
    expect($(".typing")).not.toBeNull();
    socket().serverDrops();
    socket().serverAccepts("session-2", [{ sender: "user", text: "new question" }]);
    const shown = $$(".log > .message").map((m) => m.textContent).join("\n");
    expect(shown).toContain("new question");
    expect(shown).not.toContain("old question");
    expect(shown).not.toContain("one more");
    expect($$(".log > .message")).toHaveLength(2); // the local greeting and the new message
    expect($(".typing")).toBeNull(); // no reply is coming from the old session
    expect(localStorage.getItem("ms-assistant-widget:session-id")).toBe("session-2");
  });

  it("greets a replacing session in intent greeting mode", () => {
    mount({ greetingMode: "intent" });
    openAndConnect([{ sender: "bot", text: "Hello again" }]);
    socket().serverDrops();
    socket().serverAccepts("session-2", []);
    expect(socket().sent()).toEqual([
      { message: "/greet", session_id: "session-2", metadata: { display: "Hello" } },
    ]);
  });
});

describe("end chat and forget this conversation", () => {
  const stored = (storage) => Object.keys(storage).filter((k) => k.startsWith("ms-assistant-widget:"));

  it("is a labelled header button that only asks at first", () => {
    mount();
    openAndConnect([{ sender: "user", text: "private question" }]);
    const button = $(".header .forget");
    expect(button.tagName).toBe("BUTTON");
    expect(button.getAttribute("aria-label")).toBe("End chat and forget this conversation");
    expect(button.getAttribute("aria-label").startsWith(button.textContent)).toBe(true);
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect($(".forget-confirm").hidden).toBe(true);
    button.click();
    const confirm = $(".forget-confirm");
    expect(confirm.hidden).toBe(false);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(widget.shadow.getElementById(confirm.getAttribute("aria-labelledby")).textContent).toBe(
      widget.strings.forgetQuestion,
    );
    expect(widget.shadow.activeElement).toBe($(".forget-no")); // not the destructive one
    // Nothing is forgotten yet.
    expect(localStorage.getItem("ms-assistant-widget:session-id")).toBe("session-1");
    expect($(".log").textContent).toContain("private question");
    expect(io.sockets).toHaveLength(1);
  });

  it("keeps everything with 'No, keep it' or Escape, which does not close the panel", () => {
    mount();
    openAndConnect([{ sender: "user", text: "private question" }]);
    $(".forget").click();
    $(".forget-no").click();
    expect($(".forget-confirm").hidden).toBe(true);
    expect(widget.shadow.activeElement).toBe($(".forget"));
    $(".forget").click();
    $(".forget-no").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    expect($(".forget-confirm").hidden).toBe(true);
    expect($(".panel").hidden).toBe(false);
    expect(localStorage.getItem("ms-assistant-widget:session-token")).toBe("token:session-1");
    expect($(".log").textContent).toContain("private question");
    expect(io.sockets).toHaveLength(1);
  });

  it("clears storage, the messages and the draft, and starts a new session with {}", () => {
    window.speechSynthesis = { speak: vi.fn(), cancel: vi.fn() };
    window.SpeechSynthesisUtterance = class {};
    localStorage.setItem("host-page-key", "kept");
    sessionStorage.setItem("host-page-key", "kept");
    mount();
    openAndConnect([{ sender: "user", text: "private question" }, { sender: "bot", text: "private answer" }]);
    $(".read-aloud").click();
    socket().receive("bot_uttered", { text: "another private answer" });
    $("textarea").value = "a draft";
    expect(stored(localStorage).sort()).toEqual([
      "ms-assistant-widget:read-aloud",
      "ms-assistant-widget:session-id",
      "ms-assistant-widget:session-token",
    ]);
    expect(stored(sessionStorage)).toEqual(["ms-assistant-widget:open"]);
    const old = socket();

    $(".forget").click();
    $(".forget-yes").click();

    expect(stored(localStorage)).toEqual([]);
    expect(stored(sessionStorage)).toEqual([]);
    expect(localStorage.getItem("host-page-key")).toBe("kept");
    expect(sessionStorage.getItem("host-page-key")).toBe("kept");
    expect(old.connected).toBe(false);
    expect(io.sockets).toHaveLength(2);
    const messages = $$(".log > .message");
    expect(messages).toHaveLength(1);
    expect(messages[0].textContent).toContain("automated assistant"); // the greeting again
    expect($("textarea").value).toBe("");
    expect(widget.liveRegion.textContent).not.toContain("private");
    expect(widget.liveRegion.textContent).toContain(widget.strings.forgetDone);
    expect($(".read-aloud").getAttribute("aria-pressed")).toBe("false");
    expect($(".forget-confirm").hidden).toBe(true);

    socket().serverAccepts(undefined, []);
    expect(socket().sent("session_request")).toEqual([{}]);
    expect(localStorage.getItem("ms-assistant-widget:session-id")).toBe("server-made-2");
    expect($(".log").textContent).not.toContain("private");
    type("new question");
    expect(socket().sent()).toEqual([{ message: "new question", session_id: "server-made-2", metadata: {} }]);
  });

  it("does not send a message still waiting from the forgotten conversation", () => {
    mount();
    openAndConnect();
    socket().serverDrops();
    type("typed while offline");
    $(".forget").click();
    $(".forget-yes").click();
    socket().serverAccepts(undefined, []);
    expect(socket().sent()).toEqual([]);
    expect($(".log").textContent).not.toContain("typed while offline");
  });

  it("follows another tab that forgot the conversation", () => {
    mount();
    openAndConnect([{ sender: "user", text: "private question" }]);
    const old = socket();
    localStorage.removeItem("ms-assistant-widget:session-id"); // what the other tab did
    window.dispatchEvent(
      new StorageEvent("storage", { key: "ms-assistant-widget:session-id", oldValue: "session-1", newValue: null }),
    );
    expect(old.connected).toBe(false);
    expect($(".panel").hidden).toBe(true);
    expect($(".log").textContent).not.toContain("private question");
    localStorage.setItem("ms-assistant-widget:session-id", "other-tab-session");
    localStorage.setItem("ms-assistant-widget:session-token", "other-tab-token");
    $(".launcher").click();
    socket().connected = true;
    socket().receive("connect");
    expect(socket().sent("session_request")).toEqual([
      { session_id: "other-tab-session", session_token: "other-tab-token" },
    ]);
  });
});
