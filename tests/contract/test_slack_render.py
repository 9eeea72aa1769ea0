"""render.py: RichMessage / Form -> Block Kit, pure."""

from __future__ import annotations

from datetime import UTC, datetime

from cohortbot.adapters.slack.render import render_form, render_message, to_mrkdwn, to_plain
from cohortbot.playbook.messages import (
    Attachment,
    Button,
    ButtonStyle,
    Field,
    Form,
    FormInput,
    RichMessage,
    Select,
    SelectOption,
    literal,
    timestamp,
)

CHANNELS = {"intros": "C0INTROS1"}


def test_markdown_subset_to_mrkdwn() -> None:
    assert to_mrkdwn("**bold** and *italic*") == "*bold* and _italic_"
    assert (
        to_mrkdwn("see [the guide](https://example.org/g?a=1)") == "see <https://example.org/g?a=1|the guide>"
    )
    assert to_mrkdwn("- one\n- two") == "• one\n• two"


def test_control_characters_are_escaped_but_tokens_kept() -> None:
    assert to_mrkdwn("a < b & c > d <@U123>") == "a &lt; b &amp; c &gt; d <@U123>"


def test_a_link_renders_only_to_an_http_url() -> None:
    """Seen: "[hi](!here)" became <!here|hi>, a special mention. Any other target stays text."""
    hostile = "[hi](!here) [grp](!subteam^S0MODS) [c](!channel) [e](!everyone) [u](@U1) [j](javascript:x)"
    assert to_mrkdwn(hostile) == hostile
    assert to_mrkdwn("[ok](http://a.example/x) [ok](HTTPS://b.example)") == (
        "<http://a.example/x|ok> <HTTPS://b.example|ok>"
    )
    assert to_mrkdwn("[bad](https://a.example/|x)") == "[bad](https://a.example/|x)"


def test_special_words_written_out_are_not_parsed_as_mentions() -> None:
    assert to_mrkdwn("hi @here, @channel and @everyone; mail@here.org") == (
        "hi @\u200bhere, @\u200bchannel and @\u200beveryone; mail@here.org"
    )


def test_member_text_is_shown_as_typed() -> None:
    typed = "<@U0SPAM> <!channel> <#C1|x> [x](https://evil.example) a & b **no** <t:1767200400>"
    assert to_mrkdwn(f"Hi <@U1>, {literal(typed)}") == (
        "Hi <@U1>, &lt;@U0SPAM&gt; &lt;!channel&gt; &lt;#C1|x&gt; [x](https://evil.example)"
        " a &amp; b **no** &lt;t:1767200400&gt;"
    )
    assert to_plain(literal(typed)) == typed
    assert to_mrkdwn(literal("- not a bullet\n# nor a heading")) == "- not a bullet\n# nor a heading"


def test_a_nul_in_text_cannot_reach_the_renderers_placeholders() -> None:
    assert to_mrkdwn("\x000\x00 <@U1>") == "0 <@U1>"


def test_channel_tokens() -> None:
    assert to_mrkdwn("say hi in <#intros>", CHANNELS) == "say hi in <#C0INTROS1>"
    assert to_mrkdwn("or <#C0ABCDEF1>", CHANNELS) == "or <#C0ABCDEF1>"
    assert to_mrkdwn("or <#nowhere>", CHANNELS) == "or #nowhere"


def test_time_tokens_render_in_each_readers_local_time() -> None:
    when = datetime(2024, 5, 6, 17, 0, tzinfo=UTC)
    unix = int(when.timestamp())
    assert to_mrkdwn(f"Live at {timestamp(when)}") == (
        f"Live at <!date^{unix}^{{date_short_pretty}} {{time}}|Mon 06 May 2024 17:00 UTC>"
    )
    assert to_plain(f"Live at {timestamp(when)}") == "Live at Mon 06 May 2024 17:00 UTC"
    assert to_mrkdwn(f"<t:{unix}:R>").startswith(f"<!date^{unix}^")


def test_full_card() -> None:
    message = RichMessage(
        title="Live session **Thursday**",
        text="Join us, <@U1>! Intros in <#intros>.",
        fields=(
            Field(name="When", value="Thu", inline=True),
            Field(name="Where", value="Zoom", inline=True),
            Field(name="Agenda", value="- intros\n- Q&A"),
        ),
        buttons=(
            Button(label="I'll be there", action_id="rsvp.yes", value="s1", style=ButtonStyle.SUCCESS),
            Button(label="Can't", action_id="rsvp.no", value="s1", style=ButtonStyle.DANGER),
            Button(label="Docs", action_id="docs", url="https://example.org"),
        ),
        selects=(
            Select(action_id="track", placeholder="Track", options=(SelectOption(label="Data", value="d"),)),
        ),
        footer="Reply in thread",
    )
    rendered = render_message(message, CHANNELS)
    blocks = rendered["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "actions", "context"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Live session Thursday", "emoji": True}
    assert blocks[1]["text"]["text"] == "Join us, <@U1>! Intros in <#C0INTROS1>."
    assert blocks[2]["fields"] == [
        {"type": "mrkdwn", "text": "*When*\nThu"},
        {"type": "mrkdwn", "text": "*Where*\nZoom"},
    ]
    assert blocks[3]["text"]["text"] == "*Agenda*\n• intros\n• Q&amp;A"
    yes, no, docs, track = blocks[4]["elements"]
    assert (yes["action_id"], yes["value"], yes["style"]) == ("rsvp.yes", "s1", "primary")
    assert no["style"] == "danger"
    assert docs["url"] == "https://example.org" and docs["action_id"].startswith("cohortbot.link:")
    assert "style" not in docs
    assert track["type"] == "static_select" and track["options"][0]["value"] == "d"
    assert blocks[5]["elements"][0]["text"] == "Reply in thread"
    assert rendered["text"].startswith("Live session *Thursday*\nJoin us, <@U1>!")


