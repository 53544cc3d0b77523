"""The outbox: jobs written in the same transaction as the change they announce, drained by
a worker (`schedlink worker`, or beside `schedlink serve`) that sends the e-mails."""

from .worker import run_once, run_worker

__all__ = ["run_once", "run_worker"]
