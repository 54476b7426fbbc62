"""The web chat channel: Rasa's socket.io channel, with what the widget needs.

Same protocol as Rasa's `socketio` channel (`session_request` → `session_confirm`,
`user_uttered`, `bot_uttered`, session persistence), plus:

- one `bot_uttered` event per bot message, carrying its text, quick replies and custom payload
  together. Rasa's channel splits text at blank lines and sends the custom payload as a
  separate event (passing the payload's keys as keyword arguments to `emit`, which fails for
  any payload that is not `{"data": ...}`), so a widget could not tell which answer a list of
  citations belongs to;
- a `history` event after `session_confirm` with the conversation so far, read from the tracker
  store, so a reload or a second tab shows the same conversation;
- a `user_echo` event to the person's other open tabs with what they just sent, so every tab
  shows the question, not only the answer;
- an allow-list of the sites that may embed the chat (`allowed_origins`, or
  WEBCHAT_ALLOWED_ORIGINS, comma-separated); Rasa's channel accepts any origin. In production
  mode (ASSISTANT_ENV) an empty list refuses to start rather than allow every site;
- conversation ids made by the server, joined only with their signed token
  (channels/conversation_ids.py): `session_confirm` carries {session_id, session_token}, and
  a message goes to the conversation its socket joined, whatever session_id it names;
- the channels' common limits: message rates per conversation and per address, and
  channels/user_input.py (length, button payloads only, metadata);
- with `redis_url` (or WEBCHAT_REDIS_URL) set, socket.io rooms are shared through Redis, so a
  message produced by any Sanic worker or replica (a staff reply, say) reaches the person's
  socket wherever it is connected. Clients still need sticky sessions for long-polling.
- while staff handle a conversation, the staff inbox tells the person's sockets what happens
  (POST /webhooks/webchat/staff_typing and /handoff_status, with the token of Rasa's HTTP API
  as `?token=`, from RASA_AUTH_TOKEN): a `staff_typing` event {text, staff_name} and a
  `handoff_status` event {state, text, position?, minutes?}, emitted to the conversation's
  room (through Redis when configured, so any worker's route reaches any socket).

Registered in credentials.yml as `channels.webchat.WebChatInput`.
"""

import inspect
import json
import logging
import secrets
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

import socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Request, Sanic, response
from sanic.response import HTTPResponse

from channels.conversation_ids import (
    ADDRESS_KEY,
    MIN_SECRET_CHARS,
    address_key,
    new_session_id,
    session_token,
    token_matches,
)
from channels.rate_limits import MessageRates
from channels.replies import channel_reply
from channels.request_body import read_capped_body
from channels.settings import ChannelSettings, WebChatSettings, channel_settings, read_settings
from channels.user_input import admit
from messages.contract import bot_message, visible_messages
from secrets_check import secret_problem

logger = logging.getLogger(__name__)

HISTORY_EVENT = "history"
ECHO_EVENT = "user_echo"
HISTORY_LIMIT = 200  # messages; older ones stay stored, the widget shows the recent past
STAFF_TYPING_EVENT = "staff_typing"
HANDOFF_STATUS_EVENT = "handoff_status"
STAFF_EVENT_MAX_BYTES = 2048  # a conversation id, a name and two numbers
MAX_NAME_CHARS = 80
MAX_CONVERSATION_ID_CHARS = 256
SESSION_SECRET_VARIABLE = "ASSISTANT_WEBCHAT_SESSION_SECRET"


class StaffEventRefused(ValueError):
    """A staff event the channel will not pass on (the route answers 400)."""


def _staff_name(data: Dict[Text, Any]) -> Optional[Text]:
    name = data.get("staff_name")
    name = " ".join(name.split())[:MAX_NAME_CHARS] if isinstance(name, str) else ""
    return name or None


def _count(data: Dict[Text, Any], key: Text) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise StaffEventRefused(f"{key} must be a whole number from 1")
    return value


def staff_typing_payload(data: Dict[Text, Any]) -> Dict[Text, Any]:
    """What the widget receives when a staff member types (texts: lexicon/channel_replies.yml)."""
    name = _staff_name(data)
    text = channel_reply("staff_typing", staff_name=name) if name else None
    return {"staff_name": name, "text": text or channel_reply("staff_typing_anonymous")}


def handoff_status_payload(data: Dict[Text, Any]) -> Dict[Text, Any]:
    """Where the person is in the queue (`waiting`), or that someone took it (`claimed`)."""
    state = data.get("state")
    if state == "waiting":
        position, minutes = _count(data, "position"), _count(data, "minutes")
        text = channel_reply("queue_update", position=position, minutes=minutes)
        return {"state": state, "position": position, "minutes": minutes, "text": text}
    if state == "claimed":
        name = _staff_name(data)
        text = channel_reply("staff_joined", staff_name=name) if name else None
        return {
            "state": state,
            "staff_name": name,
            "text": text or channel_reply("staff_joined_anonymous"),
        }
    raise StaffEventRefused("state must be waiting or claimed")


