#!/usr/bin/env python3
"""Verifies Chaos World audit hash chains without the audit service's code.

Reads audit records in the protobuf JSON form (as grpcurl prints them) from
files or standard input: JSON lines, or the concatenated messages grpcurl
prints for a stream. Each object may be a record, {"record": {...}} (an
ExportAuditRecords or GetAuditRecord answer) or {"records": [...]} (a
ListAuditRecords page). Then, per partition, it checks what
proto/chaos/audit/v1/audit_record.proto specifies:

  * sequences run 1, 2, 3, ... without a gap (or, with --partial, from the
    first one given),
  * previous_hash is the hash of the record before (the genesis hash,
    64 "0", for sequence 1),
  * hash is SHA-256 of the record's canonical form.

With --seals, it also checks the chains against AuditChainSealed events (the
audit service publishes each grown chain's sequence and hash to the
chaos.audit.v1.records topic): every sealed sequence must be in the export
with the sealed hash. A chain rewritten from its genesis on, hashes and all,
by someone with the database's owner rights verifies on its own, but no
longer reaches its seals.

Prints one line per partition and exits 0 when every chain holds, 1 when one
does not (naming the partition, the sequence and the problem), 2 on input it
cannot read.

    grpcurl -cacert ca.pem -cert operator.pem -key operator-key.pem \
      -d '{"partition_prefix": "2026-12-02/"}' 127.0.0.1:7410 \
      chaos.audit.v1.AuditInternalService/ExportAuditRecords | python3 verify.py

Python 3.8+, standard library only.
"""

import argparse
import hashlib
import json
import re
import sys
from datetime import datetime, timezone

GENESIS = "0" * 64
FORM_VERSION = "chaos.audit.v1"
TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$")


class InputError(Exception):
    """Input that is not audit records."""


def field(record, camel, snake, default=""):
    """A field by its JSON name or its proto name (grpcurl prints either)."""
    if camel in record:
        return record[camel]
    return record.get(snake, default)


def canonical_time(text):
    """RFC 3339 in UTC with exactly six fractional digits (finer digits cut off)."""
    match = TIME.match(text or "")
    if match is None:
        raise InputError("not an RFC 3339 time: %r" % (text,))
    whole, fraction, zone = match.groups()
    if zone != "Z":
        moment = datetime.strptime(whole + zone.replace(":", ""), "%Y-%m-%dT%H:%M:%S%z").astimezone(timezone.utc)
        whole = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return "%s.%sZ" % (whole, (fraction or "").ljust(9, "0")[:6])


def netstring(text):
    data = text.encode("utf-8")
    return str(len(data)).encode("ascii") + b":" + data + b","


def canonical_bytes(record):
    """The canonical form of audit_record.proto: seventeen netstring fields in a fixed order."""
    details = field(record, "details", "details", {}) or {}
    keys = sorted(details, key=lambda key: key.encode("utf-8"))
    fields = [
        FORM_VERSION,
        record["partition"],
        str(record["sequence"]),
        field(record, "recordId", "record_id"),
        canonical_time(field(record, "occurTime", "occur_time")),
        canonical_time(field(record, "recordTime", "record_time")),
        field(record, "actorKind", "actor_kind", "ACTOR_KIND_UNSPECIFIED"),
        field(record, "actorId", "actor_id"),
        field(record, "action", "action"),
        field(record, "resource", "resource"),
        field(record, "outcome", "outcome", "OUTCOME_UNSPECIFIED"),
        field(record, "sourceIp", "source_ip"),
        field(record, "userAgent", "user_agent"),
        field(record, "traceId", "trace_id"),
        field(record, "source", "source"),
        str(len(keys)),
    ]
    for key in keys:
        fields += [key, details[key]]
    fields.append(field(record, "previousHash", "previous_hash"))
    return b"".join(netstring(f) for f in fields)


def record_hash(record):
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def objects(text):
    """Every JSON object in `text`: one per line, or concatenated and pretty-printed."""
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise InputError("not JSON at character %d: %s" % (position, error.msg))
        yield value


def records_of(value):
    if isinstance(value, list):
        for item in value:
            yield from records_of(item)
    elif isinstance(value, dict) and "records" in value:
        yield from records_of(value["records"])
    elif isinstance(value, dict) and isinstance(value.get("record"), dict):
        yield value["record"]
    elif isinstance(value, dict) and "hash" in value:
        yield value
    else:
        raise InputError("not an audit record: %s" % json.dumps(value)[:120])


