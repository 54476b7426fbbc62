// Entry point of dist/ms-assistant-widget.js: one <script> tag on the host page.
//
//   <script src=".../ms-assistant-widget.js" data-server-url="https://assistant.example.org"
//           data-title="Questions about stem cell therapy" data-primary-color="#0b5cad"></script>
//
// or window.MSAssistantConfig = {serverUrl, title, primaryColor, lang, strings, ...} before it.

import { configFromScript, resolveConfig } from "./config.js";
import { ChatWidget } from "./widget.js";

// Read while this script runs: document.currentScript is null afterwards.
const script =
  document.currentScript ||
  document.querySelector('script[src*="ms-assistant-widget"]');

function start() {
  const config = resolveConfig(configFromScript(script), window.MSAssistantConfig);
  const widget = new ChatWidget(config, window);
  if (!widget.mount()) return;
  // A small API for the host page, e.g. a "Chat with us" link: MSAssistant.open().
  window.MSAssistant = {
    open: () => widget.open(),
    close: () => widget.close(),
  };
}

if (document.body) start();
else document.addEventListener("DOMContentLoaded", start, { once: true });
