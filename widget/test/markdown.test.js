import { describe, expect, it } from "vitest";
import { markdownToPlainText, renderMarkdown } from "../src/markdown.js";

function render(text) {
  const container = document.createElement("div");
  container.append(renderMarkdown(text, document));
  return container;
}

const SAFE_HREF = /^(https?:|mailto:|tel:)/i;

function assertInert(container) {
  for (const node of container.querySelectorAll("*")) {
    expect(["SCRIPT", "IMG", "SVG", "IFRAME", "OBJECT", "EMBED", "STYLE", "FORM", "INPUT", "MATH"]).not.toContain(
      node.nodeName.toUpperCase(),
    );
    for (const attribute of node.attributes) {
      expect(attribute.name.toLowerCase().startsWith("on")).toBe(false);
      expect(["style", "src", "srcdoc", "formaction", "xlink:href"]).not.toContain(attribute.name.toLowerCase());
    }
  }
  for (const link of container.querySelectorAll("[href]")) {
    expect(link.getAttribute("href")).toMatch(SAFE_HREF);
  }
}

describe("markdown formatting", () => {
  it("renders bold, italics, paragraphs and lists", () => {
    const container = render("First **bold** and *italic*.\n\nSecond:\n\n- one\n- two\n\n1. a\n2. b");
    expect(container.querySelectorAll("p")).toHaveLength(2);
    expect(container.querySelector("strong").textContent).toBe("bold");
    expect(container.querySelector("em").textContent).toBe("italic");
    expect([...container.querySelectorAll("ul li")].map((li) => li.textContent)).toEqual(["one", "two"]);
    expect(container.querySelectorAll("ol li")).toHaveLength(2);
  });

  it("opens links in a new tab without giving the new page access to this one", () => {
    const container = render("See [the trial](https://clinicaltrials.gov/study/NCT00273364) and https://example.org.");
    const links = container.querySelectorAll("a");
    expect(links).toHaveLength(2);
    for (const link of links) {
      expect(link.getAttribute("target")).toBe("_blank");
      expect(link.getAttribute("rel")).toBe("noopener noreferrer");
    }
    expect(links[0].getAttribute("href")).toBe("https://clinicaltrials.gov/study/NCT00273364");
    expect(links[0].textContent).toBe("the trial");
  });

  it("keeps mailto and tel links", () => {
    const container = render("[Call](tel:116123) or [write](mailto:help@example.org)");
    expect([...container.querySelectorAll("a")].map((a) => a.getAttribute("href"))).toEqual([
      "tel:116123",
      "mailto:help@example.org",
    ]);
  });

  it("turns headings into small ones that fit a message", () => {
    const container = render("# Big\n\ntext");
    expect(container.querySelector("h1")).toBeNull();
    expect(container.querySelector("h3").textContent).toBe("Big");
  });
});

describe("markdown sanitising", () => {
  it("shows an img onerror payload as text and creates no image", () => {
    const container = render("<img src=x onerror=alert(1)>");
    expect(container.querySelector("img")).toBeNull();
    expect(container.textContent).toContain("<img src=x onerror=alert(1)>");
    assertInert(container);
  });

  it("shows script tags as text", () => {
    const container = render("Hello <script>alert(document.cookie)</script> there");
    expect(container.querySelector("script")).toBeNull();
    expect(container.textContent).toContain("<script>alert(document.cookie)</script>");
    assertInert(container);
  });

  it("shows svg payloads as text", () => {
    const container = render('<svg onload=alert(1)><circle r="1"/></svg>\n\n<svg><script>alert(1)</script></svg>');
    expect(container.querySelector("svg")).toBeNull();
    expect(container.textContent).toContain("<svg onload=alert(1)>");
    assertInert(container);
  });

  it.each([
    "[click me](javascript:alert(1))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me](&#106;avascript:alert(1))",
    "[click me](  javascript:alert(1))",
    "[click me](vbscript:msgbox(1))",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"javascript:alert(1)\">click me</a>",
    "[click me][ref]\n\n[ref]: javascript:alert(1)",
  ])("refuses the dangerous link %s", (text) => {
    const container = render(text);
    assertInert(container);
    for (const link of container.querySelectorAll("a")) {
      expect(link.getAttribute("href") || "").not.toMatch(/script|data:/i);
    }
    expect(container.textContent).toContain("click me");
  });

  it.each([
    "![x](https://tracker.example/pixel.png)",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<form action=https://evil.example><input name=q></form>",
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    "**bold <img src=x onerror=alert(1)>**",
  ])("neutralises %s", (text) => {
    assertInert(render(text));
  });

  it("never leaves a link that opens in the same tab", () => {
    const container = render('<a href="https://ok.example" target="_self">ok</a> [x](https://ok.example "t")');
    for (const link of container.querySelectorAll("a[href]")) {
      expect(link.getAttribute("target")).toBe("_blank");
      expect(link.getAttribute("rel")).toBe("noopener noreferrer");
    }
  });
});

describe("plain text for speech", () => {
  it("drops the markup and keeps one line per block", () => {
    const text = markdownToPlainText("Infections are the **main** risk.\n\n- fever\n- tiredness", document);
    expect(text).toBe("Infections are the main risk.\nfever\ntiredness");
  });

  it("can skip lines, such as the sources line", () => {
    const text = markdownToPlainText("Answer.\n\n*Sources:* Someone (2017)", document, { skip: /^sources?:/i });
    expect(text).toBe("Answer.");
  });
});
