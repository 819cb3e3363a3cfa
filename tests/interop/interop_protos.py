"""Generates Python stubs for the repository's protos at run time and makes them importable.

The stubs are not checked in: they are produced by protoc and grpc_python_plugin from protos/ on
every run, so the Python peer always speaks exactly the contract the .NET side compiles.
"""

import atexit
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import grpc

PROTOS_ROOT = Path(__file__).resolve().parents[2] / "protos"

# Each group is compiled only if its directory exists, so the interop programs keep working while
# other contracts (health, reflection) are still being written.
_PROTO_GROUPS = ("grpc/testing", "grpc/health/v1", "grpc/reflection/v1", "grpc/reflection/v1alpha")

_loaded_dir = None


# The platform's own contracts, for clients that call the services (through the gateway) as a channel would.
_CONTRACT_GROUPS = ("voucher/v1", "campaign/v1", "claim/v1", "redemption/v1")

_contracts_dir = None

# google/protobuf/*.proto (Debian: libprotobuf-dev); protoc finds them only where it is told to look.
_WELL_KNOWN_INCLUDE = ["-I/usr/include"] if Path("/usr/include/google/protobuf/timestamp.proto").is_file() else []


def _generate(target_dir: Path, groups=_PROTO_GROUPS) -> None:
    protoc = shutil.which("protoc")
    plugin = shutil.which("grpc_python_plugin")
    if protoc is None or plugin is None:
        raise RuntimeError("protoc and grpc_python_plugin are required (Debian: protobuf-compiler, protobuf-compiler-grpc)")
    sources = []
    for group in groups:
        folder = PROTOS_ROOT / group
        if folder.is_dir():
            sources.extend(sorted(str(p.relative_to(PROTOS_ROOT)) for p in folder.glob("*.proto")))
    result = subprocess.run(
        [protoc, f"--python_out={target_dir}", f"--grpc_out={target_dir}",
         f"--plugin=protoc-gen-grpc={plugin}", f"-I{PROTOS_ROOT}", *_WELL_KNOWN_INCLUDE, *sources],
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"protoc failed: {result.stderr.strip()}")


def load() -> Path:
    """Generates the stubs once per process; afterwards `import grpc.testing.test_pb2` etc. work."""
    global _loaded_dir
    if _loaded_dir is not None:
        return _loaded_dir
    target = os.environ.get("INTEROP_STUBS_DIR")
    if target:
        target_dir = Path(target)
        target_dir.mkdir(parents=True, exist_ok=True)
    else:
        target_dir = Path(tempfile.mkdtemp(prefix="interop-stubs-"))
        atexit.register(shutil.rmtree, target_dir, True)
    _generate(target_dir)
    # The contracts live in package grpc.*, the same top-level name as the grpcio library. Adding
    # the generated folder to the installed package's search path lets both coexist without
    # renaming the contract (renaming would change the wire names).
    grpc.__path__.append(str(target_dir / "grpc"))
    importlib.invalidate_caches()
    _loaded_dir = target_dir
    return target_dir


def load_contracts() -> Path:
    """Generates the voucher, campaign, claim and redemption stubs once per process; afterwards `from claim.v1 import ...` works."""
    global _contracts_dir
    if _contracts_dir is not None:
        return _contracts_dir
    target_dir = Path(tempfile.mkdtemp(prefix="contract-stubs-"))
    atexit.register(shutil.rmtree, target_dir, True)
    _generate(target_dir, _CONTRACT_GROUPS)
    sys.path.insert(0, str(target_dir))
    importlib.invalidate_caches()
    _contracts_dir = target_dir
    return target_dir
