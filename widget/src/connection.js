// The socket.io conversation with the assistant (protocol: channels/webchat.py).
//
// connect → session_request {session_id, session_token} (or {} when none is stored)
//         → session_confirm {session_id, session_token} → history {messages}
// user_uttered {message, session_id, metadata} → bot_uttered {text?, quick_replies?, custom?}
// user_echo {text}: the person's message sent from another tab of the same conversation
// While staff handle the conversation (sent by the staff inbox, texts made by the server):
// staff_typing {text, staff_name}: a member of staff is typing (again every few seconds)
// handoff_status {state: "waiting", text, position, minutes}: the place in the queue changed
//                {state: "claimed", text, staff_name}: a member of staff has joined
//
// The server creates every session id and signs it; the id and its token are a credential, kept
// only in this browser's storage. A missing, invalid or expired token gets a NEW session from
// the server, whose id then replaces the stored one (and its history replaces what is shown).
//
// socket.io reconnects by itself; every (re)connection asks for the same session again, and the
// history that follows catches up on anything missed. Messages typed while offline wait in an
// outbox and are sent once the session is confirmed again: never dropped (only "End chat and
// forget" in widget.js discards them, with the conversation).

import { io } from "socket.io-client";

const ID_KEY = "session-id";
const TOKEN_KEY = "session-token";

export class Connection {
  /**
   * @param {object} options
   * @param {string} options.serverUrl   the Rasa server, e.g. http://localhost:5005
   * @param {string} options.socketPath  "/socket.io"
   * @param {object} options.store       createStore(): the session id and token live here
   * @param {object} options.events      onStatus(status), onHistory(messages),
   *                                     onBotMessage(message), onSent(entry),
   *                                     onUserEcho({text}) (sent from another tab),
   *                                     onStaffTyping({text}), onHandoffStatus({state, text}),
   *                                     onSessionChange() (the server gave a different
   *                                     session: the history that follows is a new one)
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
    this.sessionId = null; // the id the server confirmed on this connection
    this.requestedId = null;
  }

  /** What session_request sends: the stored id with its token, or {} for a new session. */
  sessionRequest() {
    const id = this.store.get(ID_KEY);
    const token = this.store.get(TOKEN_KEY);
    return id && token ? { session_id: id, session_token: token } : {};
  }

  /** Keeps the server's session; tells the widget when it is not the one shown so far. */
  confirm(data) {
    const id = data && typeof data.session_id === "string" ? data.session_id : "";
    if (!id) return false; // not a session we can use: nothing is sent until there is one
    const before = this.sessionId || this.requestedId;
    this.sessionId = id;
    this.store.set(ID_KEY, id);
    if (typeof data.session_token === "string" && data.session_token) {
      this.store.set(TOKEN_KEY, data.session_token);
    } else {
      this.store.remove(TOKEN_KEY); // a token for another id must not be sent with this one
    }
    if (before && before !== id && this.events.onSessionChange) this.events.onSessionChange();
    return true;
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
      const request = this.sessionRequest();
      this.requestedId = request.session_id || null;
      socket.emit("session_request", request);
    });
    socket.on("session_confirm", (data) => {
      if (!this.confirm(data)) return;
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
    socket.on("staff_typing", (data) => {
      if (data && typeof data.text === "string" && this.events.onStaffTyping) {
        this.events.onStaffTyping(data);
      }
    });
    socket.on("handoff_status", (data) => {
      if (data && typeof data.text === "string" && this.events.onHandoffStatus) {
        this.events.onHandoffStatus(data);
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

/**
 * localStorage (or sessionStorage) under a prefix, falling back to memory where storage is
 * blocked. clear() removes every key under the prefix, including ones an older version wrote.
 */
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
    remove(key) {
      const full = `${prefix}:${key}`;
      memory.delete(full);
      try {
        if (storage) storage.removeItem(full);
      } catch {
        /* nothing stored there */
      }
    },
    clear() {
      memory.clear();
      try {
        if (!storage) return;
        const keys = [];
        for (let i = 0; i < storage.length; i += 1) {
          const key = storage.key(i);
          if (key && key.startsWith(`${prefix}:`)) keys.push(key);
        }
        for (const key of keys) storage.removeItem(key);
      } catch {
        /* storage went away: memory is cleared */
      }
    },
  };
}
