"""Rapport's Slack app (slack-bolt): ``/rapport``, the message shortcut, App Home, DM reminders, watched channels.

Every listener acks first (a check takes milliseconds, so its verdict travels in the ack itself); anything that
talks to Slack's Web API happens after the ack. Retried events are processed once (their ``event_id`` is kept
under a unique key), 429s are retried after ``Retry-After`` by slack_sdk's retry handler, and the reminder
rows in the ledger are the schedule, so a restart loses nothing.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import commands, wording
from bot.adapters import slack_blocks as blocks
from bot.coach import Coach
from bot.types import (
    DEFAULT_LEASE,
    DEFAULT_RETRY,
    Clock,
    Message,
    Unavailable,
    Undeliverable,
    UnknownContactError,
    UserRef,
    utcnow,
)

log = logging.getLogger(__name__)

PLATFORM = "slack"
#: Slack errors that mean a DM to this user will never go through: set the reminder aside.
UNDELIVERABLE = {"user_not_found", "account_inactive", "cannot_dm_bot", "user_disabled", "not_in_channel"}


def make_client(token: str, api_url: str) -> WebClient:
    """A Web API client for ``api_url`` that waits out 429s (``Retry-After``) and retries 5xx and dropped links."""
    client = WebClient(token=token, base_url=api_url.rstrip("/") + "/")
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ]
    )
    return client


class _TokenFromClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins: it is the same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def create_app(coach: Coach, client: WebClient, signing_secret: str | None, clock: Clock = utcnow) -> App:
    """The bolt app with every Rapport listener registered (``signing_secret`` is None in Socket Mode)."""
    logging.getLogger("slack_bolt.App").addFilter(_TokenFromClient())
    app = App(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
        process_before_response=False,
    )
    Listeners(coach, clock).register(app)
    return app


def user_of(context) -> UserRef:
    return UserRef(PLATFORM, context.team_id or context.enterprise_id or "", context.user_id)


class Listeners:
    def __init__(self, coach: Coach, clock: Clock):
        self.coach = coach
        self.clock = clock

    def register(self, app: App) -> None:
        app.middleware(self.once_per_event)
        app.command("/rapport")(self.command)
        app.shortcut("check_with_rapport")(self.shortcut)
        app.action("sent_to")(self.sent_to)
        app.action("check_again")(self.check_again)
        app.action("not_a_pitch")(self.not_a_pitch)
        app.action(re.compile(r"^reminder_(done|snooze|replied)$"))(self.reminder_button)
        app.action(re.compile(r"^forget_(confirm|cancel)$"))(self.forget_button)
        app.view("recheck")(self.recheck)
        app.view("settings")(self.save_settings)
        app.event("app_home_opened")(self.home_opened)
        app.event("message")(self.message)
        app.error(self.failed)

    def failed(self, error: Exception, body: dict, respond) -> None:
        """Anything a listener did not handle: logged, and the user told when Slack gave us a way to answer.

        An event we could not take (e.g. the database is down) gets HTTP 500, so Slack delivers it again.
        """
        text = _apology(error, body.get("type") or "request")
        if respond is not None and body.get("type") != "event_callback":
            try:
                respond(response_type="ephemeral", replace_original=False, text=text)
            except Exception as exc:
                log.warning("could not tell the user about a failure: %s", exc)

    # -- plumbing ----------------------------------------------------------------------------------------
    def once_per_event(self, body: dict, next: Callable[[], None]):
        """A retried event (``X-Slack-Retry-Num``) whose first delivery was already taken is acked, not redone."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not self.coach.first_seen(PLATFORM, event_id, self.clock()):
            log.info("event %s was already processed; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def _new_user(self, user: UserRef) -> bool:
        return self.coach.ensure_user(user, self.clock())

    def _learn_timezone(self, client: WebClient, user: UserRef) -> None:
        """A new user's reminders follow their Slack time zone (after the ack; a failure only logs)."""
        try:
            tz = client.users_info(user=user.user_id)["user"].get("tz")
            if tz:
                self.coach.update_settings(user, self.clock(), timezone=tz)
        except (SlackApiError, ValueError, KeyError) as exc:
            log.warning("could not read the time zone of a new user: %s", exc)

    def _after(self, client: WebClient, user: UserRef, new: bool, say: Callable[[str], None]) -> None:
        if new:
            self._learn_timezone(client, user)
        notice = self.coach.take_notice(user)
        if notice:
            say(wording.NOTICES[notice])

    # -- /rapport ------------------------------------------------------------------------------------------
    def command(self, ack, body, context, client, respond) -> None:
        user = user_of(context)
        asked = commands.parse(body.get("text") or "")
        try:
            new = self._new_user(user)
            answer = self.answer(user, asked, body.get("channel_id"), client, body.get("trigger_id"), ack)
        except Exception as exc:
            ack(response_type="ephemeral", text=_apology(exc, "/rapport"))
            return
        if answer is not None:
            ack(response_type="ephemeral", blocks=answer, text=blocks.text_of(answer))

        def say(message: str) -> None:
            respond(text=message, response_type="ephemeral")

        channel = body.get("channel_id")
        if isinstance(asked, commands.Watch) and self.coach.is_watched(PLATFORM, user.workspace, channel):
            self._join(client, channel, say)
        self._after(client, user, new, say)

    def _join(self, client: WebClient, channel: str, say: Callable[[str], None]) -> None:
        """Join a newly watched channel so its posts reach us (after the ack: it is a Web API call)."""
        try:
            client.conversations_join(channel=channel)
        except SlackApiError:
            say("I can't join this channel by myself: invite me with `/invite @Rapport` so I can see the posts.")

    def answer(
        self, user: UserRef, command: commands.Command, channel: str | None, client, trigger_id, ack
    ) -> list[dict] | None:
        """The blocks that answer a command of ``/rapport`` (also typed in the DM with the bot).

        Returns None when the answer is a modal (``ack`` was called and the modal opened).
        """
        now = self.clock()
        match command:
            case commands.Hint(text=hint):
                return [blocks.section(hint)]
            case commands.Check(draft=draft):
                checked = self.coach.check(user, draft, now, "command")
                return blocks.verdict_blocks(checked.verdict, checked.check_id, draft)
            case commands.Sent(contact=contact):
                logged = self.coach.record_outreach(user, contact, now, channel=channel)
                return [blocks.section(_logged_text(logged))]
            case commands.Replied(contact=contact):
                try:
                    self.coach.record_reply(user, contact, now)
                except UnknownContactError:
                    return [blocks.section(wording.no_outreach_text(contact))]
                return [blocks.section(wording.replied_text(contact))]
            case commands.Done(contact=contact):
                try:
                    ended = self.coach.mark_done(user, contact)
                except UnknownContactError:
                    return [blocks.section(wording.no_outreach_text(contact))]
                return [blocks.section(wording.done_text(contact) if ended else wording.nothing_pending_text(contact))]
            case commands.Snooze(contact=contact, days=days):
                try:
                    moved = self.coach.snooze(user, contact, now + timedelta(days=days))
                except UnknownContactError:
                    return [blocks.section(wording.no_outreach_text(contact))]
                text = wording.snoozed_text(contact, f"in {days} days")
                return [blocks.section(text if moved else wording.nothing_pending_text(contact))]
            case commands.Watch() | commands.Unwatch():
                word = "watch" if isinstance(command, commands.Watch) else "unwatch"
                if channel is None:
                    return [blocks.section(f"Run `/rapport {word}` in the channel itself.")]
                return [blocks.section(self._watch(user, command, channel, now))]
            case commands.Followups():
                return blocks.followups_blocks(self.coach.followups(user, now))
            case commands.Stats():
                return blocks.stats_blocks(self.coach.stats(user))
            case commands.Forget():
                return blocks.forget_blocks()
            case commands.Settings():
                if not trigger_id:
                    return [blocks.section("Open your settings with `/rapport settings`.")]
                ack()
                current = self.coach.update_settings(user, now)
                client.views_open(trigger_id=trigger_id, view=blocks.settings_modal(current))
                return None
        return blocks.help_blocks()

    def _watch(self, user: UserRef, command: commands.Command, channel: str, now: datetime) -> str:
        if isinstance(command, commands.Unwatch):
            if self.coach.unwatch(PLATFORM, user.workspace, channel):
                return wording.UNWATCHED
            return wording.NOT_WATCHED
        try:
            added = self.coach.watch(PLATFORM, user.workspace, channel, user.user_id, now, command.digest_days)
        except ValueError as exc:
            return f"Hmm: {exc}"
        if not added:
            return wording.ALREADY_WATCHED
        return wording.watching_text(command.digest_days)

    # -- the message shortcut --------------------------------------------------------------------------------
    def shortcut(self, ack, body, context, client, respond) -> None:
        ack()
        user = user_of(context)
        new = self._new_user(user)
        text = (body.get("message") or {}).get("text") or ""
        if not text.strip():
            respond(response_type="ephemeral", text=wording.NO_TEXT)
        else:
            checked = self.coach.check(user, text, self.clock(), "shortcut")
            answer = blocks.verdict_blocks(checked.verdict, checked.check_id, text)
            respond(response_type="ephemeral", replace_original=False, blocks=answer, text=blocks.text_of(answer))
        self._after(client, user, new, lambda t: respond(text=t, response_type="ephemeral", replace_original=False))

    # -- buttons -------------------------------------------------------------------------------------------------
    def sent_to(self, ack, body, context, respond) -> None:
        ack()
        action = body["actions"][0]
        check_id = _check_id(action.get("block_id", ""))
        contact = f"<@{action['selected_user']}>"
        logged = self.coach.record_outreach(user_of(context), contact, self.clock(), check_id=check_id)
        respond(response_type="ephemeral", replace_original=False, text=_logged_text(logged))

    def check_again(self, ack, body, client) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=blocks.recheck_modal(body["actions"][0]["value"]))

    def recheck(self, ack, view, context) -> None:
        text = view["state"]["values"]["draft"]["text"].get("value") or ""
        if not text.strip():
            ack(response_action="errors", errors={"draft": "Write a draft to check."})
            return
        checked = self.coach.check(user_of(context), text, self.clock(), "command")
        ack(response_action="update", view=blocks.verdict_modal(checked.verdict, text))

    def not_a_pitch(self, ack, body, context, respond) -> None:
        ack()
        check_id = int(body["actions"][0]["value"])
        if self.coach.dispute(user_of(context), check_id, self.clock()):
            text = wording.DISPUTED
        else:
            text = wording.ALREADY_DISPUTED
        respond(response_type="ephemeral", replace_original=False, text=text)

    def reminder_button(self, ack, body, context, client, respond) -> None:
        ack()
        user = user_of(context)
        action = body["actions"][0]
        contact = action["value"]
        now = self.clock()
        try:
            if action["action_id"] == "reminder_done":
                self.coach.mark_done(user, contact)
                text = wording.done_text(contact)
            elif action["action_id"] == "reminder_snooze":
                self.coach.snooze(user, contact, now + wording.SNOOZE)
                text = wording.snoozed_text(contact, f"in {wording.SNOOZE.days} days")
            else:
                self.coach.record_reply(user, contact, now)
                text = wording.replied_text(contact)
        except UnknownContactError:
            text = wording.gone_text(contact)
        if body.get("container", {}).get("type") == "view":
            self.publish_home(client, user)
        else:
            respond(replace_original=True, text=text)

    def forget_button(self, ack, body, context, respond) -> None:
        ack()
        if body["actions"][0]["action_id"] == "forget_confirm":
            self.coach.forget(user_of(context))
            respond(replace_original=True, text=wording.FORGOTTEN)
        else:
            respond(replace_original=True, text=wording.KEPT)

    def save_settings(self, ack, view, context) -> None:
        changes = blocks.settings_from_view(view["state"]["values"])
        try:
            self.coach.update_settings(user_of(context), self.clock(), **changes)
        except ValueError as exc:
            name, _, why = str(exc).partition(": ")
            ack(response_action="errors", errors={name if name in changes else "follow_up_days": why or str(exc)})
            return
        ack()

    # -- events ------------------------------------------------------------------------------------------------
    def home_opened(self, event, context, client) -> None:
        if event.get("tab", "home") == "home":
            user = user_of(context)
            if self._new_user(user):
                self._learn_timezone(client, user)
            self.publish_home(client, user)

    def publish_home(self, client: WebClient, user: UserRef) -> None:
        view = blocks.home_view(
            self.coach.followups(user, self.clock()), self.coach.stats(user), self.coach.recent_checks(user)
        )
        client.views_publish(user_id=user.user_id, view=view)

    def message(self, event, context, client) -> None:
        if event.get("bot_id") or event.get("subtype") not in (None, "thread_broadcast", "file_share"):
            return  # bots (ourselves included), edits, deletions, joins
        author, text = event.get("user"), event.get("text") or ""
        if not author:
            return
        team = context.team_id or context.enterprise_id or ""
        if event.get("channel_type") == "im":
            self._direct_message(client, UserRef(PLATFORM, team, author), event["channel"], text)
            return
        thread = event.get("thread_ts")
        seen = self.coach.observe(
            Message(
                platform=PLATFORM,
                workspace=team,
                channel_id=event["channel"],
                message_id=event["ts"],
                author_id=author,
                text=text,
                at=_from_ts(event["ts"]),
                parent_id=thread if thread and thread != event["ts"] else None,
                parent_author_id=event.get("parent_user_id") if thread and thread != event["ts"] else None,
                mentions=tuple(dict.fromkeys(commands.MENTION.findall(text))),
            )
        )
        if seen.replies:
            log.info("recorded %d reply(ies) seen in a channel", len(seen.replies))
        if seen.coaching is not None:
            note = blocks.coaching_blocks(seen.coaching, seen.check_id)
            client.chat_postEphemeral(
                channel=event["channel"], user=author, blocks=note, text="Only you can see this: a coaching note."
            )

    def _direct_message(self, client: WebClient, user: UserRef, channel: str, text: str) -> None:
        """The DM with the bot takes the same words as ``/rapport`` (a settings modal needs the slash command)."""
        new = self._new_user(user)
        answer = self.answer(user, commands.parse(text), None, client, None, ack=None)
        client.chat_postMessage(channel=channel, blocks=answer, text=blocks.text_of(answer))
        self._after(client, user, new, lambda t: client.chat_postMessage(channel=channel, text=t))


