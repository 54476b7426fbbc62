import { describe, expect, it } from "vitest";
import { AA_TEXT, LIGHT_SURFACES, PALETTE, accessibleTheme, contrastRatio, parseColor } from "../src/colors.js";

describe("contrast", () => {
  it("computes WCAG ratios", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#ffffff")).toBeCloseTo(1, 5);
    expect(contrastRatio("#767676", "#ffffff")).toBeGreaterThan(4.5); // the known AA grey
    expect(contrastRatio("#777777", "#ffffff")).toBeLessThan(4.5);
  });

  it.each([
    ["text", "surface"],
    ["text", "botBubble"],
    ["mutedText", "surface"],
    ["mutedText", "botBubble"],
    ["deferralText", "deferralBackground"],
    ["urgentText", "urgentBackground"],
    ["offlineText", "offlineBackground"],
    ["focus", "surface"],
  ])("the palette's %s on %s meets AA", (text, background) => {
    expect(contrastRatio(PALETTE[text], PALETTE[background])).toBeGreaterThanOrEqual(AA_TEXT);
  });

  it("the urgent border stands out from its background (non-text, 3:1)", () => {
    expect(contrastRatio(PALETTE.urgentBorder, PALETTE.urgentBackground)).toBeGreaterThanOrEqual(3);
  });
});

describe("primary colour", () => {
  it.each(["#0b5cad", "#3d2c5e", "#ffcc00", "#7fdbff", "#ffffff", "#f0f", "rgb(0, 200, 120)"])(
    "%s ends up readable with white text and as text on every light surface",
    (requested) => {
      const theme = accessibleTheme(requested);
      expect(contrastRatio(theme.onPrimary, theme.primary)).toBeGreaterThanOrEqual(AA_TEXT);
      for (const surface of LIGHT_SURFACES) {
        expect(contrastRatio(theme.primary, surface)).toBeGreaterThanOrEqual(AA_TEXT);
      }
    },
  );

  it("keeps a colour that already passes", () => {
    expect(accessibleTheme("#3d2c5e")).toMatchObject({ primary: "#3d2c5e", adjusted: false });
  });

  it("darkens a light brand colour only as much as needed", () => {
    const theme = accessibleTheme("#ffcc00");
    expect(theme.adjusted).toBe(true);
    expect(parseColor(theme.primary).r).toBeGreaterThan(0);
  });

  it("falls back to the default for something that is not a colour", () => {
    expect(accessibleTheme("red; background:url(x)").primary).toBe("#0b5cad");
    expect(accessibleTheme(undefined).primary).toBe("#0b5cad");
  });
});
