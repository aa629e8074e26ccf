#!/usr/bin/env python3
# boofuzz_framed.py -- boofuzz 0.4.2 on a '!I'-framed echo server: the boofuzz half of
# tools/bench/fuzz.sh (see tools/bench/README.md, "Fuzzing: fuzz.sh").
#
#   python3 boofuzz_framed.py --port PORT [--udp] [--small] [--body bytes|string]
#                             [--cases N] [--duration S] [--max-depth D] [--keep-going]
#                             [--oracle echo|none] [--probe-timeout S] [--text-log]
#
# Runs in the venv fuzz.sh makes (tools/bench/data/boofuzz-venv, `pip install boofuzz==0.4.2`).
# It fuzzes a server that is already running on 127.0.0.1:PORT: boofuzz's process monitor is
# not used, so nothing restarts the target (fuzz.sh starts a fresh copy for each run).
#
# The definition, the same frame as framescope's '!I' (struct.pack('!I', n) + body):
#
#     s_initialize("frame")
#     s_size("body", length=4, endian=">", fuzzable=True, name="len")   # 4-byte big-endian length
#     with s_block("body"):
#         s_bytes(b"hello, framescope 20", name="text")                # 20-byte body, fuzzable
#
# (--body string: s_string("hello, framescope 20") instead: boofuzz's text catalogue, 2096
# mutations up to 1 MB, all of them valid UTF-8; s_bytes: 1265 mutations up to 100 kB, 928 of
# them not UTF-8. Both have the sizer's 140 mutations of the 32-bit length.)
# --small: the same frame with max_len=20 on the body, so every case is a frame of at most 24
# bytes (the sizer's 140 mutations with a 20-byte body, and 1125 body mutations cut to 20
# bytes), then boofuzz's depth 2 (pairs of mutations: still small frames), until --cases or
# --duration; with --max-depth 1 the 1265-case catalogue is run again instead.
#
# Oracle (boofuzz has none for this by default): a post_test_case_callback. After each case it
# closes boofuzz's connection, opens a FRESH connection (TCP; a fresh socket with --udp), sends
# one valid frame with a nonce body and requires the exact echo within --probe-timeout (1 s).
# A refused connection, a reset, a timeout or a wrong echo is a failure: logged with
# fuzz_data_logger.log_fail (so boofuzz records it as it would its own), and the run stops
# there unless --keep-going (nothing restarts a dead target).
#
# Prints one JSON line on stdout at the end:
#   {"tool": "boofuzz", "cases": N, "seconds": S, "cases_per_s": X, "failures": K,
#    "first_failure_case": i or null, "first_failure_s": t or null, ...}
# (then extra keys: the failing boofuzz test case, the reason, the definition, why it stopped).
# Exit status 0 whether or not failures were found; 2 on bad usage or an unusable target.
import argparse
import json
import os
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time

BODY = b"hello, framescope 20"          # 20 bytes: a 24-byte frame
assert len(BODY) == 20


class StopFuzz(BaseException):
    """Raised from the post-test-case callback to end session.fuzz().

    A BaseException on purpose: boofuzz's CallbackMonitor.post_send catches every Exception
    raised by a callback and only logs it (boofuzz/monitors/callback_monitor.py:81), and
    Session._main_fuzz_loop catches Exception too; a BaseException goes through both (their
    finally blocks still run: the case is closed and written to boofuzz's database)."""


