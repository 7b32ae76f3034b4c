"""Posts N STIX indicators to a TAXII 2.1 collection in envelopes, then
reads them back page by page with `next`, and prints the rates as JSON.
The same client for any server (Tocsin, medallion): requests with HTTP
Basic, envelopes serialized before the clock starts, pages parsed as
taxii2-client parses them (JSON).
  python bench_taxii.py URL USER PASSWORD N [ENVELOPE] [PAGE]
URL is the collection's URL (…/collections/ID/). With BENCH_POST_ONLY=1 in
the environment, nothing is read back."""

import json
import os
import sys
import time
import uuid

import requests

TAXII = "application/taxii+json;version=2.1"
NS = uuid.UUID("9a1b6f1e-5a43-4d4e-8f0a-2f6c1d3b7e55")


def objects(n):
    for i in range(n):
        yield {
            "type": "indicator", "spec_version": "2.1",
            "id": f"indicator--{uuid.UUID(bytes=uuid.uuid5(NS, str(i)).bytes, version=4)}",
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
            "name": f"C2 address {i}", "description": "Command and control address of a ransomware affiliate.",
            "indicator_types": ["malicious-activity"],
            "pattern": f"[ipv4-addr:value = '10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}']",
            "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
        }


def main():
    url, user, password, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    per_envelope = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    page = int(sys.argv[6]) if len(sys.argv) > 6 else 1000
    session = requests.Session()
    session.auth = (user, password)
    session.headers.update({"Accept": TAXII})
    all_objects = list(objects(n))
    bodies = [json.dumps({"objects": all_objects[i:i + per_envelope]}).encode()
              for i in range(0, n, per_envelope)]
    started = time.perf_counter()
    for body in bodies:
        r = session.post(url + "objects/", data=body, headers={"Content-Type": TAXII}, timeout=3600)
        assert r.status_code == 202, r.text[:300]
        status = r.json()
        assert status["failure_count"] == 0, status["failures"][:3]
    posted = time.perf_counter() - started
    if os.environ.get("BENCH_POST_ONLY") == "1":
        print(json.dumps({"objects": n, "envelope": per_envelope, "post_s": round(posted, 3),
                          "post_per_s": round(n / posted)}))
        return
    started = time.perf_counter()
    seen = 0
    params = {"limit": str(page)}
    while True:
        r = session.get(url + "objects/", params=params, timeout=3600)
        assert r.status_code == 200, r.text[:300]
        envelope = r.json()
        seen += len(envelope.get("objects", []))
        if not envelope.get("more"):
            break
        params = {"limit": str(page), "next": envelope["next"]}
    read = time.perf_counter() - started
    assert seen >= n, f"read back {seen} of {n}"
    print(json.dumps({"objects": n, "envelope": per_envelope, "page": page,
                      "post_s": round(posted, 3), "post_per_s": round(n / posted),
                      "read_s": round(read, 3), "read_per_s": round(seen / read)}))


if __name__ == "__main__":
    main()
