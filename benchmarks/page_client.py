"""One user of the page through Streamlit's own protocol (the websocket a browser opens), without a browser.

A browser renders the page on the user's own machine; on this 2-core machine 20 Chromium renderers beside the
server measure mostly Chromium. This client does the server's half of what a browser does: it fetches the page's
HTML, opens `/_stcore/stream`, asks for the script run a new tab asks for, and sends a question as the chat box
does (the chat_input widget's value); it reads the ForwardMsg deltas the page sends back. What the browser then
draws is not measured here (benchmarks/load.py --client browser measures it with Chromium).
"""

from __future__ import annotations

import asyncio
import urllib.request

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

CITED = "\\[1\\]"  # the label of an answer's first citation button (assistant.markdown.citation_label(1))
MARK = "-mark-"  # in the widget id of the [n] buttons inside an answer (app.py key f"mark-{turn.id}-{i}")


class PageError(RuntimeError):
    """The page showed an error or exception, or its script did not finish."""


class PageSession:
    """One browser tab's session: ``await load()``, then ``await ask(question)`` as often as wanted."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.socket = None
        self.chat_id = ""
        self.page_hash = ""
        self.answers = 0  # answers with a citation seen so far in this session

    async def load(self) -> None:
        """The page's HTML, the websocket, and the first script run up to the question box."""
        await asyncio.to_thread(self._fetch_html)  # in a thread: the other users' sessions share this event loop
        address = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.socket = await websockets.connect(address, subprotocols=["streamlit"], max_size=None)
        message = BackMsg()
        message.rerun_script.query_string = ""
        await self._run(message)
        if not self.chat_id:
            raise PageError("the page has no question box")

    def _fetch_html(self) -> None:
        with urllib.request.urlopen(self.url, timeout=30) as response:  # noqa: S310 - loopback http only
            response.read()

    async def ask(self, question: str) -> None:
        """Sends the question as the chat box does; returns once its answer's [1] has arrived and the run ended."""
        message = BackMsg()
        message.rerun_script.page_script_hash = self.page_hash
        widget = message.rerun_script.widget_states.widgets.add()
        widget.id = self.chat_id
        widget.chat_input_value.data = question
        cited = await self._run(message)
        if cited <= self.answers:
            raise PageError(f"no cited answer to {question!r}")
        self.answers = cited

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()

    async def _run(self, message: BackMsg) -> int:
        """Sends one rerun request and reads until its script run ends; returns how many answers show a [1]."""
        await self.socket.send(message.SerializeToString())
        cited: set[str] = set()  # the turns whose answer has a [1] marker
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await self.socket.recv())
            kind = reply.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = reply.new_session.page_script_hash
            elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                turn = self._element(reply.delta.new_element)
                if turn:
                    cited.add(turn)
            elif kind == "script_finished":
                if reply.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    cited = set()  # the run we wait for is the rerun that follows
                    continue
                if reply.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise PageError(f"the script ended with status {reply.script_finished}")
                return len(cited)
            elif reply.ref_hash:
                raise PageError("a cached message reference; this client does not fetch them")

    def _element(self, element) -> str | None:  # noqa: ANN001 - a streamlit Element proto
        """The turn an answer's [1] marker belongs to; raises on an error shown; notes the question box."""
        kind = element.WhichOneof("type")
        if kind == "chat_input":
            self.chat_id = element.chat_input.id
        elif kind == "exception":
            raise PageError(f"the page shows an exception: {element.exception.message[:200]!r}")
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            raise PageError(f"the page shows an error: {element.alert.body[:200]!r}")
        elif kind == "button" and element.button.label == CITED and MARK in element.button.id:
            return element.button.id.split(MARK, 1)[1].rsplit("-", 1)[0]  # ...-mark-{turn id}-{row}
        return None
