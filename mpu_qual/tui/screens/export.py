"""Export coded quotes or write the theme summary from the workbench, with the CLI's options.

``X`` (or "Export quotes" in the palette) is ``mpu-qual export quotes``; ``S`` ("Write the
summary") is ``mpu-qual summary``. Each field is one option of the command; an empty field is
an option left out. Ctrl+S (or Enter in the last field) writes the file; an error keeps the
form open with everything typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label

from mpu_qual.errors import MpuQualError
from mpu_qual.export.formats import QUOTE_FORMATS, SUMMARY_FORMATS
from mpu_qual.figures import count
from mpu_qual.tui.screens.form import FormScreen

if TYPE_CHECKING:
    from mpu_qual.store import Project


@dataclass(frozen=True)
class Field:
    """One option: its input's id, the CLI option it stands for, a hint."""

    name: str
    option: str
    hint: str
    default: str = ""


QUOTE_FIELDS = (
    Field(
        "output",
        "-o",
        "file: " + " ".join(f.suffixes[0] for f in QUOTE_FORMATS.formats),
        "quotes.xlsx",
    ),
    Field("format", "--format", f"{QUOTE_FORMATS.names_text()} (empty: from the file name)"),
    Field("codes", "--code", "code ids, with their sub-codes (several: space between)"),
    Field("theme", "--theme", "only this theme (its id)"),
    Field("group", "--group", "only passages by this stakeholder group"),
    Field("participant", "--participant", "only passages by this participant (label)"),
    Field("source", "--source", "only this transcript"),
    Field("pseudonyms", "--pseudonyms", "pseudonym list (default: pseudonyms.yaml)"),
)
SUMMARY_FIELDS = (
    Field(
        "output",
        "-o",
        "file: " + " ".join(f.suffixes[0] for f in SUMMARY_FORMATS.formats),
        "summary.md",
    ),
    Field("format", "--format", f"{SUMMARY_FORMATS.names_text()} (empty: from the file name)"),
    Field("theme", "--theme", "only this theme (its id)"),
    Field("quotes", "--quotes", "representative quotes per theme", "3"),
    Field("agreement_unit", "--agreement-unit", "segment or char", "segment"),
    Field("prose_writer", "--prose-writer", "MODULE:FUNCTION that drafts a paragraph"),
    Field("pseudonyms", "--pseudonyms", "pseudonym list (default: pseudonyms.yaml)"),
)


class ExportScreen(FormScreen[Path | None]):
    """``kind`` is "quotes" or "summary"; dismisses with the file written."""

    def __init__(self, kind: str, folder: Path) -> None:
        super().__init__(classes="dialog-screen")
        self.kind = kind
        self.folder = folder
        self.fields = QUOTE_FIELDS if kind == "quotes" else SUMMARY_FIELDS

    def compose(self) -> ComposeResult:
        title = "Export coded quotes" if self.kind == "quotes" else "Write the theme summary"
        command = "mpu-qual export quotes" if self.kind == "quotes" else "mpu-qual summary"
        with Vertical(classes="dialog dialog-wide", id="export-form"):
            yield Label(title, classes="dialog-title")
            yield Label(
                f"The options of '{command}'; empty fields are left out. Files are written "
                f"in {self.folder} unless you give a path.",
                classes="dialog-help",
            )
            with VerticalScroll(id="export-fields"):
                for f in self.fields:
                    with Horizontal(classes="export-row"):
                        yield Label(f.option, classes="export-option")
                        yield Input(f.default, placeholder=f.hint, id=f"export-{f.name}")
                yield Checkbox(
                    "--pseudonymise: replace participants' names with their labels",
                    id="export-pseudonymise",
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Write (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-output", Input).focus()

    def value(self, name: str) -> str:
        return self.query_one(f"#export-{name}", Input).value.strip()

    def output_path(self) -> Path:
        out = self.value("output")
        if not out:
            raise MpuQualError("name the file to write", field="output")
        path = Path(out).expanduser()
        return path if path.is_absolute() else self.folder / path

    def action_save(self) -> None:
        app: Any = self.app
        try:
            message, path = self.write(app.project)
        except (MpuQualError, OSError, ValueError) as exc:
            title = "Could not export" if self.kind == "quotes" else "Could not write the summary"
            app.show_error(exc, title)
            return
        app.notify(message, title="Exported" if self.kind == "quotes" else "Summary", timeout=6)
        self.dismiss(path)

    def write(self, project: Project) -> tuple[str, Path]:
        """Write the file as the CLI would; returns the CLI's message and the path."""
        from mpu_qual.pseudonymise import project_pseudonymiser

        path = self.output_path()
        fmt = self.value("format") or None
        pseudo = None
        if self.query_one("#export-pseudonymise", Checkbox).value:
            pseudo = project_pseudonymiser(project, self.value("pseudonyms") or None)
        elif self.value("pseudonyms"):
            raise MpuQualError("--pseudonyms needs --pseudonymise", field="pseudonyms")
        done = " (pseudonymised)" if pseudo is not None else ""
        if self.kind == "quotes":
            from mpu_qual.export.quote_rows import QuoteFilter
            from mpu_qual.export.quotes import export_quotes, format_for

            fmt = format_for(path, fmt)
            flt = QuoteFilter(
                codes=tuple(self.value("codes").replace(",", " ").split()),
                theme=self.value("theme") or None,
                group=self.value("group") or None,
                participant=self.value("participant") or None,
                source=self.value("source") or None,
            )
            data = export_quotes(project, path, fmt, flt, pseudo)
            themes = len({r.theme_id for r in data.rows})
            message = (
                f"Wrote {count(len(data.rows), 'coded quote')} from {count(themes, 'theme')} "
                f"to {path} ({fmt}){done}."
            )
            if not data.rows:
                message += " No codings matched the filters."
            return message, path
        from mpu_qual.export.summary import build_summary
        from mpu_qual.export.summary_render import (
            load_prose_writer,
            summary_format,
            write_summary,
        )

        fmt = summary_format(path, fmt)
        quotes = self.value("quotes") or "3"
        if not quotes.isdigit():
            raise MpuQualError(f"--quotes must be a whole number, got '{quotes}'", field="quotes")
        unit = self.value("agreement_unit") or "segment"
        if unit not in ("segment", "char"):
            raise MpuQualError(
                f"--agreement-unit must be segment or char, got '{unit}'", field="agreement-unit"
            )
        writer = self.value("prose_writer")
        s = build_summary(
            project,
            theme=self.value("theme") or None,
            quotes=int(quotes),
            pseudo=pseudo,
            prose=load_prose_writer(writer) if writer else None,
            agreement_unit=unit,
        )
        write_summary(s, path, fmt)
        return (
            f"Wrote the summary of {count(len(s.themes), 'theme')} to {path} ({fmt}){done}.",
            path,
        )