def _apology(exc: Exception, what: str) -> str:
    """Log a failure (one line for a database outage, a traceback otherwise) and say sorry in the right words."""
    if isinstance(exc, Unavailable):
        log.warning("%s failed: the database is unavailable (%s)", what, exc)
        return wording.UNAVAILABLE
    log.error("%s failed", what, exc_info=exc)
    return wording.SORRY


def _check_id(block_id: str) -> int | None:
    prefix, _, number = block_id.partition(":")
    return int(number) if prefix == "check" and number.isdigit() else None


def _logged_text(logged) -> str:
    due = f"<!date^{int(logged.follow_up_due.timestamp())}^{{date_short_pretty}}|{logged.follow_up_due:%a %d %b}>"
    return wording.logged_text(logged.contact, due if logged.follow_up_due else None)


def _from_ts(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), tz=UTC)


class SlackNotifier:
    """Delivers reminders as DMs from the bot (the ledger decides what is due and guarantees once).

    Reminder DMs are posted by a client that retries only 429s: a 5xx or a dropped connection may come after
    Slack took the message, so instead of posting again at once, the ledger asks ``delivered`` before the
    next try. Each reminder's buttons carry ``block_id`` ``reminder:<id>``, which is what ``delivered`` finds.
    """

    def __init__(self, client: WebClient):
        self.client = client
        self.posting_client = WebClient(
            token=client.token,
            base_url=client.base_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
        )

    def _post(self, user: UserRef, body: list[dict], text: str) -> None:
        try:
            self.posting_client.chat_postMessage(channel=user.user_id, blocks=body, text=text)
        except SlackApiError as exc:
            if exc.response.get("error") in UNDELIVERABLE:
                raise Undeliverable(exc.response.get("error")) from exc
            raise

    def delivered(self, reminder, since: datetime) -> bool:
        """Whether the DM with the user holds a message with this reminder's block (``conversations.history``)."""
        channel = self.client.conversations_open(users=reminder.user.user_id)["channel"]["id"]
        oldest = f"{since.timestamp():.6f}"
        block_id = f"reminder:{reminder.id}"
        for page in self.client.conversations_history(channel=channel, oldest=oldest, limit=200):
            for message in page.get("messages", []):
                if any(b.get("block_id") == block_id for b in message.get("blocks") or []):
                    return True
        return False

    def send(self, reminder) -> None:
        self._post(reminder.user, blocks.reminder_blocks(reminder), wording.reminder_line(reminder))

    def send_digest(self, user: UserRef, items) -> None:
        self._post(user, blocks.digest_blocks(items), wording.digest_text(items))

    def post_channel_digest(self, digest) -> None:
        self.client.chat_postMessage(
            channel=digest.channel_id,
            blocks=blocks.channel_digest_blocks(digest),
            text=wording.channel_digest_text(digest),
        )


