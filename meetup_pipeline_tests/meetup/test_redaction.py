"""The one masking implementation: every encoding a secret travels in is masked."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus, urlencode

from meetup_pipeline.redaction import MASK, Redactor

SECRET = 'a+b/c=d&e"f g'


def test_every_encoding_of_a_registered_secret_is_masked() -> None:
    redactor = Redactor()
    redactor.add_pair("client-1", SECRET)
    basic = base64.b64encode(f"client-1:{SECRET}".encode()).decode()
    texts = [
        urlencode({"client_secret": SECRET}),
        f"?s={quote(SECRET)}",
        quote(SECRET, safe="").lower(),
        quote_plus(SECRET),
        json.dumps({"s": SECRET}),
        json.dumps({"s": SECRET}).replace("/", "\\/"),
        f"Authorization: Basic {basic}",
        base64.b64encode(SECRET.encode()).decode(),
    ]
    for text in texts:
        masked = redactor(text)
        assert MASK in masked and "a+b" not in masked and "%2B" not in masked.upper(), text
        assert basic not in masked
    assert redactor("nothing secret here") == "nothing secret here"
