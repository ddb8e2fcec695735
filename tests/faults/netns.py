"""Hosts of our own on one machine: network namespaces joined by a bridge (iproute2).

Each ``Host`` has its own network stack (its own loopback, one address on the bridge); a
process started on it sees only that. The machine itself sits on the bridge at ``.1``, so
the test talks to the hosts as a client on another machine would. Names carry the test
process's id, so two runs on one machine do not meet; ``destroy`` removes everything
(killing what still runs in the namespaces).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path


class NamespacesUnavailableError(RuntimeError):
    """This machine does not let us make network namespaces (no iproute2 or no privilege)."""


def _ip(*args: str) -> str:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise NamespacesUnavailableError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


@dataclass
class Host:
    name: str  # the namespace
    address: str
    link: str = ""  # its cable: the machine's end of the veth pair, on the bridge
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(
        self, command: list[str], *, env: Mapping[str, str], cwd: Path, log: Path
    ) -> subprocess.Popen[bytes]:
        """``command`` on this host, in its own process group, output to ``log``."""
        with open(log, "ab") as out:
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.name, *command],
                env=dict(env),
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in _ip("netns", "pids", self.name).split()]
        except NamespacesUnavailableError:
            return []

    def die(self) -> None:
        """The host "dies": every process on it is killed at once (``kill -9``)."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)

    def stop(self) -> None:
        """A clean stop: SIGTERM to every process on the host, then ``die`` after 20 s."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        self.die()


_MADE = itertools.count()


class Network:
    """A bridge on the machine and the hosts plugged into it."""

    def __init__(self) -> None:
        if shutil.which("ip") is None:
            raise NamespacesUnavailableError("iproute2 (ip) is not installed")
        # the process id and how many networks this process made: a test whose host's
        # namespace outlives it for a while cannot collide with the next test's
        tag = os.getpid() % 10_000 * 10 + next(_MADE) % 10
        self.prefix = f"lv{tag}"
        self.bridge = f"lvbr{tag}"
        # 10.(200..249).(0..249).0/24, picked by the process id
        self.subnet = f"10.{200 + tag % 50}.{tag // 50 % 250}"
        self.gateway = f"{self.subnet}.1"
        self.hosts: dict[str, Host] = {}
        _ip("link", "add", self.bridge, "type", "bridge")
        try:
            _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
            _ip("link", "set", self.bridge, "up")
        except NamespacesUnavailableError:
            self.destroy()
            raise

    def add_host(self, role: str) -> Host:
        index = len(self.hosts) + 1
        name = f"{self.prefix}-{role}"
        veth = f"v{self.prefix}{index}"[:15]
        address = f"{self.subnet}.{10 + index}"
        _ip("netns", "add", name)
        host = Host(name, address, veth)
        self.hosts[role] = host
        _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name)
        _ip("link", "set", veth, "master", self.bridge, "up")
        _ip("-n", name, "addr", "add", f"{address}/24", "dev", "eth0")
        _ip("-n", name, "link", "set", "eth0", "up")
        _ip("-n", name, "link", "set", "lo", "up")
        return host

    def cut(self, host: Host) -> None:
        """Pull ``host``'s cable: from now on its packets are dropped, nobody is told."""
        _ip("link", "set", host.link, "down")

    def mend(self, host: Host) -> None:
        _ip("link", "set", host.link, "up")

    def destroy(self) -> None:
        for host in self.hosts.values():
            host.die()
            with contextlib.suppress(NamespacesUnavailableError):
                _ip("link", "del", host.link)  # both ends of the cable, at once
            with contextlib.suppress(NamespacesUnavailableError):
                _ip("netns", "del", host.name)
        with contextlib.suppress(NamespacesUnavailableError):
            _ip("link", "del", self.bridge)


@contextlib.contextmanager
def network() -> Iterator[Network]:
    net = Network()
    try:
        yield net
    finally:
        net.destroy()
