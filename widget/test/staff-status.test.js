// While staff handle the conversation: "Lee is typing…", the place in the queue, who joined,
// and a fresh start once the handoff has ended.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resolveConfig } from "../src/config.js";
import { ChatWidget } from "../src/widget.js";
import { fakeIo } from "./fake-socket.js";

let widget;
let io;

const $ = (selector) => widget.shadow.querySelector(selector);
const socket = () => io.sockets.at(-1);
const queued = { sender: "bot", text: "You're in the queue.", custom: { type: "handoff_status", state: "queued" } };
const ended = { text: "Back with the assistant.", custom: { type: "handoff_status", state: "ended" } };
const staffReply = { text: "Hi, I'm Lee.", custom: { type: "staff_message", staff_name: "Lee" } };
const typing = { staff_name: "Lee", text: "Lee is typing…" };

function openInHandoff(history = [queued]) {
  io = fakeIo();
  widget = new ChatWidget(resolveConfig({}, {}), window, { connect: io });
  widget.mount();
  $(".launcher").click();
  socket().serverAccepts("session-1", history);
}

const announced = () => [...$(".visually-hidden[aria-live]").children].map((p) => p.textContent);

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  vi.useFakeTimers();
});

afterEach(() => {
  widget.destroy();
  vi.useRealTimers();
});

describe("staff typing", () => {
  it("shows who is typing in a polite live region, and changes nothing on repeated pings", () => {
    openInHandoff();
    const line = $(".staff-typing");
    expect(line.getAttribute("aria-live")).toBe("polite");
    expect(line.textContent).toBe("");
    socket().receive("staff_typing", typing);
    expect(line.textContent).toBe("Lee is typing…");
    const observed = [];
    const observer = new MutationObserver((changes) => observed.push(...changes));
    observer.observe(line, { childList: true, characterData: true, subtree: true });
    vi.advanceTimersByTime(3000);
    socket().receive("staff_typing", typing); // the next ping: not read out again
    return Promise.resolve().then(() => {
      expect(observed).toHaveLength(0);
      observer.disconnect();
    });
  });

  it("hides 6 s after the last ping", () => {
    openInHandoff();
    socket().receive("staff_typing", typing);
    vi.advanceTimersByTime(4000);
    socket().receive("staff_typing", typing);
    vi.advanceTimersByTime(5000); // 9 s after the first ping, 5 s after the last
    expect($(".staff-typing").textContent).toBe("Lee is typing…");
    vi.advanceTimersByTime(1001);
    expect($(".staff-typing").textContent).toBe("");
  });

  it("hides when the staff message arrives", () => {
    openInHandoff();
    socket().receive("staff_typing", typing);
    socket().receive("bot_uttered", staffReply);
    expect($(".staff-typing").textContent).toBe("");
    expect($(".log").textContent).toContain("Hi, I'm Lee.");
  });

  it("says 'A member of staff' when the server sends no name", () => {
    openInHandoff();
    socket().receive("staff_typing", { staff_name: null, text: "A member of staff is typing…" });
    expect($(".staff-typing").textContent).toBe("A member of staff is typing…");
  });

  it("ignores a ping that comes after the handoff ended", () => {
    openInHandoff();
    socket().receive("bot_uttered", ended);
    socket().receive("staff_typing", typing);
    expect($(".staff-typing").textContent).toBe("");
  });
});

describe("the wait and who joined", () => {
  it("shows the place in the queue, updates it, and announces who joined", () => {
    openInHandoff();
    const status = $(".queue-status");
    expect(status.getAttribute("role")).toBe("status");
    socket().receive("handoff_status", { state: "waiting", position: 2, minutes: 8, text: "You're number 2." });
    expect(status.textContent).toBe("You're number 2.");
    socket().receive("handoff_status", { state: "waiting", position: 1, minutes: 8, text: "You're number 1." });
    expect(status.textContent).toBe("You're number 1.");
    socket().receive("handoff_status", { state: "claimed", staff_name: "Lee", text: "Lee has joined the conversation." });
    expect(status.textContent).toBe("");
    expect($(".log .staff-joined").textContent).toBe("Lee has joined the conversation.");
    expect(announced()).toContain("Lee has joined the conversation.");
  });
});

describe("after the handoff ends", () => {
  it("clears the handoff state: the queue line, typing, and 'Talk to a person' is back", () => {
    openInHandoff();
    socket().receive("handoff_status", { state: "waiting", position: 1, minutes: 5, text: "You're number 1." });
    socket().receive("staff_typing", typing);
    expect($(".talk-to-person").hidden).toBe(true);
    socket().receive("bot_uttered", ended);
    expect($(".queue-status").textContent).toBe("");
    expect($(".staff-typing").textContent).toBe("");
    expect($(".talk-to-person").hidden).toBe(false);
    expect(widget.handoffActive).toBe(false);
  });

  it("a reload after the end shows no handoff state", () => {
    openInHandoff([queued, { sender: "bot", ...ended }]);
    expect(widget.handoffActive).toBe(false);
    expect($(".talk-to-person").hidden).toBe(false);
    expect($(".queue-status").textContent).toBe("");
  });
});
