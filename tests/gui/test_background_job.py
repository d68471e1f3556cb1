"""The registry every background job shares: kept alive while running, cancelled by kind, let go when done."""

from lossexplorer.gui.background_job import BackgroundJob, cancel_jobs, running_jobs


class Spinner(BackgroundJob):
    """Runs until cancelled."""

    def run(self):
        while not self.is_cancelled():
            self.msleep(1)


class OtherSpinner(Spinner):
    pass


def test_jobs_are_found_and_cancelled_by_kind_and_let_go_when_their_threads_end(qtbot):
    first, second = Spinner("first"), OtherSpinner("second")
    first_id, second_id = id(first), id(second)
    first.start_job()
    second.start_job()
    del first, second  # the registry alone keeps them alive while they run
    assert {id(job) for job in running_jobs(Spinner)} == {first_id, second_id}
    assert [id(job) for job in running_jobs(OtherSpinner)] == [second_id]
    cancel_jobs(OtherSpinner)
    qtbot.waitUntil(lambda: [id(job) for job in running_jobs(BackgroundJob)] == [first_id], timeout=5000)
    (remaining,) = running_jobs(Spinner)
    assert remaining.isRunning() and not remaining.is_cancelled()
    cancel_jobs()
    assert remaining.isFinished()
    qtbot.waitUntil(lambda: not running_jobs(BackgroundJob), timeout=5000)
