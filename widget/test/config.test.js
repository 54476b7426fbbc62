import { describe, expect, it } from "vitest";
import { DEFAULTS, DEFAULT_STRINGS, configFromScript, format, resolveConfig } from "../src/config.js";

function script(attributes) {
  const element = document.createElement("script");
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

describe("configuration", () => {
  it("defaults to the local assistant and English", () => {
    const config = resolveConfig();
    expect(config.serverUrl).toBe("http://localhost:5005");
    expect(config.socketPath).toBe("/socket.io");
    expect(config.lang).toBe("en");
    expect(config.strings).toEqual(DEFAULT_STRINGS);
    expect(config.greetingMode).toBe("local");
  });

  it("reads the script tag's data- attributes", () => {
    const fromTag = configFromScript(
      script({
        "data-server-url": "https://chat.example.org/",
        "data-title": "Ask us",
        "data-primary-color": "#123456",
        "data-lang": "en-GB",
        "data-greeting": "Hi there",
        "data-greeting-mode": "intent",
        "data-strings": '{"sendLabel": "Ask", "launcherText": "Chat"}',
      }),
    );
    const config = resolveConfig(fromTag);
    expect(config).toMatchObject({
      serverUrl: "https://chat.example.org",
      title: "Ask us",
      primaryColor: "#123456",
      lang: "en-GB",
      greetingMode: "intent",
    });
    expect(config.strings.greeting).toBe("Hi there");
    expect(config.strings.sendLabel).toBe("Ask");
    expect(config.strings.launcherText).toBe("Chat");
    expect(config.strings.closeLabel).toBe(DEFAULT_STRINGS.closeLabel);
  });

  it("lets window.MSAssistantConfig override the tag, string by string", () => {
    const config = resolveConfig(
      { serverUrl: "http://a", title: "Tag" },
      { serverUrl: "http://b", strings: { talkToPerson: "Speak to staff", bogus: 3 }, greeting: "" },
    );
    expect(config.serverUrl).toBe("http://b");
    expect(config.title).toBe("Tag");
    expect(config.strings.talkToPerson).toBe("Speak to staff");
    expect(config.strings.bogus).toBeUndefined();
    expect(config.strings.greeting).toBe("");
  });

  it("ignores invalid values", () => {
    const config = resolveConfig(
      configFromScript(script({ "data-strings": "{not json", "data-greeting-mode": "shout" })),
      { typingTimeoutMs: -5, greetingReplies: "nope", title: 42 },
    );
    expect(config.greetingMode).toBe("local");
    expect(config.typingTimeoutMs).toBe(DEFAULTS.typingTimeoutMs);
    expect(config.greetingReplies).toEqual(DEFAULTS.greetingReplies);
    expect(config.title).toBe(DEFAULTS.title);
  });

  it("fills placeholders", () => {
    expect(format("Sources ({count})", { count: 3 })).toBe("Sources (3)");
    expect(format("{missing}", {})).toBe("{missing}");
  });
});
