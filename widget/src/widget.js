// The chat widget: a launcher button and a chat panel in a Shadow DOM, wired to the
// connection, the renderers and the browser's speech features.

import { accessibleTheme } from "./colors.js";
import { Connection, createStore } from "./connection.js";
import { icon } from "./icons.js";
import {
  CUSTOM,
  customType,
  feedbackReasonDisplay,
  handoffActiveAfter,
  renderBotMessage,
  renderHistory,
  renderTyping,
  renderUserMessage,
  spokenText,
} from "./render.js";
import { Dictation, ReadAloud } from "./speech.js";
import { CSS } from "./styles.js";

const HOST_ID = "ms-assistant-widget";
const FEEDBACK_INTENT = "/give_feedback";
const FEEDBACK_REASON_INTENT = "/feedback_reason";
const HUMAN_INTENT = "/request_human";
const GREET_INTENT = "/greet";
const LIVE_REGION_KEEP = 4; // announcements kept in the live region
const STAFF_TYPING_MS = 6000; // the staff inbox pings every 3 s while someone types

function el(doc, tag, className, text) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function iconButton(doc, className, iconName, label) {
  const button = el(doc, "button", `icon-button ${className}`);
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.title = label;
  button.append(icon(doc, iconName));
  return button;
}

export class ChatWidget {
  constructor(config, win = window, { connect } = {}) {
    this.config = config;
    this.strings = config.strings;
    this.win = win;
    this.doc = win.document;
    this.store = createStore(win, config.storagePrefix, "localStorage");
    this.tabStore = createStore(win, config.storagePrefix, "sessionStorage");
    this.connectFn = connect;
    this.connection = null;
    this.pending = []; // outbox entries shown in the log, with their elements
    this.awaitingReply = false;
    this.firstReplyPending = false;
    this.typingTimer = null;
    this.historyShown = false;
    this.handoffActive = false; // staff are handling the conversation
    this.staffTypingTimer = null;
  }

  // ---- building ------------------------------------------------------------------------------

  mount() {
    const doc = this.doc;
    if (doc.getElementById(HOST_ID)) return null; // the snippet was included twice
    const host = el(doc, "div");
    host.id = HOST_ID;
    host.setAttribute("lang", this.config.lang);
    // Inline, so a host rule such as `div { transform: ... }` cannot move the fixed children.
    host.style.cssText = "all: initial";
    const theme = accessibleTheme(this.config.primaryColor);
    host.style.setProperty("--msa-primary", theme.primary);
    host.style.setProperty("--msa-primary-strong", theme.primaryStrong);
    host.style.setProperty("--msa-on-primary", theme.onPrimary);
    this.host = host;
    this.shadow = host.attachShadow({ mode: "open" });
    this.applyStyles();
    this.root = el(doc, "div", "root");
    this.root.setAttribute("lang", this.config.lang);
    this.root.append(this.buildLauncher(), this.buildPanel(), this.buildLiveRegion());
    this.shadow.append(this.root);
    doc.body.append(host);
    if (this.tabStore.get("open") === "yes") this.open({ focus: false });
    return host;
  }

  applyStyles() {
    // A constructed stylesheet is not blocked by a host's CSP without 'unsafe-inline'.
    const Sheet = this.win.CSSStyleSheet;
    if (Sheet && "adoptedStyleSheets" in this.shadow) {
      try {
        const sheet = new Sheet();
        sheet.replaceSync(CSS);
        this.shadow.adoptedStyleSheets = [sheet];
        return;
      } catch {
        /* older browser: fall back to a <style> element */
      }
    }
    this.shadow.append(el(this.doc, "style", null, CSS));
  }

