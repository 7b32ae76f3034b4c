"""An OpenCTI-style poller: one page per tick with `limit` and `next` (sent
with the first request's `added_after`), then `X-TAXII-Date-Added-Last` as
the next `added_after` once `more` is false, while another client writes.
Every object version arrives exactly once."""

import json
import threading
import time

import requests
import stix2
from taxii2client.v21 import Collection

from cases import ransomware_case

TAXII = "application/taxii+json;version=2.1"


def test_a_poller_resumes_from_date_added_last_and_gets_everything_exactly_once(hub, fresh_root):
    c = hub.collection(fresh_root, "Polled")
    url = hub.collection_url(fresh_root, c["id"]) + "objects/"
    writer = Collection(hub.collection_url(fresh_root, c["id"]), auth=hub.auth("fra"))
    sent = set()
    lock = threading.Lock()

    def write(rounds):
        for _ in range(rounds):
            objects, _ = ransomware_case()
            body = json.loads(stix2.Bundle(*objects).serialize())["objects"]
            status = writer.add_objects({"objects": body})
            assert status.failure_count == 0
            with lock:
                sent.update((o["id"], o.get("modified", "")) for o in body)
            time.sleep(0.05)

    write(2)
    other = threading.Thread(target=write, args=(6,))
    other.start()
    received = []
    added_after = None
    headers = {"Accept": TAXII}
    idle = 0
    while idle < 3:
        params = {"limit": "7"}
        if added_after:
            params["added_after"] = added_after
        got_any = False
        while True:
            r = requests.get(url, params=params, headers=headers, auth=hub.auth("deu_officer"), timeout=30)
            assert r.status_code == 200, r.text
            assert r.headers["Content-Type"] == TAXII
            page = r.json()
            objects = page.get("objects", [])
            received.extend((o["id"], o.get("modified", "")) for o in objects)
            got_any |= bool(objects)
            if objects:
                last = r.headers["X-TAXII-Date-Added-Last"]
            if not page.get("more"):
                break
            params = {"limit": "7", "next": page["next"], **({"added_after": added_after} if added_after else {})}
        if got_any:
            added_after = last
            idle = 0
        else:
            idle += 1 if not other.is_alive() else 0
        time.sleep(0.1)
    other.join()
    mine = [r for r in received if r in sent]
    assert len(mine) == len(set(mine)), "an object version twice"
    assert set(mine) == sent, f"{len(sent - set(mine))} never received"


def test_opencti_content_type_is_taken(hub, fresh_root):
    c = hub.collection(fresh_root, "OpenCTI push")
    objects, _ = ransomware_case()
    body = json.dumps({"objects": json.loads(stix2.Bundle(*objects).serialize())["objects"]})
    r = requests.post(hub.collection_url(fresh_root, c["id"]) + "objects/", data=body, auth=hub.auth("fra"),
                      headers={"Accept": TAXII, "Content-Type": "application/vnd.oasis.stix+json;version=2.1"},
                      timeout=30)
    assert r.status_code == 202, r.text
    assert r.json()["failure_count"] == 0
