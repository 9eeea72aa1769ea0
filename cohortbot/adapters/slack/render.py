"""RichMessage / Form -> Slack Block Kit: pure functions, no I/O.

- ``render_message`` returns ``{"text": fallback, "blocks": [...]}`` ready for
  chat.postMessage or a response_url. ``text`` is what notifications and screen readers show.
- ``to_mrkdwn`` converts the neutral markdown subset and the shared inline tokens:
  ``**b**`` -> ``*b*``, ``*i*`` -> ``_i_``, ``[l](u)`` -> ``<u|l>``, ``- `` bullets -> ``•``,
  ``<@U1>`` stays, ``<#name>`` -> ``<#C123>`` through the name->id mapping the adapter passes
  (``#name`` if unknown), ``<t:UNIX>`` -> ``<!date^UNIX^{date_short_pretty} {time}|fallback>``
  so every reader sees their own local time. ``&``, ``<`` and ``>`` in plain text are escaped.
- Member text arrives escaped (``\\<``, ``\\[``, ``\\*``: ``messages.literal``) and is shown
  as typed. A ``[label](target)`` link renders only when the target is an http(s) URL, so no
  text ever becomes ``<!here|…>``, ``<!channel>`` or ``<!subteam^…>``; and ``@here``,
  ``@channel``, ``@everyone`` written out get a zero-width space after the ``@`` in case
  Slack's automatic parsing would read them as special mentions. Slack mrkdwn has no escape
  for ``*``, ``_``, ``~`` and backticks: a member's ``*word*`` may still show bold there.
  plain_text objects (button and option labels, placeholders, modal titles) show text as
  typed, so their escapes are resolved.
- ``render_form`` returns a modal ``view`` (callback_id = form_id).

Slack's Block Kit limits are enforced by truncation, not by errors: a too-long label must not
park a welcome message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cohortbot.adapters.slack.translate import LINK_ACTION_PREFIX
from cohortbot.playbook.messages import (
    INLINE_PATTERN,
    Button,
    ButtonStyle,
    Form,
    FormInput,
    RichMessage,
    Select,
    unescape,
)

__all__ = ["LINK_ACTION_PREFIX", "attachment_names", "render_form", "render_message", "to_mrkdwn", "to_plain"]

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
_SECTION_TEXT_MAX = 3000
_HEADER_MAX = 150
_FIELD_MAX = 2000
_FIELDS_PER_SECTION = 10
_BUTTON_LABEL_MAX = 75
_BUTTON_VALUE_MAX = 2000
_ACTION_ID_MAX = 255
_ACTIONS_PER_BLOCK = 25
_OPTION_TEXT_MAX = 75
_OPTION_VALUE_MAX = 150
_OPTIONS_MAX = 100
_PLACEHOLDER_MAX = 150
_MODAL_TITLE_MAX = 24
_MODAL_BUTTON_MAX = 24
_INPUT_LABEL_MAX = 2000
_FALLBACK_TEXT_MAX = 4000

_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")
_LINK = re.compile(r"\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)\)")
# A link target the bot may write: an http(s) URL with none of Slack's control characters.
_SAFE_URL = re.compile(r"https?://[^\s<>|\x00]+", re.IGNORECASE)
_SPECIAL_WORD = re.compile(r"(?<!\w)@(?=(?:here|channel|everyone)\b)", re.IGNORECASE)
_BOLD_ITALIC = re.compile(r"\*\*(?P<bold>[^*\n]+?)\*\*|(?<![*\w])\*(?P<italic>[^*\n]+?)\*(?![*\w])")
_BULLET = re.compile(r"^(\s*)- ", re.MULTILINE)
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _date_fallback(unix: int) -> str | None:
    """The date in words, or None for a number no calendar has (member text can hold any)."""
    try:
        return datetime.fromtimestamp(unix, tz=UTC).strftime("%a %d %b %Y %H:%M UTC")
    except (ValueError, OverflowError, OSError):
        return None


def _token(kind: str, value: str, channels: Mapping[str, str], *, plain: bool) -> str:
    if kind == "@":
        return f"<@{value}>"
    if kind == "#":
        name = value.removeprefix("#")
        channel_id = name if _CHANNEL_ID.match(name) else channels.get(name, "")
        if plain or not channel_id:
            return f"#{name}"
        return f"<#{channel_id}>"
    # "t:": Discord-style styles (<t:UNIX:R>) degrade to the date-and-time form.
    try:
        unix = int(value.split(":", 1)[0])
    except ValueError:
        return _escape(f"<t:{value}>")
    fallback = _date_fallback(unix)
    if fallback is None:
        return _escape(f"<t:{value}>")
    if plain:
        return fallback
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{fallback}>"


def _convert(text: str, channels: Mapping[str, str], *, plain: bool) -> str:
    kept: list[str] = []

    def keep(rendered: str) -> str:
        kept.append(rendered)
        return _PLACEHOLDER.format(len(kept) - 1)

    def inline(m: re.Match[str]) -> str:
        if m["char"] is not None:  # an escaped character of member text: shown as typed
            return keep(_escape(m["char"]))
        return keep(_token(m["kind"], m["value"], channels, plain=plain))

    def link(m: re.Match[str]) -> str:
        if not _SAFE_URL.fullmatch(m["url"]):
            return m.group(0)  # shown as written: "[hi](!here)" must never become <!here|hi>
        label = _escape(m["label"])
        return keep(f"{label} ({m['url']})" if plain else f"<{_escape(m['url'])}|{label}>")

    text = INLINE_PATTERN.sub(inline, text.replace("\x00", ""))
    text = _LINK.sub(link, text)
    text = _SPECIAL_WORD.sub("@\u200b", _escape(text))
    if plain:
        text = _BOLD_ITALIC.sub(lambda m: m["bold"] or m["italic"], text)
    else:
        text = _BOLD_ITALIC.sub(lambda m: f"*{m['bold']}*" if m["bold"] else f"_{m['italic']}_", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    return _PLACEHOLDER_RE.sub(lambda m: kept[int(m.group(1))], text)


def to_mrkdwn(text: str, channels: Mapping[str, str] | None = None) -> str:
    """The neutral markdown subset and tokens -> Slack mrkdwn."""
    return _convert(text, channels or {}, plain=False)


def to_plain(text: str, channels: Mapping[str, str] | None = None) -> str:
    """For plain_text places (header, labels): tokens rendered readably, markup dropped."""
    return (
        _convert(text, channels or {}, plain=True)
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )


def _plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object: Slack shows it as typed, so the neutral escapes are resolved."""
    return _plain_as_is(unescape(text), limit)