  buildLauncher() {
    const doc = this.doc;
    const launcher = el(doc, "button", "launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "msa-panel");
    // Named by its visible text (plus a hint for screen readers), which changes to "Close chat"
    // while the panel is open.
    this.launcherText = el(doc, "span", "launcher-text");
    this.launcherHint = el(doc, "span", "visually-hidden");
    launcher.append(icon(doc, "chat"), this.launcherText, this.launcherHint);
    launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    this.launcher = launcher;
    this.showLauncherState(false);
    return launcher;
  }

  buildPanel() {
    const doc = this.doc;
    const s = this.strings;
    const panel = el(doc, "section", "panel");
    panel.id = "msa-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "false");
    panel.setAttribute("aria-labelledby", "msa-title");
    panel.setAttribute("aria-describedby", "msa-description");
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) {
        event.preventDefault();
        this.close();
      }
    });

    const header = el(doc, "div", "header");
    const title = el(doc, "h2", "title", this.config.title);
    title.id = "msa-title";
    title.tabIndex = -1;
    this.titleElement = title;
    const description = el(doc, "p", "visually-hidden", s.dialogDescription);
    description.id = "msa-description";
    const close = iconButton(doc, "close", "close", s.closeLabel);
    close.addEventListener("click", () => this.close());
    header.append(title, description, this.buildForgetButton(), close);

    this.connectionStatus = el(doc, "p", "connection");
    this.connectionStatus.setAttribute("role", "status");

    this.log = el(doc, "ol", "log");
    this.log.setAttribute("aria-label", s.messagesLabel);
    this.log.tabIndex = 0; // scrollable with the keyboard

    // While staff handle the conversation: the place in the queue, and who is typing. Each is
    // read out when its text changes, so a typing ping every few seconds is announced once.
    this.queueStatus = el(doc, "p", "staff-status queue-status");
    this.queueStatus.setAttribute("role", "status");
    this.staffTyping = el(doc, "p", "staff-status staff-typing");
    this.staffTyping.setAttribute("aria-live", "polite");

    panel.append(
      header,
      this.buildForgetConfirm(),
      this.connectionStatus,
      this.log,
      this.queueStatus,
      this.staffTyping,
      this.buildFooter(),
    );
    this.panel = panel;
    return panel;
  }

  /** "End chat": for shared devices. It only asks; buildForgetConfirm's "Yes" forgets. */
  buildForgetButton() {
    const s = this.strings;
    const button = el(this.doc, "button", "header-button forget", s.forgetButton);
    button.type = "button";
    button.setAttribute("aria-label", s.forgetButtonLabel); // begins with the visible text
    button.title = s.forgetButtonLabel;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "msa-forget-confirm");
    button.addEventListener("click", () =>
      this.forgetConfirm.hidden ? this.askToForget() : this.hideForgetConfirm(),
    );
    this.forgetButton = button;
    return button;
  }

  buildForgetConfirm() {
    const doc = this.doc;
    const s = this.strings;
    const box = el(doc, "div", "forget-confirm");
    box.id = "msa-forget-confirm";
    box.hidden = true;
    box.setAttribute("role", "group");
    box.setAttribute("aria-labelledby", "msa-forget-question");
    const question = el(doc, "p", "forget-question", s.forgetQuestion);
    question.id = "msa-forget-question";
    // "Keep" comes first and takes the focus: Enter pressed twice does not forget anything.
    const keep = el(doc, "button", "tool forget-no", s.forgetCancel);
    keep.type = "button";
    keep.addEventListener("click", () => this.hideForgetConfirm({ focus: true }));
    const forget = el(doc, "button", "tool forget-yes", s.forgetConfirm);
    forget.type = "button";
    forget.addEventListener("click", () => this.forgetConversation());
    const buttons = el(doc, "div", "forget-buttons");
    buttons.append(keep, forget);
    box.append(question, buttons);
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault(); // closes the question, not the panel
        this.hideForgetConfirm({ focus: true });
      }
    });
    this.forgetConfirm = box;
    this.forgetKeepButton = keep;
    return box;
  }

  buildFooter() {
    const doc = this.doc;
    const s = this.strings;
    const footer = el(doc, "div", "footer");
    const form = el(doc, "form", "composer");
    form.noValidate = true;
    const label = el(doc, "label", "visually-hidden", s.inputLabel);
    label.htmlFor = "msa-input";
    const input = el(doc, "textarea", "input");
    input.id = "msa-input";
    input.rows = 1;
    input.placeholder = s.inputPlaceholder;
    input.setAttribute("autocomplete", "off");
    input.setAttribute("enterkeyhint", "send");
    input.maxLength = 2000;
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    input.addEventListener("input", () => this.autoGrow());
    this.input = input;

    const mic = iconButton(doc, "mic", "mic", s.micStartLabel);
    mic.setAttribute("aria-pressed", "false");
    mic.hidden = true;
    this.micButton = mic;
    this.dictation = new Dictation(this.win, this.config.lang, {
      onText: (text) => {
        input.value = text;
        this.autoGrow();
      },
      onState: (listening) => this.showDictationState(listening),
      onUnavailable: () => {
        mic.hidden = true;
        this.dictationStatus.textContent = s.micUnavailable;
        input.focus();
      },
    });
    mic.hidden = !this.dictation.available;
    mic.addEventListener("click", () =>
      this.dictation.listening ? this.dictation.stop() : this.dictation.start(input.value.trim()),
    );

    const send = iconButton(doc, "send", "send", s.sendLabel);
    send.type = "submit";
    form.append(label, input, mic, send);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });

    this.dictationStatus = el(doc, "p", "dictation-status");
    this.dictationStatus.setAttribute("aria-live", "polite");

    const tools = el(doc, "div", "tools");
    this.readAloud = new ReadAloud(this.win, this.store, this.config.lang);
    const speak = el(doc, "button", "tool read-aloud");
    speak.type = "button";
    speak.append(icon(doc, "speaker"), el(doc, "span", null, s.readAloudLabel));
    speak.title = s.readAloudHint;
    speak.setAttribute("aria-pressed", String(this.readAloud.enabled));
    speak.hidden = !this.readAloud.available;
    speak.addEventListener("click", () => {
      const on = !this.readAloud.enabled;
      this.readAloud.enabled = on;
      speak.setAttribute("aria-pressed", String(on));
      this.announce(on ? s.readAloudOn : s.readAloudOff);
    });
    this.readAloudButton = speak;

    const human = el(doc, "button", "tool talk-to-person");
    human.type = "button";
    human.append(icon(doc, "person"), el(doc, "span", null, s.talkToPerson));
    human.addEventListener("click", () => this.sendMessage(HUMAN_INTENT, { display: s.talkToPersonDisplay }, s.talkToPersonDisplay));
    this.humanButton = human;

    tools.append(speak, human);
    footer.append(form, this.dictationStatus, tools);
    return footer;
  }

  buildLiveRegion() {
    this.liveRegion = el(this.doc, "div", "visually-hidden");
    this.liveRegion.setAttribute("aria-live", "polite");
    this.liveRegion.setAttribute("aria-atomic", "false");
    return this.liveRegion;
  }

  // ---- open / close ----------------------------------------------------------------------------

  get isOpen() {
    return Boolean(this.panel && !this.panel.hidden);
  }

  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.root.classList.add("is-open");
    this.showLauncherState(true);
    this.tabStore.set("open", "yes");
    this.listenForOtherTabs();
    this.startConnection();
    this.scrollToEnd();
    if (focus) {
      // On touch screens, focusing the input would cover the conversation with the keyboard.
      const coarse = this.win.matchMedia && this.win.matchMedia("(pointer: coarse)").matches;
      (coarse ? this.titleElement : this.input).focus();
    }
  }

  showLauncherState(open) {
    const s = this.strings;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.replaceChild(icon(this.doc, open ? "close" : "chat"), this.launcher.firstChild);
    this.launcherText.textContent = open ? s.launcherCloseText : s.launcherText;
    this.launcherHint.textContent = open || !s.launcherHint ? "" : ` ${s.launcherHint}`;
  }

  close() {
    if (!this.isOpen) return;
    if (this.dictation.listening) this.dictation.stop();
    this.hideForgetConfirm();
    this.panel.hidden = true;
    this.root.classList.remove("is-open");
    this.showLauncherState(false);
    this.tabStore.set("open", "no");
    this.launcher.focus();
  }

  // ---- conversation ----------------------------------------------------------------------------

  startConnection() {
    if (this.connection) return;
    this.connection = new Connection({
      serverUrl: this.config.serverUrl,
      socketPath: this.config.socketPath,
      store: this.store,
      win: this.win,
      connect: this.connectFn,
      events: {
        onStatus: (status) => this.showConnection(status),
        onHistory: (messages) => this.showHistory(messages),
        onBotMessage: (message) => this.receive(message),
        onSent: (entry) => this.markSent(entry),
        onUserEcho: (message) => this.showEcho(message),
        onStaffTyping: (data) => this.showStaffTyping(data),
        onHandoffStatus: (data) => this.showHandoffStatus(data),
        onSessionChange: () => this.startedAgain(),
      },
    });
    this.connection.start();
  }

  get renderContext() {
    return {
      strings: this.strings,
      onQuickReply: (reply) => this.sendMessage(reply.payload, { display: reply.title }, reply.title),
      onFeedback: (value, evidenceIds) => {
        const display = value === "up" ? this.strings.feedbackUpDisplay : this.strings.feedbackDownDisplay;
        this.sendMessage(
          `${FEEDBACK_INTENT}${JSON.stringify({ feedback_value: value })}`,
          { display, feedback_on: evidenceIds },
          display,
        );
      },
      // the optional reason after a thumbs-down: its own message, on the same evidence
      onFeedbackReason: (reason, comment, evidenceIds) => {
        const display = feedbackReasonDisplay(reason, comment, this.strings);
        const metadata = { display, feedback_on: evidenceIds };
        if (comment) metadata.feedback_comment = comment;
        this.sendMessage(`${FEEDBACK_REASON_INTENT}${JSON.stringify({ feedback_reason: reason })}`, metadata, display);
      },
    };
  }

  greetingMessage() {
    const text = this.strings.greeting;
    if (this.config.greetingMode !== "local" || !text) return null;
    return { sender: "bot", text, quick_replies: this.config.greetingReplies };
  }

  /** Empties the log down to the local greeting (if any). */
  showGreeting() {
    this.log.replaceChildren();
    const greeting = this.greetingMessage();
    if (greeting) this.log.append(renderBotMessage(this.doc, greeting, this.renderContext));
  }

  /** The whole conversation from the server: replaces what is shown (reconnects included). */
  showHistory(messages) {
    const doc = this.doc;
    this.showGreeting();
    this.log.append(renderHistory(doc, messages, this.renderContext));
    for (const entry of this.pending) {
      entry.element = renderUserMessage(doc, { text: entry.display, pending: !entry.sent }, this.strings);
      this.log.append(entry.element);
    }
    this.setHandoffActive(handoffActiveAfter(messages));
    const last = messages[messages.length - 1];
    if (last && last.sender === "bot" && !this.pending.length) this.awaitingReply = false; // it came
    if (this.awaitingReply && !this.pending.length) this.showTyping();
    if (!this.historyShown && messages.length === 0 && this.config.greetingMode === "intent") {
      this.sendMessage(GREET_INTENT, { display: this.strings.greetDisplay }, this.strings.greetDisplay);
    }
    this.historyShown = true;
    this.scrollToEnd();
  }

  /**
   * The server started a different session (the old one's token was refused, or another tab
   * forgot it): the history that follows is the new one's. Nothing is awaited from the old one;
   * messages still waiting to be sent go to the new one.
   */
  startedAgain() {
    this.historyShown = false; // so greetingMode "intent" greets the new conversation
    this.hideTyping();
    this.awaitingReply = this.pending.length > 0;
    this.firstReplyPending = this.pending.length > 0;
  }

  // ---- "End chat and forget this conversation" -------------------------------------------------

  askToForget() {
    this.forgetConfirm.hidden = false;
    this.forgetButton.setAttribute("aria-expanded", "true");
    this.forgetKeepButton.focus();
  }

  hideForgetConfirm({ focus = false } = {}) {
    if (!this.forgetConfirm || this.forgetConfirm.hidden) return;
    this.forgetConfirm.hidden = true;
    this.forgetButton.setAttribute("aria-expanded", "false");
    if (focus) this.forgetButton.focus();
  }

  /**
   * Leaves nothing of this conversation in the browser (the session id and token, the open
   * state, the read-aloud choice: every key under the storage prefix, in both storages), then
   * starts a new session: the server gets {} and creates one.
   */
  forgetConversation() {
    this.hideForgetConfirm();
    this.clearConversation();
    this.store.clear();
    this.tabStore.clear();
    this.readAloudButton.setAttribute("aria-pressed", String(this.readAloud.enabled));
    this.startConnection();
    this.announce(this.strings.forgetDone);
    this.input.focus();
  }

  /** Stops the connection and empties the panel and what this page remembers of the chat. */
  clearConversation() {
    if (this.dictation.listening) this.dictation.stop();
    this.readAloud.cancel();
    if (this.connection) this.connection.stop();
    this.connection = null;
    this.pending = [];
    this.awaitingReply = false;
    this.firstReplyPending = false;
    this.hideTyping();
    this.historyShown = false;
    this.setHandoffActive(false);
    this.input.value = "";
    this.autoGrow();
    this.dictationStatus.textContent = "";
    this.liveRegion.replaceChildren(); // it holds the last answers' text
    this.showGreeting();
  }

  /**
   * Another tab of this browser forgot the conversation (its session id left localStorage):
   * this tab stops showing it too, and joins whatever session is stored when opened again.
   */
  listenForOtherTabs() {
    if (this.onStorage || !this.win.addEventListener) return;
    const key = `${this.config.storagePrefix}:session-id`;
    this.onStorage = (event) => {
      if (event.key !== key || event.newValue !== null || !this.connection) return;
      this.clearConversation();
      this.tabStore.clear();
      this.close();
    };
    this.win.addEventListener("storage", this.onStorage);
  }

  /** While staff handle the conversation, "Talk to a person" would only be forwarded to them. */
  setHandoffActive(active) {
    this.handoffActive = active;
    if (this.humanButton) this.humanButton.hidden = active;
    if (!active && this.queueStatus) {
      // back with the assistant: nothing of the handoff stays on screen
      this.queueStatus.textContent = "";
      this.hideStaffTyping();
    }
  }

  /** "Lee is typing…" until the next staff message, or 6 s without another ping. */
  showStaffTyping(data) {
    if (!this.handoffActive) return; // a late ping after the handoff ended
    if (this.staffTyping.textContent !== data.text) this.staffTyping.textContent = data.text;
    this.win.clearTimeout(this.staffTypingTimer);
    this.staffTypingTimer = this.win.setTimeout(() => this.hideStaffTyping(), STAFF_TYPING_MS);
  }

  hideStaffTyping() {
    this.win.clearTimeout(this.staffTypingTimer);
    if (this.staffTyping) this.staffTyping.textContent = "";
  }

  /** The place in the queue while waiting; once claimed, who has joined (in the log). */
  showHandoffStatus(data) {
    this.setHandoffActive(true);
    if (data.state === "waiting") {
      if (this.queueStatus.textContent !== data.text) this.queueStatus.textContent = data.text;
    } else if (data.state === "claimed") {
      this.queueStatus.textContent = "";
      this.log.append(el(this.doc, "li", "staff-joined", data.text));
      this.announce(data.text);
      this.scrollToEnd();
    }
  }

  /** A message the person sent from another tab: shown, but not sent again. */
  showEcho(message) {
    this.hideTyping();
    this.log.append(renderUserMessage(this.doc, { text: message.text, pending: false }, this.strings));
    this.scrollToEnd();
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) {
      this.input.focus();
      return;
    }
    if (this.dictation.listening) this.dictation.stop();
    this.input.value = "";
    this.autoGrow();
    this.sendMessage(text, {}, text);
    this.input.focus();
  }

  /** Shows the user's message and sends it (or queues it while offline). */
  sendMessage(message, metadata, display) {
    this.startConnection();
    this.readAloud.cancel();
    const element = renderUserMessage(this.doc, { text: display, pending: true }, this.strings);
    this.hideTyping();
    this.log.append(element);
    // Staff answer in their own time: no typing dots or "taking longer" notice for them.
    this.awaitingReply = !this.handoffActive;
    this.firstReplyPending = true;
    const entry = this.connection.send(message, metadata, { display, element });
    if (!entry.sent) {
      this.pending.push(entry);
      this.showConnection(this.connection.status, true);
    }
    this.scrollToEnd();
  }

  /** The message left for the assistant: it is no longer "waiting to send"; the wait begins. */
  markSent(entry) {
    this.pending = this.pending.filter((other) => other !== entry);
    if (entry.element) {
      entry.element.classList.remove("message-pending");
      const status = entry.element.querySelector(".message-status");
      if (status) status.remove();
    }
    if (this.awaitingReply) this.showTyping();
  }

  receive(message) {
    this.setHandoffActive(handoffActiveAfter([message], this.handoffActive));
    if (customType(message) === CUSTOM.staff) this.hideStaffTyping();
    const element = renderBotMessage(this.doc, message, this.renderContext);
    this.hideTyping();
    this.awaitingReply = false;
    this.log.append(element);
    const text = spokenText(this.doc, message);
    const type = customType(message);
    const speaker =
      type === CUSTOM.staff ? `${element.querySelector(".callout-label").textContent}:` : this.strings.assistant;
    if (type !== CUSTOM.urgent) this.announce(`${speaker} ${text}`);
    this.readAloud.speak(text);
    if (this.firstReplyPending) {
      // Long answers are read from their start, not scrolled past.
      this.firstReplyPending = false;
      this.scrollIntoView(element);
    }
  }

  // ---- status, typing, announcements -------------------------------------------------------------

  showConnection(status, queued = false) {
    const s = this.strings;
    const wasOffline = this.connectionStatus.dataset.state === "offline";
    this.connectionStatus.dataset.state = status;
    this.root.dataset.connection = status;
    if (status === "offline") {
      this.connectionStatus.textContent = queued || this.pending.length ? s.offlineQueued : s.offline;
    } else if (status === "connecting") {
      this.connectionStatus.textContent = queued || this.pending.length ? s.connectingQueued : "";
    } else {
      this.connectionStatus.textContent = "";
      if (wasOffline && status === "online") this.announce(s.backOnline);
    }
  }

  showTyping() {
    if (!this.typingElement) this.typingElement = renderTyping(this.doc, this.strings);
    const notice = this.log.querySelector(".notice");
    if (notice) notice.remove();
    this.log.append(this.typingElement);
    this.scrollToEnd();
    this.win.clearTimeout(this.typingTimer);
    this.typingTimer = this.win.setTimeout(() => {
      // The reply may still come: say so instead of leaving the dots forever.
      this.hideTyping();
      if (this.awaitingReply) {
        const notice = el(this.doc, "li", "notice", this.strings.slowReply);
        this.log.append(notice);
        this.announce(this.strings.slowReply);
      }
    }, this.config.typingTimeoutMs);
  }

  hideTyping() {
    this.win.clearTimeout(this.typingTimer);
    if (this.typingElement) this.typingElement.remove();
    const notice = this.log.querySelector(".notice");
    if (notice) notice.remove();
  }

  announce(text) {
    if (!text) return;
    const line = el(this.doc, "p", null, text);
    this.liveRegion.append(line);
    while (this.liveRegion.childElementCount > LIVE_REGION_KEEP) this.liveRegion.firstElementChild.remove();
  }

  showDictationState(listening) {
    const s = this.strings;
    this.micButton.setAttribute("aria-pressed", String(listening));
    this.micButton.setAttribute("aria-label", listening ? s.micStopLabel : s.micStartLabel);
    this.micButton.title = listening ? s.micStopLabel : s.micStartLabel;
    if (listening) this.dictationStatus.textContent = s.micListening;
    else if (this.dictationStatus.textContent === s.micListening) this.dictationStatus.textContent = "";
    if (!listening) this.input.focus();
  }

  autoGrow() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 160)}px`;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  scrollIntoView(element) {
    this.log.scrollTop = Math.max(0, element.offsetTop - 12); // .log is the offsetParent
  }

  destroy() {
    if (this.onStorage) this.win.removeEventListener("storage", this.onStorage);
    if (this.connection) this.connection.stop();
    this.readAloud.cancel();
    this.win.clearTimeout(this.typingTimer);
    this.win.clearTimeout(this.staffTypingTimer);
    if (this.host) this.host.remove();
  }
}
