"""A reference evaluator of the filter language (docs/filters.md), written from the docs alone,
for the tests that compare realtimed's live and history selection and exportd's export with it.

Usage: filter_reference.py < {"filters": [<JSON form>...], "records": [{"key": <JSON or null>,
"value": <JSON or null>, "partition": n, "offset": n, "timestamp": n, "headers": [[name, value]...]}...]}
A header value is a string (its bytes as UTF-8), null, or {"hex": "..."} for bytes that are not UTF-8.
Prints {"matches": [[<index of each matching record>...] per filter]}.
"""
import json
import sys

MISSING = object()


def scalar(value):
    """A field's value as (kind, value), or MISSING for a missing field, an object or an array."""
    if value is MISSING or isinstance(value, (dict, list)):
        return MISSING
    if value is None:
        return ("null", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    return ("string", value)


def lookup(document, path):
    for part in path:
        if isinstance(document, dict):
            if part not in document:
                return MISSING
            document = document[part]
        elif isinstance(document, list):
            if not part.isdigit() or int(part) >= len(document):
                return MISSING
            document = document[int(part)]
        else:
            return MISSING
    return document


def header(record, name):
    """header.<name>: the last header of that name; its value as a string, null for a null
    value; missing when there is none or its bytes are not UTF-8."""
    found = [value for header_name, value in record.get("headers", []) if header_name == name]
    if not found or isinstance(found[-1], dict):
        return MISSING
    return scalar(found[-1])


def field(record, name):
    if name.startswith("header."):
        return header(record, name[len("header."):])
    parts = name.split(".")
    if parts[0] in ("value", "key"):
        document = record[parts[0]]
        if document is None and len(parts) == 1:
            return MISSING if record[parts[0] + "_absent"] else scalar(None)
        if document is None:
            return MISSING
        return scalar(lookup(document, parts[1:]))
    if name == "timestamp" and record["timestamp"] < 0:
        return MISSING
    return scalar(record[name])


def holds(op, actual, operand):
    if op == "in":
        return actual is not MISSING and any(actual == scalar(item) for item in operand)
    expected = scalar(operand)
    if op == "!=":
        return actual is MISSING or actual != expected
    if actual is MISSING:
        return False
    if op == "=":
        return actual == expected
    if op == "prefix":
        return actual[0] == "string" and expected[0] == "string" and actual[1].startswith(expected[1])
    if actual[0] != expected[0] or actual[0] not in ("number", "string"):
        return False
    a, b = actual[1], expected[1]
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def matches(node, record):
    if "and" in node:
        return all(matches(part, record) for part in node["and"])
    if "or" in node:
        return any(matches(part, record) for part in node["or"])
    if "not" in node:
        return not matches(node["not"], record)
    return holds(node["op"], field(record, node["field"]), node["value"])


def main():
    request = json.load(sys.stdin)
    records = request["records"]
    for record in records:
        for part in ("key", "value"):
            record[part + "_absent"] = record[part] is None
    print(json.dumps({"matches": [[i for i, record in enumerate(records) if matches(f, record)]
                                  for f in request["filters"]]}))


if __name__ == "__main__":
    main()
