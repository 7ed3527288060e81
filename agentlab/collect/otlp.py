"""OTLP trace payloads (protobuf or JSON, gzip or not) decoded into :class:`InSpan` values.

Decoding is the ``opentelemetry-proto`` package's: protobuf bodies are parsed by it directly;
JSON bodies (the OTLP/HTTP JSON encoding, whose ids are hex strings rather than protobuf JSON's
base64) have their ids converted and are then parsed by protobuf's own JSON parser into the
same message, so both encodings go through one path.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from typing import Any

from agentlab.core.otel_in import InSpan

#: A string attribute longer than this is cut (held spans stay small; the recorder keeps what
#: it is given).
MAX_VALUE_CHARS = 64 * 1024
#: A body larger than this (after gunzip) is refused, so a bad client cannot exhaust memory.
MAX_BODY_BYTES = 64 * 1024 * 1024

STATUS_ERROR = 2


class BadPayload(ValueError):
    """A payload that is not an OTLP trace export; ``str()`` says why in one line."""


def _request_type() -> Any:
    try:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )
    except ImportError as exc:  # pragma: no cover - a main dependency
        raise BadPayload(f"opentelemetry-proto is not installed ({exc})") from None
    return ExportTraceServiceRequest


def response_bytes() -> bytes:
    """An empty ``ExportTraceServiceResponse`` (what every OTLP exporter expects back)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceResponse,
    )

    data: bytes = ExportTraceServiceResponse().SerializeToString()
    return data


def gunzip(body: bytes) -> bytes:
    try:
        d = zlib.decompressobj(wbits=31)
        data = d.decompress(body, MAX_BODY_BYTES + 1)
    except (zlib.error, EOFError, gzip.BadGzipFile) as exc:
        raise BadPayload(f"body is not valid gzip ({exc})") from None
    if len(data) > MAX_BODY_BYTES:
        raise BadPayload(f"body is larger than {MAX_BODY_BYTES // 2**20} MiB uncompressed")
    if not d.eof:  # a cut stream decodes as far as it goes: never record part of it
        raise BadPayload("body is truncated gzip (it ends before the gzip stream does)")
    return data


def decode(body: bytes, content_type: str = "", content_encoding: str = "") -> list[InSpan]:
    """The spans in one OTLP export request. ``content_type`` picks protobuf or JSON (guessed
    from the first byte when absent); gzip is undone when the encoding says so or the body
    starts with gzip's magic bytes. Raises :class:`BadPayload`."""
    enc = content_encoding.strip().lower()
    if enc == "gzip" or body[:2] == b"\x1f\x8b":
        body = gunzip(body)
    elif enc not in ("", "identity"):
        raise BadPayload(f"unsupported Content-Encoding {content_encoding!r} (use gzip or none)")
    ctype = content_type.split(";")[0].strip().lower()
    is_json = ctype.endswith("json") or (not ctype and body.lstrip()[:1] in (b"{", b"["))
    if ctype and not is_json and "protobuf" not in ctype and ctype != "application/octet-stream":
        raise BadPayload(
            f"unsupported Content-Type {content_type!r} "
            "(use application/x-protobuf or application/json)"
        )
    request = from_json(body) if is_json else from_protobuf(body)
    return spans_of(request)


def from_protobuf(body: bytes) -> Any:
    request = _request_type()()
    try:
        request.ParseFromString(body)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise BadPayload(
            f"body is not an OTLP protobuf ExportTraceServiceRequest ({exc})"
        ) from None
    return request


def _hex_to_b64(value: Any) -> Any:
    """An OTLP/JSON id (hex) as protobuf's JSON mapping wants it (base64). An id already in
    base64 (what protobuf's own JSON printer writes, and some clients send) is kept: base64 of
    8 or 16 bytes always ends in ``=``, so it is never mistaken for hex."""
    if isinstance(value, str) and value:
        try:
            return base64.b64encode(bytes.fromhex(value)).decode()
        except ValueError:
            pass
        try:
            if len(base64.b64decode(value, validate=True)) in (8, 16):
                return value
        except ValueError:
            pass
        raise BadPayload(f"id {value[:40]!r} is neither hex nor base64 of 8 or 16 bytes")
    return value


