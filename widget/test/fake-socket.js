// A stand-in for socket.io's `io()`: records what the widget emits and lets a test play the
// server's side (connect, session_confirm {session_id, session_token}, history, bot_uttered,
// disconnect).

export function fakeIo() {
  const sockets = [];
  function connect(url, options) {
    const handlers = new Map();
    const socket = {
      url,
      options,
      connected: false,
      emitted: [],
      io: { engine: { close: () => socket.serverDrops() } },
      on(event, handler) {
        if (!handlers.has(event)) handlers.set(event, []);
        handlers.get(event).push(handler);
        return socket;
      },
      emit(event, data) {
        socket.emitted.push({ event, data });
        return socket;
      },
      removeAllListeners() {
        handlers.clear();
      },
      disconnect() {
        socket.connected = false;
      },
      connect() {},
      // the server's side
      receive(event, ...args) {
        for (const handler of handlers.get(event) || []) handler(...args);
      },
      // Confirms `sessionId`, or else the requested one, or else a new one the server made up;
      // the token is "token:<id>" (the real server's is an HMAC of the id).
      serverAccepts(sessionId, messages = []) {
        socket.connected = true;
        socket.receive("connect");
        const request = socket.emitted.filter((e) => e.event === "session_request").at(-1);
        const id = sessionId || request.data.session_id || `server-made-${sockets.length}`;
        socket.receive("session_confirm", { session_id: id, session_token: `token:${id}` });
        socket.receive("history", { messages });
      },
      serverDrops(reason = "transport close") {
        socket.connected = false;
        socket.receive("disconnect", reason);
      },
      sent(event = "user_uttered") {
        return socket.emitted.filter((e) => e.event === event).map((e) => e.data);
      },
    };
    sockets.push(socket);
    return socket;
  }
  connect.sockets = sockets;
  return connect;
}
