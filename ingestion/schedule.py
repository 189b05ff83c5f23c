"""When a source's nightly sync runs: at its time of day, local time of its network, every day.

Stored as an instant (`DataSource.next_run_at`, UTC), computed from the local time of day each time, so that daylight
saving moves it with the clocks: 01:00 in Paris is 00:00 UTC in winter and 23:00 UTC the day before in summer.
"""

from datetime import UTC, datetime, timedelta

from accounts.selectors import network_zone


def next_run_after(*, time_of_day, zone, after):
    """The first instant after `after` when the clock in `zone` shows `time_of_day`.

    A time the clocks skip (02:30 on the night they go forward) runs as late as the gap (03:30); a time they show
    twice (01:30 on the night they go back, in New York) runs the first time only: one run per local day.
    """
    day = after.astimezone(zone).date()
    for offset in range(3):
        local = datetime.combine(day + timedelta(days=offset), time_of_day, tzinfo=zone)  # fold=0: the first one
        moment = local.astimezone(UTC)
        if moment > after:
            return moment
    raise AssertionError("a time of day comes back within three days")  # pragma: no cover


def source_next_run(*, source, after):
    return next_run_after(time_of_day=source.schedule_time, zone=network_zone(node=source.node), after=after)
