// Builds the DOM of one message (and the parts under it) from what the channel sends.
// Pure functions of (document, message, context): no sockets, no global state, so the unit
// tests render them in jsdom. Text from the user or the server only ever reaches the page as
// textContent, except the assistant's markdown, which goes through renderMarkdown's sanitiser.

import { format } from "./config.js";
import { icon } from "./icons.js";
import { markdownToPlainText, renderMarkdown } from "./markdown.js";

export const CUSTOM = {
  evidence: "evidence_answer",
  deferral: "specialist_deferral",
  urgent: "urgent_help",
  // the staff handoff (actions/handoff.py): a reply typed by a member of staff, and the
  // queue / end notices
  staff: "staff_message",
  handoffStatus: "handoff_status",
  transfer: "transfer",
};

// An external event (the staff inbox's trigger_intent) is stored as a user message
// "EXTERNAL: EXTERNAL_staff_reply"; nobody typed it, so it is not shown.
const EXTERNAL_EVENT = /^EXTERNAL: EXTERNAL_\w+$/;

// The line an answer's text ends with; the Sources list shows the same with links.
const SOURCES_LINE = /^sources?:/i;

function el(doc, tag, className, text) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function hiddenText(doc, text) {
  return el(doc, "span", "visually-hidden", text);
}

export function customType(message) {
  const custom = message && message.custom;
  return custom && typeof custom === "object" && typeof custom.type === "string"
    ? custom.type
    : null;
}