def parse_args():
    p = argparse.ArgumentParser(description="boofuzz 0.4.2 against a '!I'-framed echo server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--udp", action="store_true", help="UDP datagrams (UDPSocketConnection) instead of TCP")
    p.add_argument("--cases", type=int, default=0, help="stop after N test cases (0: no bound)")
    p.add_argument("--duration", type=float, default=0, help="stop after S seconds (0: no bound)")
    p.add_argument("--small", action="store_true", help="frames of at most 24 bytes (body max_len=20), repeated")
    p.add_argument("--body", choices=("bytes", "string"), default="bytes", help="s_bytes (default) or s_string")
    p.add_argument("--max-depth", type=int, default=0,
                   help="boofuzz's combinatorial depth: 1 = its catalogue once; 0 = no limit (Session.fuzz()'s default)")
    p.add_argument("--keep-going", action="store_true", help="do not stop at the first failure")
    p.add_argument("--oracle", choices=("echo", "none"), default="echo",
                   help="none: no post-test-case callback (boofuzz's own checks only)")
    p.add_argument("--probe-timeout", type=float, default=1.0)
    p.add_argument("--text-log", action="store_true",
                   help="keep boofuzz's default console logger (FuzzLoggerText), written to /dev/null")
    p.add_argument("--db-dir", metavar="DIR",
                   help="where boofuzz's sqlite database goes (a temporary file, removed at the end;"
                        " default: the system's temporary directory)")
    p.add_argument("--keep-db", metavar="FILE", help="keep boofuzz's sqlite results database here")
    a = p.parse_args()
    if a.small and a.cases <= 0 and a.duration <= 0:
        p.error("--small repeats its catalogue: give --cases or --duration")
    return a


def probe(host, port, udp, timeout, nonce):
    """One valid frame on a fresh socket; None if the exact echo came back in time, else why not."""
    body = nonce
    frame = struct.pack("!I", len(body)) + body
    deadline = time.monotonic() + timeout
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        if udp:
            s.connect((host, port))         # connected: an ICMP port unreachable shows as ECONNREFUSED
            s.send(frame)
            got = s.recv(65536)
        else:
            s.connect((host, port))
            s.sendall(frame)
            got = b""
            while len(got) < len(frame):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                s.settimeout(left)
                chunk = s.recv(len(frame) - len(got))
                if not chunk:
                    return "connection closed after %d of %d echo bytes" % (len(got), len(frame))
                got += chunk
        if got != frame:
            return "wrong echo: sent %s, got %s" % (frame.hex(), got[:64].hex())
        return None
    except socket.timeout:
        return "no echo within %g s" % timeout
    except ConnectionRefusedError:
        return "connection refused (target down)"
    except ConnectionResetError:
        return "connection reset (target died?)"
    except OSError as e:
        return "%s (%s)" % (type(e).__name__, e)
    finally:
        s.close()


def boofuzz_version():
    try:
        from importlib.metadata import version
        return version("boofuzz")
    except Exception:  # noqa: BLE001
        return "?"


