"""Every job of the workspace in a few requests: the Jobs list call, read once per command.

A no-op redeploy and ``plan`` must notice the jobs deleted outside mlops-stacks,
and a create must find a job this target deployed before (to adopt it, not
duplicate it). Asking job by job costs one request a job; ``JobListing`` pages
through ``GET /api/2.2/jobs/list`` instead (100 jobs a page, the most the API
gives, with ``expand_tasks`` so the settings come whole) the first time it is
asked, and answers from that for the rest of the command. ``read_ahead`` starts that
read in the background, so its pages overlap the other reads before a plan.
"""

from __future__ import annotations

import threading

from mlops_stacks.jsontypes import JsonObject
from mlops_stacks.workspace.databricks.answers import Answer
from mlops_stacks.workspace.databricks.auth import Connection

JOBS_LIST = "/api/2.2/jobs/list"
#: Jobs a page: the most the Jobs list API returns.
PAGE = 100
#: From this many look-ups by name on, the whole list is read instead.
BULK_LOOKUPS = 10
#: Pages read at most (100,000 jobs): a workspace that keeps answering ``has_more``
#: is not followed forever.
MAX_PAGES = 1000


class JobListing:
    """See the module docstring. Shared by every worker of the command (thread-safe)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()
        self._jobs: dict[str, Answer] | None = None
        self._lookups = 0

    def jobs(self) -> dict[str, Answer]:
        """job ID -> the job as listed (with its settings)."""
        with self._lock:
            if self._jobs is None:
                self._jobs = self._read()
            return self._jobs

    def read_ahead(self) -> None:
        """Start reading the list in the background (``plan`` and ``deploy`` read the state
        meanwhile). ``jobs()`` waits for that read; if it failed, ``jobs()`` reads again
        itself, so the error is raised where the list is needed."""
        if self.loaded:
            return

        def read() -> None:
            try:
                self.jobs()
            except Exception:  # noqa: S110 -- jobs() reads again in the caller and raises
                pass

        threading.Thread(target=read, name="mlops-stacks-jobs-list", daemon=True).start()

    def _read(self) -> dict[str, Answer]:
        found: dict[str, Answer] = {}
        query: JsonObject = {"limit": PAGE, "expand_tasks": True}
        for _ in range(MAX_PAGES):
            page = self.conn.call("GET", JOBS_LIST, query=query, what="list the jobs")
            for job in page.objects("jobs"):
                found[job.id("job_id", integer=True)] = job
            token = page.get("next_page_token")
            if not page.get("has_more") or not token:
                break
            query = {**query, "page_token": str(token)}
        return found

    @property
    def loaded(self) -> bool:
        return self._jobs is not None

    def worth_reading(self) -> bool:
        """Whether to answer a look-up by name from the listing: once it is read, or from
        the ``BULK_LOOKUPS``-th look-up of the command on (a deploy creating many jobs
        then reads the list once instead of one look-up a job)."""
        with self._lock:
            self._lookups += 1
            return self._jobs is not None or self._lookups >= BULK_LOOKUPS

    def by_name(self, name: str) -> list[Answer]:
        return [job for job in self.jobs().values()
                if job.obj("settings").get("name") == name]

    def exists(self, job_id: str) -> bool:
        return str(job_id) in self.jobs()

    def forget(self, job_id: str) -> None:
        """A job this command deleted."""
        with self._lock:
            if self._jobs is not None:
                self._jobs.pop(str(job_id), None)
