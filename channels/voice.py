"""The phone channel: Twilio Programmable Voice <-> the assistant, shaped like Rasa's
`twilio_voice` connector, without its traps.

Twilio turns the caller's speech into text and posts it (form-encoded) to
`/webhooks/voice/webhook`; the reply is TwiML that Twilio speaks. Compared with Rasa 3.6's
built-in connector, this one:

- verifies every request's `X-Twilio-Signature` (`TWILIO_AUTH_TOKEN`) against the URL Twilio
  signed (`VOICE_PUBLIC_URL` behind a proxy) and the body *with* its blank fields (Sanic's
  `request.form` drops them, which breaks the signature); forgeries get 403 and never reach
  the assistant;
- names its output channel `voice`, so the domain's `channel: voice` variants are spoken, and
  turns custom payloads, buttons and long answers into speech (channels/voice_twiml.py) instead
  of crashing or going silent;
- derives the conversation id from an HMAC of the CallSid (`VOICE_SENDER_SECRET`), never from
  the caller's phone number, and never logs From/To/Caller;
- accepts credentials as strings, booleans or numbers, validated once at start-up;
- after "Was that helpful? Say yes or no." (at most every third answer, voice_twiml.py), sends
  a plain yes or no as the web chat's thumbs up or down on that answer's evidence.

Registered in credentials.yml as `channels.voice.VoiceInput`; configuration in docs/voice.md.
"""

import hashlib
import hmac
import json
import logging
import re
import secrets
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple
from urllib.parse import parse_qs

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.button_payloads import FEEDBACK
from channels.conversation_ids import ADDRESS_KEY, address_key
from channels.rate_limits import MessageRates
from channels.request_body import read_capped_body
from channels.settings import (
    ENV_AUTH_TOKEN,
    ENV_DEV_INSECURE,
    ENV_PUBLIC_URL,
    ENV_SANIC_WORKERS,
    ENV_SENDER_SECRET,
    ENV_TRANSFER_NUMBER,
    VoiceSettings,
    channel_settings,
    read_settings,
)
from channels.user_input import DISPLAY_KEY, FEEDBACK_KEY, admit
from channels.voice_lexicon import (
    LEXICON_PATH,
    VoiceLexicon,
    helpful_rating,
    is_more,
    is_repeat,
    load_lexicon,
    match_choice,
    normalise_speech,
)
from channels.voice_state import (
    DEFAULT_TTL_SECONDS,
    CallState,
    CallStateStore,
    InMemoryCallStateStore,
    RedisCallStateStore,
)
from channels.voice_twiml import (
    SpeechSettings,
    VoiceReply,
    render_bot_turn,
    render_hangup,
    render_more,
    render_problem,
    render_repeat,
    render_silence,
)
from secrets_check import secret_problem

logger = logging.getLogger(__name__)

CHANNEL_NAME = "voice"
SIGNATURE_HEADER = "X-Twilio-Signature"
# Secrets and deployment facts never go in credentials.yml: VoiceSettings reads them from the
# environment (channels/settings.py, which names the variables).

FEEDBACK_INTENT, FEEDBACK_ENTITY, _ = FEEDBACK
ENDED_CALL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
DEFAULT_VOICES = {
    "en-GB": "Polly.Amy-Neural",
    "en-US": "Polly.Joanna-Neural",
    "en-AU": "Polly.Olivia-Neural",
    "en-IE": "Polly.Niamh-Neural",
    "en-IN": "Polly.Kajal-Neural",
}
GENERIC_SPEECH_MODELS = {
    "default",
    "numbers_and_commands",
    "phone_call",
    "experimental_conversations",
    "experimental_utterances",
}
PROVIDER_SPEECH_MODEL = re.compile(r"^(googlev2|deepgram)[_-][\w.-]+$")
VOICE_NAME = re.compile(r"^(man|woman|alice|(Polly|Google)\.[A-Za-z0-9-]+)$")
LANGUAGE = re.compile(r"^en-[A-Z]{2}$")  # the assistant answers in English only
E164 = re.compile(r"^\+[1-9]\d{6,14}$")

INSECURE_WARNING = (
    "VOICE_DEV_INSECURE is on: Twilio request signatures are NOT verified on the voice "
    "channel. Anyone can post calls to it. Never use this outside local development."
)

_PHONE_NUMBER = re.compile(r"(?<![\w+-])\+?\d[\d\s().-]{5,}\d(?!\w)")


