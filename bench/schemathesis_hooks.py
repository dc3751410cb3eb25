"""Schemathesis hooks for `npm run fuzz`: sign webhook bodies so the fuzzer gets past verification.

Without a signature every generated webhook is a 401 and the payload validation behind it goes untested.
Secrets come from REELAY_FUZZ_SECRETS, a JSON object of endpoint name -> secret, set by bench/fuzz.ts.
"""
import hashlib
import hmac
import json
import os

import schemathesis
from schemathesis.core import NotSet

SECRETS = json.loads(os.environ.get("REELAY_FUZZ_SECRETS", "{}"))
WEBHOOK_PREFIX = "/api/webhooks/"
SIGNATURE_HEADERS = {"x-webhook-signature", "webhook-id", "webhook-timestamp", "webhook-signature"}


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
