"""TAXII's error matrix over raw HTTP: every answer, errors included, has
the TAXII media type and an error body whose http_status is the status."""

import json

import pytest
import requests

TAXII = "application/taxii+json;version=2.1"


def check(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == TAXII
    if status >= 400:
        body = r.json()
        assert body["http_status"] == str(status) and body["title"], body


@pytest.fixture(scope="module")
def setup(hub):
    root = "errors"
    c = hub.collection(root, "Errors", readers={"mode": "only", "countries": ["DEU"]},
                       writers={"mode": "only", "countries": ["DEU"]})
    return root, c["id"]


def test_credentials(hub, setup):
    root, cid = setup
    r = requests.get(f"{hub.base}/taxii2/", headers={"Accept": TAXII}, timeout=30)
    check(r, 401)
    assert "Basic" in r.headers["WWW-Authenticate"]
    check(requests.get(f"{hub.base}/taxii2/", headers={**hub.basic_header("deu"), "Authorization": "Basic eDp5"},
                       timeout=30), 401)
    for scheme in ("basic", "BASIC", "Basic"):
        check(requests.get(f"{hub.base}/taxii2/", headers=hub.basic_header("deu", scheme), timeout=30), 200)
    for scheme in ("Bearer", "Token"):
        h = {"Authorization": f"{scheme} {hub.tokens['deu']}", "Accept": TAXII}
        check(requests.get(f"{hub.base}/taxii2/{root}/", headers=h, timeout=30), 200)


def test_negotiation_and_bodies(hub, setup):
    root, cid = setup
    objects = f"{hub.base}/taxii2/{root}/collections/{cid}/objects/"
    h = hub.basic_header("deu")
    check(requests.get(f"{hub.base}/taxii2/", headers={**h, "Accept": "application/xml"}, timeout=30), 406)
    check(requests.get(objects, headers={**h, "Accept": "application/stix+json;version=2.1"}, timeout=30), 200)
    check(requests.post(objects, headers={**h, "Content-Type": "application/json"}, data="{}", timeout=30), 415)
    ct = {**h, "Content-Type": TAXII}
    check(requests.post(objects, headers=ct, data="not json", timeout=30), 422)
    check(requests.post(objects, headers=ct, data="[]", timeout=30), 422)
    big = json.dumps({"objects": [{"type": "x-pad", "pad": "p" * hub.max_content_length}]})
    check(requests.post(objects, headers=ct, data=big, timeout=30), 413)
    missing = {"objects": [{"type": "indicator", "spec_version": "2.1"}, {"id": "indicator--x"},
                           {"type": "malware", "id": "malware--6f8c1a3e-2b4d-4c5e-9f70-8a1b2c3d4e5f",
                            "is_family": False, "created": "2026-01-01T00:00:00.000Z",
                            "modified": "2026-01-01T00:00:00.000Z"}]}
    r = requests.post(objects, headers=ct, data=json.dumps(missing), timeout=30)
    check(r, 202)
    st = r.json()
    assert (st["total_count"], st["failure_count"]) == (3, 3)
    assert len(st["failures"]) == 3 and all(f["message"] for f in st["failures"])


@pytest.mark.parametrize("query", ["added_after=yesterday", "added_after=2026-13-01T00:00:00Z", "limit=0",
                                   "limit=-20", "limit=x", "match[version]=all,first", "next=zzz",
                                   "added_after=2026-01-01T00:00:00Z&added_after=2026-01-02T00:00:00Z"])
def test_malformed_filters_are_400s(hub, setup, query):
    root, cid = setup
    r = requests.get(f"{hub.base}/taxii2/{root}/collections/{cid}/objects/?{query}",
                     headers=hub.basic_header("deu"), timeout=30)
    check(r, 400)


def test_rights(hub, setup):
    root, cid = setup
    base = f"{hub.base}/taxii2/{root}/collections/{cid}/"
    # ITA may neither read nor write: the collection does not exist for it.
    for path in ("", "objects/", "manifest/"):
        check(requests.get(base + path, headers=hub.basic_header("ita"), timeout=30), 404)
    # DEU's officer may read, not write.
    ct = {**hub.basic_header("deu_officer"), "Content-Type": TAXII}
    check(requests.post(base + "objects/", headers=ct, data='{"objects": []}', timeout=30), 403)
    check(requests.get(base + "objects/", headers=hub.basic_header("deu_officer"), timeout=30), 200)
    check(requests.get(f"{hub.base}/taxii2/{root}/collections/{cid}/objects/indicator--6f8c1a3e-2b4d-4c5e-9f70-8a1b2c3d4e5f/",
                       headers=hub.basic_header("deu"), timeout=30), 404)
    check(requests.get(f"{hub.base}/taxii2/nowhere/", headers=hub.basic_header("deu"), timeout=30), 404)