class RedactPhoneNumbers(logging.Filter):
    """Replaces anything shaped like a phone number in this channel's log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _PHONE_NUMBER.sub("[number]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


logger.addFilter(RedactPhoneNumbers())


# --- small helpers (pure) --------------------------------------------------------------------
def conversation_id(call_sid: str, secret: bytes) -> str:
    """The conversation (Rasa sender) id of a call: an HMAC of its CallSid, never the number."""
    digest = hmac.new(secret, call_sid.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"voice-{digest[:32]}"


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidConfigException(f"voice channel: `{name}` must be true or false, not {value!r}")


def _as_int(value: Any, name: str, minimum: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = minimum - 1
    if isinstance(value, bool) or number < minimum:
        raise InvalidConfigException(
            f"voice channel: `{name}` must be a whole number of at least {minimum}, not {value!r}"
        )
    return number


class _FormParams(dict):
    """Form fields as lists of values, with the `getlist` RequestValidator looks for."""

    def getlist(self, name: str) -> List[str]:
        return self[name]


def parse_form(body: bytes) -> Dict[str, List[str]]:
    """Twilio's form body with blank fields kept (they are part of the signature)."""
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


# --- the output channel ----------------------------------------------------------------------
class VoiceOutput(CollectingOutputChannel):
    """Collects each bot message whole (text, buttons, custom payload, response name)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME  # selects the domain's `channel: voice` response variations

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        kept = {
            key: message[key]
            for key in ("text", "buttons", "quick_replies", "custom", "utter_action")
            if message.get(key)
        }
        if kept:
            self.messages.append({"recipient_id": recipient_id, **kept})


# --- the input channel -----------------------------------------------------------------------
class VoiceInput(InputChannel):
    """Twilio Programmable Voice webhook: `/webhooks/voice/webhook` (health: `/webhooks/voice/`)."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "VoiceInput":
        credentials = credentials or {}
        try:
            env = read_settings(VoiceSettings)
        except ValueError as problem:
            raise InvalidConfigException(f"voice channel: {problem}") from problem
        ttl = credentials.get("state_ttl_seconds", DEFAULT_TTL_SECONDS)
        store: Optional[CallStateStore] = None
        if env.redis_url:
            store = RedisCallStateStore.from_url(
                env.redis_url, _as_int(ttl, "state_ttl_seconds", 60)
            )
        return cls(
            language=credentials.get("language", "en-US"),
            voice=credentials.get("voice"),
            speech_model=credentials.get("speech_model", "phone_call"),
            enhanced=credentials.get("enhanced", True),
            speech_timeout=credentials.get("speech_timeout", "3"),
            timeout=credentials.get("timeout", 6),
            max_silences=credentials.get("max_silences", 2),
            max_say_chars=credentials.get("max_say_chars", 450),
            dial_on_urgent=credentials.get("dial_on_urgent", True),
            initial_prompt=credentials.get("initial_prompt", "/greet"),
            state_ttl_seconds=ttl,
            lexicon_path=credentials.get("lexicon"),
            auth_token=env.auth_token.get_secret_value() if env.auth_token else None,
            sender_secret=env.sender_secret.get_secret_value() if env.sender_secret else None,
            public_url=env.public_url,
            transfer_number=env.transfer_number,
            insecure_dev=env.dev_insecure,
            state_store=store,
            sanic_workers=env.sanic_workers,
        )

    def __init__(
        self,
        language: Any = "en-US",
        voice: Optional[Any] = None,
        speech_model: Any = "phone_call",
        enhanced: Any = True,
        speech_timeout: Any = "3",
        timeout: Any = 6,
        max_silences: Any = 2,
        max_say_chars: Any = 450,
        dial_on_urgent: Any = True,
        initial_prompt: Any = "/greet",
        state_ttl_seconds: Any = DEFAULT_TTL_SECONDS,
        lexicon_path: Optional[Any] = None,
        auth_token: Optional[str] = None,
        sender_secret: Optional[str] = None,
        public_url: Optional[str] = None,
        transfer_number: Optional[str] = None,
        insecure_dev: bool = False,
        state_store: Optional[CallStateStore] = None,
        lexicon: Optional[VoiceLexicon] = None,
        sanic_workers: int = 1,
    ) -> None:
        """Validates the whole configuration; refuses to start on anything unsafe or invalid."""
        language = str(language).strip()
        if not LANGUAGE.match(language):
            raise InvalidConfigException(
                f"voice channel: `language` must be an English BCP-47 tag such as en-GB or "
                f"en-US, not {language!r}"
            )
        voice = str(voice).strip() if voice else DEFAULT_VOICES.get(language)
        if not voice or not VOICE_NAME.match(voice):
            raise InvalidConfigException(
                f"voice channel: set `voice` to a Twilio voice such as Polly.Amy-Neural "
                f"(got {voice!r} for language {language})"
            )
        speech_model = str(speech_model).strip()
        if speech_model not in GENERIC_SPEECH_MODELS and not PROVIDER_SPEECH_MODEL.match(
            speech_model
        ):
            raise InvalidConfigException(
                f"voice channel: unknown `speech_model` {speech_model!r}; use one of "
                f"{', '.join(sorted(GENERIC_SPEECH_MODELS))} or a provider model"
            )
        enhanced = _as_bool(enhanced, "enhanced")
        if enhanced and speech_model != "phone_call":
            raise InvalidConfigException(
                'voice channel: `enhanced: "true"` only works with `speech_model: phone_call`'
            )
        speech_timeout = str(speech_timeout).strip().lower()
        if speech_timeout == "auto":
            if speech_model != "numbers_and_commands":
                raise InvalidConfigException(
                    "voice channel: `speech_timeout: auto` needs `speech_model: "
                    "numbers_and_commands`; give a number of seconds instead"
                )
        else:
            speech_timeout = str(_as_int(speech_timeout, "speech_timeout", 1))

        transfer_number = (transfer_number or "").replace(" ", "") or None
        if transfer_number and not E164.match(transfer_number):
            raise InvalidConfigException(
                f"{ENV_TRANSFER_NUMBER} must be a phone number in E.164 form, such as "
                f"+441234567890"
            )
        self.public_url = (public_url or "").strip().rstrip("/") or None
        if self.public_url and not re.match(r"^https?://[^/\s]+", self.public_url):
            raise InvalidConfigException(
                f"{ENV_PUBLIC_URL} must be the public base URL Twilio calls, such as "
                f"https://assistant.example.org"
            )

        self.insecure_dev = bool(insecure_dev)
        self.limits = channel_settings()
        self.rates = MessageRates.from_settings(self.limits)
        self.validator: Optional[RequestValidator] = None
        if auth_token and auth_token.strip() and not self.insecure_dev:
            unusable = secret_problem(ENV_AUTH_TOKEN, auth_token)
            if unusable:
                raise InvalidConfigException(f"voice channel: {unusable}")
            self.validator = RequestValidator(auth_token.strip())
        elif not self.insecure_dev:
            raise InvalidConfigException(
                f"voice channel: {ENV_AUTH_TOKEN} is not set, so Twilio's request signatures "
                f"cannot be verified. Set it to the account's auth token (or, for local "
                f"development only, {ENV_DEV_INSECURE}=true)."
            )
        unusable = secret_problem(ENV_SENDER_SECRET, sender_secret)
        if not unusable:
            self.sender_secret = str(sender_secret).strip().encode("utf-8")
        elif not self.insecure_dev:
            raise InvalidConfigException(
                f"voice channel: {unusable} (conversation ids are derived from it)"
            )
        else:
            self.sender_secret = secrets.token_bytes(32)
        if self.insecure_dev:
            logger.warning(INSECURE_WARNING)

        self.settings = SpeechSettings(
            action_url=f"{self.public_url or ''}/webhooks/{CHANNEL_NAME}/webhook",
            language=language,
            voice=voice,
            speech_model=speech_model,
            enhanced=enhanced,
            speech_timeout=speech_timeout,
            timeout=_as_int(timeout, "timeout", 1),
            max_say_chars=_as_int(max_say_chars, "max_say_chars", 100),
            max_silences=_as_int(max_silences, "max_silences", 1),
            transfer_number=transfer_number,
            dial_on_urgent=_as_bool(dial_on_urgent, "dial_on_urgent"),
        )
        self.initial_prompt = str(initial_prompt or "/greet")
        ttl = _as_int(state_ttl_seconds, "state_ttl_seconds", 60)
        self.state_store = state_store or InMemoryCallStateStore(ttl_seconds=ttl)
        if isinstance(self.state_store, InMemoryCallStateStore):
            if sanic_workers > 1:
                logger.warning(
                    "The voice channel keeps call state in memory but %s=%s: set "
                    "REDIS_URL so every worker sees every call's state.",
                    ENV_SANIC_WORKERS,
                    sanic_workers,
                )
        try:
            self.lexicon = lexicon or load_lexicon(lexicon_path or LEXICON_PATH)
        except (OSError, ValueError) as problem:
            raise InvalidConfigException(
                f"voice channel: cannot load the lexicon: {problem}"
            ) from problem

    # --- HTTP ---------------------------------------------------------------------------------
    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public one behind a proxy, else the one Sanic saw."""
        if not self.public_url:
            return request.url
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{self.public_url}{request.path}{query}"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        voice_webhook = Blueprint("voice_webhook", __name__)

        @voice_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @voice_webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            signature = request.headers.get(SIGNATURE_HEADER)
            if not signature and not self.insecure_dev:
                # refused before the body is read: the signature covers it, so without one
                # there is nothing to verify
                return response.text("Forbidden: invalid or missing Twilio signature", status=403)
            body = await read_capped_body(request, self.limits.max_request_bytes)
            status, body = await self.handle(
                self.signed_url(request), parse_form(body), signature, on_new_message
            )
            content_type = "text/xml" if status == 200 else "text/plain"
            return response.text(body, status=status, content_type=content_type)

        return voice_webhook

    def verified(self, url: str, form: Mapping[str, List[str]], signature: Optional[str]) -> bool:
        if self.insecure_dev:
            logger.warning(INSECURE_WARNING)
            return True
        if not signature or self.validator is None:
            return False
        return self.validator.validate(url, _FormParams(form), signature)

    async def handle(
        self,
        url: str,
        form: Mapping[str, List[str]],
        signature: Optional[str],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> Tuple[int, str]:
        """One webhook: (HTTP status, body). Framework-free, so tests can call it directly."""
        if not self.verified(url, form, signature):
            logger.warning(
                "Rejected a voice webhook: %s Twilio signature",
                "invalid" if signature else "missing",
            )
            return 403, "Forbidden: invalid or missing Twilio signature"
        fields = {name: (values[0] if values else "") for name, values in form.items()}
        call_sid = fields.get("CallSid", "").strip()
        if not call_sid:
            return 400, "Bad request: CallSid is missing"
        call_id = conversation_id(call_sid, self.sender_secret)

        try:
            if fields.get("CallStatus", "").lower() in ENDED_CALL_STATUSES:
                await self.state_store.delete(call_id)
                return 200, render_hangup()
            state = await self.state_store.load(call_id)
        except Exception:  # the state store is down: apologise and keep listening
            logger.exception("Could not read the state of voice call %s", call_id)
            return 200, render_problem(CallState(), self.settings, self.lexicon).twiml

        try:
            reply = await self._reply(call_id, state, fields, on_new_message)
        except Exception:  # the caller hears an apology, never a dead line
            logger.exception("The voice turn of %s failed", call_id)
            reply = render_problem(state or CallState(), self.settings, self.lexicon)
        try:
            if reply.hangup:
                await self.state_store.delete(call_id)
            else:
                await self.state_store.save(call_id, reply.state)
        except Exception:  # this turn is still spoken; the next may lose "more" or choices
            logger.exception("Could not store the state of voice call %s", call_id)
        return 200, reply.twiml

    async def _reply(
        self,
        call_id: str,
        state: Optional[CallState],
        fields: Mapping[str, str],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> VoiceReply:
        speech = (fields.get("SpeechResult") or "").strip()
        heard = normalise_speech(speech, self.lexicon) if speech else ""
        # a new call (or Twilio retrying its first request) starts with the greeting
        if not heard and (state is None or fields.get("CallStatus", "").lower() == "ringing"):
            logger.debug("Voice call %s started", call_id)
            messages = await self._ask(call_id, self.initial_prompt, {}, on_new_message)
            return render_bot_turn(messages, CallState(), self.settings, self.lexicon)
        state = state or CallState()
        if not heard:
            logger.debug("Voice call %s: nothing heard (%d before)", call_id, state.silences)
            return render_silence(state, self.settings, self.lexicon)
        if state.pending and is_more(heard, self.lexicon):
            return render_more(state, self.settings, self.lexicon)
        if is_repeat(heard, self.lexicon):
            return render_repeat(state, self.settings, self.lexicon)

        if self.rates.refusal(call_id, None) is not None:
            return render_problem(state, self.settings, self.lexicon)
        metadata: Dict[str, Any] = {DISPLAY_KEY: speech}
        # the caller's number, pseudonymised: handoff and callback caps count per caller
        metadata[ADDRESS_KEY] = address_key(fields.get("From"), self.sender_secret.hex())
        confidence = fields.get("Confidence")
        if confidence:
            try:
                metadata["speech_confidence"] = float(confidence)
            except ValueError:
                pass
        rating = helpful_rating(heard, self.lexicon) if state.feedback_on else None
        choice = match_choice(heard, state.choices, self.lexicon)
        if rating is not None:
            # the payload is the server's own, as the widget's thumbs send it
            rated = json.dumps({FEEDBACK_ENTITY: rating}, separators=(",", ":"))
            text = f"/{FEEDBACK_INTENT}{rated}"
            metadata[FEEDBACK_KEY] = list(state.feedback_on)
        elif choice is not None:
            logger.debug("Voice call %s chose %s", call_id, choice.payload)
            text = choice.payload  # the server's own
        else:
            # what was heard goes through the same admission as typed text (length, no
            # internal intents)
            text = admit(heard, self.limits.max_message_chars).text
        messages = await self._ask(call_id, text, metadata, on_new_message)
        return render_bot_turn(messages, state, self.settings, self.lexicon)

    async def _ask(
        self,
        call_id: str,
        text: str,
        metadata: Dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> List[Dict[str, Any]]:
        collector = VoiceOutput()
        await on_new_message(
            UserMessage(text, collector, call_id, input_channel=CHANNEL_NAME, metadata=metadata)
        )
        return collector.messages
