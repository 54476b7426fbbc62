/* Staff inbox: live updates (Server-Sent Events), notifications and the reply box.
 * Served from /static (the Content-Security-Policy allows no inline scripts). Every page works
 * without it; this adds live updates and sending replies without reloading. */
(function () {
  "use strict";

  var body = document.body;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var baseTitle = document.title;
  var unseen = 0;

  var TEXT = {
    reconnecting: "Live updates paused: reconnecting…",
    person: "Person",
    staff: " (staff)",
    delivered: "Delivered",
    notDelivered: "Not delivered yet",
    emptyReply: "Write a reply first.",
    tooLong: "That reply is too long: split it into shorter messages.",
    notYours: "You can no longer reply here: the conversation has ended or someone else has it.",
    sendFailed: "Could not send. Check the connection and try again.",
    savedNotSent: "Saved. The assistant cannot be reached right now; your reply will be sent as soon as it is back.",
    open: "Open",
    dismiss: "Dismiss",
    newHandoff: "A person is waiting for staff",
    newUrgent: "URGENT: a person needs staff now",
    newCallback: "New callback request",
    capReached: "Requests for staff are being refused: too many at once (see the queue)",
    firstReplyOverdue: "First reply overdue: a person has waited past the target",
    newTitle: "new",
    changed: "This conversation changed: ",
  };

  // --- "waiting 7 min" stays true while the page is open ---------------------------------
  function waited(iso) {
    var seconds = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return "just now";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 48) return minutes ? hours + " h " + minutes + " min" : hours + " h";
    return Math.floor(hours / 24) + " days";
  }
  function refreshTimes(root) {
    (root || document).querySelectorAll("time[data-waited]").forEach(function (element) {
      element.textContent = waited(element.getAttribute("datetime"));
    });
  }
  setInterval(refreshTimes, 30000);

  // --- title, toasts and desktop notifications -------------------------------------------
  function showTitle() {
    document.title = unseen ? "(" + unseen + " " + TEXT.newTitle + ") " + baseTitle : baseTitle;
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      unseen = 0;
      showTitle();
    }
  });
  window.addEventListener("focus", function () {
    unseen = 0;
    showTitle();
  });

  function toast(text, href, urgent) {
    var region = document.getElementById("toasts");
    if (!region) return;
    var box = document.createElement("div");
    box.className = "toast" + (urgent ? " toast-urgent" : "");
    box.setAttribute("data-kind", urgent ? "urgent" : "normal");
    var line = document.createElement("p");
    line.textContent = text;
    var actions = document.createElement("div");
    actions.className = "toast-actions";
    var link = document.createElement("a");
    link.className = "button-primary";
    link.href = href;
    link.textContent = TEXT.open;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button";
    close.textContent = TEXT.dismiss;
    close.addEventListener("click", function () {
      box.remove();
    });
    actions.append(link, close);
    box.append(line, actions);
    region.append(box);
    if (!urgent) {
      setTimeout(function () {
        if (!box.contains(document.activeElement)) box.remove();
      }, 30000);
    }
  }

  function desktopNotify(text, href, tag) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    if (document.visibilityState === "visible" && document.hasFocus()) return;
    try {
      var note = new Notification(text, { tag: tag, requireInteraction: false });
      note.onclick = function () {
        window.focus();
        window.location.href = href;
      };
    } catch (ignored) {
      /* some browsers only allow notifications from a service worker */
    }
  }

  var alertsButton = document.getElementById("enable-notifications");
  if (alertsButton && "Notification" in window && Notification.permission === "default") {
    alertsButton.hidden = false;
    alertsButton.addEventListener("click", function () {
      Notification.requestPermission().then(function () {
        alertsButton.hidden = true;
      });
    });
  }

  function onNotify(data) {
    var path = new URL(data.url, window.location.href).pathname;
    var text =
      data.kind === "alert"
        ? TEXT.capReached
        : data.kind === "breach"
          ? TEXT.firstReplyOverdue + ": " + data.reason_label + " (" + data.channel_label + ")"
          : data.kind === "callback"
          ? TEXT.newCallback + " (" + data.channel_label + ")"
          : (data.urgent ? TEXT.newUrgent : TEXT.newHandoff) + ": " + data.reason_label + " (" + data.channel_label + ")";
    if (data.kind === "alert") reloadQueue(); // its banner
    toast(text, path, data.urgent);
    if (document.visibilityState !== "visible" || !document.hasFocus()) {
      unseen += 1;
      showTitle();
    }
    desktopNotify(text, path, data.kind + "-" + data.id);
  }

  // --- the queue -------------------------------------------------------------------------
  function updateCounts(counts) {
    document.querySelectorAll("[data-count]").forEach(function (element) {
      var key = element.getAttribute("data-count");
      if (!(key in counts)) return;
      element.textContent = key === "urgent" ? counts[key] + " urgent" : counts[key];
      if (key === "urgent") element.hidden = !counts[key];
    });
  }

  var reloading = null;
  var reloadAgain = false;
  function reloadQueue() {
    var list = document.getElementById("queue-list");
    if (!list) return;
    if (reloading) {
      reloadAgain = true; // changed again while loading: load once more afterwards
      return;
    }
    var focused = document.activeElement && document.activeElement.getAttribute("data-focus-key");
    var query = "tab=" + encodeURIComponent(body.dataset.tab || "waiting") + "&page=" + encodeURIComponent(body.dataset.page || "1");
    reloading = fetch("/api/queue?" + query, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 401) return signedOut();
        return response.json().then(function (data) {
          list.setAttribute("aria-busy", "true");
          list.innerHTML = data.html; // rendered and escaped by the server's templates
          list.setAttribute("aria-busy", "false");
          list.setAttribute("data-loaded", String(Date.now()));
          if (data.page) body.dataset.page = String(data.page); // the list got shorter: its last page
          updateCounts(data.counts);
          if (focused) {
            var again = list.querySelector('[data-focus-key="' + focused + '"]');
            if (again) again.focus();
          }
        });
      })
      .catch(function () {})
      .then(function () {
        reloading = null;
        if (reloadAgain) {
          reloadAgain = false;
          reloadQueue();
        }
      });
  }

  // --- the conversation ------------------------------------------------------------------
  var messages = document.getElementById("messages");

  function messageItem(message) {
    var item = document.createElement("li");
    item.className = "msg msg-" + message.sender;
    item.setAttribute("data-id", String(message.id));
    var meta = document.createElement("p");
    meta.className = "msg-meta";
    var who = document.createElement("span");
    who.className = "msg-who";
    who.textContent = message.sender === "person" ? TEXT.person : (message.staff_name || "Staff") + TEXT.staff;
    var when = document.createElement("time");
    when.setAttribute("datetime", message.at);
    when.textContent = message.time;
    meta.append(who, " ", when);
    if (message.sender === "staff") {
      var delivery = document.createElement("span");
      delivery.className = "delivery";
      delivery.setAttribute("data-delivered", message.delivered ? "yes" : "no");
      delivery.textContent = message.delivered ? TEXT.delivered : TEXT.notDelivered;
      meta.append(" ", delivery);
    }
    var text = document.createElement("p");
    text.className = "msg-text";
    text.textContent = message.text; // never HTML: whatever the person typed is shown as text
    item.append(meta, text);
    return item;
  }

  function addMessage(message) {
    if (!messages || messages.querySelector('[data-id="' + message.id + '"]')) return;
    if (message.sender === "staff") refreshTimer(); // the first reply stops the timer
    messages.append(messageItem(message));
    var none = document.getElementById("no-messages");
    if (none) none.hidden = true;
    body.dataset.after = String(Math.max(Number(body.dataset.after || 0), message.id));
    if (message.sender === "person" && (document.visibilityState !== "visible" || !document.hasFocus())) {
      unseen += 1;
      showTitle();
    }
  }

  function markDelivered(id) {
    if (!messages) return;
    var item = messages.querySelector('[data-id="' + id + '"] .delivery');
    if (item) {
      item.setAttribute("data-delivered", "yes");
      item.textContent = TEXT.delivered;
    }
  }

  function applyState(status, mine) {
    body.dataset.status = status;
    body.dataset.mine = mine ? "yes" : "no";
    var rules = {
      claim: status === "waiting",
      end: status === "waiting" || (status === "claimed" && mine),
      reply: status === "claimed" && mine,
      "someone-else": status === "claimed" && !mine,
      ended: status === "closed" || status === "returned" || status === "deleted",
    };
    document.querySelectorAll("[data-when]").forEach(function (element) {
      element.hidden = !rules[element.getAttribute("data-when")];
    });
  }

  function onHandoff(data) {
    var label = document.getElementById("handoff-status");
    if (label && data.status_label) {
      label.textContent = data.status_label + (data.claimed_by_name ? " (" + data.claimed_by_name + ")" : "");
    }
    var live = document.getElementById("live-status");
    if (live && !data.mine) live.textContent = TEXT.changed + (data.status_label || data.status);
    applyState(data.status, data.mine);
  }

  var form = document.getElementById("reply-form");
  if (form) {
    var box = document.getElementById("reply-text");
    var error = document.getElementById("reply-error");
    var note = document.getElementById("reply-status");
    var button = form.querySelector('button[type="submit"]');
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    // The person's chat shows "<name> is typing…" for 6 s after each ping: one every 3 s
    // keeps it up while staff type, without a request per key.
    var TYPING_PING_MS = 3000;
    var lastTypingPing = 0;
    box.addEventListener("input", function () {
      var now = Date.now();
      if (!form.dataset.typing || !box.value.trim() || now - lastTypingPing < TYPING_PING_MS) return;
      lastTypingPing = now;
      fetch(form.dataset.typing, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf },
      }).catch(function () {
        /* only a courtesy: the reply itself is what matters */
      });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = box.value.trim();
      error.textContent = "";
      note.textContent = "";
      if (!text) {
        error.textContent = TEXT.emptyReply;
        box.focus();
        return;
      }
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf },
        body: new URLSearchParams(new FormData(form)),
      })
        .then(function (response) {
          if (response.status === 401) return signedOut();
          return response.json().then(function (data) {
            if (response.ok) {
              box.value = "";
              lastTypingPing = 0; // the person's chat hid the indicator when the reply came
              addMessage(data.message);
              if (!data.delivered) note.textContent = TEXT.savedNotSent;
            } else if (data.error === "too_long") {
              error.textContent = TEXT.tooLong;
            } else if (response.status === 409) {
              error.textContent = TEXT.notYours;
            } else {
              error.textContent = TEXT.sendFailed;
            }
          });
        })
        .catch(function () {
          error.textContent = TEXT.sendFailed;
        })
        .then(function () {
          button.disabled = false;
          box.focus();
        });
    });
  }

  // --- saved replies: inserted into the reply at the cursor, to edit before sending --------
  var cannedRow = document.getElementById("canned-pick-row");
  if (cannedRow) {
    var cannedPick = document.getElementById("canned-pick");
    var replyBox = document.getElementById("reply-text");
    cannedRow.hidden = false; // without this script, the texts below are there to copy
    document.getElementById("canned-insert").addEventListener("click", function () {
      var saved = cannedPick.value && document.getElementById("canned-body-" + cannedPick.value);
      if (!saved) {
        cannedPick.focus();
        return;
      }
      // where the cursor was (or what was selected) when staff left the box to pick
      replyBox.setRangeText(saved.textContent, replyBox.selectionStart, replyBox.selectionEnd, "end");
      replyBox.dispatchEvent(new Event("input", { bubbles: true }));
      cannedPick.value = "";
      replyBox.focus();
    });
  }

  // --- first-response timers: on-duty minutes are counted by the server -------------------
  var timerBox = document.getElementById("first-response-timer");
  function refreshTimer() {
    if (!timerBox) return;
    fetch(timerBox.getAttribute("data-first-response-url"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 401) return signedOut();
        if (!response.ok) return;
        return response.json().then(function (data) {
          timerBox.innerHTML = data.html; // rendered and escaped by the server's templates
        });
      })
      .catch(function () {});
  }
  setInterval(function () {
    if (timerBox && timerBox.querySelector("[data-first-response-running]")) refreshTimer();
    if (document.querySelector("#queue-list [data-first-response-running]")) reloadQueue();
  }, 60000);

  // --- the live stream -------------------------------------------------------------------
  function signedOut() {
    window.location.href = "/sign-in?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  }

  function parse(event) {
    try {
      return JSON.parse(event.data);
    } catch (ignored) {
      return {};
    }
  }

  function connect() {
    var params = new URLSearchParams();
    if (body.dataset.handoff) {
      params.set("handoff", body.dataset.handoff);
      params.set("after", body.dataset.after || "0");
      if (body.dataset.pending) params.set("pending", body.dataset.pending);
    }
    var source = new EventSource("/api/events?" + params.toString());
    var status = document.getElementById("live-status");
    source.addEventListener("open", function () {
      if (status && status.textContent === TEXT.reconnecting) status.textContent = "";
      body.setAttribute("data-live-state", "open");
    });
    source.addEventListener("error", function () {
      body.setAttribute("data-live-state", "reconnecting");
      if (status) status.textContent = TEXT.reconnecting;
      if (source.readyState === EventSource.CLOSED) {
        // the server refused the stream (signed out?) rather than the network failing
        fetch("/api/session", { credentials: "same-origin" })
          .then(function (response) {
            if (response.status === 401) return signedOut();
            setTimeout(connect, 3000);
          })
          .catch(function () {
            setTimeout(connect, 3000);
          });
      }
    });
    source.addEventListener("queue", function (event) {
      updateCounts(parse(event));
      reloadQueue();
      refreshTimer(); // a timer may have changed state (inbox/notify.py)
    });
    source.addEventListener("notify", function (event) {
      onNotify(parse(event));
    });
    source.addEventListener("message", function (event) {
      addMessage(parse(event));
    });
    source.addEventListener("delivered", function (event) {
      markDelivered(parse(event).id);
    });
    source.addEventListener("handoff", function (event) {
      onHandoff(parse(event));
    });
    source.addEventListener("signed_out", function () {
      source.close();
      signedOut();
    });
  }

  if (body.dataset.live === "on") connect();
})();
