// WCAG contrast for the configurable primary colour: a site may pass its brand colour, and the
// widget darkens it until white text on it, and it as text on the widget's light surfaces,
// reach 4.5:1 (WCAG AA for normal text).

export const AA_TEXT = 4.5;

// The fixed palette (see styles.js). Every text/background pair here is checked by the tests.
export const PALETTE = {
  text: "#1b1f24",
  mutedText: "#4a525c",
  surface: "#ffffff",
  botBubble: "#eef1f4",
  deferralBackground: "#e7f0fa",
  deferralText: "#0d3a66",
  urgentBackground: "#fdecea",
  urgentText: "#6b1209",
  urgentBorder: "#b3261e",
  offlineBackground: "#fff4d6",
  offlineText: "#5c4300",
  focus: "#1b1f24",
};

// Where the primary colour is used as text or against which it sits.
export const LIGHT_SURFACES = [
  PALETTE.surface,
  PALETTE.botBubble,
  PALETTE.deferralBackground,
  PALETTE.offlineBackground,
];

/** "#abc" / "#aabbcc" / "rgb(1, 2, 3)" → {r, g, b} (0-255), or null. */
export function parseColor(value) {
  if (typeof value !== "string") return null;
  const text = value.trim().toLowerCase();
  let match = /^#([0-9a-f]{3})$/.exec(text);
  if (match) {
    const [r, g, b] = match[1].split("").map((c) => parseInt(c + c, 16));
    return { r, g, b };
  }
  match = /^#([0-9a-f]{6})$/.exec(text);
  if (match) {
    const n = parseInt(match[1], 16);
    return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
  }
  match = /^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$/.exec(text);
  if (match) {
    const [r, g, b] = match.slice(1).map(Number);
    if ([r, g, b].every((c) => c <= 255)) return { r, g, b };
  }
  return null;
}

export function toHex({ r, g, b }) {
  return "#" + [r, g, b].map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");
}

function channel(c) {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function luminance(color) {
  const { r, g, b } = typeof color === "string" ? parseColor(color) : color;
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

export function contrastRatio(a, b) {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}

function mix(color, target, amount) {
  return {
    r: color.r + (target.r - color.r) * amount,
    g: color.g + (target.g - color.g) * amount,
    b: color.b + (target.b - color.b) * amount,
  };
}

const BLACK = { r: 0, g: 0, b: 0 };

function readableOnAll(color, surfaces) {
  return surfaces.every((surface) => contrastRatio(toHex(color), surface) >= AA_TEXT);
}

/**
 * The colours the widget uses for a requested primary colour: `primary` (buttons, user
 * bubbles, links), `primaryStrong` (hover) and `onPrimary` (text on primary). An invalid
 * colour falls back to `fallback`; a light one is darkened just enough to meet AA.
 */
export function accessibleTheme(requested, fallback = "#0b5cad", surfaces = LIGHT_SURFACES) {
  const base = parseColor(requested) || parseColor(fallback);
  let color = base;
  for (let step = 1; step <= 100 && !readableOnAll(color, surfaces); step += 1) {
    color = mix(base, BLACK, step / 100);
  }
  const primary = toHex(color);
  return {
    primary,
    primaryStrong: toHex(mix(parseColor(primary), BLACK, 0.25)),
    onPrimary: "#ffffff",
    adjusted: primary !== toHex(base),
  };
}
