"""The chat page: a thin view over assistant/ (logic and escaping live there and are tested there).

Run with `make serve` (binds 127.0.0.1, no usage stats). Every piece of document or user text drawn here goes
through assistant.view.md_escape or a helper built on it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import streamlit as st

from assistant import conversation
from assistant.conversation import Turn
from assistant.errors import AssistantError
from assistant.llm import model_name as llm_name
from assistant.page import access, failures, uploads, view
from assistant.page.export import conversation_markdown
from assistant.page.feedback import FeedbackRecord, FeedbackStore, rating_name
from assistant.page.startup import load_library  # shared with the start-up warm-up (make serve)
from assistant.retrieval import Hit
from assistant.settings import get_settings
from assistant.users import ANONYMOUS, SIGN_INS, User, UsersFile, oidc_user
from assistant.write import Writing

st.set_page_config(page_title="Policy Q&A", page_icon="📜", layout="wide")


@st.cache_resource
def write_lock(index_dir: str) -> threading.Lock:
    """Sessions share the Library; ingest and remove must not interleave."""
    return threading.Lock()


settings = get_settings()
state = st.session_state
refusal = access.open_address_refusal(st.get_option("server.address"), settings)
if refusal:  # checked before anything is loaded or shown: the page serves only this message
    logging.getLogger("assistant.page").error(refusal)
    st.error(refusal)
    st.stop()


# ---------------------------------------------------------------- sign-in


def signed_in() -> User | None:
    if settings.auth == "none":
        return ANONYMOUS
    if settings.auth == "oidc":
        if not st.user.is_logged_in:
            return None
        return oidc_user(st.user.get("email"), st.user.get("name"), settings.oidc_editors)
    if state.get("user") is not None:  # read again on every run: `assistant users remove` or a new role applies at once
        state.user = read_users(lambda users: users.current(state.user))
        if state.user is None:
            state.turns = []
    return state.get("user")


def read_users(read: Callable[[UsersFile], User | None]) -> User | None:
    """A users file that cannot be read stops the page with a short message; the detail goes to the server log."""
    users = UsersFile(settings.users_path)
    try:
        return read(users)
    except AssistantError as error:
        st.error(view.md_escape(failures.failure_message("reading the users file", error)))
        st.stop()


def draw_sign_in() -> None:
    """All a signed-out visitor sees."""
    st.title("Policy Q&A")
    if settings.auth == "oidc":
        st.button("Sign in with your organisation's account", on_click=st.login, type="primary")
        return
    if not settings.users_path.exists():
        st.info("No users yet: an administrator adds them on the server with "
                "`assistant users add NAME --role reader|editor`.")
    with st.form("sign-in"):
        name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            verify = lambda: read_users(lambda users: users.verify(name.strip(), password))  # noqa: E731
            user, refusal = SIGN_INS.attempt(name.strip(), verify)
            if user is None:
                st.error(refusal)
            else:
                state.user, state.turns = user, []  # a fresh conversation for whoever signs in
                st.rerun()


def sign_out() -> None:
    state.turns = []  # the next person at this browser does not see the conversation
    if settings.auth == "oidc":
        st.logout()
    state.pop("user", None)


user = signed_in()
if user is None:
    draw_sign_in()
    st.stop()

INDEX = str(settings.index_dir)
library = load_library(INDEX)
feedback_store = FeedbackStore(settings.index_dir)
state.setdefault("turns", [])
state.setdefault("notices", [])
state.setdefault("feedback", {})  # turn id -> (row id, rating, comment)
state.setdefault("upload_round", 0)


def notify(result: uploads.ActionResult) -> None:
    state.notices.append(result)


# ---------------------------------------------------------------- passages


@st.dialog("Source passage", width="large")
def show_passage(hit: Hit, n: int | None, highlights: list[tuple[int, int]]) -> None:
    meta = hit.chunk.metadata
    number = f"\\[{n}\\] " if n else ""
    st.markdown(f"**{number}{view.location(meta)}**")
    st.caption(f"Document: {view.md_escape(meta['doc'])}")
    text = library.document_text(meta["doc"])
    if text is None or text[meta["start"] : meta["end"]] != hit.text:
        # The document was removed or re-indexed with other text since: the passage itself is all we have.
        st.warning("The document has changed since this answer; showing the passage as it was.")
        text, highlights = hit.text, [(s - meta["start"], e - meta["start"]) for s, e in highlights]
        meta = {**meta, "start": 0, "end": len(hit.text)}
    body = view.passage_markdown(text, meta["start"], meta["end"], highlights)
    st.markdown(f'<div class="passage">\n\n{body}\n\n</div>', unsafe_allow_html=True)


# ---------------------------------------------------------------- one turn


def draw_answer(turn: Turn) -> None:
    """The answer line by line, each cited sentence followed by its [n]: a button that opens the passage."""
    label = view.answer_label(turn)
    if turn.answer.mode == "fallback" and turn.answer.error:
        st.warning(view.md_escape(turn.answer.error))
    if label:
        st.caption(label)
    show_dropped = not state.get("hide_unsupported", False)
    with st.container(key=f"answer-{turn.id}", gap="xsmall"):
        for i, row in enumerate(view.answer_rows(turn, show_dropped)):
            if row.sentence is None:
                st.markdown(row.markdown)
                continue
            with st.container(horizontal=True, vertical_alignment="bottom", gap="xsmall", wrap=False):
                st.markdown(row.markdown)
                if st.button(view.citation_label(row.sentence.n), key=f"mark-{turn.id}-{i}", type="tertiary",
                             help="Open this sentence in its document"):
                    show_passage(turn.answer.source(row.sentence.n).hit, row.sentence.n,
                                 [(row.sentence.start, row.sentence.end)])


def draw_sources(turn: Turn) -> None:
    st.markdown("**Sources** — click a number to read the passage")
    for source in turn.answer.sources:
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            if st.button(view.citation_label(source.n), key=f"cite-{turn.id}-{source.n}",
                         help="Open the cited passage"):
                show_passage(source.hit, source.n, turn.answer.cited_spans(source.n))
            st.markdown(view.source_label(source.hit.chunk.metadata))


def draw_nearest(turn: Turn) -> None:
    if not turn.answer.nearest:
        return  # an empty library has nothing near
    st.markdown(f"**{view.NEAREST_LABEL}**")
    for i, hit in enumerate(turn.answer.nearest[:3], 1):
        with st.container(border=True):
            st.markdown(f"{view.location(hit.chunk.metadata)}  \n{view.md_escape(view.shorten(hit.text, 300))}")
            if st.button("Open passage", key=f"near-{turn.id}-{i}"):
                show_passage(hit, None, [])


def draw_feedback(turn: Turn) -> None:
    rating = st.feedback("thumbs", key=f"fb-{turn.id}")
    if rating is None:
        return
    comment = st.text_input("Comment (optional)", key=f"fbc-{turn.id}", placeholder="What was right or wrong?")
    row_id, *saved = state.feedback.get(turn.id, (None, None, None))
    if saved != [rating, comment]:
        record = FeedbackRecord(turn.question, turn.searched, turn.answer.text, turn.answer.cited_docs,
                                rating_name(rating), comment, id=row_id,
                                given_by="" if settings.auth == "none" else user.name)
        state.feedback[turn.id] = (feedback_store.save(record), rating, comment)
    st.caption("Feedback saved — thank you.")


def draw_turn(turn: Turn) -> None:
    with st.chat_message("user"):
        st.markdown(view.md_escape(turn.question))
    with st.chat_message("assistant"):
        note = view.searched_note(turn)
        if note:
            st.caption(note)
        draw_answer(turn)  # a quoted answer is complete at once: drawn whole, with its clickable [n] markers
        if turn.answer.refused:
            draw_nearest(turn)
        else:
            draw_sources(turn)
        draw_feedback(turn)


# ---------------------------------------------------------------- sidebar: the document library


def draw_document(name: str, info: dict) -> None:
    pages = f" · {info['pages']} pages" if info.get("pages") else ""
    with st.expander(view.md_escape(view.shorten(info.get("title") or name, 70))):
        st.caption(f"{view.md_escape(name)}  \n{info['type'].upper()}{pages} · {info['chunks']} passages · "
                   f"ingested {info['ingested_at'][:16].replace('T', ' ')}")
        if not user.can_edit:
            return
        with st.container(horizontal=True):
            if st.button("Re-index", key=f"reindex-{name}"):
                with write_lock(INDEX), st.spinner("Re-indexing…"):
                    notify(failures.guarded(f"re-indexing {name}", lambda: uploads.reindex(library, user, name)))
                st.rerun()
            if st.button("Delete", key=f"delete-{name}"):
                with write_lock(INDEX):
                    notify(failures.guarded(f"deleting {name}", lambda: uploads.delete(library, user, name)))
                st.rerun()


def add_upload(name: str, data: bytes, on_existing: uploads.OnExisting = "ask") -> None:
    bar = st.progress(0.0, text=f"Uploading {view.md_escape(name)}…")
    with write_lock(INDEX):
        result = failures.guarded(f"adding {name}", lambda: uploads.ingest_upload(
            library, user, name, data, lambda f, text: bar.progress(f, text=view.md_escape(text)), on_existing))
    if result.conflict:
        state.pending_upload = (name, data, result.conflict)
    else:
        notify(result)
    state.upload_round += 1  # a fresh uploader, so the same file is not ingested again on the next rerun
    st.rerun()


def draw_uploader() -> None:
    pending = state.get("pending_upload")
    if pending:
        name, data, conflict = pending
        st.warning(view.md_escape(uploads.conflict_text(conflict)))
        with st.container(horizontal=True):
            choice = next((c for c, label in (("replace", "Replace"), ("keep_both", "Keep both"), ("cancel", "Cancel"))
                           if st.button(label, key=f"conflict-{c}")), None)
        if choice:
            del state.pending_upload
            if choice == "cancel":
                st.rerun()
            add_upload(name, data, choice)
        return
    limit = min(settings.max_upload_mb, settings.max_file_mb)  # ingest would refuse a file over max_file_mb
    upload = st.file_uploader(f"Add a document (TXT, MD, HTML, PDF, DOCX; up to {limit} MB)",
                              type=uploads.UPLOAD_TYPES, key=f"upload-{state.upload_round}", max_upload_size=limit)
    if upload is not None:
        add_upload(upload.name, upload.getvalue())


def draw_sidebar() -> list[str] | None:
    """The library panel; returns the documents to search (None: all)."""
    docs = library.documents()
    with st.sidebar:
        if user.via != "none":
            st.caption(f"Signed in as **{view.md_escape(user.name)}** · {user.role}")
            st.button("Sign out", key="sign-out", on_click=sign_out)
        st.header("Document library")
        for result in state.notices:
            (st.success if result.ok else st.error)(view.md_escape(result.message))
        state.notices = []
        if not docs:
            st.info("No documents yet: upload one below." if user.can_edit else "No documents yet.")
        for name, info in sorted(docs.items()):
            draw_document(name, info)
        if user.can_edit:
            draw_uploader()
        st.divider()
        names = sorted(docs)
        scope = st.multiselect("Search in", names, default=names, help="Questions search only these documents",
                               format_func=lambda n: f"{view.shorten(docs[n].get('title') or n, 50)} ({n})")
        if names and not scope:
            st.warning("Select at least one document to search.")
        state.scope_empty = bool(names) and not scope
    return None if len(scope) == len(names) else scope


def draw_export() -> None:
    """Drawn last, so the answer given in this run is already in the export."""
    if not state.turns:
        return
    with st.sidebar:
        st.download_button("Export conversation (Markdown)", conversation_markdown(state.turns),
                           file_name="conversation.md", mime="text/markdown", on_click="ignore")
        if st.button("Clear conversation"):
            state.turns = []
            st.rerun()


# ---------------------------------------------------------------- page


def ask(question: str, docs: list[str] | None, overview: bool, written: bool) -> None:
    history = [t.searched for t in state.turns]
    try:
        if written and not overview and not conversation.overview_topic(conversation.standalone(question, history)):
            turn = ask_written(question, history, docs)
        else:
            with st.spinner("Searching the documents…"):
                turn = conversation.ask(library, question, history, docs, overview=overview)
    except Exception as error:  # a short message and a reference here; the traceback goes to the server log
        st.error(view.md_escape(failures.failure_message("answering your question", error)))
        return
    state.turns.append(turn)
    draw_turn(turn)


def ask_written(question: str, history: list[str], docs: list[str] | None) -> Turn:
    """The model's text streams in as it comes (escaped), each sentence marked below it as soon as it is complete
    and checked; then the checked answer replaces both."""
    with st.spinner("Searching the documents…"):
        searched, writing = conversation.write(library, question, history, docs)
    live = st.empty()
    if writing.asks_model:
        with live.container():
            with st.chat_message("user"):
                st.markdown(view.md_escape(question))
            with st.chat_message("assistant"):
                if searched.strip() != question.strip():
                    st.caption(f"Searched: {view.md_escape(searched)}")
                st.caption(f"Writing with {view.md_escape(llm_name(library.llm))}; checking every sentence…")
                text, checks = st.container(), st.empty()
                with text:
                    st.write_stream(live_tokens(writing, checks))
    turn = Turn(question, searched, writing.answer, docs)
    live.empty()
    return turn


def live_tokens(writing: Writing, checks: st.delta_generator.DeltaGenerator) -> Iterator[str]:
    """The tokens for st.write_stream; on the way, every completed sentence is drawn in ``checks`` with its mark."""
    checked = []
    for kind, value in writing.events():
        if kind == "token":
            yield view.md_escape(value)
        else:
            checked.append(value)
            with checks.container(key=f"live-checks-{len(checked)}"):
                st.caption("Checked so far:")
                st.markdown(view.live_checks_markdown(checked, not state.get("hide_unsupported", False)))


def queue(question: str) -> None:
    state.pending = question


def draw_starters(box: st.delta_generator.DeltaGenerator) -> None:
    documents = library.documents()
    questions = view.starter_questions(documents, {name: library.sections(name) for name in documents})
    if not questions:
        return
    with box.container():
        st.markdown("**Try asking**")
        for i, question in enumerate(questions):
            st.button(view.md_escape(question), key=f"starter-{i}", on_click=queue, args=(question,))


scope = draw_sidebar()
st.title("Policy Q&A")
st.caption("Answers are sentences quoted from your documents, each with its \\[n\\] source: click it to read the "
           "sentence in its document. " + ("Nothing leaves this machine." if library.llm is None else
                                           "A written answer sends your questions and the passages found to the LLM "
                                           "server; a quoted one sends nothing."))
overview_mode = st.toggle("Overview: group answers by document section", key="overview_mode")
written_mode = False
if library.llm is not None:
    with st.container(horizontal=True):
        written_mode = st.toggle(f"Written answer by {view.md_escape(llm_name(library.llm))} (each sentence checked)",
                                 value=True, key="written_mode", help="Off: quote the documents, as without an LLM")
        st.toggle("Hide unsupported sentences", key="hide_unsupported")
starters = st.empty()
if not state.turns:
    draw_starters(starters)
for past in state.turns:
    draw_turn(past)
typed = st.chat_input("Ask about your documents…", disabled=state.scope_empty)
question = typed or state.pop("pending", None)
if question:
    starters.empty()
    ask(question, scope, overview_mode, written_mode)
draw_export()
