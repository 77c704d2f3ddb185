# Stdout callback for `npx chatops deploy`: one JSON object per line (play, task, result, diff,
# stats) so the TypeScript side can show progress per play and role and name a failure exactly.
from __future__ import annotations

import json
import sys

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: chatops_events
    type: stdout
    short_description: JSON lines of play, task, result and stats events for the chatops CLI
    description:
      - Writes one JSON object per line on stdout; used by ops/deploy.ts.
"""

TAIL = 2000


def _tail(value):
    if not isinstance(value, str):
        return None
    return value[-TAIL:] if len(value) > TAIL else value


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "chatops_events"

    def _emit(self, event, **fields):
        fields["event"] = event
        sys.stdout.write(json.dumps(fields, default=str) + "\n")
        sys.stdout.flush()

    @staticmethod
    def _task_fields(task):
        role = task._role.get_name() if getattr(task, "_role", None) else None
        return {"task": task.get_name().strip(), "role": role, "action": task.action}

    def v2_playbook_on_play_start(self, play):
        self._emit("play", name=play.get_name().strip())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._emit("task", handler=False, **self._task_fields(task))

    def v2_playbook_on_handler_task_start(self, task):
        self._emit("task", handler=True, **self._task_fields(task))

    def v2_playbook_on_no_hosts_matched(self):
        self._emit("warning", msg="no hosts matched")

    def _result(self, status, result, **extra):
        res = result._result
        fields = {"host": result._host.get_name(), "status": status}
        fields.update(self._task_fields(result._task))
        if status in ("failed", "unreachable"):
            fields["msg"] = _tail(res.get("msg")) or _tail(res.get("reason")) or _tail(res.get("censored"))
            fields["stderr"] = _tail(res.get("stderr")) or _tail(res.get("module_stderr")) or _tail(res.get("exception"))
            fields["stdout"] = _tail(res.get("stdout")) if not res.get("stderr") else None
            fields["rc"] = res.get("rc")
        fields.update(extra)
        self._emit("result", **fields)

    def v2_runner_on_ok(self, result):
        self._result("changed" if result._result.get("changed", False) else "ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result("failed", result, ignored=bool(ignore_errors))

    def v2_runner_on_skipped(self, result):
        self._result("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._result("unreachable", result)

    def v2_runner_retry(self, result):
        res = result._result
        self._emit(
            "retry",
            host=result._host.get_name(),
            attempt=res.get("attempts"),
            retries=res.get("retries"),
            **self._task_fields(result._task),
        )

    def v2_on_file_diff(self, result):
        diff = result._result.get("diff")
        if not diff:
            return
        text = self._get_diff(diff)
        if text:
            self._emit("diff", host=result._host.get_name(), text=text, **self._task_fields(result._task))

    def v2_playbook_on_stats(self, stats):
        hosts = {h: stats.summarize(h) for h in sorted(stats.processed.keys())}
        self._emit("stats", hosts=hosts)
