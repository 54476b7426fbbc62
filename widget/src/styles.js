// The widget's CSS, scoped by its Shadow DOM. `:host { all: initial }` stops the host page's
// inherited styles; sizes are in em from the browser's default font size (the reader's own
// setting), never rem (which a host page can shrink).

import { PALETTE } from "./colors.js";

export const CSS = `
:host { all: initial; }
[hidden] { display: none !important; }
.root {
  --msa-text: ${PALETTE.text};
  --msa-muted: ${PALETTE.mutedText};
  --msa-surface: ${PALETTE.surface};
  --msa-bot: ${PALETTE.botBubble};
  --msa-focus: ${PALETTE.focus};
  --msa-border: #6b7580;
  --msa-line: #c9d0d8;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: medium;
  line-height: 1.5;
  color: var(--msa-text);
  -webkit-text-size-adjust: 100%;
}
*, *::before, *::after { box-sizing: border-box; }
button, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
:focus-visible {
  outline: 3px solid var(--msa-focus);
  outline-offset: 2px;
  box-shadow: 0 0 0 2px #fff;
}
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0;
}
.icon { width: 1.5em; height: 1.5em; flex: none; fill: none; stroke: currentColor;
  stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }

/* launcher */
.launcher {
  position: fixed; right: 1em; bottom: 1em; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: 0.5em;
  min-height: 3.5em; padding: 0 1.25em; border: 2px solid transparent; border-radius: 1.75em;
  background: var(--msa-primary); color: var(--msa-on-primary);
  font-weight: 600; font-size: 1em;
  box-shadow: 0 4px 14px rgba(0, 0, 0, 0.3);
}
.launcher:hover { background: var(--msa-primary-strong); }

/* panel */
.panel {
  position: fixed; right: 1em; bottom: 5.5em; z-index: 2147483001;
  display: flex; flex-direction: column;
  width: 25em; max-width: calc(100vw - 2em);
  height: 42em; max-height: calc(100vh - 7.5em);
  background: var(--msa-surface); color: var(--msa-text);
  border: 1px solid var(--msa-line); border-radius: 0.75em; overflow: hidden;
  box-shadow: 0 8px 32px rgba(0, 0, 0, 0.3);
}
@media (max-width: 30em), (max-height: 34em) {
  .panel { inset: 0; width: 100%; max-width: none; height: 100%; max-height: none;
    border: 0; border-radius: 0; }
  .root.is-open .launcher { display: none; }
}
.header {
  display: flex; align-items: center; gap: 0.5em;
  padding: 0.5em 0.5em 0.5em 1em;
  background: var(--msa-primary); color: var(--msa-on-primary);
}
.title { flex: 1; margin: 0; font-size: 1.05em; font-weight: 700; line-height: 1.3; }
.icon-button {
  display: inline-flex; align-items: center; justify-content: center; flex: none;
  width: 2.75em; height: 2.75em; padding: 0; border: 0; border-radius: 0.5em;
  background: transparent; color: inherit;
}
.header .icon-button:hover, .header-button:hover { background: rgba(255, 255, 255, 0.18); }
.header-button {
  flex: none; min-height: 2.75em; padding: 0.3em 0.7em; border: 1px solid currentColor;
  border-radius: 0.5em; background: transparent; color: inherit; font-size: 0.9em; font-weight: 600;
}
.header-button[aria-expanded="true"] { background: rgba(255, 255, 255, 0.18); }
.forget-confirm {
  padding: 0.75em 1em; background: var(--msa-bot); color: var(--msa-text);
  border-bottom: 1px solid var(--msa-line);
}
.forget-question { margin: 0 0 0.5em; font-weight: 600; }
.forget-buttons { display: flex; flex-wrap: wrap; gap: 0.5em; }
.forget-yes { background: ${PALETTE.urgentBackground}; color: ${PALETTE.urgentText}; border-color: ${PALETTE.urgentBorder}; font-weight: 700; }
.connection {
  margin: 0; padding: 0.5em 1em; font-weight: 600;
  background: ${PALETTE.offlineBackground}; color: ${PALETTE.offlineText};
  border-bottom: 1px solid #c9a227;
}
.connection:empty { padding: 0; border: 0; }
/* while staff handle the conversation: the place in the queue, "Lee is typing…" */
.staff-status { margin: 0; padding: 0.3em 0.75em; font-size: 0.875em; color: var(--msa-muted); }
.staff-status:empty { display: none; }
.staff-joined { margin: 0; padding: 0.5em 0.75em; font-size: 0.9em; color: var(--msa-muted); text-align: center; }

/* messages */
.log {
  position: relative; flex: 1; margin: 0; padding: 1em; list-style: none; overflow-y: auto;
  overscroll-behavior: contain; display: flex; flex-direction: column; gap: 0.75em;
}
.message { display: flex; flex-direction: column; align-items: flex-start; gap: 0.4em; max-width: 100%; }
.message-user { align-items: flex-end; }
.bubble {
  max-width: 92%; padding: 0.6em 0.9em; border-radius: 0.9em 0.9em 0.9em 0.25em;
  background: var(--msa-bot); overflow-wrap: anywhere;
}
.message-user .bubble {
  border-radius: 0.9em 0.9em 0.25em 0.9em;
  background: var(--msa-primary); color: var(--msa-on-primary); white-space: pre-wrap;
}
.message-pending .bubble { opacity: 1; border: 2px dashed var(--msa-text); }
.message-status { margin: 0; font-size: 0.875em; color: var(--msa-muted); }
.markdown > :first-child { margin-top: 0; }
.markdown > :last-child { margin-bottom: 0; }
.markdown p { margin: 0 0 0.6em; }
.markdown ul, .markdown ol { margin: 0 0 0.6em; padding-left: 1.3em; }
.markdown h3, .markdown h4, .markdown h5, .markdown h6 { margin: 0.4em 0; font-size: 1em; }
.markdown a, .sources a { color: var(--msa-primary); text-decoration: underline; text-underline-offset: 0.15em; }
.markdown code { font-family: ui-monospace, monospace; font-size: 0.9em; }
.message-deferral .bubble {
  background: ${PALETTE.deferralBackground}; color: ${PALETTE.deferralText};
  border-left: 0.3em solid ${PALETTE.deferralText}; border-radius: 0.5em;
}
.message-urgent .bubble {
  background: ${PALETTE.urgentBackground}; color: ${PALETTE.urgentText};
  border: 2px solid ${PALETTE.urgentBorder}; border-left-width: 0.4em; border-radius: 0.5em;
}
.message-urgent .markdown a { color: ${PALETTE.urgentText}; }
.message-staff .bubble { background: var(--msa-surface); border: 2px solid var(--msa-primary); }
.message-staff .callout-label { color: var(--msa-primary); }
.message-handoff .bubble { background: var(--msa-surface); border: 1px solid var(--msa-border); }
.callout-label { display: flex; align-items: center; gap: 0.4em; margin: 0 0 0.4em; font-weight: 700; }
.message-urgent .message-staff .bubble { background: var(--msa-surface); border: 2px solid var(--msa-primary); }
.message-staff .callout-label { color: var(--msa-primary); }
.message-handoff .bubble { background: var(--msa-surface); border: 1px solid var(--msa-border); }
.callout-label { text-transform: uppercase; letter-spacing: 0.03em; }

/* sources */
.sources { max-width: 92%; font-size: 0.95em; }
.sources summary {
  display: list-item; min-height: 2.75em; padding: 0.6em 0.5em; border-radius: 0.4em;
  color: var(--msa-primary); font-weight: 600; cursor: pointer;
}
.sources summary:hover { text-decoration: underline; }
.sources-list { margin: 0.25em 0 0; padding-left: 1.6em; }
.last-reviewed { margin: 0.25em 0 0; font-size: 0.85em; opacity: 0.85; }
.source { margin-bottom: 0.4em; }
.source-meta { color: var(--msa-muted); }

/* feedback */
.feedback { display: flex; align-items: center; flex-wrap: wrap; gap: 0.4em; font-size: 0.9em; }
.feedback-prompt { color: var(--msa-muted); }
.feedback-button {
  display: inline-flex; align-items: center; justify-content: center;
  width: 2.75em; height: 2.75em; padding: 0;
  border: 1px solid var(--msa-border); border-radius: 0.5em; background: var(--msa-surface);
  color: var(--msa-text);
}
.feedback-button .icon { width: 1.3em; height: 1.3em; }
.feedback-button[aria-pressed="true"] {
  background: var(--msa-primary); color: var(--msa-on-primary); border-color: var(--msa-primary);
}
.feedback-button[aria-disabled="true"]:not([aria-pressed="true"]) { cursor: default; border-style: dashed; }
.feedback-status { color: var(--msa-muted); }
.feedback-status:empty { display: none; }
.feedback-reason {
  display: flex; flex-direction: column; gap: 0.4em; width: 100%; max-width: 92%;
  padding: 0.6em 0.75em; border: 1px solid var(--msa-border); border-radius: 0.6em;
  background: var(--msa-surface); font-size: 0.9em;
}
.feedback-reasons { display: flex; flex-direction: column; margin: 0; padding: 0; border: 0; min-width: 0; }
.feedback-reason-question { padding: 0; margin-bottom: 0.25em; font-weight: 600; }
.feedback-reason-option { display: flex; align-items: center; gap: 0.5em; min-height: 2.75em; cursor: pointer; }
.feedback-reason-option input { width: 1.2em; height: 1.2em; margin: 0; flex: none; accent-color: var(--msa-primary); }
.feedback-comment {
  font-size: max(16px, 1em); /* smaller text makes phones zoom in on focus */
  width: 100%; box-sizing: border-box; min-height: 3.5em; resize: vertical; padding: 0.5em;
  border: 1px solid var(--msa-border); border-radius: 0.4em; font-family: inherit; color: var(--msa-text);
  background: var(--msa-surface);
}
.feedback-comment-hint, .feedback-counter { margin: 0; color: var(--msa-muted); font-size: 0.9em; }
.feedback-reason-problem { margin: 0; color: var(--msa-text); font-weight: 600; }
.feedback-reason-problem:empty { display: none; }
.feedback-reason-actions { display: flex; flex-wrap: wrap; gap: 0.5em; }
.feedback-reason-send, .feedback-reason-skip {
  min-height: 2.75em; padding: 0.4em 1em; border-radius: 0.5em; font-weight: 600;
  border: 2px solid var(--msa-primary);
}
.feedback-reason-send { background: var(--msa-primary); color: var(--msa-on-primary); }
.feedback-reason-skip { background: var(--msa-surface); color: var(--msa-primary); }
.feedback-reason-status { margin: 0; color: var(--msa-muted); font-size: 0.9em; }

/* quick replies */
.quick-replies { display: flex; flex-wrap: wrap; gap: 0.5em; max-width: 100%; }
.quick-reply {
  min-height: 2.75em; padding: 0.4em 0.9em; border: 2px solid var(--msa-primary);
  border-radius: 1.4em; background: var(--msa-surface); color: var(--msa-primary);
  font-weight: 600; text-align: left;
}
.quick-reply:hover { background: var(--msa-primary); color: var(--msa-on-primary); }

/* typing */
.typing { display: flex; padding: 0.4em 0; }
.typing-dots { display: inline-flex; gap: 0.3em; padding: 0.7em 0.9em; border-radius: 0.9em; background: var(--msa-bot); }
.typing-dots span {
  width: 0.5em; height: 0.5em; border-radius: 50%; background: var(--msa-muted);
  animation: msa-bounce 1.2s infinite ease-in-out;
}
.typing-dots span:nth-child(2) { animation-delay: 0.15s; }
.typing-dots span:nth-child(3) { animation-delay: 0.3s; }
@keyframes msa-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: 0.5; } 40% { transform: translateY(-0.3em); opacity: 1; } }
.notice { margin: 0; padding: 0.5em 0.75em; font-size: 0.9em; color: var(--msa-muted); }

/* composer */
.footer { border-top: 1px solid var(--msa-line); padding: 0.5em; background: var(--msa-surface); }
.composer { display: flex; align-items: flex-end; gap: 0.4em; }
.input {
  flex: 1; min-width: 0; min-height: 2.75em; max-height: 8em; margin: 0;
  padding: 0.55em 0.7em; border: 1px solid var(--msa-border); border-radius: 0.5em;
  font-size: 1em; line-height: 1.4; resize: none; background: var(--msa-surface);
}
.input::placeholder { color: var(--msa-muted); opacity: 1; }
.send { background: var(--msa-primary); color: var(--msa-on-primary); }
.send:hover { background: var(--msa-primary-strong); }
.mic { border: 1px solid var(--msa-border); background: var(--msa-surface); color: var(--msa-text); }
.mic[aria-pressed="true"] { background: ${PALETTE.urgentBackground}; color: ${PALETTE.urgentText}; border-color: ${PALETTE.urgentBorder}; }
.tools { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.4em; margin-top: 0.4em; }
.tool {
  display: inline-flex; align-items: center; gap: 0.35em; min-height: 2.75em; padding: 0.3em 0.7em;
  border: 1px solid var(--msa-border); border-radius: 0.5em; background: var(--msa-surface);
  color: var(--msa-text); font-size: 0.9em;
}
.tool .icon { width: 1.25em; height: 1.25em; }
.tool[aria-pressed="true"] { background: var(--msa-primary); color: var(--msa-on-primary); border-color: var(--msa-primary); }
.tool .state { font-weight: 700; }
.dictation-status { margin: 0.3em 0 0; font-size: 0.875em; color: var(--msa-muted); }
.dictation-status:empty { display: none; }

@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; scroll-behavior: auto !important; }
  .typing-dots span { opacity: 1; }
}
@media (forced-colors: active) {
  .launcher, .bubble, .quick-reply, .feedback-button, .tool, .send, .mic, .header-button { border: 1px solid ButtonText; }
  .feedback-button[aria-pressed="true"], .tool[aria-pressed="true"] { outline: 2px solid Highlight; }
}
`;
