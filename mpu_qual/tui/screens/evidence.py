"""Job-ad evidence beside a coded passage: link a new query to a coding or a code, list links.

The researcher picks what to count (sector, window, role, skill term, free text) from the
project's job rules, sees the figure it gives now, and saves it with ``link_evidence`` -- the
same calls as ``mpu-qual evidence link``. The figure preview runs on the app's read-only
connection in a worker, so typing never waits for a count over many ads.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.links import (
    EvidenceLink,
    EvidenceQuery,
    evidence_for_code,
    evidence_for_coding,
    link_evidence,
    refresh_evidence,
    run_query,
    unlink_evidence,
)
from mpu_qual.evidence.rules import Rules, load_project_rules
from mpu_qual.figures import count
from mpu_qual.tui.screens.dialogs import ConfirmScreen
from mpu_qual.tui.screens.form import press_button

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp


@dataclass(frozen=True)
class Target:
    """What a new link is attached to: one coding, or a code (all its passages)."""

    kind: str  # "coding" or "code"
    ref: str  # coding id (as text) or code id
    title: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref}"


def targets_for(app: MpuQualApp) -> list[Target]:
    """The codings at the workbench caret, their codes, and the code picked in the codebook.

    With none of those (nothing coded here, no code picked) every code is offered.
    """
    out: list[Target] = []
    seen: set[str] = set()

    def add(t: Target) -> None:
        if t.key not in seen:
            seen.add(t.key)
            out.append(t)

    labels = app.labels
    wb = app.workbench
    codes: list[str] = []
    if wb is not None and wb.source is not None:
        for c in wb.view.codings_for_action():
            quote = " ".join(wb.source.text[c.start : c.end].split())
            quote = quote if len(quote) <= 40 else quote[:39] + "…"
            add(Target("coding", str(c.id), f"This passage: {c.label} “{quote}” (coding {c.id})"))
            codes.append(c.code_id)
        picked = wb.codebook_tree.current_code
        if picked:
            codes.append(picked)
    for cid in codes:
        add(Target("code", cid, f"The code {labels.path(cid)} (all its passages)"))
    if not out:
        for code in labels.codes:
            add(Target("code", code.id, f"The code {labels.path(code.id)}"))
    return out


def rule_choices(rules: Rules) -> dict[str, list[tuple[str, str]]]:
    """(shown, value) options per field; values are the rules' canonical labels."""
    roles = [*rules.roles, rules.other]
    return {
        "sector": [(f"{s.label} · {s.en}", s.label) for s in rules.sectors],
        "window": [(w.label, w.label) for w in rules.windows],
        "role": [(f"{r.label} · {r.en}", r.label) for r in roles],
        "term": [(t.term, t.term) for t in rules.terms],
    }


FIELDS = ("sector", "window", "role", "term")


