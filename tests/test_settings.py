"""Settings: one prefix, every field documented in the README."""

from __future__ import annotations

from pathlib import Path

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
