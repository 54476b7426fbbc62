// The socket.io conversation with the assistant (protocol: channels/webchat.py).
//
// connect → session_request {session_id} → session_confirm <id> → history {messages}
// user_uttered {message, session_id, metadata} → bot_uttered {text?, quick_replies?, custom?}
// user_echo {text}: the person's message sent from another tab of the same conversation
//
// socket.io reconnects by itself; every (re)connection asks for the same session again, and the
// history that follows catches up on anything missed. Messages typed while offline wait in an
// outbox and are sent once the session is confirmed again: never dropped.

import { io } from "socket.io-client";

export function newSessionId(win = globalThis) {
  const crypto = win.crypto;
  if (crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID().replace(/-/g, "");
  const bytes = new Uint8Array(16);
  if (crypto && typeof crypto.getRandomValues === "function") crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Connection {
  /**
   * @param {object} options
   * @param {string} options.serverUrl   the Rasa server, e.g. http://localhost:5005
   * @param {string} options.socketPath  "/socket.io"
   * @param {object} options.store       {get(key), set(key, value)} (localStorage or memory)
   * @param {object} options.events      onStatus(status), onHistory(messages),
   *                                     onBotMessage(message), onSent(entry),
   *                                     onUserEcho({text}) (sent from another tab)
   * @param {Function} [options.connect] socket.io's `io` (replaced in unit tests)
   */
  constructor({ serverUrl, socketPath, store, events, connect = io, win = globalThis }) {
    this.serverUrl = serverUrl;
    this.socketPath = socketPath;
    this.store = store;
    this.events = events;
    this.connect = connect;
    this.win = win;
    this.socket = null;
    this.confirmed = false;
    this.status = "idle";
    this.outbox = [];
  }

  get sessionId() {
    let id = this.store.get("session-id");
    if (!id) {
      id = newSessionId(this.win);
      this.store.set("session-id", id);
    }
    return id;
  }

  start() {
    if (this.socket) return;
    this.setStatus("connecting");
    const socket = this.connect(this.serverUrl, {
      path: this.socketPath,
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      timeout: 8000,
    });
    this.socket = socket;
    socket.on("connect", () => {
      this.confirmed = false;
      socket.emit("session_request", { session_id: this.sessionId });
    });
    socket.on("session_confirm", (confirmed) => {
      const id = typeof confirmed === "string" ? confirmed : confirmed && confirmed.session_id;
      if (id) this.store.set("session-id", String(id));
      this.confirmed = true;
      this.setStatus("online");
    });
    socket.on("history", (data) => {
      const messages = data && Array.isArray(data.messages) ? data.messages : [];
      this.events.onHistory(messages);
      this.flush(); // after the history, so the outbox's messages come after it on screen
    });
    socket.on("bot_uttered", (message) => {
      if (message && typeof message === "object") this.events.onBotMessage(message);
    });
    // What the person sent from another tab of the same conversation.
    socket.on("user_echo", (message) => {
      if (message && typeof message.text === "string" && this.events.onUserEcho) {
        this.events.onUserEcho(message);
      }
    });
    socket.on("disconnect", (reason) => {
      this.confirmed = false;
      this.setStatus("offline");
      // The server closed the connection on purpose: socket.io won't retry on its own.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", () => {
      this.confirmed = false;
      this.setStatus("offline");
    });
    // The browser knows before the socket does (a phone losing signal): show it at once and
    // start reconnecting instead of waiting for the ping timeout.
    this.onBrowserOffline = () => {
      this.setStatus("offline");
      if (socket.connected && socket.io && socket.io.engine) socket.io.engine.close();
    };
    // Back online: try at once rather than at the next back-off step (up to a few seconds).
    this.onBrowserOnline = () => {
      if (!socket.connected) {
        socket.disconnect();
        socket.connect();
      }
    };
    if (this.win.addEventListener) {
      this.win.addEventListener("offline", this.onBrowserOffline);
      this.win.addEventListener("online", this.onBrowserOnline);
    }
  }

  stop() {
    if (this.win.removeEventListener && this.onBrowserOffline) {
      this.win.removeEventListener("offline", this.onBrowserOffline);
      this.win.removeEventListener("online", this.onBrowserOnline);
    }
    if (this.socket) {
      this.socket.removeAllListeners();
      this.socket.disconnect();
    }
    this.socket = null;
    this.confirmed = false;
    this.setStatus("idle");
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.events.onStatus(status);
  }

  get ready() {
    return Boolean(this.socket && this.socket.connected && this.confirmed);
  }

  /** Sends now, or queues until the session is confirmed. Returns the outbox entry. */
  send(message, metadata = {}, extras = {}) {
    const entry = { ...extras, message, metadata, sent: false };
    this.outbox.push(entry);
    this.flush();
    return entry;
  }

  flush() {
    while (this.ready && this.outbox.length) {
      const entry = this.outbox.shift();
      this.socket.emit("user_uttered", {
        message: entry.message,
        session_id: this.sessionId,
        metadata: entry.metadata,
      });
      entry.sent = true;
      if (this.events.onSent) this.events.onSent(entry);
    }
  }
}

/** localStorage under a prefix, falling back to memory where storage is blocked. */
export function createStore(win, prefix, kind = "localStorage") {
  const memory = new Map();
  let storage = null;
  try {
    storage = win[kind];
    const probe = `${prefix}:probe`;
    storage.setItem(probe, "1");
    storage.removeItem(probe);
  } catch {
    storage = null;
  }
  return {
    get(key) {
      const full = `${prefix}:${key}`;
      try {
        if (storage) return storage.getItem(full);
      } catch {
        /* fall through to memory */
      }
      return memory.has(full) ? memory.get(full) : null;
    },
    set(key, value) {
      const full = `${prefix}:${key}`;
      memory.set(full, value);
      try {
        if (storage) storage.setItem(full, value);
      } catch {
        /* memory keeps it for this page */
      }
    },
  };
}
