# Aggregate callback for `npx chatops deploy`: loads the Jinja2 filter and test plugins and the
# lookups our roles use once, in the controller process, when the playbook starts. Ansible forks a
# worker for every task on every host, and each worker would otherwise import and wrap every filter
# and test plugin again before evaluating its first expression: a rerun of site.yml spent about a
# tenth of the controller's CPU doing so. Forked workers inherit what the parent has loaded.
from __future__ import annotations

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader, lookup_loader, test_loader
from ansible.utils.display import Display

DOCUMENTATION = """
    name: chatops_preload
    type: aggregate
    short_description: load Jinja2 filter, test and lookup plugins once before workers fork
    description:
      - Writes nothing; enabled by ops/deploy.ts.
"""

LOOKUPS = ("ansible.builtin.env", "ansible.builtin.file", "ansible.builtin.fileglob", "ansible.builtin.password")

display = Display()


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "chatops_preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        # Only a cache is warmed: if a newer ansible-core loads plugins differently, the run goes on
        # at its old speed.
        try:
            for loader in (filter_loader, test_loader):
                for _ in loader.all():
                    pass
            for name in LOOKUPS:
                lookup_loader.get(name, class_only=True)
        except Exception as exc:  # noqa: BLE001 - a cache miss must never fail a deploy
            display.vvv(f"chatops_preload: plugins not preloaded: {exc}")
