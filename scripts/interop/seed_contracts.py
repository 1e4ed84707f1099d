#!/usr/bin/env python3
"""Checks the seed REST contracts of FRP-01 and FRP-02 (../shared/seeds/001_34fb45044c2cd882.txt) against a running
JSON gateway with a plain HTTP client (urllib), field names exactly as the seed document writes them.

    seed_contracts.py BASE_URL ADMIN_BADGE SITE_ID

ADMIN_BADGE signs in as an admin of the organization that owns SITE_ID (a site with nothing in it yet). Prints one
line per contract checked, `OK <contract>`, and exits 1 at the first mismatch with what differs.
"""
import json
import sys
import urllib.error
import urllib.request
import uuid


class ContractError(Exception):
    pass


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


def expect(condition, message):
    if not condition:
        raise ContractError(message)


def expect_ok(contract, status, body):
    expect(status == 200, f"{contract}: HTTP {status}: {json.dumps(body)[:600]}")


def expect_keys(contract, value, keys, what="response"):
    expect(isinstance(value, dict), f"{contract}: {what} is not an object: {value!r}")
    missing = [key for key in keys if key not in value]
    expect(not missing, f"{contract}: {what} lacks {missing}: {json.dumps(value)[:600]}")


def expect_uuid(contract, value, what):
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise ContractError(f"{contract}: {what} is not a uuid: {value!r}")


def badge_login(base, badge, device):
    contract = "POST /auth/badge-login"
    status, _, body = call(base, "POST", "/auth/badge-login", {"badgeId": badge, "deviceId": device})
    expect_ok(contract, status, body)
    expect_keys(contract, body, ["token", "sessionId", "user"])
    expect(body["token"].count(".") == 2, f"{contract}: token is not a JWT: {body['token']!r}")
    expect_uuid(contract, body["sessionId"], "sessionId")
    user = body["user"]
    expect_keys(contract, user, ["id", "name", "roles", "sites"], "user")
    expect_uuid(contract, user["id"], "user.id")
    expect(isinstance(user["roles"], list) and isinstance(user["sites"], list), f"{contract}: roles/sites not arrays")
    return body


def main():
    base, badge, site = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    tag = uuid.uuid4().hex[:6].upper()

    admin = badge_login(base, badge, "contract-kiosk")
    token = admin["token"]
    expect(site in admin["user"]["sites"], f"the admin's sites {admin['user']['sites']} lack {site}")
    print("OK POST /auth/badge-login", flush=True)

    contract = "GET /auth/sessions"
    status, _, body = call(base, "GET", "/auth/sessions", token=token)
    expect_ok(contract, status, body)
    sessions = body.get("sessions", [])
    mine = [s for s in sessions if s.get("id") == admin["sessionId"]]
    expect(mine, f"{contract}: the new session {admin['sessionId']} is not listed: {json.dumps(body)[:600]}")
    expect_keys(contract, mine[0], ["id", "userId", "deviceId", "startedAt", "lastActivity"], "sessions[]")
    expect(mine[0]["userId"] == admin["user"]["id"] and mine[0]["deviceId"] == "contract-kiosk", f"{contract}: {mine[0]}")
    print("OK GET /auth/sessions", flush=True)

    contract = "POST /sites/{siteId}/rooms"
    status, _, body = call(
        base, "POST", f"/sites/{site}/rooms", {"code": f"VEG-{tag}", "name": "Veg Room 1", "roomType": "Veg"}, token
    )
    expect_ok(contract, status, body)
    expect_keys(contract, body, ["id"])
    expect_uuid(contract, body["id"], "id")
    expect(body.get("displayName") == "Veg Room 1", f"{contract}: name not kept: {body}")
    room = body["name"]
    print(f"OK {contract}", flush=True)

    status, _, zone = call(
        base, "POST", f"/v1/sites/{site}/zones", {"code": f"Z-{tag}", "displayName": "Zone", "room": room}, token
    )
    expect_ok("create zone", status, zone)

    contract = "POST /equipment"
    status, _, body = call(
        base,
        "POST",
        "/equipment",
        {"code": f"TEMP-{tag}", "type": "Temperature Sensor", "zoneId": zone["id"], "calibrationDueDate": "2025-12-31"},
        token,
    )
    expect_ok(contract, status, body)
    expect_keys(contract, body, ["id"])
    expect_uuid(contract, body["id"], "id")
    expect(body.get("kind") == "SENSOR" and body.get("zone") == zone["name"], f"{contract}: {body}")
    expect(body.get("calibrationDueDate") == "2025-12-31", f"{contract}: due date not kept: {body}")
    equipment_id, equipment = body["id"], body["name"]
    print(f"OK {contract}", flush=True)

    status, _, body = call(
        base,
        "POST",
        f"/v1/{equipment}/calibrations",
        {"date": "2026-01-15T10:00:00Z", "result": "PASS", "nextDue": "2026-07-15T00:00:00Z"},
        token,
    )
    expect_ok("add calibration", status, body)
    contract = "GET /equipment/{id}/calibrations"
    status, _, body = call(base, "GET", f"/equipment/{equipment_id}/calibrations", token=token)
    expect_ok(contract, status, body)
    calibrations = body.get("calibrations")
    expect(isinstance(calibrations, list) and len(calibrations) == 1, f"{contract}: {body}")
    expect_keys(contract, calibrations[0], ["id", "date", "result", "nextDue"], "calibrations[]")
    expect(calibrations[0]["date"] == "2026-01-15T10:00:00Z" and calibrations[0]["result"] == "PASS", f"{contract}: {body}")
    print(f"OK {contract}", flush=True)

    # A second person, signed in with a badge of their own, whose badge is then revoked.
    status, _, user = call(
        base, "POST", f"/v1/users?sites=sites/{site}&roles=operator",
        {"displayName": "Contract Operator", "email": f"operator-{tag.lower()}@example.com"}, token,
    )
    expect_ok("create user", status, user)
    operator_badge = f"OP-{tag}"
    status, _, body = call(base, "POST", f"/v1/{user['name']}/badges", {"code": operator_badge}, token)
    expect_ok("issue badge", status, body)
    operator = badge_login(base, operator_badge, "contract-scanner")
    contract = "POST /auth/badge-revoke"
    status, _, body = call(base, "POST", "/auth/badge-revoke", {"badgeId": operator_badge}, token)
    expect_ok(contract, status, body)
    expect_keys(contract, body, ["revokedSessionIds"])
    expect(body["revokedSessionIds"] == [operator["sessionId"]], f"{contract}: {body}")
    status, headers, body = call(base, "GET", "/auth/sessions", token=operator["token"])
    expect(status == 401, f"{contract}: the revoked session still works: HTTP {status}")
    print(f"OK {contract}", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ContractError as error:
        print(f"FAIL {error}", flush=True)
        sys.exit(1)
