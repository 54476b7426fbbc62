"""The staff inbox's settings: read once from the environment, validated (see .env.example).

INBOX_* variables belong to the inbox; the handoff database, its time zone, the presence window
and the retention period are shared with the action server (HANDOFF_*), so both always agree.
Outside development, a missing or placeholder secret refuses to start.
"""

import secrets
from datetime import timedelta
from functools import lru_cache
from typing import Any, Dict, List, Literal, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, BaseSettings, Field, SecretStr, root_validator, validator

from handoff.availability import OnDutyHours
from handoff.settings import HandoffSettings
from inbox.first_response import Targets
from secrets_check import MIN_LENGTH, secret_problem

MIN_SECRET_LENGTH = 32  # the inbox's own key; its other secret needs secrets_check.MIN_LENGTH


class InboxSettings(BaseSettings):
    # "development" relaxes the secret checks and the Secure cookie flag for http://localhost.
    env: Literal["production", "development"] = "production"
    # Signs the sign-in form's anti-forgery token. 32+ random characters, e.g.
    # `python -c "import secrets; print(secrets.token_urlsafe(48))"`.
    secret_key: Optional[SecretStr] = None
    host: str = "127.0.0.1"
    port: int = Field(8090, ge=1, le=65535)
    # Where staff reach the inbox: the link in e-mail and webhook notifications.
    public_url: Optional[AnyHttpUrl] = None
    # Shared with the action server.
    db_url: str = Field(HandoffSettings.__fields__["db_url"].default, env="HANDOFF_DB_URL")
    timezone: str = Field(HandoffSettings.__fields__["timezone"].default, env="HANDOFF_TIMEZONE")
    presence_seconds: int = Field(
        HandoffSettings.__fields__["presence_seconds"].default,
        env="HANDOFF_PRESENCE_SECONDS",
        ge=10,
    )
    retention_days: int = Field(
        HandoffSettings.__fields__["retention_days"].default, env="HANDOFF_RETENTION_DAYS", ge=1
    )
    # The assistant's endpoints file: the curators' reports read the tracker store it names.
    endpoints: str = Field(HandoffSettings.__fields__["endpoints"].default, env="HANDOFF_ENDPOINTS")
    # the wait a person is quoted when there is no recent history (inbox/wait_updates.py)
    default_wait_minutes: int = Field(
        HandoffSettings.__fields__["default_wait_minutes"].default,
        env="HANDOFF_DEFAULT_WAIT_MINUTES",
        ge=1,
    )
    # On-duty hours, as the assistant reads them: the first-response timer counts only these.
    hours: str = Field(HandoffSettings.__fields__["hours"].default, env="HANDOFF_HOURS")
    # The first-response timer of a waiting handoff shows a warning, then a breach (announced
    # once), after this many on-duty minutes without a staff reply (inbox/first_response.py).
    first_response_warning_minutes: int = Field(5, ge=1)
    first_response_breach_minutes: int = Field(15, ge=1)
    # The assistant's HTTP API (rasa run --enable-api --auth-token ...).
    rasa_url: AnyHttpUrl = "http://localhost:5005"  # type: ignore[assignment]
    rasa_token: Optional[SecretStr] = Field(None, env=["INBOX_RASA_TOKEN", "RASA_AUTH_TOKEN"])
    rasa_timeout_seconds: float = Field(5.0, gt=0)
    # Session cookie: Secure unless set otherwise (default: on, off in development).
    cookie_secure: Optional[bool] = None
    session_idle_minutes: int = Field(30, ge=1)
    session_hours: int = Field(12, ge=1)
    # Sign-in rate limits: this many failures for one e-mail from one client address (so guesses
    # from elsewhere do not lock the owner out), and from one address for any e-mails (higher: a
    # hospital's staff may all come from one address), within the window.
    sign_in_max_failures: int = Field(5, ge=1)
    sign_in_max_failures_per_address: int = Field(20, ge=1)
    sign_in_window_minutes: int = Field(15, ge=1)
    # Password checks at once (Argon2id: ~64 MiB and 0.1-0.2 s of a core each); a sign-in that
    # finds none free within the wait is answered 503 "try again shortly" (inbox/sign_in.py).
    sign_in_max_concurrent_hashes: int = Field(4, ge=1)
    sign_in_hash_wait_seconds: float = Field(2.0, gt=0)
    # Behind a reverse proxy: how many proxies' X-Forwarded-For entries to trust.
    proxies_count: int = Field(0, ge=0)
    # Live updates poll the database this often; undelivered replies are retried after this.
    poll_seconds: float = Field(1.0, gt=0)
    delivery_retry_seconds: float = Field(5.0, gt=0)
    # Optional notifications of new handoffs and callback requests (no patient data in them).
    notify_webhook_url: Optional[AnyHttpUrl] = None
    notify_email_to: str = ""  # comma-separated addresses
    smtp_host: Optional[str] = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: Optional[str] = None
    smtp_password: Optional[SecretStr] = None
    smtp_starttls: bool = True
    smtp_from: Optional[str] = None

    class Config:
        env_prefix = "INBOX_"

        @classmethod
        def customise_sources(
            cls, init_settings: Any, env_settings: Any, file_secret_settings: Any
        ) -> Tuple[Any, ...]:
            def set_variables(settings: BaseSettings) -> Dict[str, Any]:
                """An empty variable (`INBOX_NOTIFY_WEBHOOK_URL=`) means "not set"."""
                return {k: v for k, v in env_settings(settings).items() if v != ""}

            return init_settings, set_variables, file_secret_settings

    @validator("timezone")
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as missing:
            raise ValueError(f"unknown time zone '{value}'") from missing
        return value

    @validator("hours")
    def _hours_parse(cls, value: str) -> str:
        OnDutyHours.parse(value)  # raises ValueError with a clear message
        return value

    @validator("first_response_breach_minutes")
    def _breach_after_warning(cls, value: int, values: dict) -> int:
        warning = values.get("first_response_warning_minutes")
        if warning is not None and value <= warning:
            raise ValueError(
                "INBOX_FIRST_RESPONSE_BREACH_MINUTES must be more than the warning minutes"
            )
        return value

    @root_validator(skip_on_failure=True)
    def _secrets_are_real(cls, values: dict) -> dict:
        development = values.get("env") == "development"
        key: Optional[SecretStr] = values.get("secret_key")
        token: Optional[SecretStr] = values.get("rasa_token")
        if development and (key is None or not key.get_secret_value()):
            values["secret_key"] = SecretStr(secrets.token_urlsafe(48))
        if not development:
            for name, secret, min_length in (
                ("INBOX_SECRET_KEY", key, MIN_SECRET_LENGTH),
                ("RASA_AUTH_TOKEN (or INBOX_RASA_TOKEN)", token, MIN_LENGTH),
            ):
                raw = secret.get_secret_value() if secret else None
                problem = secret_problem(name, raw, min_length)
                if problem:
                    raise ValueError(problem)
        if values.get("notify_email_to") and not (
            values.get("smtp_host") and values.get("smtp_from")
        ):
            raise ValueError("INBOX_NOTIFY_EMAIL_TO needs INBOX_SMTP_HOST and INBOX_SMTP_FROM")
        return values

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def secure_cookies(self) -> bool:
        return (not self.development) if self.cookie_secure is None else self.cookie_secure

    @property
    def base_url(self) -> str:
        return str(self.public_url or f"http://localhost:{self.port}").rstrip("/")

    @property
    def email_recipients(self) -> List[str]:
        return [a.strip() for a in self.notify_email_to.split(",") if a.strip()]

    @property
    def secret(self) -> bytes:
        assert self.secret_key is not None  # set by the validator
        return self.secret_key.get_secret_value().encode()

    @property
    def on_duty(self) -> OnDutyHours:
        return OnDutyHours.parse(self.hours, self.timezone)

    @property
    def first_response_targets(self) -> Targets:
        return Targets(
            warning=timedelta(minutes=self.first_response_warning_minutes),
            breach=timedelta(minutes=self.first_response_breach_minutes),
        )

    @property
    def token(self) -> str:
        return self.rasa_token.get_secret_value() if self.rasa_token else ""


@lru_cache(maxsize=1)
def get_settings() -> InboxSettings:
    return InboxSettings()
