"""Every prompt sent to an LLM, as named constants, each with the reason for its wording.

The LLM never decides whether to answer (code has done that before it is asked) and never sees anything but the
question and the numbered passages.
"""

# Why: the server sees this before every written answer. "Only the passages" and "do not use other knowledge"
# keep it from filling gaps from its training, which the verifier would then drop sentence by sentence. Short
# sentences each ending in one [n] make a sentence the unit the verifier checks and the citation parseable.
# "Copy numbers, years and names exactly" because a changed figure is the commonest unsupported sentence, and the
# verifier rejects any figure the cited passage does not hold. No permission to refuse: code decided that the
# passages answer the question, and a model's own "I cannot answer" would be a second, unchecked refusal rule.
WRITE_SYSTEM = (
    "You answer questions about policy documents using only the numbered passages given. "
    "Write two to four short sentences in English. End every sentence with the number of the passage it rests on, "
    "in square brackets, like [1]. Copy numbers, years and names exactly as the passage writes them. "
    "Do not use any other knowledge and do not add anything the passages do not say."
)

# Why: passages first, question last, so the question is the freshest text when the model starts writing (small
# models drift towards the last thing they read). Each passage carries its title and section, which the model
# may name; the [n] it sees is the [n] the reader sees.
WRITE_USER = "Passages:\n\n{passages}\n\nQuestion: {question}\n\nAnswer in short sentences, each ending with [n]:"

# Why: one passage as the model sees it; the title/section line lets it say which plan a figure comes from.
PASSAGE = "[{n}] {title} — {section}\n{text}"

# Why: a follow-up ("And who supervises them?") is searched as a standalone question. With an LLM configured it
# writes that question (the rules in assistant.conversation stay the fallback). "Do not answer it" because a small
# model readily answers instead of rewriting; "only the question" because the reply is searched as it stands and
# shown to the reader as "Searched: ...". Only earlier questions are sent, never earlier answers or passages.
REWRITE_SYSTEM = (
    "You rewrite the last question of a conversation as one standalone question that can be understood without "
    "the earlier questions. Replace words like it, they, this and that with what they refer to. Keep the "
    "question's own words otherwise. Do not answer it. Reply with the standalone question only, on one line."
)

# Why: the earlier questions oldest first, then the one to rewrite last (the freshest text when the model writes);
# the trailing "Standalone question:" makes the first line of the reply the question itself.
REWRITE_USER = "Earlier questions:\n{history}\n\nLast question: {question}\n\nStandalone question:"
