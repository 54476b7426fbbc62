// Builds the DOM of one message (and the parts under it) from what the channel sends.
// Pure functions of (document, message, context): no sockets, no global state, so the unit
// tests render them in jsdom. Text from the user or the server only ever reaches the page as
// textContent, except the assistant's markdown, which goes through renderMarkdown's sanitiser.

import { format } from "./config.js";
import { icon } from "./icons.js";
import { FEEDBACK_REASONS } from "lexicon:feedback_reasons"; // made at build time (scripts/)
import ASSISTANT from "./assistant.json"; // written from messages/contract.py (make widget)
import { markdownToPlainText, renderMarkdown } from "./markdown.js";

// The custom payload types the widget styles; the names are the assistant's own.
const TYPES = ASSISTANT.payload_types;
export const CUSTOM = {
  evidence: TYPES.EVIDENCE_ANSWER,
  deferral: TYPES.SPECIALIST_DEFERRAL,
  urgent: TYPES.URGENT_HELP,
  // the staff handoff (actions/handoff.py): a reply typed by a member of staff, and the
  // queue / end notices
  staff: TYPES.STAFF_MESSAGE,
  handoffStatus: TYPES.HANDOFF_STATUS,
  transfer: TYPES.TRANSFER,
};

// An external event (the staff inbox's trigger_intent) is stored as a user message
// "EXTERNAL: EXTERNAL_staff_reply"; nobody typed it, so it is not shown. The server's history
// leaves them out already (messages/contract.py); the widget checks again by the same prefix.
const EXTERNAL_TEXT_PREFIX = ASSISTANT.external_text_prefix;

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

const CHECKED_CLAIM = ASSISTANT.source_roles.CHECKED_CLAIM;

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

// The server keeps at most this many characters of a comment (channels/user_input.py).
export const FEEDBACK_COMMENT_MAX_CHARS = 300;
// What a comment sent without a chosen reason counts as (a key of feedback_reasons.yml).
const OTHER_REASON = "other";

function uniqueId(prefix) {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * The one optional question after a thumbs-down: a reason (radio buttons), a comment, Send or
 * Skip. Nothing waits for it: the person can ignore it and keep chatting. Sending calls
 * onSend(reasonKey, comment) and leaves a thank-you in the form's place; Skip removes it and
 * calls onSkip (which puts the focus back where it came from).
 */
export function renderFeedbackReasonForm(doc, strings, { onSend, onSkip }, reasons = FEEDBACK_REASONS) {
  const form = el(doc, "form", "feedback-reason");
  form.noValidate = true;
  const fieldset = el(doc, "fieldset", "feedback-reasons");
  fieldset.append(el(doc, "legend", "feedback-reason-question", strings.feedbackReasonQuestion));
  const name = uniqueId("msa-reason");
  for (const reason of reasons) {
    const option = el(doc, "label", "feedback-reason-option");
    const radio = el(doc, "input");
    radio.type = "radio";
    radio.name = name;
    radio.value = reason.key;
    option.append(radio, el(doc, "span", null, reason.label));
    fieldset.append(option);
  }
  const comment = el(doc, "textarea", "feedback-comment");
  comment.id = uniqueId("msa-comment");
  comment.rows = 2;
  comment.maxLength = FEEDBACK_COMMENT_MAX_CHARS;
  const commentLabel = el(doc, "label", "feedback-comment-label", strings.feedbackCommentLabel);
  commentLabel.htmlFor = comment.id;
  const hint = el(doc, "p", "feedback-comment-hint", strings.feedbackCommentHint);
  hint.id = uniqueId("msa-hint");
  const counter = el(doc, "p", "feedback-counter");
  counter.id = uniqueId("msa-count");
  comment.setAttribute("aria-describedby", `${hint.id} ${counter.id}`);
  const showCount = () => {
    // maxlength stops typing, not pasting in every browser: the count is what is sent
    if (comment.value.length > FEEDBACK_COMMENT_MAX_CHARS) {
      comment.value = comment.value.slice(0, FEEDBACK_COMMENT_MAX_CHARS);
    }
    counter.textContent = format(strings.feedbackCommentCounter, {
      count: comment.value.length,
      max: FEEDBACK_COMMENT_MAX_CHARS,
    });
  };
  comment.addEventListener("input", showCount);
  showCount();
  const problem = el(doc, "p", "feedback-reason-problem");
  problem.setAttribute("role", "alert");
  const actions = el(doc, "div", "feedback-reason-actions");
  const send = el(doc, "button", "feedback-reason-send", strings.feedbackReasonSend);
  send.type = "submit";
  const skip = el(doc, "button", "feedback-reason-skip", strings.feedbackReasonSkip);
  skip.type = "button";
  actions.append(send, skip);
  form.append(fieldset, commentLabel, comment, hint, counter, problem, actions);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[type=radio]:checked");
    const text = comment.value.trim().slice(0, FEEDBACK_COMMENT_MAX_CHARS);
    if (!chosen && !text) {
      problem.textContent = strings.feedbackReasonMissing;
      fieldset.querySelector("input").focus();
      return;
    }
    const key = chosen ? chosen.value : OTHER_REASON;
    const status = el(doc, "p", "feedback-reason-status", strings.feedbackReasonThanks);
    status.setAttribute("role", "status");
    status.tabIndex = -1; // focus stays where the form was, not lost to the page
    form.replaceWith(status);
    status.focus();
    if (onSend) onSend(key, text);
  });
  skip.addEventListener("click", () => {
    form.remove();
    if (onSkip) onSkip();
  });
  return form;
}

/** The line the person's own reason message shows in the conversation. */
export function feedbackReasonDisplay(key, comment, strings, reasons = FEEDBACK_REASONS) {
  const reason = (reasons.find((r) => r.key === key) || { label: key }).label;
  return comment
    ? format(strings.feedbackReasonDisplayWithComment, { reason, comment })
    : format(strings.feedbackReasonDisplay, { reason });
}

/**
 * Thumbs up / down under an evidence answer; one rating per answer. A thumbs-down also opens
 * the optional reason form under the row (onFeedbackReason(key, comment, evidenceIds)).
 */
export function renderFeedback(doc, evidenceIds, strings, onFeedback, onFeedbackReason) {
  const ids = Array.isArray(evidenceIds) ? evidenceIds : [];
  const group = el(doc, "div", "feedback");
  group.setAttribute("role", "group");
  const prompt = el(doc, "span", "feedback-prompt", strings.feedbackPrompt);
  prompt.id = uniqueId("msa-fb");
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
      if (onFeedback) onFeedback(value, ids);
      if (value === "down" && onFeedbackReason) {
        group.after(
          renderFeedbackReasonForm(doc, strings, {
            onSend: (key, comment) => onFeedbackReason(key, comment, ids),
            onSkip: () => button.focus(),
          }),
        );
      }
    });
    buttons.push(button);
  }
  group.append(prompt, ...buttons, status);
  return group;
}

/** One assistant message: text, its kind's styling, sources, feedback and quick replies. */
export function renderBotMessage(doc, message, context) {
  const { strings, onQuickReply, onFeedback, onFeedbackReason } = context;
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
    item.append(renderFeedback(doc, message.custom.evidence_ids, strings, onFeedback, onFeedbackReason));
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
    const external = message.sender === "user" && String(message.text).startsWith(EXTERNAL_TEXT_PREFIX);
    if (message.sender === "user" && (!message.text || external)) continue;
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
