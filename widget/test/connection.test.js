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
  it("connects to the server's socket path and asks for a session kept in localStorage", () => {
    const { io, connection } = setUp();
    connection.start();
    const socket = io.sockets[0];
    expect(socket.url).toBe("http://localhost:5005");
    expect(socket.options.path).toBe("/socket.io");
    expect(socket.options.reconnection).toBe(true);
    socket.serverAccepts();
    const [request] = socket.sent("session_request");
    expect(request.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(localStorage.getItem("test:session-id")).toBe(request.session_id);
  });

  it("reuses the stored session and keeps the id the server confirms", () => {
    localStorage.setItem("test:session-id", "abc");
    const { io, connection, events } = setUp();
    connection.start();
    const socket = io.sockets[0];
    socket.serverAccepts("confirmed-id", [{ sender: "user", text: "hi" }]);
    expect(socket.sent("session_request")[0]).toEqual({ session_id: "abc" });
    expect(localStorage.getItem("test:session-id")).toBe("confirmed-id");
    expect(events.onHistory).toHaveBeenCalledWith([{ sender: "user", text: "hi" }]);
    expect(events.onStatus.mock.calls.map((c) => c[0])).toEqual(["connecting", "online"]);
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
  });
});
