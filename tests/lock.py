"""The lock of exact package versions that the stored notebook outputs were made with.

``requirements-lock.txt`` pins every package of the course's environment. `make lab` and `make test`
install with it as a pip *constraints* file, so a new pandas or matplotlib release cannot change the
stored outputs a year from now; `make canary` installs the newest releases instead and reports what
moved.

    python tests/lock.py write            # after a deliberate upgrade: rewrite the lock from .venv
    python tests/lock.py diff             # newest releases vs the lock (used by `make canary`)
"""

import re
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements-lock.txt"
HEADER = """\
# Exact versions the stored notebook outputs were made with (Python 3.11, Linux).
# `make lab` / `make test` install with `pip install -c requirements-lock.txt -e '.[test]'`.
# Regenerate after a deliberate upgrade: `python tests/lock.py write` (then `make refresh`, `make test`).
# Local version labels (torch's "+cpu") are dropped so that the same pin works on every platform.
"""


def installed() -> dict[str, str]:
    """{normalised name: version} of the packages installed in this Python, editable ones excluded."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True, text=True, check=True
    ).stdout
    return parse(frozen)


def parse(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line.strip())
        if match:
            pins[normalise(match.group(1))] = match.group(2).split("+")[0]
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    return parse(LOCK.read_text())


def write() -> None:
    pins = installed()
    LOCK.write_text(HEADER + "".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
    print(f"wrote {len(pins)} pins to {LOCK.name}")


def diff() -> list[str]:
    """Lines saying which installed versions differ from the lock."""
    now, lock = installed(), locked()
    moved = [name for name in sorted(now) if name in lock and now[name] != lock[name]]
    lines = [f"{name}: {lock[name]} (lock) -> {now[name]}" for name in moved]
    lines += [f"{name}: new, {now[name]}" for name in sorted(set(now) - set(lock))]
    lines += [f"{name}: {lock[name]} (lock), no longer installed" for name in sorted(set(lock) - set(now))]
    return lines


if __name__ == "__main__":
    if sys.argv[1:] == ["write"]:
        write()
    elif sys.argv[1:] == ["diff"]:
        changes = diff()
        print(f"{len(changes)} package(s) differ from the lock:" if changes else "same versions as the lock")
        print("\n".join("  " + line for line in changes))
    else:
        sys.exit(__doc__)
