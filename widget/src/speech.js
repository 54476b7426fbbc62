// Voice in the browser: dictation with the Web Speech API where the browser has it, and reading
// the assistant's answers aloud with speechSynthesis. Both are optional: the controls are hidden
// where the browser lacks them.

export function recognitionConstructor(win) {
  return win.SpeechRecognition || win.webkitSpeechRecognition || null;
}

// Errors after which dictation will not work in this browser (no service, refused permission).
const FATAL_ERRORS = new Set(["not-allowed", "service-not-allowed", "network", "language-not-supported", "audio-capture"]);

export class Dictation {
  /** events: onText(text, isFinal), onState(listening), onUnavailable() */
  constructor(win, lang, events) {
    this.Recognition = recognitionConstructor(win);
    this.lang = lang;
    this.events = events;
    this.recognition = null;
  }

  get available() {
    return Boolean(this.Recognition);
  }

  get listening() {
    return Boolean(this.recognition);
  }

  start(prefix = "") {
    if (!this.available || this.recognition) return;
    let recognition;
    try {
      recognition = new this.Recognition();
    } catch {
      this.Recognition = null;
      this.events.onUnavailable();
      return;
    }
    recognition.lang = this.lang;
    recognition.interimResults = true;
    recognition.continuous = false;
    recognition.maxAlternatives = 1;
    const lead = prefix && !/\s$/.test(prefix) ? `${prefix} ` : prefix;
    recognition.onresult = (event) => {
      let text = "";
      let isFinal = true;
      for (const result of event.results) {
        text += result[0].transcript;
        isFinal = isFinal && result.isFinal;
      }
      this.events.onText(lead + text.trim(), isFinal);
    };
    recognition.onerror = (event) => {
      if (FATAL_ERRORS.has(event.error)) {
        this.Recognition = null;
        this.events.onUnavailable();
      }
    };
    recognition.onend = () => {
      this.recognition = null;
      this.events.onState(false);
    };
    this.recognition = recognition;
    this.events.onState(true); // before start(): its errors and end may come at once
    try {
      recognition.start();
    } catch {
      this.recognition = null;
      this.events.onState(false);
    }
  }

  stop() {
    if (this.recognition) this.recognition.stop();
  }
}

export class ReadAloud {
  constructor(win, store, lang) {
    this.synth = win.speechSynthesis || null;
    this.Utterance = win.SpeechSynthesisUtterance || null;
    this.store = store;
    this.lang = lang;
  }

  get available() {
    return Boolean(this.synth && this.Utterance);
  }

  get enabled() {
    return this.available && this.store.get("read-aloud") === "on";
  }

  set enabled(on) {
    this.store.set("read-aloud", on ? "on" : "off");
    if (!on) this.cancel();
  }

  /** Queues the text (each bot message in turn) when reading aloud is on. */
  speak(text) {
    if (!this.enabled || !text) return false;
    const utterance = new this.Utterance(text);
    utterance.lang = this.lang;
    this.synth.speak(utterance);
    return true;
  }

  cancel() {
    if (this.synth) this.synth.cancel();
  }
}
