"""STIX content built with the OASIS stix2 library, as analysts' tools
build it: a ransomware case and a terrorist-propaganda case, and MISP
events as a national CERT and a counter-terrorism unit would write them."""

import uuid

import stix2

TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def ransomware_case(marking=stix2.TLP_AMBER.id, seed=None):
    """A ransomware group, its tooling, infrastructure and indicators on an
    address, a domain, a URL, a file hash and a wallet, tied together by a
    report (the case file) and a note."""
    tag = seed or uuid.uuid4().hex[:8]
    m = [marking]
    analyst = stix2.Identity(name=f"National Cyber Unit {tag}", identity_class="organization")
    group = stix2.IntrusionSet(name=f"LockBit affiliate {tag}", created_by_ref=analyst, object_marking_refs=m)
    family = stix2.Malware(name="LockBit 3.0", is_family=True, malware_types=["ransomware"],
                           created_by_ref=analyst, object_marking_refs=m)
    infra = stix2.Infrastructure(name=f"C2 cluster {tag}", infrastructure_types=["command-and-control"],
                                 created_by_ref=analyst, object_marking_refs=m)
    n = int(tag[:4], 16) % 250 + 1
    values = {
        "ip": f"203.0.113.{n}",
        "domain": f"pay-{tag}.example",
        "url": f"http://pay-{tag}.example/chat/{tag}",
        "sha256": (tag * 8)[:64],
        "wallet": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    }
    patterns = {
        "ip": f"[ipv4-addr:value = '{values['ip']}']",
        "domain": f"[domain-name:value = '{values['domain']}']",
        "url": f"[url:value = '{values['url']}']",
        "sha256": f"[file:hashes.'SHA-256' = '{values['sha256']}']",
    }
    indicators = [
        stix2.Indicator(name=f"{kind} of {tag}", description=f"The affiliate's {kind}, seen in the intrusion.",
                        pattern=p, pattern_type="stix",
                        indicator_types=["malicious-activity"], valid_from="2026-11-01T00:00:00Z",
                        created_by_ref=analyst, object_marking_refs=m)
        for kind, p in patterns.items()
    ]
    address = stix2.IPv4Address(value=values["ip"], object_marking_refs=m)
    rels = [stix2.Relationship(i, "indicates", family, created_by_ref=analyst, object_marking_refs=m)
            for i in indicators]
    rels.append(stix2.Relationship(group, "uses", family, created_by_ref=analyst, object_marking_refs=m))
    rels.append(stix2.Relationship(infra, "consists-of", address, created_by_ref=analyst, object_marking_refs=m))
    objects = [analyst, group, family, infra, address, *indicators, *rels]
    report = stix2.Report(name=f"Case {tag}: LockBit affiliate", published="2026-11-20T00:00:00Z",
                          report_types=["threat-actor"], object_refs=[o.id for o in objects[1:]],
                          created_by_ref=analyst, object_marking_refs=m)
    note = stix2.Note(content="Payments traced to the wallet above; seizure requested.",
                      object_refs=[report.id], created_by_ref=analyst, object_marking_refs=m)
    return [*objects, report, note], values


def misp_events():
    """Two published MISP events: a ransomware case (TLP:AMBER, to_ids
    network indicators, a hash, a wallet) and terrorist propaganda (TLP:RED:
    channel URLs, a video's hash, a donation wallet)."""
    ransomware = {"Event": {
        "uuid": "5f3a1c2e-8b4d-4e6f-9a1b-2c3d4e5f6a70", "info": "LockBit 3.0 affiliate infrastructure, case ALPHA",
        "date": "2026-11-20", "timestamp": "1795000000", "publish_timestamp": "1795000100", "published": True,
        "threat_level_id": "1", "analysis": "2", "distribution": "1",
        "Orgc": {"name": "FR-CERT", "uuid": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
        "Org": {"name": "FR-CERT", "uuid": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"},
        "Tag": [{"name": "tlp:amber"}, {"name": "misp-galaxy:ransomware=\"LockBit\""}, {"name": "PAP:AMBER"}],
        "Attribute": [
            {"uuid": "0b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "type": "ip-dst", "category": "Network activity",
             "value": "203.0.113.45", "to_ids": True, "timestamp": "1795000000", "comment": "C2 server"},
            {"uuid": "1c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", "type": "domain", "category": "Network activity",
             "value": "lockbit-payments.example", "to_ids": True, "timestamp": "1795000000"},
            {"uuid": "2d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f70", "type": "sha256", "category": "Payload delivery",
             "value": "5c1b0a5e6f9d2e3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8", "to_ids": True,
             "timestamp": "1795000000"},
            {"uuid": "3e5f6a7b-8c9d-4e0f-9a2b-3c4d5e6f7a81", "type": "btc", "category": "Financial fraud",
             "value": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "to_ids": False, "timestamp": "1795000000"},
            {"uuid": "4f6a7b8c-9d0e-4f1a-8b3c-4d5e6f7a8b92", "type": "url", "category": "Network activity",
             "value": "http://lockbit-payments.example/chat", "to_ids": True, "timestamp": "1795000000"},
        ]}}
    propaganda = {"Event": {
        "uuid": "6a4b2d3f-9c5e-4f70-8b2c-3d4e5f6a7b81", "info": "Propaganda channel network, case BRAVO",
        "date": "2026-11-22", "timestamp": "1795100000", "publish_timestamp": "1795100100", "published": True,
        "threat_level_id": "1", "analysis": "1", "distribution": "1",
        "Orgc": {"name": "CT unit DE", "uuid": "8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"},
        "Org": {"name": "CT unit DE", "uuid": "8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"},
        "Tag": [{"name": "tlp:red"}],
        "Attribute": [
            {"uuid": "5a7b8c9d-0e1f-4a2b-8c4d-5e6f7a8b9ca3", "type": "url", "category": "Network activity",
             "value": "https://media-relay.example/channel/7731", "to_ids": True, "timestamp": "1795100000"},
            {"uuid": "6b8c9d0e-1f2a-4b3c-9d5e-6f7a8b9cadb4", "type": "domain", "category": "Network activity",
             "value": "media-relay.example", "to_ids": True, "timestamp": "1795100000"},
            {"uuid": "7c9d0e1f-2a3b-4c4d-8e6f-7a8b9cadbec5", "type": "sha256", "category": "Payload delivery",
             "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "to_ids": True,
             "timestamp": "1795100000", "comment": "propaganda video"},
            {"uuid": "8d0e1f2a-3b4c-4d5e-9f70-8b9cadbecfd6", "type": "ip-dst", "category": "Network activity",
             "value": "198.51.100.77", "to_ids": True, "timestamp": "1795100000"},
        ]}}
    return [ransomware, propaganda]
