"""Settings: one prefix, every field documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import SettingsError
from assistant.settings import Settings, get_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_environment_variables_with_the_prefix_set_fields(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", "/tmp/elsewhere")
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    settings = get_settings()
    assert settings.index_dir == Path("/tmp/elsewhere") and settings.top_k == 7
    assert get_settings(top_k=3).top_k == 3  # explicit overrides win


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = README.read_text()
    missing = [name for name in Settings.model_fields if f"`ASSISTANT_{name.upper()}`" not in readme]
    assert not missing, f"README does not document: {missing}"


def test_a_mistyped_setting_is_an_error_naming_it(monkeypatch) -> None:  # noqa: ANN001
    with pytest.raises(SettingsError, match="unknown setting 'topk'.*top_k"):
        get_settings(topk=3)
    monkeypatch.setenv("ASSISTANT_TOPK", "3")
    with pytest.raises(SettingsError, match="ASSISTANT_TOPK"):
        get_settings()


@pytest.mark.parametrize(("name", "value"), [("top_k", 0), ("chunk_size", 10), ("dense_weight", 1.5)])
def test_a_setting_out_of_range_is_an_error(name: str, value: object) -> None:
    with pytest.raises(SettingsError, match=f"ASSISTANT_{name.upper()}"):
        get_settings(**{name: value})