class Scheduler(threading.Thread):
    """Delivers due reminders and channel digests every ``interval`` seconds, until ``stop()``.

    Any number of app processes may run one: the ledger's claims make each delivery happen once. ``stop()``
    lets the send in flight finish, then hands back any reminder this scheduler still holds.
    """

    def __init__(
        self,
        coach: Coach,
        client: WebClient,
        interval: float = 60.0,
        clock: Clock = utcnow,
        lease: timedelta = DEFAULT_LEASE,
        retry: timedelta = DEFAULT_RETRY,
    ):
        super().__init__(name="rapport-reminders", daemon=True)
        self.coach = coach
        self.notifier = SlackNotifier(client)
        self.interval = interval
        self.clock = clock
        self.rounds = coach.rounds(PLATFORM, lease, retry)
        self._last_prune: datetime | None = None

    def tick(self) -> None:
        now = self.clock()
        self.rounds.run(self.notifier, self.notifier.post_channel_digest, now)
        if not self.rounds.halted.is_set() and (
            self._last_prune is None or now - self._last_prune > timedelta(hours=1)
        ):
            self.coach.prune_events(now - timedelta(days=1))
            self._last_prune = now

    def run(self) -> None:
        while not self.rounds.halted.is_set():
            try:
                self.tick()
            except (Unavailable, OSError, SlackApiError) as exc:  # an outage: one line, try again next round
                log.warning("reminder round failed (%s); retrying in %s s", exc, self.interval)
            except Exception:
                log.exception("reminder round failed; retrying in %s s", self.interval)
            self.rounds.halted.wait(self.interval)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop after the send in flight (waiting up to ``timeout`` s), then release this worker's claims."""
        self.rounds.halt()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)
        self.rounds.release()
