"""Library notices (network or cloud folder, read-only open) reach the workbench as
notifications, also those raised while the project was being opened."""

from __future__ import annotations

import shutil

from tui_helpers import settle

from mpu_qual.safety.notices import _handlers
from mpu_qual.tui.app import create_app


async def test_cloud_folder_warning_is_a_notification(demo_dir, tmp_path):
    cloud = tmp_path / "Dropbox" / "project"
    shutil.copytree(demo_dir, cloud)
    app = create_app(cloud)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        notes = [(n.severity, n.message) for n in app._notifications]
        assert any(sev == "warning" and "Dropbox" in msg for sev, msg in notes), notes
    assert app._on_notice not in _handlers  # unregistered when the app ends