STAFF_EVENTS = {
    STAFF_TYPING_EVENT: staff_typing_payload,
    HANDOFF_STATUS_EVENT: handoff_status_payload,
}


def conversation_history(events: List[Any], limit: int = HISTORY_LIMIT) -> List[Dict]:
    """The messages of a tracker the person saw, oldest first, in the widget's shape (the same
    choice the staff inbox's transcript makes: messages/contract.py)."""
    said = (event.as_dict() for event in events if isinstance(event, (UserUttered, BotUttered)))
    return visible_messages(said)[-limit:]


class WebChatOutput(SocketIOOutput):
    """Sends each bot message as a single `bot_uttered` event."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        payload = bot_message(message)
        if payload:
            await self._send_message(recipient_id, payload)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"text": text})

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class WebChatInput(SocketIOInput):
    """Rasa's socket.io input channel with single-event messages and conversation history."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    redis_url: Optional[Text] = None
    allowed_origins: List[Text] = []
    settings: ChannelSettings
    rates: MessageRates
    session_secret: Text = ""
    api_token: Text = ""  # Rasa's HTTP API token: the staff inbox's routes need it

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        credentials = credentials or {}
        channel = cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", True),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
        )
        env = read_settings(WebChatSettings)
        channel.redis_url = credentials.get("redis_url") or env.redis_url
        origins = credentials.get("allowed_origins") or env.allowed_origins
        if isinstance(origins, str):
            origins = [o.strip() for o in origins.split(",") if o.strip()]
        channel.allowed_origins = list(origins or [])
        channel.settings = channel_settings()
        channel.rates = MessageRates.from_settings(channel.settings)
        channel.session_secret = channel._session_secret()
        channel.api_token = credentials.get("api_token") or env.api_token.get_secret_value()
        if channel.settings.production and not channel.allowed_origins:
            raise ValueError(
                "web chat: WEBCHAT_ALLOWED_ORIGINS is empty in production mode; list the sites "
                "that embed the chat (https://clinic.example,https://charity.example)"
            )
        return channel

    def _session_secret(self) -> Text:
        secret = self.settings.webchat_session_secret
        problem = secret_problem(SESSION_SECRET_VARIABLE, secret, MIN_SECRET_CHARS)
        if not problem:
            return secret
        if self.settings.production:
            raise ValueError(f"web chat: {problem} (it signs conversation ids)")
        # development: conversations can be rejoined until this process restarts
        return secrets.token_urlsafe(MIN_SECRET_CHARS)

    def get_output_channel(self) -> Optional[WebChatOutput]:
        if self.sio is None:
            return None
        return WebChatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa's blueprint sets up connect / session_request / user_uttered; we wrap the
        # message handler so replies go through WebChatOutput and other tabs see the message,
        # and replace session_request (history, awaited rooms).
        webchat = self

        async def handle_with_webchat_output(message: UserMessage) -> None:
            message.output_channel = WebChatOutput(webchat.sio, webchat.bot_message_evt)
            await on_new_message(message)

        blueprint: SocketBlueprint = super().blueprint(handle_with_webchat_output)
        sio = self.sio
        # engine.io checks each connect's origin and answers CORS for its own routes (Rasa's
        # server-wide --cors is off unless ASSISTANT_CORS_ORIGINS names sites). An empty list
        # means any site, which from_credentials allows only in development.
        sio.eio.cors_allowed_origins = self.allowed_origins or "*"
        if self.redis_url:
            # before the first connection, so the server initialises the shared manager
            sio.manager = socketio.AsyncRedisManager(self.redis_url)
            sio.manager.set_server(sio)

        @blueprint.listener("before_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            webchat.app = app  # the history comes from the app's agent's tracker store

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            # Replaces Rasa's handler: it joins whatever session id the client names, and with
            # the pinned python-socketio its `enter_room` is a coroutine it never awaits.
            session_id = webchat.joinable_session(data)
            await sio.save_session(sid, {"session_id": session_id}, namespace=webchat.namespace)
            if webchat.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=webchat.namespace)
                if inspect.isawaitable(entered):
                    await entered
            confirmed = {
                "session_id": session_id,
                "session_token": session_token(session_id, webchat.session_secret),
            }
            await sio.emit("session_confirm", confirmed, room=sid, namespace=webchat.namespace)
            await webchat.send_history(sid, session_id)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            await webchat.receive(sid, data, handle_with_webchat_output)

        # streaming routes: the token is checked, and the body capped, before it is read
        # (Rasa's server accepts 100 MB bodies for its model upload)
        @blueprint.route(f"/{STAFF_TYPING_EVENT}", methods=["POST"], stream=True)
        async def staff_typing(request: Request) -> HTTPResponse:
            return await webchat.staff_event_route(request, STAFF_TYPING_EVENT)

        @blueprint.route(f"/{HANDOFF_STATUS_EVENT}", methods=["POST"], stream=True)
        async def handoff_status(request: Request) -> HTTPResponse:
            return await webchat.staff_event_route(request, HANDOFF_STATUS_EVENT)

        return blueprint

    async def staff_event_route(self, request: Request, event: Text) -> HTTPResponse:
        token = request.args.get("token")
        refused = self.token_refusal(token)
        if refused:
            return response.json(refused[1], status=refused[0])
        body = await read_capped_body(request, STAFF_EVENT_MAX_BYTES)
        status, answer = await self.relay_staff_event(event, token, body)
        return response.json(answer, status=status)

    def token_refusal(self, token: Optional[Text]) -> Optional[Tuple[int, Dict[Text, Any]]]:
        """(status, answer) when the token is missing or wrong; None when it is the API's."""
        if not token:
            return 401, {"error": "the token is missing"}
        if not self.api_token or not secrets.compare_digest(
            token.encode(), self.api_token.encode()
        ):
            return 403, {"error": "the token is wrong"}
        return None

    async def relay_staff_event(
        self, event: Text, token: Optional[Text], body: bytes
    ) -> Tuple[int, Dict[Text, Any]]:
        """A staff event from the inbox, checked, to the conversation's sockets: (status, answer).
        Without the API token nobody may put words in a person's chat."""
        refused = self.token_refusal(token)
        if refused:
            return refused
        if len(body) > STAFF_EVENT_MAX_BYTES:
            return 413, {"error": "too large"}
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise StaffEventRefused("a JSON object is expected")
            room = data.get("conversation_id")
            if not isinstance(room, str) or not 0 < len(room) <= MAX_CONVERSATION_ID_CHARS:
                raise StaffEventRefused("conversation_id is missing")
            payload = STAFF_EVENTS[event](data)
        except StaffEventRefused as problem:
            return 400, {"error": str(problem)}
        except ValueError:  # not JSON
            return 400, {"error": "bad JSON"}
        await self.sio.emit(event, payload, room=room, namespace=self.namespace)
        return 200, {"sent": True}

    def joinable_session(self, data: Any) -> Text:
        """The conversation a socket may join: the one it names with a valid token, or a new one."""
        data = data if isinstance(data, dict) else {}
        session_id = data.get("session_id")
        if token_matches(session_id, data.get("session_token"), self.session_secret):
            return session_id
        return new_session_id()

    async def receive(
        self, sid: Text, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        """A person's message: to the conversation this socket joined, within the limits."""
        session = await self.sio.get_session(sid, namespace=self.namespace)
        session_id = (session or {}).get("session_id")
        if not session_id:
            # sent before session_request: there is no conversation to put it in
            await self._tell(sid, channel_reply("lost_session"))
            return
        data = data if isinstance(data, dict) else {}
        environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        request = environ.get("sanic.request")
        address = (request.remote_addr or request.ip) if request is not None else None
        wait = self.rates.refusal(session_id, address)
        if wait is not None:
            await self._tell(sid, channel_reply("slow_down", seconds=wait))
            return
        metadata = data.get(self.metadata_key) or {}
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = {}
        admitted = admit(data.get("message"), self.settings.max_message_chars, metadata)
        admitted.metadata[ADDRESS_KEY] = address_key(address, self.session_secret)
        shown = admitted.metadata.get("display") or admitted.text
        await self.echo_to_other_tabs(sid, session_id, shown)
        await on_new_message(
            UserMessage(
                admitted.text,
                None,  # replaced by the WebChatOutput of the blueprint's handler
                session_id if self.session_persistence else sid,
                input_channel=self.name(),
                metadata=admitted.metadata,
            )
        )

    async def _tell(self, sid: Text, text: Text) -> None:
        await self.sio.emit(
            self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace
        )

    async def echo_to_other_tabs(self, sid: Text, session_id: Text, shown: Text) -> None:
        if not self.session_persistence:
            return
        if session_id and shown:
            await self.sio.emit(
                ECHO_EVENT,
                {"text": shown},
                room=session_id,
                skip_sid=sid,
                namespace=self.namespace,
            )

    async def send_history(self, sid: Text, session_id: Text) -> None:
        app = getattr(self, "app", None)
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        tracker = None
        if agent is not None and agent.tracker_store is not None:
            try:
                tracker = await agent.tracker_store.retrieve(session_id)
            except Exception:  # a storage hiccup must not break the live chat
                logger.exception("Could not read the history of a web chat session")
        messages = conversation_history(list(tracker.events)) if tracker else []
        await self.sio.emit(
            HISTORY_EVENT, {"messages": messages}, room=sid, namespace=self.namespace
        )