def _plain_as_is(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _sections(text: str) -> list[dict[str, Any]]:
    """Long text is split at line breaks into several sections (3000 chars each)."""
    blocks: list[dict[str, Any]] = []
    chunk = ""
    for line in text.split("\n"):
        candidate = f"{chunk}\n{line}" if chunk else line
        if len(candidate) > _SECTION_TEXT_MAX and chunk:
            blocks.append({"type": "section", "text": _mrkdwn(chunk)})
            candidate = line
        chunk = _clip(candidate, _SECTION_TEXT_MAX)
    if chunk.strip():
        blocks.append({"type": "section", "text": _mrkdwn(chunk)})
    return blocks


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(button.label, _BUTTON_LABEL_MAX),
        "action_id": _clip(button.action_id, _ACTION_ID_MAX),
    }
    if button.url:
        element["url"] = button.url
        element["action_id"] = _clip(LINK_ACTION_PREFIX + button.action_id, _ACTION_ID_MAX)
    if button.value:
        element["value"] = button.value[:_BUTTON_VALUE_MAX]
    # Slack has two accent styles; "secondary" is its default look.
    if button.style in (ButtonStyle.PRIMARY, ButtonStyle.SUCCESS):
        element["style"] = "primary"
    elif button.style is ButtonStyle.DANGER:
        element["style"] = "danger"
    return element


