"""Schemathesis hooks for `npm run fuzz`: sign webhook bodies so the fuzzer gets past verification,
and tally every response so the run can say what was really exercised.

Without a signature every generated webhook is a 401 and the payload validation behind it goes untested.
Secrets come from REELAY_FUZZ_SECRETS, a JSON object of endpoint name -> secret, set by bench/fuzz.ts.
When REELAY_FUZZ_TALLY names a file, each response is appended to it as a JSON line
`{"operation": "GET /api/v1/errors", "status": 200}` (bench/fuzz.ts reads it: 5xx, 401s, 429s).
"""
import hashlib
import hmac
import json
import os
import threading

import schemathesis
from schemathesis.core import NotSet

SECRETS = json.loads(os.environ.get("REELAY_FUZZ_SECRETS", "{}"))
WEBHOOK_PREFIX = "/api/webhooks/"
SIGNATURE_HEADERS = {"x-webhook-signature", "webhook-id", "webhook-timestamp", "webhook-signature"}
TALLY_PATH = os.environ.get("REELAY_FUZZ_TALLY")
_tally_lock = threading.Lock()


@schemathesis.hook
def before_call(context, case, kwargs):
    path = case.operation.path
    if not path.startswith(WEBHOOK_PREFIX) or isinstance(case.body, NotSet):
        return
    secret = SECRETS.get(path[len(WEBHOOK_PREFIX):])
    if secret is None or "json" not in (case.media_type or ""):
        return
    # Serialize here so the bytes signed are the bytes sent: a body passed as `data` replaces the generated one.
    raw = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
    kwargs["data"] = raw
    # Replace whatever signature headers were generated (any case, either scheme) with a valid one.
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in SIGNATURE_HEADERS}
    headers["x-webhook-signature"] = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    case.headers = headers


@schemathesis.hook
def after_call(context, case, response):
    if not TALLY_PATH:
        return
    line = json.dumps({"operation": f"{case.operation.method.upper()} {case.operation.path}", "status": response.status_code})
    with _tally_lock, open(TALLY_PATH, "a", encoding="utf-8") as tally:
        tally.write(line + "\n")
