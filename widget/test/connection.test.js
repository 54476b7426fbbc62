import { beforeEach, describe, expect, it, vi } from "vitest";
import { Connection, createStore } from "../src/connection.js";
import { fakeIo } from "./fake-socket.js";

function setUp() {
  const io = fakeIo();
  const events = {
    onStatus: vi.fn(),
    onHistory: vi.fn(),
    onBotMessage: vi.fn(),
    onSent: vi.fn(),
    onUserEcho: vi.fn(),
  };
  const store = createStore(window, "test", "localStorage");
  const connection = new Connection({
    serverUrl: "http://localhost:5005",
    socketPath: "/socket.io",
    store,
    events,
    connect: io,
    win: window,
  });
  return { io, events, store, connection };
}

beforeEach(() => localStorage.clear());

describe("the socket.io session", () => {
  it("connects to the server's socket path and asks for a new session when none is stored", () => {
    const { io, connection } = setUp();
    connection.start();
    const socket = io.sockets[0];
    expect(socket.url).toBe("http://localhost:5005");
    expect(socket.options.path).toBe("/socket.io");
    expect(socket.options.reconnection).toBe(true);
    socket.connected = true;
    socket.receive("connect");
    expect(socket.sent("session_request")).toEqual([{}]);
    expect(localStorage.getItem("test:session-id")).toBeNull(); // the widget makes up no id
  });

  it("keeps the id and token session_confirm gives, and sends with that id", () => {
    const { io, connection, events } = setUp();
    connection.start();
    const socket = io.sockets[0];
    socket.serverAccepts("a".repeat(32), [{ sender: "bot", text: "hi" }]);
    expect(localStorage.getItem("test:session-id")).toBe("a".repeat(32));
    expect(localStorage.getItem("test:session-token")).toBe(`token:${"a".repeat(32)}`);
    expect(events.onHistory).toHaveBeenCalledWith([{ sender: "bot", text: "hi" }]);
    expect(events.onStatus.mock.calls.map((c) => c[0])).toEqual(["connecting", "online"]);
    connection.send("hello");
    expect(socket.sent()[0].session_id).toBe("a".repeat(32));
  });

  it("asks for the stored session with its token, on every reconnection", () => {
    localStorage.setItem("test:session-id", "abc");
    localStorage.setItem("test:session-token", "tok");
    const { io, connection, events } = setUp();
    events.onSessionChange = vi.fn();
    connection.start();
    const socket = io.sockets[0];
    socket.serverAccepts("abc");
    socket.serverDrops();
    socket.serverAccepts("abc");
    expect(socket.sent("session_request")).toEqual([
      { session_id: "abc", session_token: "tok" },
      { session_id: "abc", session_token: "token:abc" },
    ]);
    expect(events.onSessionChange).not.toHaveBeenCalled();
  });

  it("asks for a new session when only an id is stored (an older widget made it up)", () => {
    localStorage.setItem("test:session-id", "0123456789abcdef0123456789abcdef");
    const { io, connection } = setUp();
    connection.start();
    io.sockets[0].serverAccepts();
    expect(io.sockets[0].sent("session_request")).toEqual([{}]);
    expect(localStorage.getItem("test:session-id")).toBe("server-made-1");
  });

  it("switches to a different confirmed id and says the session changed", () => {
    localStorage.setItem("test:session-id", "old");
    localStorage.setItem("test:session-token", "expired");
    const { io, connection, events } = setUp();
    events.onSessionChange = vi.fn();
    connection.start();
    const socket = io.sockets[0];
    socket.serverAccepts("new", [{ sender: "bot", text: "fresh" }]);
    expect(events.onSessionChange).toHaveBeenCalledTimes(1);
    expect(localStorage.getItem("test:session-id")).toBe("new");
    expect(localStorage.getItem("test:session-token")).toBe("token:new");
    expect(events.onHistory).toHaveBeenLastCalledWith([{ sender: "bot", text: "fresh" }]);
    connection.send("hello");
    expect(socket.sent()).toEqual([{ message: "hello", session_id: "new", metadata: {} }]);
  });

  it("sends nothing on a session_confirm without a session id, and drops a token without one", () => {
    localStorage.setItem("test:session-token", "stale");
    const { io, connection } = setUp();
    connection.start();
    const socket = io.sockets[0];
    socket.connected = true;
    socket.receive("connect");
    socket.receive("session_confirm", "a-bare-string"); // the old protocol
    expect(connection.ready).toBe(false);
    expect(connection.send("hello").sent).toBe(false);
    socket.receive("session_confirm", { session_id: "s1" });
    expect(connection.ready).toBe(true);
    expect(localStorage.getItem("test:session-token")).toBeNull();
  });

  it("sends user_uttered with the session id and metadata", () => {
    const { io, connection } = setUp();
    connection.start();
    const socket = io.sockets[0];
    socket.serverAccepts("s1");
    const entry = connection.send("/ask_cost_insurance", { display: "Cost" });
    expect(entry.sent).toBe(true);
    expect(socket.sent()).toEqual([
      { message: "/ask_cost_insurance", session_id: "s1", metadata: { display: "Cost" } },
    ]);
  });

  it("passes each bot_uttered on", () => {
    const { io, connection, events } = setUp();
    connection.start();
    io.sockets[0].serverAccepts();
    io.sockets[0].receive("bot_uttered", { text: "hello" });
    expect(events.onBotMessage).toHaveBeenCalledWith({ text: "hello" });
  });

  it("passes a message sent from another tab on as an echo", () => {
    const { io, connection, events } = setUp();
    connection.start();
    io.sockets[0].serverAccepts();
    io.sockets[0].receive("user_echo", { text: "what is EDSS?" });
    io.sockets[0].receive("user_echo", { nothing: true });
    expect(events.onUserEcho).toHaveBeenCalledTimes(1);
    expect(events.onUserEcho).toHaveBeenCalledWith({ text: "what is EDSS?" });
  });

  it("queues messages while offline and sends them after reconnecting, in order", () => {
    const { io, connection, events } = setUp();
    connection.start();
    const socket = io.sockets[0];
    socket.serverAccepts("s1");
    socket.serverDrops();
    expect(connection.status).toBe("offline");
    const first = connection.send("one");
    const second = connection.send("two");
    expect(first.sent || second.sent).toBe(false);
    expect(socket.sent()).toEqual([]);
    socket.serverAccepts("s1"); // socket.io reconnected: a new session_request, then history
    expect(socket.sent("session_request")).toHaveLength(2);
    expect(socket.sent().map((m) => m.message)).toEqual(["one", "two"]);
    expect(events.onSent).toHaveBeenCalledTimes(2);
    expect(connection.status).toBe("online");
  });

  it("reports a failed connection as offline", () => {
    const { io, connection } = setUp();
    connection.start();
    io.sockets[0].receive("connect_error", new Error("refused"));
    expect(connection.status).toBe("offline");
  });

  it("goes offline as soon as the browser says so", () => {
    const { io, connection } = setUp();
    connection.start();
    io.sockets[0].serverAccepts();
    window.dispatchEvent(new Event("offline"));
    expect(connection.status).toBe("offline");
    expect(io.sockets[0].connected).toBe(false);
    connection.stop();
  });
});

describe("storage", () => {
  it("falls back to memory when localStorage is blocked", () => {
    const blocked = {
      get localStorage() {
        throw new Error("SecurityError");
      },
    };
    const store = createStore(blocked, "p");
    store.set("k", "v");
    expect(store.get("k")).toBe("v");
    store.remove("k");
    expect(store.get("k")).toBeNull();
  });

  it("clears every key under its prefix, and only those", () => {
    localStorage.setItem("p:session-id", "s");
    localStorage.setItem("p:written-by-an-older-version", "x");
    localStorage.setItem("p-other:session-id", "kept");
    localStorage.setItem("host-page", "kept");
    const store = createStore(window, "p");
    store.set("read-aloud", "on");
    store.clear();
    expect(Object.keys(localStorage).sort()).toEqual(["host-page", "p-other:session-id"]);
    expect(store.get("read-aloud")).toBeNull();
  });
});
