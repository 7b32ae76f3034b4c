"""The hub under test: a Tocsin server started by scripts/interop.sh, with
agencies FRA, DEU and ITA and their tokens in the environment. Collections
are made here, through the hub's own API, one per test module that needs
one, so tests do not see each other's objects."""

import base64
import os
import uuid

import pytest
import requests

TAXII = "application/taxii+json;version=2.1"


class Hub:
    def __init__(self):
        self.base = os.environ["TOCSIN_BASE"]
        self.tokens = {
            "fra": os.environ["TOCSIN_FRA_ADMIN"],
            "deu": os.environ["TOCSIN_DEU_ADMIN"],
            "deu_officer": os.environ["TOCSIN_DEU_OFFICER"],
            "ita": os.environ["TOCSIN_ITA_OFFICER"],
        }
        self.max_content_length = int(os.environ["TOCSIN_MAX_CONTENT_LENGTH"])

    def auth(self, who):
        """HTTP Basic as MISP and taxii2-client send it: any user, the
        token as password."""
        return requests.auth.HTTPBasicAuth(who, self.tokens[who])

    def basic_header(self, who, scheme="Basic"):
        raw = base64.b64encode(f"{who}:{self.tokens[who]}".encode()).decode()
        return {"Authorization": f"{scheme} {raw}", "Accept": TAXII}

    def collection(self, root, title, readers=None, writers=None, alias=None):
        body = {
            "root": root,
            "title": title,
            "readers": readers or {"mode": "all"},
            "writers": writers or {"mode": "only", "countries": ["DEU"]},
        }
        if alias:
            body["alias"] = alias
        r = requests.post(
            f"{self.base}/v1/intel/collections",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens['fra']}"},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        return r.json()

    def root_url(self, root):
        return f"{self.base}/taxii2/{root}/"

    def collection_url(self, root, collection_id):
        return f"{self.base}/taxii2/{root}/collections/{collection_id}/"


@pytest.fixture(scope="session")
def hub():
    return Hub()


@pytest.fixture()
def fresh_root():
    """A root of its own for one test."""
    return "t" + uuid.uuid4().hex[:12]
