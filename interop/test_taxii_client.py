"""The OASIS taxii2-client against the hub: discovery, the API root,
collections with per-caller rights, adding objects, statuses, paging with
`next`, filters, versions, the manifest and deletion; and everything the
hub returns passes stix2-validator in strict mode."""

import json

import pytest
import requests
import stix2
from stix2validator import ValidationOptions, validate_parsed_json
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from cases import TLP2, ransomware_case


def everything(collection, per_request=3):
    """Every object of a collection, page by page with `next`."""
    out = []
    for envelope in as_pages(collection.get_objects, per_request=per_request):
        out.extend(envelope.get("objects", []))
    return out


def assert_strictly_valid(objects):
    bundle = {"type": "bundle", "id": "bundle--6f8c1a3e-2b4d-4c5e-9f70-8a1b2c3d4e5f", "objects": objects}
    results = validate_parsed_json(bundle, ValidationOptions(version="2.1", strict=True))
    results = results if isinstance(results, list) else [results]
    problems = [(r.object_id, str(e)) for r in results for e in (r.errors + r.warnings)]
    assert all(r.is_valid for r in results) and not problems, problems


def test_discovery_roots_and_collections_with_each_callers_rights(hub, fresh_root):
    open_c = hub.collection(fresh_root, "Ransomware", alias=f"{fresh_root}-ransomware")
    closed = hub.collection(fresh_root, "DEU only", readers={"mode": "only", "countries": ["DEU"]})
    server = Server(f"{hub.base}/taxii2/", auth=hub.auth("deu"))
    assert server.title
    assert f"/taxii2/{fresh_root}/" in [r.url.replace(hub.base, "") for r in server.api_roots]
    root = ApiRoot(hub.root_url(fresh_root), auth=hub.auth("deu"))
    assert root.versions == ["application/taxii+json;version=2.1"]
    assert root.max_content_length == hub.max_content_length
    rights = {c.id: (c.can_read, c.can_write) for c in root.collections}
    assert rights == {open_c["id"]: (True, True), closed["id"]: (True, True)}
    # ITA reads the open one, may not write it, and never learns of the other.
    ita_root = ApiRoot(hub.root_url(fresh_root), auth=hub.auth("ita"))
    assert {c.id: (c.can_read, c.can_write) for c in ita_root.collections} == {open_c["id"]: (True, False)}
    # The alias serves in place of the id (taxii2-client insists on the id
    # in the URL, so this one is asked directly).
    r = requests.get(hub.collection_url(fresh_root, f"{fresh_root}-ransomware"), headers=hub.basic_header("ita"),
                     timeout=30)
    assert r.status_code == 200 and r.json()["id"] == open_c["id"], r.text


def test_add_poll_page_filter_version_and_delete(hub, fresh_root):
    c = hub.collection(fresh_root, "Ransomware")
    objects, values = ransomware_case()
    bundle = json.loads(stix2.Bundle(*objects).serialize())
    writer = Collection(hub.collection_url(fresh_root, c["id"]), auth=hub.auth("fra"))
    status = writer.add_objects({"objects": bundle["objects"]})
    status.wait_until_final()
    assert status.status == "complete"
    assert (status.success_count, status.failure_count) == (len(objects), 0), status.failures
    # Posting the same objects again is no error.
    again = writer.add_objects({"objects": bundle["objects"]})
    assert (again.success_count, again.failure_count) == (len(objects), 0)

    reader = Collection(hub.collection_url(fresh_root, c["id"]), auth=hub.auth("deu_officer"))
    got = everything(reader)
    ids = [o["id"] for o in got]
    assert len(ids) == len(set(ids)), "no object twice across pages"
    assert {o.id for o in objects} <= set(ids)
    assert TLP2["amber"] in ids, "the TLP 2.0 marking is shipped"
    manifest = reader.get_manifest()["objects"]
    added = [m["date_added"] for m in manifest]
    assert added == sorted(added), "ordered by date_added"
    assert_strictly_valid(got)

    # Filters.
    indicators = reader.get_objects(type="indicator")["objects"]
    assert {o["type"] for o in indicators} == {"indicator"} and len(indicators) == 4
    one = next(o for o in objects if o.type == "malware")
    assert [o["id"] for o in reader.get_objects(id=one.id)["objects"]] == [one.id]

    # A new version: last by default, all on demand, both listed.
    newer = one.new_version(description="Encrypts with ChaCha20; leaks on a Tor site.")
    writer.add_objects({"objects": [json.loads(newer.serialize())]}).wait_until_final()
    assert reader.get_object(one.id)["objects"][0]["description"].startswith("Encrypts")
    assert len(reader.get_object(one.id, version="all")["objects"]) == 2
    versions = reader.object_versions(one.id)["versions"]
    assert len(versions) == 2
    first = reader.get_object(one.id, version="first")["objects"][0]
    assert "description" not in first

    # The owner deletes it; then it is gone from every view.
    writer.delete_object(one.id, version="all")
    with pytest.raises(requests.exceptions.HTTPError) as e:
        reader.get_object(one.id)
    assert e.value.response.status_code == 404
    assert one.id not in [m["id"] for m in reader.get_manifest()["objects"]]


def test_an_agency_outside_the_tlp_sees_nothing_of_the_object(hub, fresh_root):
    c = hub.collection(fresh_root, "Mixed", readers={"mode": "all"})
    red, _ = ransomware_case(marking=TLP2["red"])
    green, _ = ransomware_case(marking=TLP2["green"])
    writer = Collection(hub.collection_url(fresh_root, c["id"]), auth=hub.auth("fra"))
    for case in (red, green):
        writer.add_objects({"objects": json.loads(stix2.Bundle(*case, allow_custom=True).serialize())["objects"]})
    outsider = Collection(hub.collection_url(fresh_root, c["id"]), auth=hub.auth("ita"))
    red_ids = {o.id for o in red if "object_marking_refs" in o}
    seen = {o["id"] for o in everything(outsider)}
    assert not (red_ids & seen), "no RED object in a page"
    assert not (red_ids & {m["id"] for m in outsider.get_manifest()["objects"]}), "nor in the manifest"
    for rid in red_ids:
        for call in (outsider.get_object, outsider.object_versions):
            with pytest.raises(requests.exceptions.HTTPError) as e:
                call(rid)
            assert e.value.response.status_code == 404
    assert {o.id for o in green if "object_marking_refs" in o} <= seen
    owner_view = {o["id"] for o in everything(writer)}
    assert red_ids <= owner_view


def test_a_status_is_only_its_posters(hub, fresh_root):
    c = hub.collection(fresh_root, "Statuses")
    objects, _ = ransomware_case()
    writer = Collection(hub.collection_url(fresh_root, c["id"]), auth=hub.auth("fra"))
    status = writer.add_objects({"objects": json.loads(stix2.Bundle(*objects).serialize())["objects"]})
    other = ApiRoot(hub.root_url(fresh_root), auth=hub.auth("deu"))
    with pytest.raises((requests.exceptions.HTTPError, TAXIIServiceException)):
        other.get_status(status.id)
    mine = ApiRoot(hub.root_url(fresh_root), auth=hub.auth("fra")).get_status(status.id)
    assert mine.success_count == len(objects)
