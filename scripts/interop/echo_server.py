#!/usr/bin/env python3
"""A reference EchoService (harvestry.echo.v1) on grpcio, the peer our Swift client is tested against.

Prints `LISTENING <port>` once bound (use --port 0 for a free port) and stops on SIGTERM or SIGINT.
Semantics: Echo returns text and payload unchanged (text "fail" -> INVALID_ARGUMENT "requested failure"
with trailing metadata x-hv-reason: requested); Expand streams one response per space-separated word;
Collect joins the texts with spaces; Update answers each request as it arrives.
"""

import argparse
import signal
import threading
from concurrent import futures

import grpc

import protos

pb, pb_grpc = protos.echo()


class EchoService(pb_grpc.EchoServiceServicer):
    def Echo(self, request, context):
        if request.text == "fail":
            context.set_trailing_metadata((("x-hv-reason", "requested"),))
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "requested failure")
        return pb.EchoResponse(text=request.text, payload=request.payload)

    def Expand(self, request, context):
        # Split on single spaces dropping empty words, as Swift's split(separator: " ") does.
        for word in request.text.split(" "):
            if word:
                yield pb.EchoResponse(text=word)

    def Collect(self, request_iterator, context):
        return pb.EchoResponse(text=" ".join(r.text for r in request_iterator))

    def Update(self, request_iterator, context):
        for request in request_iterator:
            yield pb.EchoResponse(text=request.text, payload=request.payload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one")
    args = parser.parse_args()

    # Streaming calls hold a worker thread each; 16 is plenty for interop and smoke tests.
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    pb_grpc.add_EchoServiceServicer_to_server(EchoService(), server)
    port = server.add_insecure_port(f"{args.host}:{args.port}")
    if port == 0:
        raise SystemExit(f"echo_server: cannot bind {args.host}:{args.port}")
    server.start()

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"LISTENING {port}", flush=True)
    stop.wait()
    server.stop(grace=2).wait()


if __name__ == "__main__":
    main()
