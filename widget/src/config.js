// Settings: English defaults, then the script tag's data- attributes, then
// window.MSAssistantConfig (the most specific wins). Every user-facing string is in `strings`.
// The local greeting is the assistant's own (domain.yml's utter_greet), read at build time.

import ASSISTANT from "./assistant.json"; // written from domain.yml (make widget)

export const DEFAULT_STRINGS = {
  launcherText: "Ask a question",
  launcherHint: "about stem cell therapy for MS", // read by screen readers after launcherText
  launcherCloseText: "Close chat",
  dialogDescription:
    "An automated assistant with general information about stem cell therapy for MS. It does not replace your MS team.",
  closeLabel: "Close the chat",
  // "End chat and forget this conversation", for shared devices (asks before it forgets).
  forgetButton: "End chat",
  forgetButtonLabel: "End chat and forget this conversation", // starts with forgetButton's text
  forgetQuestion:
    "End this chat and forget it on this device? It will be removed from this browser and cannot be opened here again.",
  forgetConfirm: "Yes, forget it",
  forgetCancel: "No, keep it",
  forgetDone: "The conversation was forgotten on this device. A new chat has started.",
  messagesLabel: "Conversation",
  inputLabel: "Your question",
  inputPlaceholder: "Type your question…",
  sendLabel: "Send",
  micStartLabel: "Dictate your question",
  micStopLabel: "Stop dictating",
  micListening: "Listening… speak your question, then check it and press Send.",
  micUnavailable: "Dictation is not available here. Please type your question.",
  readAloudLabel: "Read aloud",
  readAloudHint: "Read the assistant's new answers aloud",
  readAloudOn: "Answers will be read aloud.",
  readAloudOff: "Answers will not be read aloud.",
  talkToPerson: "Talk to a person",
  talkToPersonDisplay: "Talk to a person",
  connecting: "Connecting…",
  offline: "Offline — reconnecting…",
  offlineQueued: "Offline — reconnecting… Your message will be sent when the connection is back.",
  connectingQueued: "Connecting… Your message will be sent as soon as the connection is ready.",
  backOnline: "Connected again.",
  queuedStatus: "Waiting to send…",
  typing: "The assistant is typing",
  slowReply:
    "The reply is taking longer than usual. It will appear here when it arrives.",
  you: "You:",
  assistant: "Assistant:",
  quickRepliesLabel: "Suggested replies",
  sourcesSummary: "Sources ({count})",
  lastReviewed: "Last reviewed: {date}",
  checkedClaimsLabel: "A claim we checked (not a source for this answer):",
  opensInNewTab: "(opens in a new tab)",
  feedbackPrompt: "Was this answer helpful?",
  feedbackUpLabel: "Yes, helpful",
  feedbackDownLabel: "No, not helpful",
  feedbackUpDisplay: "👍 Helpful",
  feedbackDownDisplay: "👎 Not helpful",
  feedbackThanks: "Thank you, your feedback was sent.",
  // the optional question after a thumbs-down (the reasons' labels: lexicon/feedback_reasons.yml)
  feedbackReasonQuestion: "What was wrong? (optional)",
  feedbackCommentLabel: "Anything to add? (optional)",
  feedbackCommentHint: "Please don't include your name, e-mail or phone number.",
  feedbackCommentCounter: "{count} of {max} characters",
  feedbackReasonSend: "Send",
  feedbackReasonSkip: "Skip",
  feedbackReasonMissing: "Choose a reason or write a comment, or just carry on chatting.",
  feedbackReasonDisplay: "Reason: {reason}",
  feedbackReasonDisplayWithComment: "Reason: {reason}. {comment}",
  feedbackReasonThanks: "Thank you, your answer was sent.",
  deferralLabel: "Talk to your MS specialist",
  urgentLabel: "Urgent help",
  staffLabel: "{name}, member of staff",
  staffLabelNoName: "Member of staff",
  greetDisplay: "Hello",
  greeting: ASSISTANT.greeting.text,
};

// Starter buttons under the local greeting: the assistant's own greeting's.
export const DEFAULT_GREETING_REPLIES = ASSISTANT.greeting.replies;

export const DEFAULTS = {
  serverUrl: "http://localhost:5005",
  socketPath: "/socket.io",
  title: "Stem cell therapy for MS: questions",
  primaryColor: "#0b5cad",
  lang: "en",
  // "local": show `strings.greeting` as the assistant's first message (not stored on the
  // server); "intent": send /greet when a conversation is new, so the assistant greets.
  greetingMode: "local",
  greetingReplies: DEFAULT_GREETING_REPLIES,
  typingTimeoutMs: 30000,
  storagePrefix: "ms-assistant-widget",
};

const ATTRIBUTES = {
  "data-server-url": "serverUrl",
  "data-socket-path": "socketPath",
  "data-title": "title",
  "data-primary-color": "primaryColor",
  "data-lang": "lang",
  "data-greeting-mode": "greetingMode",
  "data-storage-prefix": "storagePrefix",
};

function parseJson(text) {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

/** The settings from a script element's data- attributes. */
export function configFromScript(script) {
  const config = {};
  if (!script) return config;
  for (const [attribute, key] of Object.entries(ATTRIBUTES)) {
    const value = script.getAttribute(attribute);
    if (value !== null && value !== "") config[key] = value;
  }
  const greeting = script.getAttribute("data-greeting");
  if (greeting !== null) config.strings = { greeting };
  const strings = script.getAttribute("data-strings");
  if (strings) config.strings = { ...(parseJson(strings) || {}), ...(config.strings || {}) };
  const timeout = Number(script.getAttribute("data-typing-timeout-ms"));
  if (timeout > 0) config.typingTimeoutMs = timeout;
  return config;
}

function onlyStrings(object) {
  const result = {};
  for (const [key, value] of Object.entries(object || {})) {
    if (typeof value === "string") result[key] = value;
  }
  return result;
}

function validReplies(replies) {
  if (!Array.isArray(replies)) return null;
  return replies.filter(
    (reply) => reply && typeof reply.title === "string" && typeof reply.payload === "string",
  );
}

/** Merges defaults < data- attributes < window config; unknown or mistyped values are ignored. */
export function resolveConfig(fromScript = {}, fromWindow = {}) {
  const config = { ...DEFAULTS, strings: { ...DEFAULT_STRINGS } };
  for (const source of [fromScript, fromWindow || {}]) {
    for (const key of Object.keys(DEFAULTS)) {
      if (key === "greetingReplies" || key === "typingTimeoutMs") continue;
      if (typeof source[key] === "string" && source[key].trim()) config[key] = source[key].trim();
    }
    const replies = validReplies(source.greetingReplies);
    if (replies) config.greetingReplies = replies;
    if (typeof source.typingTimeoutMs === "number" && source.typingTimeoutMs > 0) {
      config.typingTimeoutMs = source.typingTimeoutMs;
    }
    const strings = onlyStrings(source.strings);
    if (typeof source.greeting === "string") strings.greeting = source.greeting; // "" = none
    config.strings = { ...config.strings, ...strings };
  }
  if (!["local", "intent"].includes(config.greetingMode)) config.greetingMode = "local";
  config.serverUrl = config.serverUrl.replace(/\/+$/, "");
  return config;
}

/** Replaces {name} placeholders in a UI string. */
export function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, name) =>
    name in values ? String(values[name]) : match,
  );
}
