#!/usr/bin/env python3
"""Draw attache's replies as Discord's phone app shows them, to look at a reply before
calling it done: `tools/phone.py OUT.png CAPTURE.json [CAPTURE.json …]`.

CAPTURE.json is what `cargo run --example capture_replies -- DIR` writes: the question and
the message body the bot sent Discord (and the files sent with it, drawn where an embed
shows them). Each reply is drawn in Discord's dark theme in a
phone's column (420 px wide, text at 16 px), at the bottom of an 840 px screen as a chat
pinned to its newest message shows it, so what does not fit is cut off at the top, as a
member would find it. Needs Chromium (Debian's `chromium`) and a Noto font; run as root
it passes `--no-sandbox`. Not part of CI: a tool for developers and the README's picture.
"""

import html
import json
import os
import re
import subprocess
import sys
import tempfile

WIDTH, HEIGHT = 420, 840

CSS = """
* { box-sizing: border-box; }
body { margin: 0; background: #313338; font-family: 'Noto Sans', 'DejaVu Sans', sans-serif;
       color: #dbdee1; font-size: 16px; line-height: 1.375; }
.screen { width: %(w)dpx; height: %(h)dpx; overflow: hidden; position: relative;
          display: flex; flex-direction: column; justify-content: flex-end; }
.chat { padding: 0 10px 6px 10px; }
.asked { color: #b5bac1; font-size: 14px; margin: 0 0 10px 52px; }
.asked b { color: #dbdee1; }
.msg { display: flex; gap: 10px; }
.avatar { width: 40px; height: 40px; border-radius: 50%%; background: #5865f2; flex: none;
          color: white; font-weight: 700; display: flex; align-items: center;
          justify-content: center; }
.body { min-width: 0; flex: 1; }
.name { font-weight: 600; color: #f2f3f5; }
.app { background: #5865f2; color: white; font-size: 10px; padding: 1px 4px;
       border-radius: 3px; margin-left: 4px; vertical-align: 2px; }
.time { color: #949ba4; font-size: 12px; margin-left: 6px; }
.content { white-space: pre-wrap; overflow-wrap: anywhere; }
.embed { background: #2b2d31; border-left: 4px solid; border-radius: 4px;
         padding: 8px 12px 12px 12px; margin-top: 4px; overflow-wrap: anywhere; }
.title { font-weight: 700; color: #f2f3f5; margin: 4px 0; }
.desc { white-space: pre-wrap; font-size: 15px; }
.field { margin-top: 8px; }
.fname { font-weight: 700; color: #f2f3f5; font-size: 14px; }
.fval { white-space: pre-wrap; font-size: 14px; }
.image { display: block; max-width: 100%%; border-radius: 4px; margin-top: 8px; }
.footer { color: #b5bac1; font-size: 12px; margin-top: 8px; }
.sub { color: #949ba4; font-size: 13px; }
a { color: #00a8fc; text-decoration: none; }
code { background: #1e1f22; border-radius: 3px; padding: 0 2px; font-size: 13px; }
.mention { background: rgba(88, 101, 242, 0.3); color: #c9cdfb; border-radius: 3px;
           padding: 0 2px; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.button { background: #4e5058; color: white; border-radius: 3px; padding: 6px 14px;
          font-size: 14px; font-weight: 500; }
.primary { background: #5865f2; }
.disabled { opacity: 0.5; }
.ephemeral { color: #949ba4; font-size: 12px; margin-top: 4px; }
.input { height: 44px; margin: 6px 10px 10px 10px; background: #383a40;
         border-radius: 22px; color: #6d6f78; padding: 11px 16px; font-size: 15px; }
"""


