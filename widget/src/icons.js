// Small decorative SVG icons, built with createElementNS (no HTML strings). Always aria-hidden:
// the control they sit in carries the label.

const SVG_NS = "http://www.w3.org/2000/svg";

const PATHS = {
  chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
  close: "M6 6l12 12M18 6L6 18",
  send: "M3 11l18-8-8 18-2-8-8-2z",
  mic: "M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3M8 21h8",
  speaker: "M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 0 1 0 6M18.5 6.5a7.5 7.5 0 0 1 0 11",
  person: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0",
  info: "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 11v6M12 7.5v.5",
  alert: "M12 3l10 18H2zM12 10v5M12 18v.5",
  thumbUp: "M7 11v10H3V11zM7 11l4-8a3 3 0 0 1 3 3v4h6a2 2 0 0 1 2 2l-2 7a2 2 0 0 1-2 2H7",
  thumbDown: "M7 13V3H3v10zM7 13l4 8a3 3 0 0 0 3-3v-4h6a2 2 0 0 0 2-2l-2-7a2 2 0 0 0-2-2H7",
};

export function icon(doc, name, className = "icon") {
  const svg = doc.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", className);
  const path = doc.createElementNS(SVG_NS, "path");
  path.setAttribute("d", PATHS[name]);
  svg.append(path);
  return svg;
}