def main():
    a = parse_args()
    # Imported here: boofuzz pulls in flask, tornado, etc. (about a second); not timed.
    import boofuzz
    from boofuzz import (Session, Target, TCPSocketConnection, UDPSocketConnection,
                         s_block, s_bytes, s_get, s_initialize, s_size, s_string)

    # --- the definition ---------------------------------------------------------------------
    s_initialize("frame")
    s_size("body", length=4, endian=">", fuzzable=True, name="len")
    with s_block("body"):
        ml = 20 if a.small else None
        if a.body == "string":
            s_string(BODY.decode(), max_len=ml, fuzzable=True, name="text")
        else:
            s_bytes(BODY, max_len=ml, fuzzable=True, name="text")
    request = s_get("frame")

    # --- the oracle --------------------------------------------------------------------------
    st = {"cases": 0, "failures": 0, "first_case": None, "first_s": None, "first_name": None,
          "first_reason": None, "stopped": "catalogue exhausted", "t0": None,
          "refused": 0, "refused_after": None, "last_name": None}

    def bounds_reached():
        if a.cases and st["cases"] >= a.cases:
            st["stopped"] = "case bound (%d)" % a.cases
            return True
        if a.duration and time.monotonic() - st["t0"] >= a.duration:
            st["stopped"] = "time bound (%g s)" % a.duration
            return True
        return False

    def oracle(target, fuzz_data_logger, session, *args, **kwargs):
        # Signature: post_test_case_callbacks are called as
        # f(target=..., fuzz_data_logger=..., session=..., sock=...)  (callback_monitor.py:67).
        st["cases"] += 1
        st["last_name"] = session.current_test_case_name
        # Close boofuzz's connection first (Session closes it again after the callbacks, which
        # is harmless): a sequential server still busy with that connection, or one waiting
        # for the rest of a body, must not be taken for a hung one.
        try:
            target.close()
        except Exception:
            pass
        why = probe(a.host, a.port, a.udp, a.probe_timeout, b"probe %d %s" % (st["cases"], os.urandom(6).hex().encode()))
        if why is not None:
            st["failures"] += 1
            if st["first_case"] is None:
                st["first_case"] = st["cases"]
                st["first_s"] = time.monotonic() - st["t0"]
                st["first_name"] = session.current_test_case_name
                st["first_reason"] = why
            # log_fail puts the case in fuzz_data_logger.failed_test_cases, which
            # Session._process_failures reads (sessions/session.py:586) to count the crash,
            # store monitor_results and "restart" the target.
            fuzz_data_logger.log_fail("echo oracle: " + why)
            if not a.keep_going:
                st["stopped"] = "first failure"
                raise StopFuzz()
        if bounds_reached():
            raise StopFuzz()

    def count_only(target, fuzz_data_logger, session, *args, **kwargs):
        st["cases"] += 1
        st["last_name"] = session.current_test_case_name
        if bounds_reached():
            raise StopFuzz()

    # --- the session -------------------------------------------------------------------------
    if a.udp:
        conn = UDPSocketConnection(a.host, a.port)  # boofuzz's defaults: 5 s send/recv timeouts
    else:
        conn = TCPSocketConnection(a.host, a.port)

    # A target can die after the oracle's probe was answered (a thread of the server answers the
    # probe while another is still printing the traceback that ends the process). Then the next
    # thing to notice is boofuzz's own connect() for the next case: TCPSocketConnection.open
    # raises BoofuzzTargetConnectionFailedError on ECONNREFUSED (tcp_socket_connection.py:76),
    # and Session._open_connection_keep_trying (session.py:1475) only logs it as "info", "restarts"
    # the target and retries -- boofuzz records no failure for it. So the oracle counts it, as
    # found after the last case that ran. (With --oracle none it is only counted, to say why
    # boofuzz stopped.)
    open_target = conn.open

    def open_watched():
        try:
            open_target()
        except boofuzz.exception.BoofuzzTargetConnectionFailedError as e:
            st["refused"] += 1
            if st["cases"] == 0:
                st["stopped"] = "no case ran (target unreachable?)"
                raise StopFuzz()
            if a.oracle == "echo" and st["refused_after"] != st["cases"]:
                st["refused_after"] = st["cases"]
                st["failures"] += 1
                if st["first_case"] is None:
                    st["first_case"] = st["cases"]
                    st["first_s"] = time.monotonic() - st["t0"]
                    st["first_name"] = st["last_name"]
                    st["first_reason"] = "boofuzz's next connect() refused (target down): %s" % e
                if not a.keep_going:
                    st["stopped"] = "first failure"
                    raise StopFuzz()
            raise

    conn.open = open_watched
    db_dir = None
    if a.keep_db:
        db_filename = a.keep_db
    else:
        db_dir = tempfile.mkdtemp(prefix="boofuzz-results-", dir=a.db_dir)
        db_filename = os.path.join(db_dir, "run.db")
    loggers = []
    devnull = None
    if a.text_log:
        devnull = open(os.devnull, "w")
        loggers = [boofuzz.FuzzLoggerText(file_handle=devnull)]
    session = Session(
        target=Target(connection=conn),
        # Changed from boofuzz's defaults, and why:
        web_port=None,        # default 26000: a tornado web UI thread; a benchmark has no browser
                              # (and with it, keep_web_open=True waits for ENTER at the end)
        fuzz_loggers=loggers, # default [FuzzLoggerText()] to stdout: a dozen lines per case; our
                              # stdout is the JSON line (--text-log keeps it, to /dev/null)
        db_filename=db_filename,  # default ./boofuzz-results/run-<time>.db in the working
                              # directory; here a temporary file in --db-dir. The sqlite logger
                              # is always on in boofuzz (session.py:182) and is kept, with its
                              # default of writing and committing every case
                              # (fuzz_db_keep_only_n_pass_cases=0, fuzz_logger_db.py:214): one
                              # commit per case, which is most of boofuzz's time per case when
                              # the file is on a disk (fuzz.sh puts it in /dev/shm)
        restart_sleep_time=0, # default 5: with no process monitor and no restart callback,
                              # boofuzz "restarts" a target after a failure by sleeping this long
                              # (session.py:742) -- after the first failure, which ends the run
                              # here, it would only delay the exit
        restart_threshold=3,  # default None: a refused connect() is retried for ever, each retry
                              # after a restart_sleep_time (session.py:1490-1507); only matters with
                              # --keep-going or --oracle none, where the target may be dead
        post_test_case_callbacks=[oracle if a.oracle == "echo" else count_only],
        # Kept at boofuzz's defaults: sleep_time=0 (no pause between cases),
        # receive_data_after_fuzz=False (boofuzz does not read the echo of a fuzz case; the
        # oracle checks the server instead), reuse_target_connection=False (a new TCP
        # connection per case), ignore_connection_issues_when_sending_fuzz_data=True,
        # crash_threshold_element=3 / crash_threshold_request=12 (with --keep-going, an element
        # that failed 3 times is skipped), TCP send/recv timeouts 5 s.
    )
    session.connect(request)

    def on_term(signum, frame):
        st["stopped"] = "terminated (signal %d)" % signum
        raise StopFuzz()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    status = 0
    st["t0"] = time.monotonic()
    try:
        while True:
            before = st["cases"]
            session.fuzz(max_depth=(a.max_depth or None))
            # Only --small repeats (with --max-depth 1: for a bounded count of small frames).
            if not a.small or st["cases"] == before or bounds_reached():
                break
    except StopFuzz:
        if st["stopped"].startswith("no case ran"):
            status = 2
    except Exception as e:  # noqa: BLE001 -- report and leave with status 2
        st["stopped"] = "error: %s: %s" % (type(e).__name__, e)
        status = 2
    seconds = time.monotonic() - st["t0"]
    if st["stopped"] == "catalogue exhausted" and st["refused"]:
        st["stopped"] = "boofuzz gave up: connect() refused %d times (restart_threshold)" % st["refused"]
    if st["stopped"].startswith(("catalogue", "boofuzz gave up")) and st["cases"] == 0:
        # boofuzz gave up before the first case (e.g. nothing listening: restart_threshold).
        st["stopped"] = "no case ran (target unreachable?)"
        status = 2
    if devnull:
        devnull.close()
    if db_dir:
        shutil.rmtree(db_dir, ignore_errors=True)
    out = {
        "tool": "boofuzz",
        "cases": st["cases"],
        "seconds": round(seconds, 3),
        "cases_per_s": round(st["cases"] / seconds, 1) if seconds > 0 else 0,
        "failures": st["failures"],
        "first_failure_case": st["first_case"],
        "first_failure_s": None if st["first_s"] is None else round(st["first_s"], 3),
        "first_failure_name": st["first_name"],
        "first_failure_reason": st["first_reason"],
        "definition": "%s%s%s" % ("udp " if a.udp else "", "small " if a.small else "", a.body),
        "max_depth": a.max_depth or None,
        "oracle": a.oracle,
        "stopped": st["stopped"],
        # what boofuzz itself recorded as failed (its FuzzLogger.failed_test_cases)
        "boofuzz_failed_cases": len(getattr(getattr(session, "_fuzz_data_logger", None), "failed_test_cases", {})),
        "boofuzz": boofuzz_version(),
    }
    print(json.dumps(out), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