def from_json(body: bytes | str | dict[str, Any]) -> Any:
    from google.protobuf import json_format

    if isinstance(body, dict):
        doc = body
    else:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadPayload(f"body is not JSON ({exc})") from None
    if not isinstance(doc, dict) or ("resourceSpans" not in doc and "resource_spans" not in doc):
        raise BadPayload("JSON body has no resourceSpans (not an OTLP trace export)")
    for rs in doc.get("resourceSpans") or doc.get("resource_spans") or []:
        for ss in (rs or {}).get("scopeSpans") or (rs or {}).get("scope_spans") or []:
            for sp in (ss or {}).get("spans") or []:
                if not isinstance(sp, dict):
                    continue
                for key in ("traceId", "spanId", "parentSpanId", "trace_id", "span_id"):
                    if key in sp:
                        sp[key] = _hex_to_b64(sp[key])
                for key in ("parent_span_id",):
                    if key in sp:
                        sp[key] = _hex_to_b64(sp[key])
                for link in sp.get("links") or []:
                    if isinstance(link, dict):
                        for key in ("traceId", "spanId"):
                            if key in link:
                                link[key] = _hex_to_b64(link[key])
    request = _request_type()()
    try:
        json_format.ParseDict(doc, request, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise BadPayload(f"JSON body is not an OTLP trace export ({exc})") from None
    return request


def value_of(v: Any) -> Any:
    """An OTLP ``AnyValue`` as a plain Python value."""
    which = v.WhichOneof("value")
    if which == "string_value":
        s: str = v.string_value
        if len(s) > MAX_VALUE_CHARS:
            return s[:MAX_VALUE_CHARS] + f"… [{len(s) - MAX_VALUE_CHARS} more chars]"
        return s
    if which == "int_value":
        return v.int_value
    if which == "double_value":
        return v.double_value
    if which == "bool_value":
        return v.bool_value
    if which == "array_value":
        return [value_of(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: value_of(kv.value) for kv in v.kvlist_value.values}
    if which == "bytes_value":
        return v.bytes_value.hex()
    return None


def attributes(kvs: Any) -> dict[str, Any]:
    return {kv.key: value_of(kv.value) for kv in kvs}


def _parent(raw: bytes) -> str | None:
    """A parent span id as hex; None for none (empty, or eight zero bytes from some
    exporters)."""
    return raw.hex() if raw.strip(b"\0") else None


def _exception(events: list[tuple[str, dict[str, Any]]]) -> str:
    """``Type: message`` of a failed span's last ``exception`` event (the SDK's
    ``record_exception``), for a status that gives no description."""
    for name, attrs in reversed(events):
        if name == "exception":
            kind = str(attrs.get("exception.type") or "")
            message = str(attrs.get("exception.message") or "")
            return f"{kind}: {message}" if kind and message else kind or message
    return ""


def spans_of(request: Any) -> list[InSpan]:
    out: list[InSpan] = []
    for rs in request.resource_spans:
        service = ""
        for kv in rs.resource.attributes:
            if kv.key == "service.name":
                service = str(value_of(kv.value) or "")
        for ss in rs.scope_spans:
            scope = ss.scope.name
            for sp in ss.spans:
                if len(sp.trace_id) != 16 or len(sp.span_id) != 8:
                    raise BadPayload(
                        f"span {sp.name!r} has a trace id of {len(sp.trace_id)} bytes and a span "
                        f"id of {len(sp.span_id)} bytes (expected 16 and 8)"
                    )
                start = sp.start_time_unix_nano / 1e9
                end = sp.end_time_unix_nano / 1e9
                events = [(ev.name, attributes(ev.attributes)) for ev in sp.events]
                error = sp.status.code == STATUS_ERROR
                out.append(
                    InSpan(
                        trace_id=sp.trace_id.hex(),
                        span_id=sp.span_id.hex(),
                        parent_id=_parent(sp.parent_span_id),
                        name=sp.name,
                        start=start,
                        end=max(end, start),
                        attributes=attributes(sp.attributes),
                        error=error,
                        error_message=sp.status.message or (_exception(events) if error else ""),
                        scope=scope,
                        service=service,
                        events=events,
                    )
                )
    return out
