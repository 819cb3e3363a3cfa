"""Per-message compression visibility for grpcio, which normally hides it.

The interop compression cases need to know whether each individual message travelled compressed.
grpcio decompresses inside its core and does not report the message flag, so both programs open
their channels/servers with per-message decompression switched off: a compressed message then
reaches the deserializer as its gzip bytes, and an uncompressed one as plain protobuf. A protobuf
message can never start with the gzip magic (0x1f would be field 3 with the invalid wire type 7),
so the first two bytes tell the cases apart unambiguously.
"""

import gzip

import grpc
from grpc import _channel as grpc_channel_module

NO_DECOMPRESSION_OPTIONS = [("grpc.per_message_decompression", 0)]

_GZIP_MAGIC = b"\x1f\x8b"


def decode(message_type, raw: bytes):
    """Returns (message, arrived_compressed)."""
    if raw[:2] == _GZIP_MAGIC:
        return message_type.FromString(gzip.decompress(raw)), True
    return message_type.FromString(raw), False


def observing_deserializer(message_type):
    return lambda raw: decode(message_type, raw)


class UncompressedBytes(bytes):
    """A serialized request that must go out without compression even on a gzip call."""


_installed = False


def enable_per_message_client_compression_control() -> None:
    """Lets a client stream send individual messages uncompressed on a compressed call.

    grpcio exposes per-message compression only on the server side (disable_next_message_compression);
    its client always passes empty write flags. Its core supports the no-compress write flag, so the
    channel module's operation factory is wrapped to add that flag for UncompressedBytes payloads.
    """
    global _installed
    if _installed:
        return
    real = grpc_channel_module.cygrpc
    no_compress = real.WriteFlag.no_compress

    class _OperationFactory:
        def __getattr__(self, name):
            return getattr(real, name)

        @staticmethod
        def SendMessageOperation(message, flags):  # noqa: N802 - mirrors the wrapped name
            if isinstance(message, UncompressedBytes):
                return real.SendMessageOperation(bytes(message), flags | no_compress)
            return real.SendMessageOperation(message, flags)

    grpc_channel_module.cygrpc = _OperationFactory()
    _installed = True


def status_code_from_int(code: int) -> grpc.StatusCode:
    for status in grpc.StatusCode:
        if status.value[0] == code:
            return status
    return grpc.StatusCode.UNKNOWN
