"""`swarmplayer serve` as its own process: it starts, answers, and stops cleanly on a signal."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
from support import ServiceProcess, api, wait_until

STOP_TIMEOUT = 10.0


def healthy(process: ServiceProcess) -> bool:
    try:
        reply = api(process.url, "GET", "/api/v1/health")
    except OSError:
        return False
    return reply.status == 200 and reply.json().get("status") == "ok"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_start_health_and_clean_exit_on_signal(service_process: Callable[..., ServiceProcess],
                                               sig: signal.Signals):
    process = service_process().start()
    wait_until(lambda: healthy(process), 30, "/api/v1/health to answer ok")
    info = api(process.url, "GET", "/api/v1/info").json()
    assert info["name"] == "SwarmPlayer"
    marker = process.data_dir / "running"
    assert marker.exists(), "a running service marks its data dir (to spot an unclean stop)"
    process.signal(sig)
    code = process.wait(STOP_TIMEOUT)
    assert code == 0, process.output()
    assert not marker.exists(), "a clean stop removes the marker"
    assert "Traceback" not in process.output()


def test_bad_config_is_a_clear_error_not_a_traceback(
        service_process: Callable[..., ServiceProcess]):
    process = service_process()
    process.config_file.write_text(process.config_file.read_text() + "http_threads = 'lots'\n")
    process.launch()
    code = process.wait(STOP_TIMEOUT)
    assert code != 0
    assert "http_threads" in process.output()
    assert "Traceback" not in process.output()
