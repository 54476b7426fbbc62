// Safe markdown: `marked` turns the assistant's text into HTML with every raw HTML tag escaped
// (so "<img onerror=...>" shows as text), then DOMPurify keeps only a small set of formatting
// tags and http(s)/mailto/tel links, returned as a DocumentFragment — never as an HTML string
// given to innerHTML.

import createDOMPurify from "dompurify";
import { Marked } from "marked";

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const markdown = new Marked();
markdown.use({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    // Raw HTML in a message is shown as the characters it is made of.
    html({ text }) {
      return escapeHtml(text);
    },
    // No remote images in a medical chat: show the image's description instead.
    image({ text }) {
      return escapeHtml(text);
    },
  },
});

export const ALLOWED_TAGS = [
  "p", "br", "strong", "b", "em", "i", "del", "ul", "ol", "li", "a", "code", "pre",
  "blockquote", "h3", "h4", "h5", "h6", "hr",
];
const ALLOWED_ATTR = ["href", "title", "start"];
const SAFE_URL = /^(?:https?:|mailto:|tel:)/i;

const purifiers = new WeakMap();

function purifierFor(win) {
  let purifier = purifiers.get(win);
  if (!purifier) {
    purifier = createDOMPurify(win);
    purifier.addHook("afterSanitizeAttributes", (node) => {
      if (node.nodeName === "A" && node.hasAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
    purifiers.set(win, purifier);
  }
  return purifier;
}

function demoteHeadings(html) {
  // A message is not a page: h1/h2 from the text become h3 so the panel's outline holds.
  return html.replace(/<(\/?)h[12](\s|>)/g, "<$1h3$2");
}

/** The sanitised DOM for a markdown text, in `doc`'s window. */
export function renderMarkdown(text, doc = document) {
  const win = doc.defaultView;
  const html = demoteHeadings(markdown.parse(String(text ?? "")));
  const fragment = purifierFor(win).sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: SAFE_URL,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    RETURN_DOM_FRAGMENT: true,
  });
  // A link whose address was refused (javascript:, data:, relative) stays as its text.
  for (const anchor of fragment.querySelectorAll("a:not([href])")) {
    anchor.replaceWith(doc.createTextNode(anchor.textContent));
  }
  return doc.importNode(fragment, true);
}

const BLOCKS = "p, li, h3, h4, h5, h6, pre, blockquote, br";

/** Plain text of a markdown message for speech: no markup, one line per block. */
export function markdownToPlainText(text, doc = document, { skip } = {}) {
  const fragment = renderMarkdown(text, doc);
  for (const block of fragment.querySelectorAll(BLOCKS)) {
    block.before(doc.createTextNode("\n"));
    block.after(doc.createTextNode("\n"));
  }
  return fragment.textContent
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter((line) => line && !(skip && skip.test(line)))
    .join("\n");
}