/** An http(s) address, or null (anything else is shown as plain text). */
export function safeUrl(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function externalLink(doc, href, text, strings) {
  const link = el(doc, "a", null, text);
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.append(hiddenText(doc, ` ${strings.opensInNewTab}`));
  return link;
}

const CHECKED_CLAIM = "checked_claim";

function sourceList(doc, sources, strings) {
  const items = el(doc, "ol", "sources-list");
  for (const source of sources) {
    const item = el(doc, "li", "source");
    const title = String(source.title || source.publisher);
    const href = safeUrl(source.url);
    item.append(href ? externalLink(doc, href, title, strings) : el(doc, "span", "source-title", title));
    const meta = [source.title && source.publisher, source.year].filter(Boolean).map(String);
    if (meta.length) item.append(el(doc, "span", "source-meta", ` — ${meta.join(", ")}`));
    items.append(item);
  }
  return items;
}

/** The tappable "Sources (n)" disclosure under an evidence answer. A source cited as a claim
 * the answer checked (and corrected) is listed apart, never counted as support. */
export function renderSources(doc, sources, strings) {
  const list = (Array.isArray(sources) ? sources : []).filter(
    (source) => source && typeof source === "object" && (source.title || source.publisher),
  );
  const supporting = list.filter((source) => source.role !== CHECKED_CLAIM);
  const checked = list.filter((source) => source.role === CHECKED_CLAIM);
  if (supporting.length === 0 && checked.length === 0) return null;
  const details = el(doc, "details", "sources");
  details.append(el(doc, "summary", null, format(strings.sourcesSummary, { count: supporting.length })));
  details.append(sourceList(doc, supporting, strings));
  if (checked.length) {
    details.append(el(doc, "p", "checked-claims-label", strings.checkedClaimsLabel));
    details.append(sourceList(doc, checked, strings));
  }
  return details;
}

const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

/** "Last reviewed: November 2026" under the sources, from the answer's ISO review date. */
export function renderLastReviewed(doc, isoDate, strings) {
  const match = /^(\d{4})-(\d{2})-\d{2}$/.exec(typeof isoDate === "string" ? isoDate : "");
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  if (!month) return null;
  return el(doc, "p", "last-reviewed", format(strings.lastReviewed, { date: `${month} ${match[1]}` }));
}

/** Buttons under a message; a click sends the payload, shown as the title. */
export function renderQuickReplies(doc, replies, strings, onQuickReply) {
  const usable = (Array.isArray(replies) ? replies : []).filter(
    (reply) => reply && typeof reply.payload === "string" && reply.payload && reply.title,
  );
  if (usable.length === 0) return null;
  const group = el(doc, "div", "quick-replies");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", strings.quickRepliesLabel);
  for (const reply of usable) {
    const button = el(doc, "button", "quick-reply", reply.title);
    button.type = "button";
    button.addEventListener("click", () => {
      if (onQuickReply) onQuickReply({ title: String(reply.title), payload: reply.payload });
    });
    group.append(button);
  }
  return group;
}

/** Thumbs up / down under an evidence answer; one rating per answer. */
export function renderFeedback(doc, evidenceIds, strings, onFeedback) {
  const group = el(doc, "div", "feedback");
  group.setAttribute("role", "group");
  const prompt = el(doc, "span", "feedback-prompt", strings.feedbackPrompt);
  prompt.id = `msa-fb-${Math.random().toString(36).slice(2, 10)}`;
  group.setAttribute("aria-labelledby", prompt.id);
  const status = el(doc, "span", "feedback-status");
  status.setAttribute("role", "status");
  const buttons = [];
  const choices = [
    ["up", "thumbUp", strings.feedbackUpLabel],
    ["down", "thumbDown", strings.feedbackDownLabel],
  ];
  for (const [value, iconName, label] of choices) {
    const button = el(doc, "button", `feedback-button feedback-${value}`);
    button.type = "button";
    button.setAttribute("aria-label", label);
    button.setAttribute("aria-pressed", "false");
    button.title = label;
    button.dataset.value = value;
    button.append(icon(doc, iconName));
    // aria-disabled rather than disabled: the focused button keeps focus after the click.
    button.addEventListener("click", () => {
      if (group.dataset.sent) return;
      group.dataset.sent = value;
      button.setAttribute("aria-pressed", "true");
      for (const other of buttons) other.setAttribute("aria-disabled", "true");
      status.textContent = strings.feedbackThanks;
      if (onFeedback) onFeedback(value, Array.isArray(evidenceIds) ? evidenceIds : []);
    });
    buttons.push(button);
  }
  group.append(prompt, ...buttons, status);
  return group;
}

/** One assistant message: text, its kind's styling, sources, feedback and quick replies. */
export function renderBotMessage(doc, message, context) {
  const { strings, onQuickReply, onFeedback } = context;
  const type = customType(message);
  const item = el(doc, "li", "message message-bot");
  const bubble = el(doc, "div", "bubble");
  if (type === CUSTOM.staff) {
    // A person, not the assistant: say who, visibly and to screen readers.
    const name = typeof message.custom.staff_name === "string" ? message.custom.staff_name.trim() : "";
    const who = name ? format(strings.staffLabel, { name }) : strings.staffLabelNoName;
    item.classList.add("message-staff");
    const label = el(doc, "p", "callout-label");
    label.append(icon(doc, "person"), el(doc, "span", null, who));
    bubble.append(label);
  } else {
    bubble.append(hiddenText(doc, `${strings.assistant} `));
  }
  if (type === CUSTOM.handoffStatus) item.classList.add("message-handoff");
  if (type === CUSTOM.deferral || type === CUSTOM.urgent) {
    const urgent = type === CUSTOM.urgent;
    item.classList.add(urgent ? "message-urgent" : "message-deferral");
    if (urgent) bubble.setAttribute("role", "alert");
    const label = el(doc, "p", "callout-label");
    label.append(icon(doc, urgent ? "alert" : "info"), el(doc, "span", null, urgent ? strings.urgentLabel : strings.deferralLabel));
    bubble.append(label);
  }
  if (typeof message.text === "string" && message.text) {
    const body = el(doc, "div", "markdown");
    body.append(renderMarkdown(message.text, doc));
    for (const link of body.querySelectorAll("a[href]")) {
      link.append(hiddenText(doc, ` ${strings.opensInNewTab}`));
    }
    bubble.append(body);
  }
  item.append(bubble);
  if (type === CUSTOM.evidence) {
    item.classList.add("message-evidence");
    if (typeof message.custom.topic === "string") item.dataset.topic = message.custom.topic;
    const sources = renderSources(doc, message.custom.sources, strings);
    if (sources) item.append(sources);
    const reviewed = renderLastReviewed(doc, message.custom.last_reviewed, strings);
    if (reviewed) item.append(reviewed);
    item.append(renderFeedback(doc, message.custom.evidence_ids, strings, onFeedback));
  }
  const replies = renderQuickReplies(doc, message.quick_replies, strings, onQuickReply);
  if (replies) item.append(replies);
  return item;
}

/** One message of the person using the widget: always plain text. */
export function renderUserMessage(doc, message, strings) {
  const item = el(doc, "li", "message message-user");
  const bubble = el(doc, "div", "bubble");
  bubble.append(hiddenText(doc, `${strings.you} `), el(doc, "span", "user-text", message.text));
  item.append(bubble);
  if (message.pending) {
    item.classList.add("message-pending");
    item.append(el(doc, "p", "message-status", strings.queuedStatus));
  }
  return item;
}

export function renderMessage(doc, message, context) {
  return message.sender === "user"
    ? renderUserMessage(doc, message, context.strings)
    : renderBotMessage(doc, message, context);
}

/** The `history` event's messages, oldest first, as list items. */
export function renderHistory(doc, messages, context) {
  const fragment = doc.createDocumentFragment();
  for (const message of Array.isArray(messages) ? messages : []) {
    if (!message || typeof message !== "object") continue;
    if (message.sender === "user" && (!message.text || EXTERNAL_EVENT.test(message.text))) continue;
    if (message.sender !== "user" && !message.text && !customType(message) && !message.quick_replies) continue;
    fragment.append(renderMessage(doc, message, context));
  }
  return fragment;
}

/** What is read aloud / announced for a bot message: its text without markup or sources. */
export function spokenText(doc, message) {
  if (!message || typeof message.text !== "string") return "";
  const skip = customType(message) === CUSTOM.evidence ? SOURCES_LINE : undefined;
  return markdownToPlainText(message.text, doc, { skip });
}

export function renderTyping(doc, strings) {
  const item = el(doc, "li", "typing");
  const dots = el(doc, "span", "typing-dots");
  dots.setAttribute("aria-hidden", "true");
  dots.append(el(doc, "span"), el(doc, "span"), el(doc, "span"));
  item.append(dots, hiddenText(doc, strings.typing));
  return item;
}

/**
 * Whether staff are handling the conversation after these bot messages (they reply in their
 * own time, so the widget shows no typing indicator then). `current` is the state before.
 */
export function handoffActiveAfter(messages, current = false) {
  let active = current;
  for (const message of Array.isArray(messages) ? messages : []) {
    if (!message || message.sender === "user") continue;
    const type = customType(message);
    if (type === CUSTOM.staff || type === CUSTOM.transfer) active = true;
    if (type === CUSTOM.handoffStatus) active = message.custom.state !== "ended";
  }
  return active;
}
