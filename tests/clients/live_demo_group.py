"""`live_demo.py group` as the README uses it: start it, `kill -9` one member, and check that
the demo goes on (the producer and the other member keep running, and the demo says what
ended), that members print "joining" before their first assignment (not "standby"), and
that Ctrl-C then stops everything. Starts its own server and stops every process by PID.

Usage: live_demo_group.py --bin target/debug/minikafka
"""
import argparse
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="the minikafka binary")
    args = ap.parse_args()
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    server = subprocess.Popen([args.bin, "serve", "--listen", bootstrap, "--data-dir",
                               tempfile.mkdtemp(prefix="minikafka-group-demo-")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    demo = None
    lines = queue.Queue()
    seen = []
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        subprocess.run([args.bin, "topics", "create", "demo", "--partitions", "1", "--bootstrap", bootstrap],
                       check=True, stdout=subprocess.DEVNULL)
        demo = subprocess.Popen([sys.executable, os.path.join(HERE, "live_demo.py"), "group",
                                 "--bootstrap", bootstrap, "--topic", "demo", "--group", "demo-group"],
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
        threading.Thread(target=lambda: [lines.put(l.rstrip("\n")) for l in demo.stdout], daemon=True).start()

        def wait_for(test, what, seconds):
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                try:
                    line = lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                seen.append(line)
                if test(line):
                    return line
            raise SystemExit(f"live_demo group: waited {seconds}s for {what}; last lines: {seen[-8:]}")

        pids_line = wait_for(lambda l: l.startswith("pids: "), "the pids line", 20)
        pids = {name: int(pid) for name, pid in
                (part.rsplit(" ", 1) for part in pids_line[len("pids: "):].split(" (")[0].split(", "))}
        wait_for(lambda l: l.endswith(": joining the group"), "a member still joining", 20)
        owner = wait_for(lambda l: "owns demo-0" in l, "the member owning demo-0", 30).split(":")[0]
        other = "consumer-b" if owner == "consumer-a" else "consumer-a"
        wait_for(lambda l: l.startswith(f"{other}: ") and "owns nothing (standby)" in l, "the standby", 30)
        os.kill(pids[owner], signal.SIGKILL)
        wait_for(lambda l: l.startswith(f"{owner} (pid {pids[owner]}) ended (killed by signal 9)"),
                 "the demo reporting the killed member", 10)
        # The demo goes on: the standby takes the partition once the coordinator expires the
        # killed member's session (live_demo's members use 6 s).
        wait_for(lambda l: l.startswith(f"{other}: ") and "owns demo-0" in l, "the standby taking over", 60)
        assert demo.poll() is None, "the demo is still running"
        for name in ("producer", other):
            os.kill(pids[name], 0)  # still alive (raises if not)
        demo.send_signal(signal.SIGINT)
        demo.wait(20)
        for name in ("producer", other):
            try:
                os.kill(pids[name], 0)
                raise SystemExit(f"live_demo group: {name} still runs after Ctrl-C")
            except ProcessLookupError:
                pass
        print(f"live_demo group: {owner} killed, the demo went on, {other} took over; Ctrl-C stopped the rest")
    finally:
        if demo is not None and demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
        server.terminate()
        server.wait(15)


if __name__ == "__main__":
    main()
