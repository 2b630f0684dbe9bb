"""Ctrl-C during a long native call raises KeyboardInterrupt promptly (issue 13, item 17), for
batches on one and on several threads and for training, instead of when the call ends.

Each case runs in a child Python that is sent SIGINT a second into the call (the
arguments are copied in first, with the GIL held, as in tiktoken).
"""
import os
import signal
import subprocess
import sys
import time

import pytest

SHARED = os.environ.get("FAIRTOK_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))

CHILD = r"""
import random, signal, sys, time, fairtok
# Python raises KeyboardInterrupt only if SIGINT was not ignored when it started; a suite run
# in the background of a non-interactive shell starts with SIGINT ignored (POSIX), so the
# child restores Python's handler itself.
signal.signal(signal.SIGINT, signal.default_int_handler)
which = sys.argv[1]
enc = fairtok.get_encoding("o200k_base")
# Words of random syllables, about 1.6 MB: few are tokens and they rarely repeat, so each is
# merged (a repeated sentence is answered by the piece memo and ends well within a second).
rng = random.Random(0)
syllables = [chr(0xAC00 + i) for i in range(11172)]
text = " ".join("".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(180000))
texts = [text] * 256  # 400 MB: tens of seconds of encoding, a fraction to copy in
print("ready", flush=True)
t = time.time()
try:
    if which == "batch1":
        enc.encode_ordinary_batch(texts, num_threads=1)
    elif which == "batch2":
        enc.encode_ordinary_batch(texts, num_threads=2)
    else:
        fairtok.train({"ko": [sys.argv[2]]}, vocab_size=120_000, pattern="o200k")
    print("finished", time.time() - t, flush=True)
except KeyboardInterrupt:
    print("interrupted", time.time() - t, flush=True)
"""


def interrupt(which, *args):
    child = subprocess.Popen([sys.executable, "-c", CHILD, which, *args], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out = child.stdout.readline()
    waited = time.monotonic() - sent
    child.stdout.read()
    child.wait(timeout=60)
    return out, waited


@pytest.mark.parametrize("which", ["batch1", "batch2"])
def test_batches_stop_on_ctrl_c(which):
    out, waited = interrupt(which)
    assert out.startswith("interrupted"), out
    assert waited < 2.0, f"KeyboardInterrupt came {waited:.2f} s after the signal"


def test_training_stops_on_ctrl_c():
    corpus = os.path.join(SHARED, "data", "corpus", "ko.kowiki.txt.gz")
    if not os.path.exists(corpus):
        pytest.skip(f"shared data not found at {SHARED} (set FAIRTOK_SHARED)")
    out, waited = interrupt("train", corpus)
    assert out.startswith("interrupted"), out
    assert waited < 2.0, f"KeyboardInterrupt came {waited:.2f} s after the signal"
