"""Evaluation: question sets answered into run files, scored exactly as ``shared/eval/score.py`` does; BEIR
nDCG; and the baselines (plain LangChain, BM25 alone, dense alone) answered through the same composer."""

from assistant.evaluation.beir import evaluate_beir, load_beir, ndcg_at_k, published_baselines, recall_at_k
from assistant.evaluation.files import load_jsonl, write_jsonl
from assistant.evaluation.metrics import covers, first_hit, normalize, score_run
from assistant.evaluation.runs import eval_index_dir, evaluate, evaluate_corpus, run_record

__all__ = [
    "covers",
    "eval_index_dir",
    "evaluate",
    "evaluate_beir",
    "evaluate_corpus",
    "first_hit",
    "load_beir",
    "load_jsonl",
    "ndcg_at_k",
    "normalize",
    "published_baselines",
    "recall_at_k",
    "run_record",
    "score_run",
    "write_jsonl",
]
