"""SwarmPlayer: stream BitTorrent video to a TV while it downloads."""

from setuptools import find_packages, setup

setup(
    name="swarmplayer",
    version="0.1.0",
    description="Streaming BitTorrent video service for set-top boxes (Kodi add-on backend)",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="GPL-3.0-or-later",
    python_requires=">=3.11",
    package_dir={"": "service"},
    packages=find_packages("service"),
    include_package_data=True,
    package_data={"swarmplayer": ["web/index.html", "web/static/*", "demo/*.mp4"]},
    install_requires=[
        # libtorrent itself: PyPI wheels (2.1.x) on x86_64/aarch64; on 32-bit Raspberry Pi OS use
        # Debian's python3-libtorrent (2.0.8) in a venv with --system-site-packages.
        "werkzeug>=2.2,<4",
        "waitress>=2.1,<4",
        "psutil>=5.9,<8",
        "platformdirs>=2.5,<5",
        "segno>=1.5,<2",  # pairing QR codes
        "zeroconf>=0.131,<1",  # LAN discovery (mDNS/DNS-SD) where no avahi-daemon runs
        "jeepney>=0.8,<1",  # avahi-daemon's D-Bus API (discovery.py): pure Python, ~0.2 MB
        "ifaddr>=0.2,<1",
        # Feeds: read in a short-lived worker process (feeds/worker.py), not in the service.
        "feedparser>=6.0.10,<7",
        "guessit>=3.8,<5",
        "defusedxml>=0.7,<1",
    ],
    extras_require={
        "libtorrent": ["libtorrent>=2.0.8,<2.2"],
        "test": ["pytest>=7,<10", "pytest-timeout>=2.1,<3", "ruff>=0.5", "hypothesis>=6.80,<7",
                 "import-linter>=2.0,<3",
                 # the Kodi add-on: Kodi's API surface for the fakes, and Kodi's own checker
                 "Kodistubs>=20,<22", "kodi-addon-checker>=0.0.30,<0.1",
                 # drives Debian's /usr/bin/chromium; its own browser download is not used
                 "playwright>=1.40,<2"],
    },
    entry_points={"console_scripts": ["swarmplayer=swarmplayer.cli:main"]},
)
