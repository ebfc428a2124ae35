"""Cleaning scraped text by general rules: repeated title lines, share prompts, editor lines, closing footers.

Rules describe kinds of noise, never one document's strings, so they hold for any scraped page.
"""

from __future__ import annotations

import re

SENTENCE_END = tuple(".!?。！？…\"'”’)）")
# A share/scan prompt names an action and a channel ("Scan the QR code", "Share to WeChat"); a channel alone
# ("Mobile phone subsidies") may be a real heading, so both are required, or a bare utility word on its own line.
_ACTION = re.compile(
    r"\b(share|scan|sweep|print|follow|open|email|send|read)\b|扫|分享|打印|关注|关闭|转发|收藏", re.IGNORECASE
)
_CHANNEL = re.compile(
    r"\bqr\b|\bmobile\b|\bphone\b|\bwechat\b|\bweibo\b|\bfacebook\b|\btwitter\b|\blinkedin\b|\bqq\b"
    r"|\bthis\s+(page|article|story)\b|\bwindow\b|\bfriends\b|二维码|手机|微信|微博|本页|本文|窗口|朋友圈",
    re.IGNORECASE,
)
_UTILITY = re.compile(
    r"^(share|print|close|back\s+to\s+top|top|font\s+size.*|分享到?|打印|关闭|返回顶部|字号.*)\s*[:：]?$", re.IGNORECASE
)
# "[Editor: X]" is noise wherever it stands; "Source:"/"Author:" lines are only noise in the closing footer.
_EDITOR = re.compile(r"^[\[【(（]?\s*(responsible\s+editor|editors?|edited\s+by|责任编辑|编辑)\s*[:：]", re.IGNORECASE)
_BYLINE = re.compile(r"^[\[【(（]?\s*(source|author|reporter|来源|作者|记者)\s*[:：]", re.IGNORECASE)
_LIST_OR_HEAD = re.compile(r"^([#>*•\-+]|\d+[.)、]|\|)")
_AUTHOR_IN_PARENS = re.compile(r"^[(（][^()（）]{1,40}[)）]$")


def _is_share_prompt(line: str) -> bool:
    # Only short lines: a long line that mentions WeChat is content.
    if len(line) > 80 or len(line.split()) > 12:
        return False
    return bool(_UTILITY.match(line) or (_ACTION.search(line) and _CHANNEL.search(line)))


def _is_footer_line(line: str) -> bool:
    """A short closing line with no sentence in it ("About the author", "admin administrator", "Source: X")."""
    if _is_share_prompt(line) or (len(line) <= 80 and (_EDITOR.match(line) or _BYLINE.match(line))):
        return True
    if _AUTHOR_IN_PARENS.match(line) or _LIST_OR_HEAD.match(line):
        return False
    return len(line) < 40 and not line.endswith(SENTENCE_END)


def _drop_repeats(lines: list[str]) -> list[str]:
    """Drop a line equal to the previous non-blank line, and the title line repeated among the first lines."""
    kept: list[str] = []
    real: list[str] = []
    for line in lines:
        if line and real and (line == real[-1] or (line == real[0] and len(real) < 5)):
            continue
        kept.append(line)
        real += [line] if line else []
    return kept


def _drop_trailing_footer(lines: list[str]) -> list[str]:
    """Remove the footer lines after the last real paragraph; more than 8 short lines is content (a list)."""
    cut = len(lines)
    while cut and (not lines[cut - 1] or _is_footer_line(lines[cut - 1])):
        cut -= 1
    dropped = sum(1 for line in lines[cut:] if line)
    return lines[:cut] if cut and dropped <= 8 else lines


def clean_text(text: str, *, strip_footer: bool = True) -> str:
    """Normalise whitespace, keep paragraph breaks, and drop scraped-page noise that carries no content.

    ``strip_footer=False`` keeps short trailing lines (used for PDF pages other than the last).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = re.sub(r"[\u200b\u200c\u200d\ufeff\u00ad]", "", text)  # invisible characters break word matching
    text = re.sub(r"[\ud800-\udfff]", "\ufffd", text)  # a lone surrogate (broken PDF text) cannot be stored as UTF-8
    lines = [re.sub(r"[ \t\u00a0\u3000\u2002\u2003\u2009\v]+", " ", line).strip() for line in text.split("\n")]
    lines = [line for line in lines if not (_is_share_prompt(line) or (len(line) <= 60 and _EDITOR.match(line)))]
    lines = _drop_repeats(lines)
    if strip_footer:
        lines = _drop_trailing_footer(lines)
    return re.sub(r"\n{2,}", "\n\n", "\n".join(lines)).strip()
