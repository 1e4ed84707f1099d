"""Python stubs for the repo's proto/ tree, generated at run time so nothing generated is committed.

Every .proto under proto/ is compiled (so imports between our files resolve) with grpcio-tools into a
temporary directory that is put first on sys.path and removed at exit. The well-known types come from
grpcio-tools' bundled include directory. HV_PROTO_PATH (colon-separated directories) adds more roots,
e.g. for annotation protos not yet in the tree; proto/ wins over them when both have a file.
"""

import atexit
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

REPO_PROTO = Path(__file__).resolve().parents[2] / "proto"
_generated: Path | None = None


def _roots() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("HV_PROTO_PATH", "").split(":") if p]
    return [REPO_PROTO, *extra]


def _generate() -> Path:
    out = Path(tempfile.mkdtemp(prefix="hv-pystubs-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    roots = _roots()
    # Relative names, deduplicated: protoc resolves each against the include roots in order.
    files = sorted({str(f.relative_to(r)) for r in roots if r.is_dir() for f in r.rglob("*.proto")})
    wkt = Path(grpc_tools.__file__).parent / "_proto"
    args = ["protoc", *(f"-I{r}" for r in roots), f"-I{wkt}", f"--python_out={out}", f"--grpc_python_out={out}"]
    if protoc.main([*args, *files]) != 0:
        sys.exit(f"protos: protoc failed on {len(files)} files from {', '.join(map(str, roots))} "
                 "(missing google/api protos? set HV_PROTO_PATH)")
    return out


def load(module: str):
    """Imports a generated module by its proto path, e.g. load("harvestry.echo.v1.echo_service_pb2")."""
    global _generated
    if _generated is None:
        _generated = _generate()
        # First on the path so `google.api` is ours; `google` is a namespace package shared with protobuf.
        sys.path.insert(0, str(_generated))
    return importlib.import_module(module)


def echo():
    """The EchoService messages and stubs: (echo_service_pb2, echo_service_pb2_grpc)."""
    return load("harvestry.echo.v1.echo_service_pb2"), load("harvestry.echo.v1.echo_service_pb2_grpc")