def inline(text):
    """Discord's inline markdown, enough to draw replies: escapes, bold, italics,
    underline, code, links, user mentions."""
    escaped = {}

    def keep(m):
        key = "\x00%d\x00" % len(escaped)
        escaped[key] = html.escape(m.group(1))
        return key

    text = re.sub(r"\\([\\*_~`|>#\[\]()<:-])", keep, text)
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    # A user mention shows as the member's name (whether it pings is another matter:
    # the bot's allowed mentions are empty).
    text = re.sub(r"&lt;@!?\d+&gt;", '<span class="mention">@member</span>', text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r'<a href="\2">\1</a>', text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"__(.+?)__", r"<u>\1</u>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)
    for key, value in escaped.items():
        text = text.replace(key, value)
    return text


def markdown(text):
    lines = []
    for line in text.split("\n"):
        if line.startswith("-# "):
            lines.append('<span class="sub">%s</span>' % inline(line[3:]))
        else:
            lines.append(inline(line))
    return "\n".join(lines)


def embed(e, files, folder):
    colour = "#%06x" % e.get("color", 0x1E1F22)
    parts = ['<div class="embed" style="border-color:%s">' % colour]
    if e.get("title"):
        title = inline(e["title"])
        if e.get("url"):
            title = '<a href="%s">%s</a>' % (html.escape(e["url"]), title)
        parts.append('<div class="title">%s</div>' % title)
    if e.get("description"):
        parts.append('<div class="desc">%s</div>' % markdown(e["description"]))
    for f in e.get("fields", []):
        parts.append(
            '<div class="field"><div class="fname">%s</div><div class="fval">%s</div></div>'
            % (inline(f["name"]), markdown(f["value"]))
        )
    image = (e.get("image") or {}).get("url") or ""
    if image.startswith("attachment://") and image[len("attachment://"):] in files:
        local = os.path.join(folder, files[image[len("attachment://"):]])
        parts.append('<img class="image" src="file://%s">' % html.escape(os.path.abspath(local)))
    if e.get("footer"):
        parts.append('<div class="footer">%s</div>' % html.escape(e["footer"]["text"]))
    parts.append("</div>")
    return "".join(parts)


def buttons(components):
    rows = []
    for row in components or []:
        cells = []
        for b in row.get("components", []):
            classes = ["button"]
            if b.get("style") == 1:
                classes.append("primary")
            if b.get("disabled"):
                classes.append("disabled")
            label = html.escape(b.get("label", ""))
            if b.get("style") == 5:
                label += " ↗"
            cells.append('<span class="%s">%s</span>' % (" ".join(classes), label))
        rows.append('<div class="buttons">%s</div>' % "".join(cells))
    return "".join(rows)


def page(capture, folder):
    m = capture["message"]
    files = capture.get("files", {})
    inner = []
    if m.get("content"):
        inner.append('<div class="content">%s</div>' % markdown(m["content"]))
    for e in m.get("embeds", []):
        inner.append(embed(e, files, folder))
    inner.append(buttons(m.get("components")))
    if (m.get("flags") or 0) & 64:
        inner.append('<div class="ephemeral">Only you can see this</div>')
    return """<!doctype html><meta charset="utf-8"><style>%s</style>
<div class="screen"><div class="chat">
<div class="asked">used <b>%s</b> %s</div>
<div class="msg"><div class="avatar">a</div><div class="body">
<div><span class="name">attache</span><span class="app">APP</span><span class="time">Today at 12:00</span></div>
%s</div></div></div><div class="input">Message #istanbul-talks</div></div>""" % (
        CSS % {"w": WIDTH, "h": HEIGHT},
        html.escape(capture.get("command", "/ask")),
        html.escape(capture["question"]),
        "".join(inner),
    )


def shoot(html_path, png_path, width):
    args = [
        "chromium",
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--user-data-dir=" + tempfile.mkdtemp(),
        "--window-size=%d,%d" % (width, HEIGHT),
        "--screenshot=" + png_path,
        "file://" + html_path,
    ]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, captures = sys.argv[1], sys.argv[2:]
    screens = [
        page(json.load(open(c, encoding="utf-8")), os.path.dirname(os.path.abspath(c)))
        for c in captures
    ]
    # Several captures side by side, 12 px apart.
    bodies = "".join(
        '<iframe srcdoc="%s" style="border:0;width:%dpx;height:%dpx;margin-right:12px"></iframe>'
        % (html.escape(s), WIDTH, HEIGHT)
        for s in screens
    )
    doc = '<!doctype html><body style="margin:0;background:#1e1f22;display:flex">%s</body>' % bodies
    width = len(screens) * (WIDTH + 12)
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8") as f:
        f.write(doc)
    shoot(f.name, os.path.abspath(out), width)
    print(out)


if __name__ == "__main__":
    main()