class EvidenceScreen(ModalScreen[None]):
    """Link job-ad figures to the passage at the caret (or to a code) and manage the links."""

    DEFAULT_CSS = """
    #evidence .ev-row { height: auto; }
    #evidence .ev-row Select, #evidence .ev-row Input { width: 1fr; }
    #evidence .ev-caption { width: auto; padding: 1 1 0 0; color: $text-muted; }
    #ev-figure { margin-top: 1; height: auto; }
    #ev-links { height: 1fr; min-height: 4; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save the link", show=False, priority=True),
        Binding("ctrl+r", "refresh", "Refresh the figures of the listed links", show=False),
        Binding("delete", "unlink", "Unlink the highlighted evidence", show=False),
        Binding("escape", "close", "Close", show=False),
        Binding("f1", "app.help", "Help: the keys here", show=False),
    ]

    def __init__(self, targets: list[Target]) -> None:
        super().__init__(classes="dialog-screen")
        self.targets = {t.key: t for t in targets}
        self.rules: Rules | None = None
        self.links: list[EvidenceLink] = []

    @property
    def mpu_app(self) -> MpuQualApp:
        return cast("MpuQualApp", self.app)

    def compose(self) -> ComposeResult:
        options = [(t.title, t.key) for t in self.targets.values()]
        with Vertical(classes="dialog dialog-full", id="evidence"):
            yield Label("Job-ad evidence", classes="dialog-title")
            with Horizontal(classes="ev-row"):
                yield Label("Link to", classes="ev-caption")
                yield Select(
                    options,
                    value=options[0][1] if options else Select.NULL,
                    allow_blank=not options,
                    prompt="(nothing to link to)",
                    id="ev-target",
                )
            for pair in (FIELDS[:2], FIELDS[2:]):
                with Horizontal(classes="ev-row"):
                    for name in pair:
                        yield Select([], prompt=f"{name.title()}: any", id=f"ev-{name}")
            with Horizontal(classes="ev-row"):
                yield Input(placeholder="Words the ad must contain (any language)", id="ev-text")
                yield Input(placeholder="Note: why this evidence matters (optional)", id="ev-note")
            yield Static("", id="ev-figure")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save link (ctrl+s)", id="ev-save", variant="primary")
                yield Button("Refresh figures (ctrl+r)", id="ev-refresh")
                yield Button("Unlink (del)", id="ev-unlink")
                yield Button("Close (esc)", id="ev-close")
            yield DataTable(id="ev-links", cursor_type="row", zebra_stripes=True)
            yield Label(
                "Ctrl+S links the query · Del unlinks the highlighted link · "
                "Ctrl+R recomputes the figures · F1 keys · Esc closes",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        try:
            self.rules = load_project_rules(self.mpu_app.folder)
        except MpuQualError as exc:  # name the file and line: the user has to fix them
            self.notify(
                str(exc) + (f"\n{exc.hint}" if exc.hint else ""),
                title="Cannot read the job rules; nothing to link until they are fixed",
                severity="error",
                timeout=10,
            )
            self.dismiss(None)
            return
        for name, choices in rule_choices(self.rules).items():
            self.query_one(f"#ev-{name}", Select).set_options(choices)
        table = self.query_one(DataTable)
        table.add_columns(*EvidenceLink.COLUMNS)
        self.reload_links()
        self.preview()
        self.query_one("#ev-target", Select).focus()
        if not self.targets:
            self.notify(
                "The codebook has no codes to link evidence to. Add a code first.",
                title="Nothing to link to",
                severity="warning",
            )

    # ------------------------------------------------------------------ the query
    @property
    def target(self) -> Target | None:
        value = self.query_one("#ev-target", Select).value
        return None if value is Select.NULL else self.targets.get(str(value))

    def current_query(self) -> EvidenceQuery:
        """The query the fields describe (values are the rules' own labels)."""
        values: dict[str, str | None] = {}
        for name in FIELDS:
            v = self.query_one(f"#ev-{name}", Select).value
            values[name] = None if v is Select.NULL else str(v)
        text = self.query_one("#ev-text", Input).value.strip() or None
        return EvidenceQuery(text=text, **values)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "ev-target":
            self.reload_links()
        else:
            self.preview()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "ev-text":
            self.preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def preview(self) -> None:
        """Show the figure the fields' query gives now."""
        if self.rules is not None:
            self._count(self.current_query(), self.rules)

    @work(thread=True, exclusive=True, group="evidence-figure")
    def _count(self, raw: EvidenceQuery, rules: Rules) -> None:
        """Count on the read-only connection, off the UI thread (many ads can take a while)."""
        try:
            query = raw.resolved(rules)
            figure = self.mpu_app.read(lambda p: run_query(p.db, query))
        except (MpuQualError, sqlite3.Error) as exc:
            msg = exc.message if isinstance(exc, MpuQualError) else str(exc)
            self.app.call_from_thread(self._show_figure, Text(msg, style="bold red"))
            return
        text = Text()
        text.append("Figure now: ", style="bold")
        text.append(figure.describe(), style="bold green")
        text.append(f" — {query.describe()}")
        self.app.call_from_thread(self._show_figure, text)

    def _show_figure(self, text: Text) -> None:
        if self.is_attached:
            self.query_one("#ev-figure", Static).update(text)

    # ------------------------------------------------------------------ links
    def reload_links(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        target = self.target
        self.links = []
        if target is None:
            return
        db = self.mpu_app.project.db
        try:
            if target.kind == "coding":
                self.links = evidence_for_coding(db, int(target.ref))
            else:
                self.links = evidence_for_code(db, target.ref)
        except (MpuQualError, sqlite3.Error) as exc:
            self.mpu_app.show_error(exc, "Could not list the evidence links")
            return
        for x in self.links:
            table.add_row(*x.cells(), key=str(x.id))

    def action_save(self) -> None:
        target = self.target
        if target is None or self.rules is None:
            self.notify(
                "Choose what to link the evidence to first (the list at the top).",
                title="Nothing to link to",
                severity="error",
            )
            return
        query = self.current_query()
        note = self.query_one("#ev-note", Input).value
        kw: dict[str, Any] = (
            {"coding_id": int(target.ref)} if target.kind == "coding" else {"code_id": target.ref}
        )
        try:
            link = link_evidence(self.mpu_app.project, query, note=note, rules=self.rules, **kw)
        except (MpuQualError, sqlite3.Error) as exc:
            self.mpu_app.show_error(exc, "Could not link the evidence; nothing was saved")
            return
        self.query_one("#ev-note", Input).value = ""
        self.reload_links()
        self.notify(
            f"Linked evidence {link.id}: {link.query.describe()} → {link.figure.describe()}.",
            title="Evidence linked",
            timeout=4,
        )

    def _highlighted(self) -> EvidenceLink | None:
        table = self.query_one(DataTable)
        if not self.links or table.cursor_row < 0:
            return None
        return self.links[min(table.cursor_row, len(self.links) - 1)]

    def action_unlink(self) -> None:
        link = self._highlighted()
        if link is None:
            self.notify("There is no evidence link to remove here.", severity="warning")
            return
        where = f"code {link.code_id}" if link.code_id else f"coding {link.coding_id}"
        extra = " It is on the code, so every passage of the code loses it." if link.code_id else ""

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                unlink_evidence(self.mpu_app.project, link.id)
            except (MpuQualError, sqlite3.Error) as exc:
                self.mpu_app.show_error(exc, "Could not remove the evidence link")
                return
            self.reload_links()
            self.notify(f"Removed evidence link {link.id}.", timeout=3)

        self.app.push_screen(
            ConfirmScreen(
                "Unlink evidence",
                f"Remove link {link.id} ({link.query.describe()}) from {where}?{extra} "
                "This cannot be undone; the query can be linked again.",
            ),
            answered,
        )

    def action_refresh(self) -> None:
        if not self.links:
            self.notify("No evidence links listed here to refresh.", severity="warning")
            return
        ids = list(dict.fromkeys(x.id for x in self.links))
        try:
            pairs = refresh_evidence(self.mpu_app.project, ids)
        except (MpuQualError, sqlite3.Error) as exc:
            self.mpu_app.show_error(exc, "Could not refresh the figures; none was changed")
            return
        changed = sum(
            (b.figure.count, b.figure.total) != (a.figure.count, a.figure.total) for b, a in pairs
        )
        self.reload_links()
        self.notify(
            f"Refreshed {count(len(pairs), 'link')}; {count(changed, 'figure')} changed.", timeout=4
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        press_button(
            event,
            {
                "ev-save": self.action_save,
                "ev-refresh": self.action_refresh,
                "ev-unlink": self.action_unlink,
                "ev-close": self.action_close,
            },
        )

    def action_close(self) -> None:
        self.dismiss(None)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette opened over this screen."""
        return [
            ("Help: the keys of this screen", "F1", "app.help"),
            ("Save the evidence link", "Link the query above to the chosen passage/code", "save"),
            ("Refresh evidence figures", "Recompute the listed links after imports", "refresh"),
            ("Unlink the highlighted evidence", "Remove the link (asks first)", "unlink"),
            ("Close job-ad evidence", "Back to the workbench", "close"),
        ]
