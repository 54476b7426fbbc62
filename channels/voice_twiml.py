"""The bot's messages of one turn, as TwiML a caller hears: pure functions, no server needed.

Every reply ends in one of two ways: a `<Gather input="speech">` that listens for the next turn
(followed by a `<Redirect>` to the same webhook, so a call never falls off the end of a
document), or a `<Hangup/>` after a spoken goodbye. Nothing returns an empty `<Response/>`.

Order of speech in a turn:
1. urgent help (custom type `urgent_help`), before and outside the `<Gather>` so it cannot be
   talked over; then a `<Dial>` to the transfer number when one is configured. A message of
   custom type `transfer` (the assistant puts the caller through to staff) dials it too;
2. the answer, one part of about `max_say_chars` at a time ("say more to hear the rest");
3. the choices (buttons) as "You can say: a, b, or c." once the whole answer has been heard;
4. the specialist deferral (custom type `specialist_deferral`);
5. at most every ASK_FEEDBACK_EVERY evidence answers of a call, "Was that helpful? Say yes or
   no." after the whole answer, last, so that a yes or no answers it (channels/voice.py).
"""

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from twilio.twiml.voice_response import Gather, VoiceResponse

from channels.voice_lexicon import (
    Choice,
    VoiceLexicon,
    join_choices,
    speakable,
    split_for_speech,
    spoken_choice_name,
)
from channels.voice_state import CallState, PendingAnswer
from messages.contract import (
    END_CALL,
    EVIDENCE_ANSWER,
    SPECIALIST_DEFERRAL,
    TRANSFER,
    URGENT_HELP,
    custom_type,
)

# In a message of several questions each answer starts with this response ("You asked: …"):
# the caller hears one question's answer at a time, with "say more" between them.
QUESTION_PART_RESPONSE = "utter_question_part"
MAX_HINTS = 500  # Twilio's limit for <Gather hints>
# "Was that helpful?" comes after at most every third evidence answer of a call (issue 13): a
# rating now and then, without turning each answer into a survey.
ASK_FEEDBACK_EVERY = 3
# a turn that asks its own yes-or-no question (an offer of a person) is not asked about: the
# caller's "yes" must answer one question only
YES_NO_PAYLOADS = frozenset({"/affirm", "/deny"})


@dataclass(frozen=True)
class SpeechSettings:
    """How the connector speaks and listens (from credentials.yml and the environment)."""

    action_url: str = "/webhooks/voice/webhook"
    language: str = "en-US"
    voice: str = "Polly.Joanna-Neural"
    speech_model: str = "phone_call"
    enhanced: bool = True
    speech_timeout: str = "3"
    timeout: int = 6
    max_say_chars: int = 450
    max_silences: int = 2
    transfer_number: Optional[str] = None
    dial_on_urgent: bool = True  # put the caller through as soon as urgent help is given
    dial_timeout: int = 30