def normalised(record):
    """The record with its partition and sequence checked and the sequence as an int."""
    if "partition" not in record or "sequence" not in record:
        raise InputError("record %s has no partition or sequence" % field(record, "recordId", "record_id", "?"))
    copy = dict(record)
    copy["sequence"] = int(record["sequence"])
    return copy


def check_partition(partition, records, partial):
    """None when the chain holds, else (sequence, problem) of its first broken link."""
    records.sort(key=lambda r: r["sequence"])
    expected = records[0]["sequence"] if partial else 1
    previous = GENESIS if expected == 1 else None
    for record in records:
        sequence = record["sequence"]
        if sequence < expected:
            return sequence, "sequence %d appears twice" % sequence
        if sequence != expected:
            return expected, "sequence %d is missing (the next record is %d)" % (expected, sequence)
        if previous is not None and field(record, "previousHash", "previous_hash") != previous:
            if sequence == 1:
                return sequence, "previous_hash is not the genesis hash"
            return sequence, "previous_hash does not match the hash of sequence %d" % (sequence - 1)
        if record_hash(record) != record.get("hash"):
            return sequence, "hash does not match the record's content"
        previous = record["hash"]
        expected = sequence + 1
    return None


def seals_of(value):
    """AuditChainSealed events in protobuf JSON (one object, a list, or {"seal": {...}})."""
    if isinstance(value, list):
        for item in value:
            yield from seals_of(item)
    elif isinstance(value, dict) and isinstance(value.get("seal"), dict):
        yield from seals_of(value["seal"])
    elif isinstance(value, dict) and {"partition", "sequence", "hash"} <= set(value) and "previousHash" not in value and "previous_hash" not in value:
        yield {"partition": value["partition"], "sequence": int(value["sequence"]), "hash": value["hash"]}
    else:
        raise InputError("not an AuditChainSealed event: %s" % json.dumps(value)[:120])


def check_seals(partition, records, seals):
    """None when the chain reaches every seal of its partition, else (sequence, problem) of the first one it misses."""
    by_sequence = {r["sequence"]: r for r in records}
    last = max(by_sequence) if by_sequence else 0
    for seal in sorted(seals, key=lambda s: s["sequence"]):
        record = by_sequence.get(seal["sequence"])
        if record is None:
            return seal["sequence"], "sealed sequence %d is not in the export (the chain ends at %d)" % (seal["sequence"], last)
        if record.get("hash") != seal["hash"]:
            return seal["sequence"], "hash differs from the one sealed at sequence %d" % seal["sequence"]
    return None


def main(argv):
    parser = argparse.ArgumentParser(description="Verify Chaos World audit hash chains (protobuf JSON records).")
    parser.add_argument("files", nargs="*", help="files of records (default: standard input)")
    parser.add_argument("--partial", action="store_true", help="chains may start after sequence 1 (a range); the first record's previous_hash is trusted")
    parser.add_argument("--seals", action="append", default=[], metavar="FILE", help="AuditChainSealed events (protobuf JSON) of the exported partitions; may be given more than once")
    args = parser.parse_args(argv)
    try:
        texts = [open(name, encoding="utf-8").read() for name in args.files] if args.files else [sys.stdin.read()]
        partitions = {}
        for text in texts:
            for value in objects(text):
                for record in records_of(value):
                    record = normalised(record)
                    partitions.setdefault(record["partition"], []).append(record)
        sealed = {}
        for name in args.seals:
            with open(name, encoding="utf-8") as file:
                for value in objects(file.read()):
                    for seal in seals_of(value):
                        sealed.setdefault(seal["partition"], []).append(seal)
        for partition in sealed:
            partitions.setdefault(partition, [])
        broken = None
        for partition in sorted(partitions):
            verdict = None
            if partitions[partition]:
                verdict = check_partition(partition, partitions[partition], args.partial)
            if verdict is None and partition in sealed:
                verdict = check_seals(partition, partitions[partition], sealed[partition])
            if verdict is None:
                print("ok      partition %s: %d records" % (partition, len(partitions[partition])))
            else:
                print("BROKEN  partition %s sequence %d: %s" % ((partition,) + verdict))
                broken = broken or (partition, verdict)
    except (InputError, KeyError, ValueError, OSError) as error:
        print("cannot verify: %s" % error, file=sys.stderr)
        return 2
    total = sum(len(r) for r in partitions.values())
    if broken is not None:
        print("chain broken: partition %s, sequence %d (%s)" % (broken[0], broken[1][0], broken[1][1]))
        return 1
    print("intact: %d records in %d partitions" % (total, len(partitions)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