def _options(options: Any) -> list[dict[str, Any]]:
    return [
        {"text": _plain(o.label, _OPTION_TEXT_MAX), "value": o.value[:_OPTION_VALUE_MAX]}
        for o in list(options)[:_OPTIONS_MAX]
    ]


def _select(select: Select) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "multi_static_select" if select.max_values > 1 else "static_select",
        "action_id": _clip(select.action_id, _ACTION_ID_MAX),
        "placeholder": _plain(select.placeholder or "Choose…", _PLACEHOLDER_MAX),
        "options": _options(select.options),
    }
    if select.max_values > 1:
        element["max_selected_items"] = select.max_values
    return element


def render_message(
    message: RichMessage, channels: Mapping[str, str] | None = None, *, files_note: str | None = None
) -> dict[str, Any]:
    """RichMessage -> ``{"text": ..., "blocks": [...]}`` (chat.postMessage / response_url).

    Attachments are not part of a message on Slack: the performer uploads them right after it.
    ``files_note`` is the context line about them: ``""`` for none (they follow in the same
    conversation), a sentence saying where they went, or ``None`` to list them by name
    (``Attached: a.png, b.csv``) when they cannot be uploaded.
    """
    names = channels or {}
    blocks: list[dict[str, Any]] = []
    if message.title:
        blocks.append({"type": "header", "text": _plain_as_is(to_plain(message.title, names), _HEADER_MAX)})
    if message.text:
        blocks.extend(_sections(to_mrkdwn(message.text, names)))
    inline = [f for f in message.fields if f.inline]
    for start in range(0, len(inline), _FIELDS_PER_SECTION):
        group = inline[start : start + _FIELDS_PER_SECTION]
        blocks.append(
            {
                "type": "section",
                "fields": [
                    _mrkdwn(_clip(f"*{to_plain(f.name, names)}*\n{to_mrkdwn(f.value, names)}", _FIELD_MAX))
                    for f in group
                ],
            }
        )
    for f in (f for f in message.fields if not f.inline):
        blocks.extend(_sections(f"*{to_plain(f.name, names)}*\n{to_mrkdwn(f.value, names)}"))
    elements = [_button(b) for b in message.buttons] + [_select(s) for s in message.selects]
    for start in range(0, len(elements), _ACTIONS_PER_BLOCK):
        blocks.append({"type": "actions", "elements": elements[start : start + _ACTIONS_PER_BLOCK]})
    if message.attachments:
        note = f"Attached: {attachment_names(message)}" if files_note is None else files_note
        if note:
            blocks.append({"type": "context", "elements": [_mrkdwn(_escape(note))]})
    if message.footer:
        blocks.append({"type": "context", "elements": [_mrkdwn(to_mrkdwn(message.footer, names))]})
    return {"text": _clip(to_mrkdwn(message.plain_text(), names), _FALLBACK_TEXT_MAX), "blocks": blocks}


def attachment_names(message: RichMessage) -> str:
    return ", ".join(a.filename for a in message.attachments)


def _input_block(item: FormInput) -> dict[str, Any]:
    element: dict[str, Any]
    if item.options:
        element = {"type": "static_select", "action_id": item.input_id, "options": _options(item.options)}
    else:
        element = {
            "type": "plain_text_input",
            "action_id": item.input_id,
            "multiline": item.multiline,
            "max_length": item.max_length,
        }
    if item.placeholder:
        element["placeholder"] = _plain(item.placeholder, _PLACEHOLDER_MAX)
    return {
        "type": "input",
        "block_id": item.input_id,
        "label": _plain(item.label, _INPUT_LABEL_MAX),
        "optional": not item.required,
        "element": element,
    }


def render_form(form: Form) -> dict[str, Any]:
    """Form -> a modal view for views.open (callback_id = form_id, input ids as block/action ids)."""
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": _plain(form.title, _MODAL_TITLE_MAX),
        "submit": _plain(form.submit_label, _MODAL_BUTTON_MAX),
        "close": _plain("Cancel", _MODAL_BUTTON_MAX),
        "blocks": [_input_block(item) for item in form.inputs],
    }
