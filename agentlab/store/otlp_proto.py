"""The OTLP export in protobuf, the encoding every OTLP/HTTP collector accepts
(``Content-Type: application/x-protobuf``), built with the ``opentelemetry-proto`` messages.

It converts the OTLP JSON document of :func:`agentlab.store.export.export_otlp` (the one place
spans and attributes are worked out), so both encodings always carry the same trace. The JSON
encoding spells ids in hex and 64-bit integers as strings; protobuf wants bytes and integers.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status


def _value(value: dict[str, Any], out: AnyValue) -> None:
    if "stringValue" in value:
        out.string_value = value["stringValue"]
    elif "boolValue" in value:
        out.bool_value = bool(value["boolValue"])
    elif "intValue" in value:
        out.int_value = int(value["intValue"])
    elif "doubleValue" in value:
        out.double_value = float(value["doubleValue"])
    elif "arrayValue" in value:
        items = out.array_value.values
        for v in value["arrayValue"].get("values", []):
            _value(v, items.add())


def _attributes(attrs: list[dict[str, Any]], out: Any) -> None:
    for a in attrs:
        kv: KeyValue = out.add()
        kv.key = a["key"]
        _value(a["value"], kv.value)


def _span(s: dict[str, Any], out: Span) -> None:
    out.trace_id = bytes.fromhex(s["traceId"])
    out.span_id = bytes.fromhex(s["spanId"])
    if s.get("parentSpanId"):
        out.parent_span_id = bytes.fromhex(s["parentSpanId"])
    out.name = s["name"]
    out.kind = s["kind"]  # an enum value, given as its number
    out.start_time_unix_nano = int(s["startTimeUnixNano"])
    out.end_time_unix_nano = int(s["endTimeUnixNano"])
    _attributes(s.get("attributes", []), out.attributes)
    for e in s.get("events", []):
        ev = out.events.add()
        ev.time_unix_nano = int(e["timeUnixNano"])
        ev.name = e["name"]
        _attributes(e.get("attributes", []), ev.attributes)
    status = s.get("status") or {}
    out.status.code = status.get("code", Status.STATUS_CODE_UNSET)
    out.status.message = status.get("message", "")


def to_proto(doc: dict[str, Any]) -> bytes:
    """An OTLP JSON ``ExportTraceServiceRequest`` (a dict) as serialized protobuf."""
    req = ExportTraceServiceRequest()
    for rs in doc.get("resourceSpans", []):
        out_rs = req.resource_spans.add()
        _attributes(rs.get("resource", {}).get("attributes", []), out_rs.resource.attributes)
        for ss in rs.get("scopeSpans", []):
            out_ss = out_rs.scope_spans.add()
            scope = ss.get("scope", {})
            out_ss.scope.name = scope.get("name", "")
            out_ss.scope.version = scope.get("version", "")
            for s in ss.get("spans", []):
                _span(s, out_ss.spans.add())
    data: bytes = req.SerializeToString()
    return data
