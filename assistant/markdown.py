"""Escaped Markdown: document and user text rendered as itself, never as HTML, links or formatting.

Document text is untrusted: an ingested page may hold ``<script>`` or Markdown images pointing anywhere. Everything
built here is Markdown-escaped (so ``![x](url)`` stays text) and HTML-escaped (so tags stay text even where the page
allows the one tag it adds itself, ``<mark>``). The page, the exported conversation and ``Answer.to_markdown``
all go through these helpers.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation Markdown (or Streamlit's extensions: $math$, :emoji:, :red[colour]) gives a meaning to.
# "<", ">", "&" are left to html.escape: a backslash before an entity would show the entity itself.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:^=\"'])")
# Markdown turns bare URLs, www. names and e-mail addresses into links even after backslash escaping and
# character references; an invisible word joiner before the character that triggers each keeps them plain text
# that reads the same.
_AUTOLINK = re.compile(r"(?<=[A-Za-z])\\?(:)(?=//)|(?<=\bwww)\\?(\.)|(@)(?=[\w-]+\\?\.)", re.IGNORECASE)


def md_escape(text: str) -> str:
    """Text that renders as itself in st.markdown, with or without unsafe_allow_html: no HTML, no links."""
    escaped = html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)
    return _AUTOLINK.sub(lambda m: "\u2060" + m.group(0), escaped)


def shorten(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def citation_label(n: int) -> str:
    """[n] as Markdown (brackets escaped, or they would start a link)."""
    return f"\\[{n}\\]"


def where(meta: dict) -> str:
    """Title — § section — p. N, as plain text."""
    parts = [shorten(meta.get("title") or meta.get("doc", ""), 80)]
    if meta.get("section"):
        parts.append(f"§ {shorten(meta['section'], 80)}")
    if meta.get("page"):
        parts.append(f"p. {meta['page']}")
    return " — ".join(parts)


def location(meta: dict) -> str:
    """Title — § section — p. N, escaped."""
    return md_escape(where(meta))


def source_label(meta: dict) -> str:
    """Where a source is, with its document name: "Title — § section — p. N (file.pdf)", escaped."""
    return f"{location(meta)} ({md_escape(meta.get('doc', ''))})"
