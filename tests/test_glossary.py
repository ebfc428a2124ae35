"""A Chinese question's English search terms come from the bundled CC-CEDICT dictionary."""

from assistant.glossary import english_terms, segment


def test_segment_finds_dictionary_words_and_keeps_numbers_and_latin_words_whole() -> None:
    assert segment("2024年平安夜联邦雇员放假吗？") == ["2024", "年", "平安夜", "联邦", "雇员", "放假", "吗", "？"]
    assert "COVID" in segment("联邦雇员的COVID疫苗要求有没有例外？")
    assert "知识产权" in segment("规划对知识产权有什么要求？")  # the longest entry, not 知识 + 产权


def test_english_terms_translate_the_question_for_bm25() -> None:
    terms = english_terms("2024年平安夜联邦雇员放假吗？")
    assert {"2024", "christma", "eve", "feder", "employe", "holiday"} <= set(terms)  # stemmed as the index is
    assert "吗" not in terms and "？" not in terms  # a particle with many senses says nothing
    assert {"intellectu", "properti"} <= set(english_terms("规划对知识产权有什么要求？"))
    assert english_terms("What does the plan say about charging stations?") == []  # nothing to translate
