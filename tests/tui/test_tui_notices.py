"""Library notices (network or cloud folder, read-only open) reach the workbench as
notifications, also those raised while the project was being opened."""

from __future__ import annotations

import shutil

from tui_helpers import settle

from mpu_qual.safety import notices
from mpu_qual.tui.app import create_app


async def test_cloud_folder_warning_is_a_notification(demo_dir, tmp_path):
    cloud = tmp_path / "Dropbox" / "project"
    shutil.copytree(demo_dir, cloud)
    app = create_app(cloud)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        notes = [(n.severity, n.message) for n in app._notifications]
        assert any(sev == "warning" and "Dropbox" in msg for sev, msg in notes), notes
    assert app._on_notice not in notices._shown_by  # unregistered when the app ends


def test_the_cli_shows_notices_only_while_a_command_runs_and_the_workbench_shows_its_own(
    demo_dir, tmp_path
):
    """No front end registers itself on import: the CLI shows notices for the length of a
    command; a front end opened inside it (the workbench) is the one that shows them."""
    import subprocess
    import sys

    code = (
        "import mpu_qual.cli, mpu_qual.cli.maintenance, mpu_qual.cli.core\n"
        "from mpu_qual.safety import notices\n"
        "print(len(notices._shown_by))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "0"  # importing the CLI registers nothing
    before = list(notices._shown_by)
    outer: list[str] = []
    inner: list[str] = []
    with notices.shown_by(lambda level, msg: outer.append(msg)):
        notices.notify("warning", "first")
        with notices.shown_by(lambda level, msg: inner.append(msg)):
            notices.notify("warning", "second")
        notices.notify("warning", "third")
    assert (outer, inner) == (["first", "third"], ["second"])
    assert notices._shown_by == before