@dataclass
class Turn:
    """A turn's bot messages sorted into what is spoken when."""

    urgent: List[str] = field(default_factory=list)
    body: List[str] = field(default_factory=list)
    choice_lines: List[str] = field(default_factory=list)
    choices: List[Choice] = field(default_factory=list)
    closing: List[str] = field(default_factory=list)
    transfer: List[str] = field(default_factory=list)  # said just before dialling staff
    end_call: bool = False
    # indexes into `body` where the answer to another question starts
    part_starts: List[int] = field(default_factory=list)
    evidence_ids: List[str] = field(default_factory=list)  # of the evidence answers in the turn

    def body_segments(self) -> List[str]:
        """The body as one text per question answered (one text when there is one)."""
        bounds = [0] + [i for i in self.part_starts if 0 < i < len(self.body)] + [len(self.body)]
        return [" ".join(self.body[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]

    @property
    def silent(self) -> bool:
        return not (self.urgent or self.body or self.choice_lines or self.closing or self.transfer)


@dataclass(frozen=True)
class VoiceReply:
    twiml: str
    state: CallState
    hangup: bool = False


# --- sorting the bot's messages --------------------------------------------------------------
def _choice_lines(intro: str, choices: Sequence[Choice], lexicon: VoiceLexicon) -> List[str]:
    """ "You can also ask about: a, b, or c." or "Did you mean one of these?" + "You can say: …"."""
    listed = join_choices([c.name for c in choices], lexicon)
    if intro.endswith(":"):
        return [lexicon.phrase("listed_choices", intro=intro, choices=listed)]
    return ([intro] if intro else []) + [lexicon.phrase("you_can_say", choices=listed)]


def plan_turn(messages: Iterable[Mapping[str, Any]], lexicon: VoiceLexicon) -> Turn:
    """Sorts the bot's messages: urgent help, answer, choices, deferral."""
    turn = Turn()
    for message in messages:
        kind = custom_type(message)
        text = speakable(message.get("text"), lexicon)
        buttons = message.get("buttons") or message.get("quick_replies") or []
        if kind == END_CALL or message.get("utter_action") in lexicon.end_call_after:
            turn.end_call = True
        if message.get("utter_action") == QUESTION_PART_RESPONSE:
            turn.part_starts.append(len(turn.body))
        if kind == EVIDENCE_ANSWER:
            ids = message["custom"].get("evidence_ids") or []
            turn.evidence_ids.extend(i for i in ids if isinstance(i, str))
        if kind == URGENT_HELP:
            if text:
                turn.urgent.append(text)
        elif kind == SPECIALIST_DEFERRAL:
            if text:
                turn.closing.append(text)
        elif kind == TRANSFER:
            turn.transfer.append(text or lexicon.phrase("transfer"))
        elif buttons:
            offered = [
                Choice(
                    name=spoken_choice_name(
                        str(b.get("payload") or ""), str(b.get("title")), lexicon
                    ),
                    title=str(b.get("title") or ""),
                    payload=str(b.get("payload") or ""),
                )
                for b in buttons
                if b.get("title") and b.get("payload")
            ]
            offered = [c for c in offered if c.payload not in {o.payload for o in turn.choices}]
            if offered:
                turn.choices.extend(offered)
                turn.choice_lines.extend(_choice_lines(text, offered, lexicon))
            elif text:
                turn.body.append(text)
        elif text:
            turn.body.append(text)
    return turn


# --- the TwiML document ----------------------------------------------------------------------
def _hints(lexicon: VoiceLexicon, choices: Sequence[Choice]) -> str:
    hints = dict.fromkeys([c.name.replace(",", " ")[:100] for c in choices] + list(lexicon.hints))
    return ", ".join(list(hints)[:MAX_HINTS])


def _say(verb: Any, text: str, settings: SpeechSettings) -> None:
    verb.say(text, voice=settings.voice, language=settings.language)


def _document(
    settings: SpeechSettings,
    lexicon: VoiceLexicon,
    listen_with: Sequence[str],
    before: Sequence[str] = (),
    dial_after: Sequence[str] = (),
    hangup: bool = False,
    choices: Sequence[Choice] = (),
) -> str:
    """`before` is spoken first and cannot be interrupted; with `dial_after`, those sentences
    are spoken and the transfer number dialled; then the Gather (or the goodbye and Hangup)."""
    response = VoiceResponse()
    for text in before:
        _say(response, text, settings)
    if dial_after and settings.transfer_number:
        for text in dial_after:
            _say(response, text, settings)
        response.dial(settings.transfer_number, timeout=settings.dial_timeout)
    if hangup:
        for text in listen_with:
            _say(response, text, settings)
        response.hangup()
        return str(response)
    gather = Gather(
        input="speech",
        action=settings.action_url,
        method="POST",
        action_on_empty_result=True,
        language=settings.language,
        hints=_hints(lexicon, choices),
        speech_model=settings.speech_model,
        enhanced=settings.enhanced,
        speech_timeout=settings.speech_timeout,
        timeout=settings.timeout,
    )
    for text in listen_with:
        _say(gather, text, settings)
    response.append(gather)
    # Only reached if Twilio ever skips the Gather's action: the call goes on, never silently
    # ends; the webhook treats it as a silence.
    response.redirect(settings.action_url, method="POST")
    return str(response)


def _answer_part(
    parts: List[str],
    choice_lines: List[str],
    choices: List[Choice],
    closing: List[str],
    lexicon: VoiceLexicon,
    feedback_on: Sequence[str] = (),
) -> Tuple[List[str], List[Choice], Optional[PendingAnswer], List[str]]:
    """The next part of an answer; the choices, and "was that helpful?" when `feedback_on`
    names the answer's evidence, only once the answer has been heard in full. The last item
    is what the caller has just been asked about."""
    if len(parts) > 1:
        pending = PendingAnswer(parts[1:], choice_lines, choices, closing, list(feedback_on))
        return parts[:1] + [lexicon.phrase("say_more")] + closing, [], pending, []
    question = [lexicon.phrase("was_that_helpful")] if feedback_on else []
    return parts + choice_lines + closing + question, choices, None, list(feedback_on)


def _ask_about(turn: Turn, state: CallState, dialling: bool) -> Tuple[List[str], int]:
    """The evidence ids to ask "was that helpful?" about in this turn (none most turns), and
    the count of answers since it was last asked."""
    answers = state.answers_since_question + (1 if turn.evidence_ids else 0)
    quiet = bool(turn.urgent or turn.transfer) or dialling
    yes_no = any(choice.payload in YES_NO_PAYLOADS for choice in turn.choices)
    if turn.evidence_ids and answers >= ASK_FEEDBACK_EVERY and not quiet and not yes_no:
        return list(dict.fromkeys(turn.evidence_ids)), 0
    return [], answers


# --- the replies -----------------------------------------------------------------------------
def render_bot_turn(
    messages: Iterable[Mapping[str, Any]],
    state: CallState,
    settings: SpeechSettings,
    lexicon: VoiceLexicon,
) -> VoiceReply:
    """THE renderer: the bot's messages of a turn -> TwiML and the call's next state."""
    turn = plan_turn(messages, lexicon)
    urgent = bool(turn.urgent)
    parts = [
        part
        for segment in turn.body_segments()
        for part in split_for_speech(segment, settings.max_say_chars)
    ]

    if turn.end_call and not urgent:  # never hang up on someone who was just given urgent help
        said = parts + turn.closing
        return VoiceReply(
            _document(settings, lexicon, said, hangup=True), CallState(urgent=urgent), True
        )

    if turn.silent:
        said = [lexicon.phrase("no_reply"), lexicon.phrase("reprompt")]
        new_state = CallState(
            last_said=said,
            urgent=state.urgent,
            answers_since_question=state.answers_since_question,
        )
        return VoiceReply(_document(settings, lexicon, said), new_state)

    # Urgent help or a handoff puts the caller through when there is a number to dial.
    can_dial = bool(settings.transfer_number)
    dial_after: List[str] = []
    if can_dial and turn.transfer:
        dial_after = turn.transfer
    elif can_dial and urgent and settings.dial_on_urgent:
        dial_after = [lexicon.phrase("transfer")]
    elif turn.transfer:
        parts = [lexicon.phrase("transfer_unavailable")] + parts

    ask_about, answers = _ask_about(turn, state, bool(dial_after))
    listen_with, offered, pending, asked = _answer_part(
        parts, turn.choice_lines, turn.choices, turn.closing, lexicon, ask_about
    )
    if not listen_with:
        if dial_after:
            listen_with = [lexicon.phrase("after_transfer")]
        elif urgent:
            listen_with = [lexicon.phrase("after_urgent")]
        else:
            listen_with = [lexicon.phrase("reprompt")]
    new_state = CallState(
        choices=offered,
        pending=pending,
        last_said=turn.urgent + listen_with,
        urgent=state.urgent or urgent,
        answers_since_question=answers,
        feedback_on=asked,
    )
    twiml = _document(
        settings,
        lexicon,
        listen_with,
        before=turn.urgent,
        dial_after=dial_after,
        choices=offered,
    )
    return VoiceReply(twiml, new_state)


def render_more(state: CallState, settings: SpeechSettings, lexicon: VoiceLexicon) -> VoiceReply:
    """ "More": the next part of a long answer (the caller asked while there was one)."""
    pending = state.pending
    if pending is None or not pending.parts:
        return render_repeat(state, settings, lexicon)
    listen_with, offered, rest, asked = _answer_part(
        list(pending.parts),
        pending.choice_lines,
        pending.choices,
        pending.closing,
        lexicon,
        pending.feedback_on,
    )
    new_state = replace(
        state, silences=0, choices=offered, pending=rest, last_said=listen_with, feedback_on=asked
    )
    return VoiceReply(_document(settings, lexicon, listen_with, choices=offered), new_state)


def render_repeat(state: CallState, settings: SpeechSettings, lexicon: VoiceLexicon) -> VoiceReply:
    """ "Say that again": the last turn once more, with the same choices."""
    said = state.last_said or [lexicon.phrase("reprompt")]
    new_state = replace(state, silences=0, last_said=said)
    return VoiceReply(_document(settings, lexicon, said, choices=state.choices), new_state)


def _reminder(state: CallState, lexicon: VoiceLexicon) -> str:
    if state.pending:
        return lexicon.phrase("say_more")
    if state.choices:
        return lexicon.phrase(
            "you_can_say", choices=join_choices([c.name for c in state.choices], lexicon)
        )
    return lexicon.phrase("reprompt")


def render_silence(state: CallState, settings: SpeechSettings, lexicon: VoiceLexicon) -> VoiceReply:
    """Nothing was heard: a re-prompt, or after `max_silences` in a row a polite goodbye."""
    silences = state.silences + 1
    if silences >= settings.max_silences:
        goodbye = lexicon.phrase("goodbye_after_urgent" if state.urgent else "goodbye")
        return VoiceReply(
            _document(settings, lexicon, [goodbye], hangup=True),
            replace(state, silences=silences),
            True,
        )
    said = [lexicon.phrase("didnt_catch"), _reminder(state, lexicon)]
    new_state = replace(state, silences=silences)
    return VoiceReply(_document(settings, lexicon, said, choices=state.choices), new_state)


def render_problem(state: CallState, settings: SpeechSettings, lexicon: VoiceLexicon) -> VoiceReply:
    """The assistant failed this turn: say so and listen again (never a dead line)."""
    said = [lexicon.phrase("technical_problem")]
    return VoiceReply(_document(settings, lexicon, said, choices=state.choices), state)


def render_hangup() -> str:
    """For a call Twilio reports as over: nothing left to say."""
    response = VoiceResponse()
    response.hangup()
    return str(response)
