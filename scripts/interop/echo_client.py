#!/usr/bin/env python3
"""Interop checks against any harvestry.echo.v1.EchoService, from grpcio (the C core's Python binding).

Prints one PASS/FAIL line per check and a closing `N passed, N failed` line; exits 0 only when every check
passed. `--only NAME` (repeatable) runs a subset; the names are listed by --help.
"""

import argparse
import queue
import sys

import grpc

import protos

pb, pb_grpc = protos.echo()
TIMEOUT = 30.0  # seconds per call (a loaded CI machine needs more than 10), so a stalled server fails the check instead of hanging the run


def check_echo(stub, channel):
    payload = bytes(range(256))  # every byte value, NUL and 0xff included
    r = stub.Echo(pb.EchoRequest(text="héllo wörld", payload=payload), timeout=TIMEOUT)
    assert (r.text, r.payload) == ("héllo wörld", payload), f"got {r.text!r}, {len(r.payload)} payload bytes"


def check_echo_empty(stub, channel):
    r = stub.Echo(pb.EchoRequest(), timeout=TIMEOUT)
    assert (r.text, r.payload) == ("", b""), f"got {r!r}"


def check_echo_large(stub, channel):
    payload = bytes(i % 251 for i in range(1 << 20))  # 1 MiB: several HTTP/2 frames, under the 4 MiB default
    r = stub.Echo(pb.EchoRequest(payload=payload), timeout=TIMEOUT)
    assert r.payload == payload, f"got {len(r.payload)} bytes back, sent {len(payload)}"


def check_expand(stub, channel):
    words = [r.text for r in stub.Expand(pb.EchoRequest(text="the quick brown fox"), timeout=TIMEOUT)]
    assert words == ["the", "quick", "brown", "fox"], f"got {words}"


def check_collect(stub, channel):
    requests = iter([pb.EchoRequest(text=t) for t in ("a", "b", "c")])
    r = stub.Collect(requests, timeout=TIMEOUT)
    assert r.text == "a b c", f"got {r.text!r}"


def check_update(stub, channel):
    # Ping-pong: the next request is sent only after the previous answer arrived, which proves the server
    # answers as requests arrive rather than after the client half-closes.
    texts = ["one", "two", "three"]
    outbox: queue.Queue = queue.Queue()

    def requests():
        while (item := outbox.get()) is not None:
            yield item

    outbox.put(pb.EchoRequest(text=texts[0], payload=b"\x00"))
    got = []
    call = stub.Update(requests(), timeout=TIMEOUT)
    try:
        for r in call:
            got.append((r.text, r.payload))
            outbox.put(pb.EchoRequest(text=texts[len(got)], payload=b"\x00") if len(got) < len(texts) else None)
    finally:
        outbox.put(None)  # unblock the request thread if the call ended early
    assert got == [(t, b"\x00") for t in texts], f"got {got}"


def check_error_status(stub, channel):
    try:
        stub.Echo(pb.EchoRequest(text="fail"), timeout=TIMEOUT)
    except grpc.RpcError as e:
        trailers = dict(e.trailing_metadata() or ())
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, f"got {e.code()}"
        assert e.details() == "requested failure", f"got details {e.details()!r}"
        assert trailers.get("x-hv-reason") == "requested", f"got trailers {trailers}"
    else:
        raise AssertionError("call succeeded")


def check_unimplemented(stub, channel):
    method = channel.unary_unary("/harvestry.echo.v1.EchoService/NoSuchMethod")
    try:
        method(b"", timeout=TIMEOUT)
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.UNIMPLEMENTED, f"got {e.code()} {e.details()!r}"
    else:
        raise AssertionError("call succeeded")


CHECKS = {name[len("check_"):].replace("_", "-"): fn for name, fn in globals().items() if name.startswith("check_")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of the server, e.g. 127.0.0.1:50051")
    parser.add_argument("--only", action="append", choices=sorted(CHECKS), help="run just this check")
    args = parser.parse_args()

    with grpc.insecure_channel(args.target) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
        except grpc.FutureTimeoutError:
            print(f"FAIL connect: no server at {args.target} within {TIMEOUT:.0f} s")
            print("0 passed, 1 failed")
            return 1
        stub = pb_grpc.EchoServiceStub(channel)
        passed = failed = 0
        for name in args.only or CHECKS:
            try:
                CHECKS[name](stub, channel)
                print(f"PASS {name}", flush=True)
                passed += 1
            except (AssertionError, grpc.RpcError) as e:
                detail = f"{e.code()} {e.details()!r}" if isinstance(e, grpc.RpcError) else str(e)
                print(f"FAIL {name}: {detail}", flush=True)
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