def test_multi_select_and_attachment_mention() -> None:
    message = RichMessage(
        text="Pick topics",
        selects=(
            Select(
                action_id="t",
                placeholder="",
                max_values=3,
                options=tuple(SelectOption(label=str(i), value=str(i)) for i in range(3)),
            ),
        ),
        attachments=(Attachment(filename="health.png", content_type="image/png", data=b"png"),),
    )
    blocks = render_message(message)["blocks"]
    select = blocks[1]["elements"][0]
    assert select["type"] == "multi_static_select" and select["max_selected_items"] == 3
    assert blocks[2]["elements"][0]["text"] == "Attached: health.png"


def test_limits_are_truncated_not_errors() -> None:
    message = RichMessage(text="x" * 7000, title="t" * 400, buttons=(Button(label="b" * 200, action_id="a"),))
    blocks = render_message(message)["blocks"]
    assert len(blocks[0]["text"]["text"]) == 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(blocks[-1]["elements"][0]["text"]["text"]) == 75


def test_long_text_is_split_at_line_breaks() -> None:
    text = "\n".join(["line " + "y" * 95] * 60)  # about 6000 characters
    sections = [b for b in render_message(RichMessage(text=text))["blocks"] if b["type"] == "section"]
    assert len(sections) == 3
    assert "\n".join(s["text"]["text"] for s in sections) == text


def test_form_becomes_a_modal() -> None:
    form = Form(
        form_id="surveys.weekly",
        title="A much longer weekly check-in title",
        inputs=(
            FormInput(
                input_id="learned", label="What did you learn?", multiline=True, placeholder="A sentence"
            ),
            FormInput(input_id="blocker", label="Anything blocking you?", required=False, max_length=200),
            FormInput(input_id="mood", label="Mood", options=(SelectOption(label="Great", value="great"),)),
        ),
        submit_label="Send",
    )
    view = render_form(form)
    assert view["type"] == "modal" and view["callback_id"] == "surveys.weekly"
    assert len(view["title"]["text"]) <= 24 and view["submit"]["text"] == "Send"
    learned, blocker, mood = view["blocks"]
    assert learned["block_id"] == learned["element"]["action_id"] == "learned"
    assert learned["element"]["multiline"] and not learned["optional"]
    assert learned["element"]["placeholder"]["text"] == "A sentence"
    assert blocker["optional"] and blocker["element"]["max_length"] == 200
    assert mood["element"]["type"] == "static_select" and mood["element"]["options"][0]["value"] == "great"


def test_a_time_token_no_calendar_has_is_shown_as_typed_not_a_crash() -> None:
    # Member text (a display name, a survey answer) can hold any number.
    assert to_mrkdwn("joined <t:99999999999999>") == "joined &lt;t:99999999999999&gt;"
    assert to_mrkdwn("<t:99999999999999:R>") == "&lt;t:99999999999999:R&gt;"
    assert "99999999999999" in to_plain("joined <t:99999999999999>")


def test_plain_text_labels_show_member_text_as_typed_without_backslashes() -> None:
    typed = "[hi](!here) <@U0SPAM> *x* a\\b"
    payload = render_message(
        RichMessage(
            title=literal(typed),
            text="Pick",
            buttons=(Button(label=literal(typed), action_id="b"),),
            selects=(
                Select(
                    action_id="s",
                    placeholder=literal(typed),
                    options=(SelectOption(label=literal("<b> & [c]"), value="v"),),
                ),
            ),
        )
    )
    header, _text, actions = payload["blocks"]
    assert header["text"]["text"] == typed
    button, select = actions["elements"]
    assert button["text"]["text"] == typed
    assert select["placeholder"]["text"] == typed
    assert select["options"][0]["text"] == {"type": "plain_text", "text": "<b> & [c]", "emoji": True}
    view = render_form(
        Form(
            form_id="f",
            title=literal("<Q1>"),
            inputs=(FormInput(input_id="i", label=literal("*Why*?"), placeholder=literal("[x]")),),
        )
    )
    assert view["title"]["text"] == "<Q1>"
    (block,) = view["blocks"]
    assert block["label"]["text"] == "*Why*?" and block["element"]["placeholder"]["text"] == "[x]"
