"""Integration fixtures: every test here runs real components on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import ServiceProcess

from bench.feedsite import FeedServer

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def service_process(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Make ServiceProcess objects; any still running at teardown are killed."""
    made: list[ServiceProcess] = []

    def make(name: str = "service", **settings: Any) -> ServiceProcess:
        process = ServiceProcess(tmp_path / name, **settings)
        made.append(process)
        return process

    yield make
    for process in made:
        process.kill()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A feed server on 127.0.0.1 (bench/feedsite.py), closed at teardown."""
    made = FeedServer()
    yield made
    made.close()
