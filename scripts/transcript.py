#!/usr/bin/env python3
"""Records a real interactive session of `epic demo` in a pseudo-terminal
(120 columns) and prints what the screen showed, for the README.

    python3 scripts/transcript.py target/release/epic
"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import tempfile
import termios
import time

binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/epic")
home = tempfile.mkdtemp(prefix="epic-transcript-")
steps = [
    ("login bill.boquet@epicevents.demo", "Password: "),
    ("lagoon-tango-saffron", "> "),
    ("client list --mine", "> "),
    ("contract list --unsigned", "> "),
    ("contract sign 653", "> "),
    ("contract pay 653 2500", "> "),
    ("contract history 653 --limit 2", "> "),
    ("event list --unassigned --format csv", "> "),
    ("event assign 2 --support kate.hastroff@epicevents.demo", "> "),
    ("exit", None),
]

pid, fd = pty.fork()
if pid == 0:
    os.environ.update(
        {
            "HOME": home,
            "XDG_DATA_HOME": os.path.join(home, "data"),
            "XDG_STATE_HOME": os.path.join(home, "state"),
            "NO_COLOR": "1",
            "TERM": "xterm",
            "TZ": "Europe/Paris",
        }
    )
    os.execv(binary, [binary, "demo"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

screen = b""


def read_until(marker, timeout=10.0):
    global screen
    end = time.time() + timeout
    start = len(screen)
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen += chunk
            if marker and marker.encode() in screen[start:]:
                time.sleep(0.05)
                return


read_until("> ")
for line, marker in steps:
    os.write(fd, line.encode() + b"\r")
    read_until(marker)
time.sleep(0.2)
text = screen.decode("utf-8", "replace")
text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r\n", "\n").replace("\r", "")
text = text.replace(home, "~")
# The line editor redraws the prompt line as keys arrive (and shows hints):
# keep only the last drawing of each line.
prompt = re.compile(r"epic(?: [^>\n]*)?> ")
lines = []
for line in text.split("\n"):
    starts = [m.start() for m in prompt.finditer(line)]
    lines.append(line[starts[-1]:] if starts else line)
print("\n".join(lines).rstrip())
